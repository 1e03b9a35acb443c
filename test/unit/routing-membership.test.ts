import { ErrorCode } from '@slack/web-api'
import { describe, expect, it } from 'vitest'
import { checkMembership, describeMembershipProblem } from '../../src/features/routing/membership.js'
import type { ChannelReader } from '../../src/slack/web-api.js'
import type { RoutingTable } from '../../src/features/routing/rules.js'

const table: RoutingTable = {
  defaultChannel: 'C0DEFAULT',
  rules: [
    { number: 1, match: { kind: ['health'] }, target: { kind: 'channel', channel: 'C0ARCHIVED' } },
    { number: 2, match: { severity: 'critical' }, target: { kind: 'channel', channel: 'C0LIMITED' } },
    { number: 3, match: { source: ['x'] }, target: { kind: 'channel', channel: 'C0NOSCOPE' } },
  ],
}

const platformError = (error: string) =>
  Object.assign(new Error(`An API error occurred: ${error}`), { code: ErrorCode.PlatformError, data: { ok: false, error } })

/** conversations.info as Slack answers each channel: a channel object, or a thrown error as @slack/web-api throws it. */
const slack = (answers: Record<string, () => Promise<unknown>>): ChannelReader =>
  ({ conversations: { info: ({ channel }: { channel: string }) => answers[channel]!() } }) as unknown as ChannelReader

describe('checkMembership', () => {
  it('names an archived channel, and tells a missing scope from Slack being rate limited, without throwing', async () => {
    const problems = await checkMembership(
      slack({
        C0DEFAULT: () => Promise.resolve({ ok: true, channel: { id: 'C0DEFAULT', is_member: true, is_archived: false } }),
        C0ARCHIVED: () => Promise.resolve({ ok: true, channel: { id: 'C0ARCHIVED', is_member: true, is_archived: true } }),
        C0LIMITED: () =>
          Promise.reject(
            Object.assign(new Error('A rate limit was exceeded (url: conversations.info, retry-after: 30)'), { code: ErrorCode.RateLimitedError }),
          ),
        C0NOSCOPE: () => Promise.reject(platformError('missing_scope')),
      }),
      table,
    )
    expect(problems.map((problem) => describeMembershipProblem(problem))).toEqual([
      'C0ARCHIVED (routes file rule 1) is archived: messages routed there go to ALERT_CHANNEL_ID instead. Unarchive it, or route to another channel in the routes file.',
      'could not check that the bot is in C0LIMITED (routes file rule 2) (A rate limit was exceeded (url: conversations.info, retry-after: 30)); /deprovision status checks again.',
      'could not check that the bot is in C0NOSCOPE (routes file rule 3): the app needs the channels:read and groups:read scopes (reinstall it with manifest.yml).',
    ])
  })
})

/**
 * After an ambiguous failure, the bot reports what the service shows. A write whose answer was lost (the service
 * applied it, then a 504 came back) is tried again, finds the account in the requested state, and is reported as
 * the result of that request, with the consequences of a first success: a scheduled deletion's final date, Cancel
 * deletion and its timers; a suspended account's Reactivate. Restoring an account that no longer exists is a
 * failure, not "already reactivated". At a scheduled deletion's final date the bot asks the service first.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { alertButtons } from '../support/alert-steps.js'
import type { Action } from '../../src/providers/types.js'
import { AuditLog } from '../../src/store/audit.js'

const DAY = 24 * 3600 * 1000
let clock = new Date('2026-11-22T10:00:00.000Z')
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms)
}

let env: LocalEnvironment
let redis: Redis
beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [
      { id: 'u-sam', userName: 'sam@example.com', displayName: 'Sam Suspended' },
      { id: 'u-rex', userName: 'rex@example.com', displayName: 'Rex Removed' },
    ],
    atlassian: {
      accounts: [
        { accountId: 'aa-lola', email: 'lola@example.com', name: 'Lola Lost' },
        { accountId: 'aa-cara', email: 'cara@example.com', name: 'Cara Console' },
        { accountId: 'aa-pete', email: 'pete@example.com', name: 'Pete Pending' },
      ],
    },
    now: () => clock,
    retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 100 },
  })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

const text = (item: StoredView | StoredMessage) => JSON.stringify(item.blocks)
const current = (message: StoredMessage) => env.slack.message(LOCAL.channel, message.ts)!
const alertIdOf = (message: StoredMessage) => /Alert ID: (al_\w+)/.exec(text(message))![1]!

async function raise(integration: string, email: string): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration, email, reason: 'Left the company' })
  expect(accepted.status).toBe(202)
  return env.alertMessage(String(accepted.body.alertId))
}

async function confirm(message: StoredMessage, action: Action): Promise<void> {
  const since = env.slack.calls.length
  await env.click(message, action)
  expect((await env.submit(await env.confirmation(since))).status).toBe(200)
}

async function alertShows(message: StoredMessage, pattern: RegExp): Promise<StoredMessage> {
  await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && pattern.test(String(c.args.text)))
  return current(message)
}

async function audit(message: StoredMessage) {
  return new AuditLog(redis).forAlert(alertIdOf(message))
}

describe('a write whose answer was lost', () => {
  it('Atlassian deletion: reported as scheduled, with its final date counted from the lost request, Cancel deletion and its timers', async () => {
    const message = await raise(LOCAL.atlassianId, 'lola@example.com')
    env.atlassian!.failNext({ method: 'POST', pathIncludes: '/lifecycle/delete' }, { status: 504, afterApplying: true })
    await confirm(message, 'delete')

    const reply = await env.threadReply(message, /scheduled for deletion|already/i)
    expect(reply.text).toMatch(/scheduled for deletion/)
    const final = new Date(clock.getTime() + 14 * DAY)
    expect(reply.text).toContain(`<!date^${Math.floor(final.getTime() / 1000)}^`)
    expect(alertButtons(await alertShows(message, /scheduled/))).toEqual(['cancel-delete'])
    expect(env.atlassian!.requests.filter((r) => r.path.endsWith('/lifecycle/delete'))).toHaveLength(1)
    expect((await audit(message)).find((e) => e.event === 'action-completed')).toMatchObject({ outcome: 'scheduled' })
  })

  it('SCIM suspension: reported as suspended, not "already", and the alert offers Reactivate', async () => {
    const message = await raise(LOCAL.integrationId, 'sam@example.com')
    env.scim.failNext({ method: 'PATCH' }, { status: 504, afterApplying: true })
    await confirm(message, 'suspend')

    const reply = await env.threadReply(message, /suspended/i)
    expect(reply.text).not.toMatch(/already/i)
    expect(env.scim.users.get('u-sam')?.active).toBe(false)
    expect(alertButtons(await alertShows(message, /Suspended/))).toContain('restore')
    expect((await audit(message)).find((e) => e.event === 'action-completed')).toMatchObject({ outcome: 'done' })
  })
})

describe('Reactivate on an account that no longer exists', () => {
  it('is a failure that says there is nothing to reactivate, not "already reactivated"', async () => {
    const message = await raise(LOCAL.integrationId, 'rex@example.com')
    await confirm(message, 'suspend')
    await alertShows(message, /Suspended/)

    // The account goes between the confirmation and the job.
    const since = env.slack.calls.length
    await env.click(current(message), 'restore')
    const view = await env.confirmation(since)
    env.scim.users.delete('u-rex')
    expect((await env.submit(view)).status).toBe(200)
    const reply = await env.threadReply(message, /no longer exists/)
    expect(reply.text).toMatch(/failed/i)
    expect(text(reply)).toMatch(/Nothing to reactivate/)
    expect(text(reply)).not.toMatch(/already (reactivated|active)/i)
  })
})

describe('a scheduled deletion at its final date', () => {
  it('is recorded as cancelled, not final, when it was cancelled in Atlassian itself, and the alert is open again', async () => {
    const message = await raise(LOCAL.atlassianId, 'cara@example.com')
    await confirm(message, 'delete')
    await env.threadReply(message, /scheduled for deletion/)
    // Someone cancels the deletion in Atlassian's admin console.
    const account = env.atlassian!.account('aa-cara')!
    account.state = 'active'
    delete account.deletionFinalAt

    advance(14 * DAY + 60_000)
    await env.bot.sweepTimers()
    const reply = await env.threadReply(message, /did not become final/)
    expect(reply.text).toMatch(/cancelled in/)
    await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && /alert_action:delete"/.test(JSON.stringify(c.args.blocks)))
    expect(alertButtons(current(message))).toEqual(['delete', 'suspend'])
    const events = (await audit(message)).map((e) => e.event)
    expect(events).toContain('deletion-cancelled-elsewhere')
    expect((await audit(message)).filter((e) => e.detail === 'the scheduled deletion became final')).toEqual([])
  })

  it('is asked about again later while the service still shows it pending, and recorded final once it is gone', async () => {
    const message = await raise(LOCAL.atlassianId, 'pete@example.com')
    await confirm(message, 'delete')
    await env.threadReply(message, /scheduled for deletion/)
    // Atlassian takes longer than the bot counted: the account is still pending at the bot's final date.
    const account = env.atlassian!.account('aa-pete')!
    account.deletionFinalAt = new Date(clock.getTime() + 14 * DAY + 2 * 3600_000).toISOString()

    advance(14 * DAY + 60_000)
    await env.bot.sweepTimers()
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(
      env.slack
        .messages(LOCAL.channel)
        .find((m) => m.ts === message.ts)!
        .replies.some((r) => /is final/.test(r.text ?? '')),
    ).toBe(false)

    advance(3 * 3600_000)
    await env.bot.sweepTimers()
    await env.threadReply(message, /is final/)
    // The final entry names the account the person confirmed, like every other entry about the action.
    expect((await audit(message)).find((e) => e.detail === 'the scheduled deletion became final')).toMatchObject({ action: 'delete', accountId: 'aa-pete' })
  })
})

/**
 * Starting a confirmed action when its job cannot be queued: nothing ran, so the attempt settles as failed and is
 * reported the way a job reports any result (one reply in the thread, the alert updated to offer Retry), never
 * left "in progress". Real Redis for the alert; the queue refuses, and Slack is a recorder.
 */
import { describe, expect, it } from 'vitest'
import type { AlertDeps } from '../../src/features/alerts/deps.js'
import { startAction } from '../../src/features/alerts/start-action.js'
import { MuteStore } from '../../src/features/mutes/store.js'
import { createLogger } from '../../src/logger.js'
import type { ProviderRegistry } from '../../src/providers/registry.js'
import type { Action } from '../../src/providers/types.js'
import type { SlackPort } from '../../src/slack/web-api.js'
import { AlertStore } from '../../src/store/alerts.js'
import { AuditLog } from '../../src/store/audit.js'
import { useRedis } from '../support/redis.js'

const CAPABILITIES: ReadonlySet<Action> = new Set(['delete', 'suspend'])
const NOW = new Date('2026-11-22T10:00:00.000Z')
const THREAD = { channel: 'C0ALERTS', ts: '1700000000.000100' }

type Sent = { method: 'postMessage' | 'update'; args: { text?: string; thread_ts?: string; blocks?: unknown } }

/** A Slack stand-in that keeps what it was asked to post or update. */
function recordingSlack(): { slack: SlackPort; sent: Sent[] } {
  const sent: Sent[] = []
  const record = (method: Sent['method']) => async (args: Sent['args']) => {
    sent.push({ method, args })
    return { ok: true, ts: `1700000000.${String(sent.length).padStart(6, '0')}` }
  }
  const slack = { chat: { postMessage: record('postMessage'), update: record('update') } } as unknown as SlackPort
  return { slack, sent }
}

const { redis } = useRedis()

describe('an action whose job cannot be queued', () => {
  it('settles as failed and says so once in the thread, with Retry, and the alert offers its buttons again instead of "in progress"', async () => {
    const alerts = new AlertStore(redis())
    const created = await alerts.create({ integration: 'hr', email: 'ann@example.com', reason: 'left', severity: 'high' }, 'HR', NOW)
    if (created.status !== 'created') throw new Error('not created')
    await alerts.recordMessage(created.alert.id, THREAD)
    const alert = (await alerts.get(created.alert.id))!
    const claim = await alerts.claim(alert, 'delete', 'U0ACTOR', CAPABILITIES, NOW)
    if (claim.status !== 'claimed') throw new Error('not claimed')

    const announcer = recordingSlack()
    const client = recordingSlack()
    const deps = {
      alerts,
      audit: new AuditLog(redis()),
      mutes: new MuteStore(redis()),
      queues: { enqueueAction: () => Promise.reject(new Error('Redis is gone')) },
      providers: { summary: () => ({ capabilities: CAPABILITIES }) } as unknown as ProviderRegistry,
      actors: new Set(['U0ACTOR']),
      announcer: announcer.slack,
      logger: createLogger('silent'),
      preflightTimeoutMs: 1_000,
    } as unknown as AlertDeps

    await startAction(deps, client.slack, alert, claim.request, {}, deps.logger)

    expect((await alerts.get(alert.id))!.state).toMatchObject({
      kind: 'failed',
      problem: { kind: 'transient', detail: 'the job queue was unavailable, so nothing was done' },
    })
    const replies = client.sent.filter((sent) => sent.method === 'postMessage')
    expect(replies).toHaveLength(1)
    expect(replies[0]!.args).toMatchObject({ thread_ts: THREAD.ts })
    expect(JSON.stringify(replies[0]!.args)).toContain('the job queue was unavailable')
    const updates = client.sent.filter((sent) => sent.method === 'update').map((sent) => JSON.stringify(sent.args))
    expect(JSON.stringify(replies[0]!.args)).toContain('"text":"Retry"')
    const alertNow = updates.at(-1)!
    expect(alertNow).toContain('Delete failed')
    expect(alertNow).toContain('"action_id":"alert_action:delete"')
    expect(alertNow.toLowerCase()).not.toContain('in progress')
  })
})

/**
 * An action that no job will finish does not leave its alert "in progress": the thread says
 * the bot could not confirm the result, with Retry (which looks the account up first).
 * Either the job fails for good before it records the service's answer (here the store
 * refuses the settlement on its only attempt, after the service deleted the account), or
 * the job is gone (lost, or failed for stalling, which no worker hears of): the minute's
 * sweep finds the attempt once it is old enough.
 */
import { Queue } from 'bullmq'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ORPHANED_AFTER_MS } from '../../src/features/alerts/jobs/run-action.js'
import { ACTION_QUEUE, QUEUE_PREFIX } from '../../src/jobs/queues.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { AlertStore } from '../../src/store/alerts.js'

let env: LocalEnvironment

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [{ id: 'u-kai', userName: 'kai@example.com' }],
    retry: { attempts: 1, baseDelayMs: 50, maxDelayMs: 100 },
    slackRetry: { retries: 0 },
  })
})
afterAll(async () => {
  await env?.stop()
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('an action job that fails for good before it records the result', () => {
  it('reports the result as unconfirmed with Retry instead of leaving the alert in progress, and the Retry says the account no longer exists', async () => {
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'kai@example.com', reason: 'Departed employee' })
    const message = await env.alertMessage(String(accepted.body.alertId))
    const since = env.slack.calls.length
    await env.click(message, 'delete')
    const view = await env.confirmation(since)
    vi.spyOn(AlertStore.prototype, 'settle').mockRejectedValueOnce(new Error('Connection is closed.'))

    await env.submit(view)
    const reply = await env.threadReply(message, /could not confirm/i)
    expect(reply.text).toMatch(/could not confirm whether the account was deleted in Acme HR/i)
    expect(JSON.stringify(reply.blocks)).toContain('alert_action:delete')
    // The service did delete it: the job failed only afterwards.
    expect(env.scim.findUser('kai@example.com')).toBeUndefined()
    const updated = env.slack.message(LOCAL.channel, message.ts)
    expect(JSON.stringify(updated?.blocks)).not.toMatch(/in progress/i)

    // Retry looks the account up first: the modal says it is gone, and nothing is sent again.
    const again = env.slack.calls.length
    await env.click(reply, 'delete')
    expect(JSON.stringify((await env.confirmation(again)).blocks)).toMatch(/kai@example\.com\* no longer exists in Acme HR/)
    expect(env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === '/Users/u-kai')).toHaveLength(1)
  })
})

describe('an in-progress action whose job is gone', () => {
  let orphans: LocalEnvironment
  let clock = new Date('2026-12-04T10:00:00.000Z')
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms)
  }
  beforeAll(async () => {
    // No workers in the bot: a worker replica posts the alerts, then stops, so the confirmed actions stay queued.
    orphans = await startLocalEnvironment({
      users: ['lia', 'max'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
      workers: false,
      now: () => clock,
    })
  })
  afterAll(async () => {
    await orphans?.stop()
  })

  async function confirmation(email: string): Promise<{ alertId: string; message: StoredMessage; view: StoredView }> {
    const accepted = await orphans.postAlert({ integration: LOCAL.integrationId, email, reason: 'Departed employee' })
    const alertId = String(accepted.body.alertId)
    const message = await orphans.alertMessage(alertId)
    const since = orphans.slack.calls.length
    await orphans.click(message, 'delete')
    return { alertId, message, view: await orphans.confirmation(since) }
  }

  it('is reported as unconfirmed, with Retry, by the sweep once it is old enough, while an action still queued is left alone', async () => {
    const poster = await orphans.startWorker()
    const lost = await confirmation('lia@example.com')
    const queued = await confirmation('max@example.com')
    await poster.stop()
    await orphans.submit(lost.view)
    await orphans.submit(queued.view)
    const actions = new Queue(ACTION_QUEUE, { connection: { url: orphans.redisUrl }, prefix: QUEUE_PREFIX })
    try {
      await (await actions.getJob(`${lost.alertId}.delete.1`))?.remove()

      advance(ORPHANED_AFTER_MS / 2)
      await orphans.bot.sweepTimers()
      expect(orphans.slack.messages(LOCAL.channel).filter((m) => m.thread_ts === lost.message.ts && /could not confirm/i.test(m.text))).toEqual([])

      advance(ORPHANED_AFTER_MS / 2 + 1_000)
      await orphans.bot.sweepTimers()
      const reply = await orphans.threadReply(lost.message, /could not confirm/i)
      expect(JSON.stringify(reply.blocks)).toContain('alert_action:delete')
      expect(await actions.getJob(`${queued.alertId}.delete.1`)).toBeDefined()
      expect(orphans.slack.messages(LOCAL.channel).filter((m) => m.thread_ts === queued.message.ts && /could not confirm/i.test(m.text))).toEqual([])
      // Nothing was sent to the service for either.
      expect(orphans.scim.requests.filter((r) => r.method === 'DELETE')).toEqual([])
    } finally {
      await actions.close()
    }
  })
})

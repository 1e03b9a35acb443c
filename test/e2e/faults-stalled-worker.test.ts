/**
 * A job can fail for stalling while its worker is still alive and acting (its lock lapsed: a long pause, a Redis
 * hiccup). The minute's sweep settles old in-progress attempts whose job failed as "unconfirmed"; it must leave an
 * attempt alone while a worker still holds its lease, and settle it only once no lease remains. Real Redis and BullMQ;
 * the job is failed the way BullMQ's stalled-job check fails it (no lock token, no retry).
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AttemptLeases } from '../../src/features/alerts/attempt-lease.js'
import { ACTION_QUEUE, QUEUE_PREFIX, type ActionJob } from '../../src/jobs/queues.js'
import { ORPHANED_AFTER_MS } from '../../src/features/alerts/jobs/run-action.js'
import { createLogger } from '../../src/logger.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { deletesOf, eventually, repliesMatching } from '../support/fault-replicas.js'

const STALLED = 'job stalled more than allowable limit'
const UNCONFIRMED = /could not confirm/i

let env: LocalEnvironment
let actions: Queue
let clock = new Date('2026-12-04T10:00:00.000Z')
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms)
}

beforeAll(async () => {
  // No workers in the bot: each test starts the worker it needs.
  env = await startLocalEnvironment({
    users: ['ned', 'ora'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    workers: false,
    now: () => clock,
  })
  actions = new Queue(ACTION_QUEUE, { connection: { url: env.redisUrl }, prefix: QUEUE_PREFIX })
})
afterAll(async () => {
  await actions?.close()
  await env?.stop()
})

async function confirmation(email: string): Promise<{ alertId: string; message: StoredMessage; view: StoredView }> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Departed employee' })
  const alertId = String(accepted.body.alertId)
  const message = await env.alertMessage(alertId)
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return { alertId, message, view: await env.confirmation(since) }
}

/** Fails the job as BullMQ's stalled-job check does: without its worker's lock token, for good. */
async function failForStalling(jobId: string): Promise<void> {
  const job = await actions.getJob(jobId)
  await job!.moveToFailed(new UnrecoverableError(STALLED), '0')
  expect(await job!.getState()).toBe('failed')
}

describe('the minute sweep and a worker still acting on a job that failed for stalling', () => {
  it('leaves the attempt alone while the worker acts: the thread gets the real result, never "could not confirm"', async () => {
    const worker = await env.startWorker()
    try {
      const { alertId, message, view } = await confirmation('ned@example.com')
      env.scim.failNext({ method: 'DELETE' }, { delayMs: 3_000 })
      await env.submit(view)
      await eventually('the DELETE reaches the service', () => deletesOf(env, 'u-ned').length === 1)

      await failForStalling(`${alertId}.delete.1`)
      advance(ORPHANED_AFTER_MS + 60_000)
      await env.bot.sweepTimers()
      expect(repliesMatching(env, message, UNCONFIRMED)).toEqual([])

      const result = await env.threadReply(message, /^✅/)
      expect(result.text).toMatch(/deleted/i)
      await env.bot.sweepTimers()
      expect(repliesMatching(env, message, UNCONFIRMED)).toEqual([])
      expect(deletesOf(env, 'u-ned')).toHaveLength(1)
    } finally {
      await worker.stop()
    }
  })

  it('settles the attempt as unconfirmed, with Retry, only once no worker holds its lease', async () => {
    // A worker replica posts the alert, then stops, so the confirmed action stays queued for the worker below.
    const poster = await env.startWorker()
    const { alertId, message, view } = await confirmation('ora@example.com')
    await poster.stop()
    await env.submit(view)
    const jobId = `${alertId}.delete.1`

    // A worker takes the job and holds the attempt's lease as the bot's action worker does, then its job fails for stalling.
    const taker = new Worker<ActionJob>(ACTION_QUEUE, null, { connection: { url: env.redisUrl }, prefix: QUEUE_PREFIX })
    const redis = new Redis(env.redisUrl)
    try {
      const job = await taker.getNextJob('still-alive')
      expect(job?.id).toBe(jobId)
      let finishActing = () => {}
      const acting = new AttemptLeases(redis, createLogger('silent')).holding(
        job!.data,
        'still-alive',
        () => new Promise<void>((resolve) => (finishActing = resolve)),
      )
      await failForStalling(jobId)
      advance(ORPHANED_AFTER_MS + 60_000)

      await env.bot.sweepTimers()
      expect(repliesMatching(env, message, UNCONFIRMED)).toEqual([])

      finishActing()
      await acting
      await env.bot.sweepTimers()
      const reply = await env.threadReply(message, UNCONFIRMED)
      expect(JSON.stringify(reply.blocks)).toContain('alert_action:delete')
      expect(deletesOf(env, 'u-ora')).toEqual([])
    } finally {
      await taker.close()
      redis.disconnect()
    }
  })
})

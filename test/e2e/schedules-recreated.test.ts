/**
 * The repeating schedules live in Redis. If Redis loses them while the bot runs (a restore, a FLUSHALL of the
 * queue's keys), the worker re-creates them on its own, so due timers are swept again: here an approval nobody
 * decided on still expires, without anyone restarting the bot.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUEUE_PREFIX, TIMER_QUEUE } from '../../src/jobs/queues.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'

const HOUR = 3_600_000
let env: LocalEnvironment
let redis: Redis
let clock = new Date('2026-11-22T10:00:00.000Z')

beforeAll(async () => {
  env = await startLocalEnvironment({ scimEntry: { approval: ['delete'] }, now: () => clock, scheduleCheckMs: 250 })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

/** What a Redis that lost the timer queue looks like: its schedulers and pending jobs are gone. */
async function loseTimerQueue(): Promise<number> {
  const keys = await redis.keys(`${QUEUE_PREFIX}:${TIMER_QUEUE}:*`)
  if (keys.length > 0) await redis.del(...keys)
  return keys.length
}

describe('repeating schedules Redis lost', () => {
  it('are re-created while the bot runs: a request awaiting approval still expires on time', async () => {
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'bob@example.com', reason: 'Left the company' })
    const alert = await env.alertMessage(String(accepted.body.alertId))
    const since = env.slack.calls.length
    await env.click(alert, 'delete')
    await env.submit(await env.confirmation(since))
    await env.threadReply(alert, /Awaiting approval/)

    expect(await loseTimerQueue()).toBeGreaterThan(0)
    clock = new Date(clock.getTime() + 25 * HOUR)

    const expired = await env.threadReply(alert, /expired/)
    expect(expired.text).toContain('expired after 24 h without approval')
    expect(await redis.exists(`${QUEUE_PREFIX}:${TIMER_QUEUE}:repeat:sweep-timers`)).toBe(1)
  })
})

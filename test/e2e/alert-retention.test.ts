/**
 * An alert lives at least as long as anything that refers to it: an alert raised long ago (its 90 days nearly
 * over) that gets a deletion scheduled 14 days ahead is still there on the final date, and a timer due further
 * ahead than 90 days keeps its alert past it too.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TimerStore } from '../../src/jobs/timers.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { AlertStore } from '../../src/store/alerts.js'
import { KEY_PREFIX } from '../../src/store/redis.js'

const DAY = 24 * 3600
const alertKey = (id: string) => `${KEY_PREFIX}alert:${id}`
const clock = new Date('2026-11-22T10:00:00.000Z')
let env: LocalEnvironment
let redis: Redis

beforeAll(async () => {
  env = await startLocalEnvironment({ atlassian: { accounts: [{ accountId: 'aa-bob', email: 'bob@example.com', name: 'Bob Builder' }] }, now: () => clock })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

/** An alert whose retention is almost over, as if raised 89 days ago. */
async function oldAlert(integration: string, email: string): Promise<string> {
  const accepted = await env.postAlert({ integration, email, reason: 'Left the company' })
  const alertId = String(accepted.body.alertId)
  await env.alertMessage(alertId)
  await redis.expire(alertKey(alertId), DAY)
  return alertId
}

describe('an alert raised long ago', () => {
  it('outlives the deletion scheduled on it: its expiry moves past the final date', async () => {
    const alertId = await oldAlert(LOCAL.atlassianId, 'bob@example.com')
    const message = await env.alertMessage(alertId)
    const since = env.slack.calls.length
    await env.click(message, 'delete')
    await env.submit(await env.confirmation(since))
    await env.threadReply(message, /scheduled for deletion/)

    expect(await redis.ttl(alertKey(alertId))).toBeGreaterThan(14 * DAY)
  })

  it('outlives a timer due further ahead than its 90 days, by a margin', async () => {
    const alertId = await oldAlert(LOCAL.integrationId, 'bob@example.com')
    const due = new Date(clock.getTime() + 200 * DAY * 1000)
    await new TimerStore(redis, () => clock).schedule({ kind: 'report-retry', alertId, action: 'delete', attempt: 1, retry: 1 }, due)

    expect(await redis.ttl(alertKey(alertId))).toBeGreaterThan(200 * DAY)
    expect(await new AlertStore(redis).get(alertId)).not.toBeNull()
  })
})

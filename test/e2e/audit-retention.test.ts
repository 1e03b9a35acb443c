/**
 * The audit log is kept for AUDIT_RETENTION_DAYS, the operator's choice: the minute's sweep removes entries older
 * than that and keeps everything younger, whatever their number.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { AUDIT_STREAM, AuditLog } from '../../src/store/audit.js'

const DAY = 86_400_000
let env: LocalEnvironment
let redis: Redis

beforeAll(async () => {
  env = await startLocalEnvironment({ env: { AUDIT_RETENTION_DAYS: '30' } })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

/** An entry written `daysAgo` days ago (stream ids are the time they were written, in ms). */
async function writtenDaysAgo(daysAgo: number, alertId: string): Promise<void> {
  await redis.xadd(AUDIT_STREAM, `${Date.now() - daysAgo * DAY}-0`, 'event', 'alert-received', 'alertId', alertId)
}

describe('the audit log', () => {
  it('drops entries older than AUDIT_RETENTION_DAYS at the sweep and keeps the younger ones', async () => {
    await writtenDaysAgo(400, 'al_ancient00000')
    await writtenDaysAgo(31, 'al_expired00000')
    await writtenDaysAgo(29, 'al_kept0000000')
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'bob@example.com', reason: 'Left the company' })

    await env.bot.sweepTimers()

    const kept = (await new AuditLog(redis).latest(10)).map((entry) => entry.alertId)
    expect(kept).toEqual([String(accepted.body.alertId), 'al_kept0000000'])
  })
})

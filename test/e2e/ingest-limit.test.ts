/**
 * POST /alerts takes at most INGEST_MAX_PER_MINUTE alerts a minute (every replica together): the next one is
 * refused with 429, Retry-After and a JSON error, stores and posts nothing, and shows in /metrics; the next
 * minute takes alerts again.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { AuditLog } from '../../src/store/audit.js'

let clock = new Date('2026-11-22T10:00:20.000Z')
let env: LocalEnvironment
let redis: Redis

beforeAll(async () => {
  env = await startLocalEnvironment({ env: { INGEST_MAX_PER_MINUTE: '3' }, now: () => clock })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

const alertFor = (name: string) => ({ integration: LOCAL.integrationId, email: `${name}@example.com`, reason: 'Departed employee still active' })
const post = (body: unknown) =>
  fetch(`${env.bot.url}/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
const storedAlerts = async () => (await redis.keys('dpb:alert:*')).length

describe('POST /alerts past INGEST_MAX_PER_MINUTE', () => {
  it('refuses the (N+1)-th alert of the minute with 429 and Retry-After, storing and posting nothing', async () => {
    for (const name of ['ann', 'ben', 'cat']) expect((await post(alertFor(name))).status).toBe(202)

    const refused = await post(alertFor('dee'))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('40')
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/Too many alerts this minute \(INGEST_MAX_PER_MINUTE\); the alert was not accepted/) })
    expect(await storedAlerts()).toBe(3)
    // An accepted alert is audited and queued for the channel before the answer: neither happened.
    expect((await new AuditLog(redis).latest(10)).map((entry) => entry.email)).not.toContain('dee@example.com')
    expect((await redis.keys('dpb:bull:post-alert:post.*')).filter((key) => /post\.al_\w+$/.test(key))).toHaveLength(3)

    const metrics = await (await fetch(`${env.bot.url}/metrics`)).text()
    expect(metrics).toMatch(/^deprovision_bot_ingest_refused_total\{reason="rate-limit"\} 1$/m)
  })

  it('takes alerts again the next minute', async () => {
    clock = new Date('2026-11-22T10:01:00.000Z')
    const accepted = await post(alertFor('dee'))
    expect(accepted.status).toBe(202)
    expect(await storedAlerts()).toBe(4)
  })
})

/**
 * POST /alerts as detectors meet it, and the health routes: every refusal is a
 * clear 4xx that stores nothing; an accepted alert is posted once.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_ALERT_BYTES } from '../../src/features/alerts/ingest.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { startRedisServer, type RedisServerHandle } from '../../local/redis-server.js'

const valid = { integration: LOCAL.integrationId, email: 'alice@example.com', reason: 'Departed employee still active' }

describe('POST /alerts', () => {
  let env: LocalEnvironment
  beforeAll(async () => {
    env = await startLocalEnvironment()
  })
  afterAll(async () => {
    await env?.stop()
  })

  async function storedAlertCount(): Promise<number> {
    const redis = new Redis(env.redisUrl)
    try {
      return (await redis.keys('dpb:alert:*')).length
    } finally {
      redis.disconnect()
    }
  }

  it('accepts a valid alert with 202 and posts it to the alert channel', async () => {
    const response = await env.postAlert({ ...valid, name: 'Alice Example', severity: 'critical', accountId: 'u-alice' })
    expect(response.status).toBe(202)
    expect(response.body).toEqual({ alertId: expect.stringMatching(/^al_/), status: 'posted' })
    const message = await env.alertMessage(String(response.body.alertId))
    expect(message.text).toContain('alice@example.com')
  })

  it('answers "duplicate" with the first alert id for a dedupKey already seen, and posts once', async () => {
    const body = { ...valid, dedupKey: 'siem-rule-42:alice' }
    const first = await env.postAlert(body)
    const second = await env.postAlert(body)
    expect(second).toEqual({ status: 202, body: { alertId: first.body.alertId, status: 'duplicate' } })
    await env.alertMessage(String(first.body.alertId))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const posts = env.slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks).includes(String(first.body.alertId)))
    expect(posts).toHaveLength(1)
  })

  it('refuses a wrong or missing bearer token with 401', async () => {
    const before = await storedAlertCount()
    expect((await env.postAlert(valid, 'wrong-token')).status).toBe(401)
    const anonymous = await fetch(`${env.bot.url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) })
    expect(anonymous.status).toBe(401)
    expect(await storedAlertCount()).toBe(before)
  })

  it('lists the validation issues with 400 and stores nothing', async () => {
    const before = await storedAlertCount()
    const response = await env.postAlert({ integration: LOCAL.integrationId, email: 'not-an-email', severity: 'urgent', colour: 'red' })
    expect(response.status).toBe(400)
    const paths = (response.body.issues as { path: string }[]).map((issue) => issue.path).sort()
    expect(paths).toEqual(['', 'email', 'reason', 'severity'])
    expect(JSON.stringify(response.body.issues)).toContain('colour')
    expect(await storedAlertCount()).toBe(before)
  })

  it('refuses a body that is not JSON with 400', async () => {
    const response = await env.postAlert('{"integration": ')
    expect(response).toEqual({ status: 400, body: { error: 'The body is not valid JSON.' } })
  })

  it('answers 404 for an unknown integration, naming the configured ones', async () => {
    const response = await env.postAlert({ ...valid, integration: 'nosuch' })
    expect(response).toEqual({ status: 404, body: { error: 'Unknown integration "nosuch".', integrations: [LOCAL.integrationId] } })
  })

  it('refuses a body over 64 KiB with 413', async () => {
    const before = await storedAlertCount()
    const response = await env.postAlert({ ...valid, reason: 'x'.repeat(MAX_ALERT_BYTES) })
    expect(response.status).toBe(413)
    expect(await storedAlertCount()).toBe(before)
  })

  it('refuses a body that is not declared as JSON with 415', async () => {
    const response = await fetch(`${env.bot.url}/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'integration=acme-scim',
    })
    expect(response.status).toBe(415)
  })
})

describe('health and readiness', () => {
  let redis: RedisServerHandle
  let env: LocalEnvironment
  beforeAll(async () => {
    redis = await startRedisServer()
    env = await startLocalEnvironment({ redisUrl: redis.url })
  })
  afterAll(async () => {
    await env?.stop()
    await redis?.stop()
  })

  it('is healthy and ready while Redis answers; not ready, and refusing alerts clearly, once it is gone', async () => {
    expect((await fetch(`${env.bot.url}/healthz`)).status).toBe(200)
    const ready = await fetch(`${env.bot.url}/readyz`)
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }])

    await redis.stop()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const notReady = await fetch(`${env.bot.url}/readyz`)
    expect(notReady.status).toBe(503)
    expect((await fetch(`${env.bot.url}/healthz`)).status).toBe(200)

    const refused = await env.postAlert(valid)
    expect(refused.status).toBe(503)
    expect(String(refused.body.error)).toMatch(/not accepted.*Retry/)
  })
})

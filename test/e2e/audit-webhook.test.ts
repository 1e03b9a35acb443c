/**
 * The audit webhook (AUDIT_WEBHOOK_URL): every audit event of a real flow reaches a local receiver, signed
 * (checked here by recomputing the HMAC), through a 500, a timeout and a 429 with Retry-After; an action never
 * waits for the webhook, and its events arrive once the receiver is back; a permanent refusal is not retried
 * and is shown on /deprovision status; a redirect (not followed) and a 401 keep the event until the receiver takes
 * it; two replicas deliver each event once; an event a replica read and died before queuing is delivered by another;
 * first configured over an existing audit log, only the events from then on are sent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { createLogger } from '../../src/logger.js'
import { AUDIT_STREAM, AuditLog, type StoredAuditEntry } from '../../src/store/audit.js'
import { WEBHOOK_GROUP } from '../../src/features/audit-webhook/forwarder.js'
import { startRedisServer } from '../../local/redis-server.js'
import { eventually } from '../support/fault-replicas.js'
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js'

const SECRET = 'audit-webhook-test-secret-0123456789abcdef'
const NAMES = ['kim', 'lee', 'max', 'ned', 'oli', 'pat', 'quinn', 'ray', 'sue', 'tom', 'uma', 'vic']

let env: LocalEnvironment
let receiver: WebhookReceiver
let redis: Redis
const logLines: string[] = []

beforeAll(async () => {
  receiver = await startWebhookReceiver()
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk))
      done()
    },
  })
  env = await startLocalEnvironment({
    users: NAMES.map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    env: { AUDIT_WEBHOOK_URL: receiver.url, AUDIT_WEBHOOK_SECRET: SECRET },
    auditWebhook: { timeoutMs: 1_000, baseDelayMs: 100, maxDelayMs: 400, claimIdleMs: 500 },
    logger: createLogger('debug', logs),
  })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
  await receiver?.stop()
})

/** An alert for `name`, deleted through Slack: Delete, confirm, and the thread says it is done. Answers the alert's id. */
async function deleteThrough(name: string): Promise<string> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: `${name}@example.com`, reason: 'Left the company' })
  const alertId = String(accepted.body.alertId)
  const message = await env.alertMessage(alertId)
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  await env.submit(await env.confirmation(since))
  await env.threadReply(message, new RegExp(`${name}@example\\.com was deleted`), 10_000)
  return alertId
}

const auditOf = (alertId: string): Promise<StoredAuditEntry[]> => new AuditLog(redis).forAlert(alertId)

/** The receiver's own check, as README shows it: HMAC-SHA256 of `v1:<timestamp>:<body>`, and a recent timestamp. */
function signedBySecret(request: ReceivedRequest): boolean {
  const expected = Buffer.from(`v1=${createHmac('sha256', SECRET).update(`v1:${request.timestamp}:${request.body}`).digest('hex')}`)
  const given = Buffer.from(request.signature)
  const fresh = Math.abs(Date.now() / 1000 - Number(request.timestamp)) < 300
  return fresh && given.length === expected.length && timingSafeEqual(given, expected)
}

const allAccepted = (events: StoredAuditEntry[]) => () => events.every((event) => receiver.accepted().has(event.id))
const triesOf = (eventId: string) => receiver.requests.filter((request) => request.eventId === eventId)

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${env.bot.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(name))
  return line ? Number(line.split(' ').at(-1)) : 0
}

/** The `/deprovision status` answer given after this call, once it mentions the webhook. */
async function statusAnswer(): Promise<string> {
  const since = env.slack.calls.length
  await env.command('status')
  const answer = await env.slack.waitFor('response_url', (c) => env.slack.calls.indexOf(c) >= since && JSON.stringify(c.args).includes('Audit webhook'))
  return JSON.stringify(answer.args.blocks)
}

describe('the audit webhook', () => {
  it('delivers every audit event of a deletion, signed, retrying after a 500, a timeout and a 429 with Retry-After', async () => {
    receiver.answerNext({ status: 500 }, 'no-answer', { status: 429, headers: { 'retry-after': '1' } })

    const alertId = await deleteThrough('kim')

    const events = await auditOf(alertId)
    expect(events.map((event) => event.event)).toEqual(['alert-received', 'action-requested', 'action-completed'])
    await eventually('every audit event of the deletion is accepted', allAccepted(events))
    for (const event of events) {
      const delivered = triesOf(event.id).find((request) => request.answer === 200)!
      expect(signedBySecret(delivered)).toBe(true)
      expect(JSON.parse(delivered.body)).toEqual({ ...event })
    }
    expect(receiver.requests.slice(0, 3).map((request) => request.answer)).toEqual([500, 'no-answer', 429])
    const limited = receiver.requests[2]!
    const nextTry = triesOf(limited.eventId).find((request) => request.at > limited.at)!
    expect(nextTry.at - limited.at).toBeGreaterThanOrEqual(950)
    expect(await metric('deprovision_bot_audit_webhook_failed_attempts_total{reason="http_500"}')).toBe(1)
    expect(await metric('deprovision_bot_audit_webhook_failed_attempts_total{reason="timeout"}')).toBe(1)
    expect(await metric('deprovision_bot_audit_webhook_failed_attempts_total{reason="http_429"}')).toBe(1)
    expect(await metric('deprovision_bot_audit_webhook_delivered_total')).toBe(3)
  })

  it('never holds an action while the receiver is down, shows the failure on /deprovision status, and delivers once it is back', async () => {
    receiver.setDown(true)
    const since = receiver.requests.length

    const alertId = await deleteThrough('lee')

    await eventually('the receiver was tried', () => receiver.requests.slice(since).some((request) => request.answer === 'dropped'))
    const failing = await statusAnswer()
    expect(failing).toMatch(/Audit webhook\*: failing since <!date\^\d+\^/)
    expect(failing).toMatch(/could not reach the receiver/)
    expect(failing).toMatch(/\d+ events? waiting, retrying/)
    expect(await metric('deprovision_bot_audit_webhook_backlog')).toBeGreaterThan(0)

    receiver.setDown(false)
    const events = await auditOf(alertId)
    await eventually('every audit event of the deletion is accepted once the receiver is back', allAccepted(events), 20_000)
    await eventually('nothing is left waiting', async () => (await metric('deprovision_bot_audit_webhook_backlog')) === 0)
    expect(await statusAnswer()).toContain('Audit webhook*: healthy, nothing waiting.')
  })

  it('does not try again an event the receiver refused for good, and goes on with the next ones', async () => {
    receiver.refuseEmail('max@example.com', 400)
    const refused = await env.postAlert({ integration: LOCAL.integrationId, email: 'max@example.com', reason: 'Left the company' })
    const [refusedEvent] = await auditOf(String(refused.body.alertId))
    await eventually('the event is given up', async () => (await metric('deprovision_bot_audit_webhook_undelivered_total{reason="rejected"}')) === 1)

    const next = await env.postAlert({ integration: LOCAL.integrationId, email: 'ned@example.com', reason: 'Left the company' })
    await eventually('the next event is accepted', allAccepted(await auditOf(String(next.body.alertId))))

    expect(triesOf(refusedEvent!.id)).toHaveLength(1)
    const status = await statusAnswer()
    expect(status).toContain(`1 event could not be delivered (last: \`${refusedEvent!.id}\`)`)
    expect(logLines.join('')).toMatch(new RegExp(`"eventId":"${refusedEvent!.id}".*audit event given up`))
  })

  it('does not follow a redirect, logs where it pointed, and keeps the event until the receiver answers', async () => {
    const elsewhere = new URL('/moved/audit', receiver.url).href
    const since = receiver.requests.length
    receiver.answerNext({ status: 308, headers: { location: elsewhere } })

    const alert = await env.postAlert({ integration: LOCAL.integrationId, email: 'uma@example.com', reason: 'Left the company' })
    const [event] = await auditOf(String(alert.body.alertId))

    await eventually('the event is accepted after the redirect', () => receiver.accepted().has(event!.id))
    expect(triesOf(event!.id).map((request) => request.answer)).toEqual([308, 200])
    expect(receiver.requests.slice(since).filter((request) => request.path === '/moved/audit')).toEqual([])
    expect(logLines.join('')).toContain(`the receiver redirected to ${elsewhere} (HTTP 308); redirects are not followed`)
  })

  it('keeps an event the receiver answered 401 (a receiver set up wrong refuses every event) until it accepts it', async () => {
    receiver.answerNext({ status: 401 })
    const alert = await env.postAlert({ integration: LOCAL.integrationId, email: 'vic@example.com', reason: 'Left the company' })
    const [event] = await auditOf(String(alert.body.alertId))

    await eventually('the event is accepted after the 401', () => receiver.accepted().has(event!.id))
    expect(triesOf(event!.id).map((request) => request.answer)).toEqual([401, 200])
  })

  it('is delivered once per event by two replicas', async () => {
    await env.startWorker()
    const since = receiver.requests.length
    const alerts = await Promise.all(
      ['oli', 'pat', 'quinn', 'ray', 'sue', 'tom'].map((name) =>
        env.postAlert({ integration: LOCAL.integrationId, email: `${name}@example.com`, reason: 'Left the company' }),
      ),
    )
    const events = (await Promise.all(alerts.map((alert) => auditOf(String(alert.body.alertId))))).flat()
    await eventually('every event is accepted', allAccepted(events))

    const ids = new Set(events.map((event) => event.id))
    const tries = receiver.requests.slice(since).filter((request) => ids.has(request.eventId))
    expect(tries).toHaveLength(events.length)
    expect(new Set(tries.map((request) => request.eventId)).size).toBe(events.length)
  })

  it('delivers an event a replica read from the audit log and died before queuing', async () => {
    // One step, so the live replicas cannot read it first: the entry is written, and read by a replica that then dies.
    const [[, eventId]] = (await redis
      .multi()
      .xadd(AUDIT_STREAM, '*', 'event', 'alert-received', 'alertId', 'al_orphan000000', 'at', new Date().toISOString())
      .xreadgroup('GROUP', WEBHOOK_GROUP, 'replica-that-died', 'COUNT', 1, 'STREAMS', AUDIT_STREAM, '>')
      .exec()) as [[null, string], unknown]

    await eventually('the abandoned event is accepted', () => receiver.accepted().has(eventId), 10_000)
    expect(triesOf(eventId)).toHaveLength(1)
  })

  it('never writes its secret to the logs', () => {
    expect(logLines.length).toBeGreaterThan(0)
    expect(logLines.join('')).not.toContain(SECRET)
  })
})

describe('the audit webhook on first configuration', () => {
  it('sends the events written from then on, not the audit log from before it was configured', async () => {
    const redisServer = await startRedisServer()
    const firstReceiver = await startWebhookReceiver()
    const client = new Redis(redisServer.url)
    let configured: LocalEnvironment | undefined
    try {
      await new AuditLog(client).append({ event: 'alert-received', alertId: 'al_before_webhook', email: 'old@example.com' })
      const oldId = (await client.xrange(AUDIT_STREAM, '-', '+'))[0]![0]

      configured = await startLocalEnvironment({
        redisUrl: redisServer.url,
        env: { AUDIT_WEBHOOK_URL: firstReceiver.url, AUDIT_WEBHOOK_SECRET: SECRET },
        auditWebhook: { timeoutMs: 1_000, baseDelayMs: 100, maxDelayMs: 400, claimIdleMs: 500 },
      })
      const accepted = await configured.postAlert({ integration: LOCAL.integrationId, email: 'new@example.com', reason: 'Left the company' })
      const [newEvent] = await new AuditLog(client).forAlert(String(accepted.body.alertId))

      await eventually('the new event is accepted', () => firstReceiver.accepted().has(newEvent!.id))
      expect(firstReceiver.requests.map((request) => request.eventId)).not.toContain(oldId)
    } finally {
      client.disconnect()
      await configured?.stop()
      await firstReceiver.stop()
      await redisServer.stop()
    }
  })
})

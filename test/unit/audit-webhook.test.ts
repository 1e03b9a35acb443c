/**
 * The audit webhook's pure parts: what is signed and how, what each answer means, the retry schedule and its
 * window, the event's JSON, the configuration, and the status line.
 */
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { auditRecord } from '../../src/store/audit.js'
import { DEFAULT_WEBHOOK_POLICY, pastWindow, retryDelayMs } from '../../src/features/audit-webhook/policy.js'
import { readAnswer, withoutCredentials } from '../../src/features/audit-webhook/send.js'
import { signature, signedHeaders } from '../../src/features/audit-webhook/signature.js'
import { webhookStatusSection } from '../../src/features/audit-webhook/views/status.js'
import { createLogger } from '../../src/logger.js'
import { messageViolations } from '../support/slack-limits.js'
import { configProblems, MINIMAL_ENV } from '../support/config-env.js'

const SECRET = 'a-shared-secret-of-at-least-32-characters'
const BODY = '{"id":"1767225600000-0","event":"alert-received"}'

describe('the webhook signature', () => {
  it('is the hex HMAC-SHA256 of "v1:<timestamp>:<body>" with the secret (a vector computed with openssl)', () => {
    expect(signature(SECRET, 1767225600, BODY)).toBe('v1=065066578e568cd5caf199feec1d60ea6d901c309e0d833209a6fd4e9d297b67')
  })

  it('changes with the timestamp and the body, so neither can be replayed or altered', () => {
    const original = signature(SECRET, 1767225600, BODY)
    expect(signature(SECRET, 1767225601, BODY)).not.toBe(original)
    expect(signature(SECRET, 1767225600, BODY.replace('alert-received', 'action-refused'))).not.toBe(original)
    expect(signature(`${SECRET}x`, 1767225600, BODY)).not.toBe(original)
  })

  it('travels with the event id and the Unix timestamp it covers', () => {
    const headers = signedHeaders(SECRET, '1767225600000-0', BODY, new Date('2026-01-01T00:00:00.900Z'))
    expect(headers).toEqual({
      'content-type': 'application/json',
      'x-deprovision-event-id': '1767225600000-0',
      'x-deprovision-timestamp': '1767225600',
      'x-deprovision-signature': signature(SECRET, 1767225600, BODY),
    })
  })
})

describe("the receiver's answer", () => {
  const now = Date.parse('2026-01-01T00:00:00Z')

  it('is a delivery for any 2xx', () => {
    expect(readAnswer(200, undefined, now)).toEqual({ kind: 'delivered', status: 200 })
    expect(readAnswer(204, undefined, now).kind).toBe('delivered')
  })

  it('is worth another try for 408, 429 and 5xx; a 429 says how long to wait, in seconds or as a date', () => {
    for (const status of [408, 429, 500, 502, 503]) expect(readAnswer(status, undefined, now)).toMatchObject({ kind: 'failed', reason: `http_${status}` })
    expect(readAnswer(429, '7', now)).toMatchObject({ retryAfterMs: 7_000 })
    expect(readAnswer(429, 'Thu, 01 Jan 2026 00:01:00 GMT', now)).toMatchObject({ retryAfterMs: 60_000 })
  })

  it('is a refusal for good for any other 4xx', () => {
    for (const status of [400, 405, 410, 413, 422]) expect(readAnswer(status, undefined, now).kind).toBe('rejected')
  })

  it('is worth another try for 401, 403 and 404, which every event would get from a receiver set up wrong', () => {
    for (const status of [401, 403, 404]) {
      expect(readAnswer(status, undefined, now)).toEqual({
        kind: 'failed',
        reason: `http_${status}`,
        detail: `the receiver answered HTTP ${status}: check AUDIT_WEBHOOK_URL, and that the receiver verifies with AUDIT_WEBHOOK_SECRET`,
      })
    }
  })

  it('is worth another try for a redirect, which says where the receiver went: a wrong URL, not a bad event', () => {
    for (const status of [301, 302, 307, 308]) expect(readAnswer(status, undefined, now).kind).toBe('failed')
    expect(readAnswer(308, undefined, now, 'https://siem.example/hooks/audit/')).toEqual({
      kind: 'failed',
      reason: 'http_308',
      detail:
        'the receiver redirected to https://siem.example/hooks/audit/ (HTTP 308); redirects are not followed: set AUDIT_WEBHOOK_URL to the address that answers',
    })
  })
})

describe('the retry schedule', () => {
  const policy = { ...DEFAULT_WEBHOOK_POLICY, baseDelayMs: 1_000, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 }

  it('doubles after each failure up to the cap, each wait jittered between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 6].map((failures) => retryDelayMs(policy, failures, undefined, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000])
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(policy, failures, undefined, () => 0))).toEqual([500, 1_000, 2_000, 4_000])
  })

  it("waits as long as a 429's Retry-After asks, up to its cap", () => {
    expect(retryDelayMs(policy, 1, 30_000)).toBe(30_000)
    expect(retryDelayMs(policy, 1, 3_600_000)).toBe(60_000)
  })

  it('ends 24 hours after the event happened (its stream id is the time)', () => {
    const happened = Date.parse('2026-01-01T00:00:00Z')
    const id = `${happened}-0`
    expect(pastWindow(DEFAULT_WEBHOOK_POLICY, id, happened + 23 * 3_600_000, 30 * 60_000)).toBe(false)
    expect(pastWindow(DEFAULT_WEBHOOK_POLICY, id, happened + 23 * 3_600_000, 61 * 60_000)).toBe(true)
  })
})

describe('a redirect named in the status line and the log', () => {
  it('shows where it points without the user, password or query a receiver may keep its token in', () => {
    const answer = readAnswer(302, undefined, Date.now(), 'https://ops:hunter2@siem.example/hook?token=s3cret')
    expect(answer).toMatchObject({ kind: 'failed' })
    expect(JSON.stringify(answer)).toContain('https://siem.example/hook?…')
    expect(JSON.stringify(answer)).not.toMatch(/hunter2|s3cret|ops:/)
    expect(withoutCredentials('/moved?key=abc')).toBe('/moved?…')
  })
})

describe('the event body', () => {
  it('holds the stream id, the time and the fields set, nothing else', () => {
    const json = JSON.stringify(
      auditRecord({ id: '1-0', at: '2026-01-01T00:00:00.000Z', event: 'action-requested', alertId: 'al_1', actor: 'U1', action: 'delete' }),
    )
    expect(JSON.parse(json)).toEqual({ id: '1-0', at: '2026-01-01T00:00:00.000Z', event: 'action-requested', alertId: 'al_1', actor: 'U1', action: 'delete' })
  })
})

describe('the configuration', () => {
  const files = () => '[]'
  const base = MINIMAL_ENV
  const problemsOf = (env: Record<string, string>) => configProblems(() => loadConfig({ ...base, ...env }, files))

  it('takes an https URL with its secret, or http only to this machine', () => {
    expect(loadConfig({ ...base, AUDIT_WEBHOOK_URL: 'https://siem.example/hook', AUDIT_WEBHOOK_SECRET: SECRET }, files).auditWebhook).toEqual({
      url: 'https://siem.example/hook',
      secret: SECRET,
    })
    expect(problemsOf({ AUDIT_WEBHOOK_URL: 'http://127.0.0.1:9000/hook', AUDIT_WEBHOOK_SECRET: SECRET })).toEqual([])
    expect(problemsOf({ AUDIT_WEBHOOK_URL: 'http://localhost/hook', AUDIT_WEBHOOK_SECRET: SECRET })).toEqual([])
    expect(loadConfig(base, files).auditWebhook).toBeUndefined()
  })

  it('refuses http elsewhere, a URL without a secret, a short secret, and a secret without a URL, never echoing the secret', () => {
    expect(problemsOf({ AUDIT_WEBHOOK_URL: 'http://siem.example/hook', AUDIT_WEBHOOK_SECRET: SECRET })).toEqual([
      expect.stringMatching(/^AUDIT_WEBHOOK_URL: expected https/),
    ])
    expect(problemsOf({ AUDIT_WEBHOOK_URL: 'https://siem.example/hook' })).toEqual([
      expect.stringMatching(/^AUDIT_WEBHOOK_SECRET: required with AUDIT_WEBHOOK_URL/),
    ])
    expect(problemsOf({ AUDIT_WEBHOOK_URL: 'https://siem.example/hook', AUDIT_WEBHOOK_SECRET: 'short-secret' })).toEqual([
      expect.stringMatching(/^AUDIT_WEBHOOK_SECRET: expected at least 32 characters/),
    ])
    const problems = problemsOf({ AUDIT_WEBHOOK_SECRET: SECRET })
    expect(problems).toEqual([expect.stringMatching(/^AUDIT_WEBHOOK_URL: required with AUDIT_WEBHOOK_SECRET/)])
    expect(problems.join()).not.toContain(SECRET)
  })

  it('keeps the secret out of the logs, as a variable or in the config', () => {
    const lines: string[] = []
    const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }))
    logger.info({ env: { AUDIT_WEBHOOK_SECRET: SECRET }, config: { auditWebhook: { url: 'https://siem.example/hook', secret: SECRET } } }, 'started')
    expect(lines.join('')).not.toContain(SECRET)
    expect(lines.join('')).toContain('https://siem.example/hook')
  })
})

describe('the status line', () => {
  const message = (blocks: ReturnType<typeof webhookStatusSection>[]) => ({ text: 'status', blocks })

  it('says healthy and what is waiting', () => {
    const line = webhookStatusSection({ health: { undelivered: 0 }, backlog: 0 })
    expect(line.text?.text).toBe('✅ *Audit webhook*: healthy, nothing waiting.')
  })

  it('says since when it fails, the last error, the backlog and the events given up, within Slack’s limits', () => {
    const line = webhookStatusSection({
      health: {
        failingSince: '2026-01-01T00:00:00.000Z',
        lastError: `the receiver answered HTTP 503 ${'x'.repeat(5000)}`,
        undelivered: 2,
        lastUndeliveredId: '1767225600000-0',
      },
      backlog: 12,
    })
    expect(line.text?.text).toMatch(/^⚠️ \*Audit webhook\*: failing since <!date\^1767225600\^.*\|2026-01-01T00:00:00Z>: the receiver answered HTTP 503/)
    expect(line.text?.text).toContain('12 events waiting, retrying.')
    expect(line.text?.text).toContain('2 events could not be delivered (last: `1767225600000-0`)')
    expect(messageViolations(message([line]))).toEqual([])
  })
})

/**
 * Hostile input at the bot's two doors, POST /alerts and POST /slack/events, against
 * the real bot (Bolt over HTTP, Redis, BullMQ, the SCIM sandbox as the service).
 *
 * Property-based (fast-check, fixed seeds so every run draws the same cases):
 * malformed, oversized and adversarial bodies always get a clear 4xx (or the answer
 * Bolt documents for that case), never a 5xx; the bot keeps serving; nothing is
 * stored, no alert changes state and no write reaches the provider. Then forged,
 * replayed and re-signed Slack requests, tampered modals and buttons, actors outside
 * ACTORS, and what the logs must never contain.
 *
 * What Bolt 5.1 answers on /slack/events (HTTPReceiver), found by reading it and
 * pinned here:
 * - no or a wrong signature, a timestamp older than five minutes: 401, empty body;
 * - signed but unparseable (`payload` not JSON, a JSON body that is not JSON, a form
 *   under any content type other than exactly application/x-www-form-urlencoded): 400;
 * - signed, parseable, but no listener acks it (no type Bolt knows, an action id
 *   nobody listens for): nothing for 3 s, then 404 (its unhandledRequestTimeoutMillis);
 * - `ssl_check=1` (signed or not) and `url_verification`: 200, answered by Bolt itself;
 * - events: 200 at once (Bolt acks every event before its listeners run);
 * - signed payloads whose user/view/channel/actions/event/response_urls Bolt itself
 *   dereferences before any listener, or whose team id names an Object.prototype member:
 *   400 from the bot's receiver guard (src/app/receiver.ts); Bolt 5.1 alone answers
 *   500, and a signed `payload=null` crashes its process (see "Bolt 5.1 defects" below).
 *
 * Requests Bolt holds for its 3-second timer are sent in concurrent batches, so a
 * property costs seconds, not minutes; those batch properties do not shrink (each
 * step would resend a batch), their failure lists every wrong case instead.
 */
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_ALERT_BYTES } from '../../src/features/alerts/ingest.js'
import { parseAlertReport } from '../../src/features/alerts/schema.js'
import { CONFIRM_CALLBACK_ID, MUTE_ACTION_ID, UNMUTE_ACTION_ID, requestActionId } from '../../src/constants.js'
import { createLogger } from '../../src/logger.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { startRedisServer } from '../../local/redis-server.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { blockActionsPayload, interactionBody, nowSeconds, slashCommandBody, viewSubmissionPayload, type SandboxUser } from '../../local/slack-signing.js'
import {
  FORM,
  JSON_TYPE,
  deepJson,
  envelopeBreakingCase,
  forge,
  forgery,
  formPayload,
  hostileText,
  invalidUtf8,
  notAString,
  quiesce,
  rawPost,
  requestsForUnknownAccounts,
  routableHostileCase,
  slackHeaders,
  snapshot,
  startBotProcess,
  storedEmails,
  unparseableCase,
  unroutableCase,
  withFreshTriggers,
  type RawAnswer,
  type SlackCase,
  type World,
} from '../support/hostile.js'

/** Every property has its own fixed seed: the same cases every run. */
const SEED = 0x0dec0de
const RUNS = 150
/** Cases Bolt may hold for its 3-second timer go out this many at once, BATCH_RUNS times (150 in all). */
const BATCH = 50
const BATCH_RUNS = 3

const USERS = [
  { id: 'u-ann', userName: 'ann@example.com', displayName: 'Ann Alert' },
  { id: 'u-ben', userName: 'ben@example.com', displayName: 'Ben Alert' },
  { id: 'u-cat', userName: 'cat@example.com', displayName: 'Cat Alert' },
  { id: 'u-dot', userName: 'dot@example.com', displayName: 'Dot Alert' },
  { id: 'u-eve', userName: 'eve@example.com', displayName: 'Eve Alert' },
  { id: 'u-fay', userName: 'fay@example.com', displayName: 'Fay Alert' },
  { id: 'u-gus', userName: 'gus@example.com', displayName: 'Gus Alert' },
  { id: 'u-hal', userName: 'hal@example.com', displayName: 'Hal Alert' },
  { id: 'u-ivy', userName: 'ivy@example.com', displayName: 'Ivy Alert' },
  // Named by no alert: nothing may ever touch it.
  { id: 'u-victim', userName: 'victim@example.com', displayName: 'Victor Victim' },
  // The actor's own account (the self-guard's business, not this file's).
  { id: 'u-admin', userName: 'sandbox.admin@example.com', displayName: 'Sandbox Admin' },
]

let env: LocalEnvironment
let redis: Redis
let dedup = 0

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: USERS,
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
    slackRetry: { retries: 0 },
    providerTimeoutMs: 2_000,
  })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

const eventsUrl = () => `${env.bot.url}/slack/events`
const alertsUrl = () => `${env.bot.url}/alerts`
const ingestHeaders = () => ({ authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': JSON_TYPE })
const validAlert = (email = 'someone@example.com') => ({ integration: LOCAL.integrationId, email, reason: 'Departed employee still active' })

async function storedAlertCount(): Promise<number> {
  return (await redis.keys('dpb:alert:*')).length
}

async function raise(email: string): Promise<{ alertId: string; message: StoredMessage }> {
  const accepted = await env.postAlert({ ...validAlert(email), dedupKey: `hostile-${email}-${++dedup}` })
  expect(accepted.status).toBe(202)
  const alertId = String(accepted.body.alertId)
  return { alertId, message: await env.alertMessage(alertId) }
}

async function alertState(alertId: string): Promise<string | undefined> {
  const state = await redis.hget(`dpb:alert:${alertId}`, 'state')
  return state ? String((JSON.parse(state) as { kind: string }).kind) : undefined
}

function signedPost(body: string | Uint8Array, contentType: string | null = FORM, timestampSeconds?: number): Promise<RawAnswer> {
  return rawPost(
    eventsUrl(),
    body,
    slackHeaders(body, { secret: LOCAL.signingSecret, contentType, ...(timestampSeconds === undefined ? {} : { timestampSeconds }) }),
    { timeoutMs: 8_000 },
  )
}

function sendCase(slackCase: SlackCase): Promise<RawAnswer> {
  const body = typeof slackCase.body === 'string' ? withFreshTriggers(slackCase.body) : slackCase.body
  return signedPost(body, slackCase.contentType)
}

/** Sends every case at once; a request that gets no answer at all is reported as status 0. */
async function sendBatch(cases: SlackCase[]): Promise<Array<{ slackCase: SlackCase; answer: RawAnswer }>> {
  return Promise.all(
    cases.map(async (slackCase) => ({
      slackCase,
      answer: await sendCase(slackCase).catch((error: unknown): RawAnswer => ({ status: 0, body: String(error), headers: {}, ms: -1 })),
    })),
  )
}

const describeCase = ({ slackCase, answer }: { slackCase: SlackCase; answer: RawAnswer }) =>
  `${answer.status} (${answer.ms} ms) for ${slackCase.kind}: ${bodyPreview(slackCase.body)}`

function bodyPreview(body: string | Uint8Array): string {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString()
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text
}

/** The bot still serves a plain request after whatever came before. */
async function expectIngestStillWorks(): Promise<void> {
  expect((await fetch(`${env.bot.url}/healthz`)).status).toBe(200)
  const accepted = await env.postAlert({ ...validAlert('still.serving@example.com'), dedupKey: `still-serving-${++dedup}` })
  expect(accepted).toEqual({ status: 202, body: { alertId: expect.stringMatching(/^al_/), status: 'posted' } })
}

async function expectSlackStillWorks(): Promise<void> {
  const answer = await env.command('help')
  expect(answer.status).toBe(200)
  expect(answer.body).toContain('Usage')
}

// =============================================================================================
// POST /alerts
// =============================================================================================

describe('POST /alerts under hostile input', () => {
  const fields = ['integration', 'email', 'reason', 'severity', 'dedupKey', 'accountId', 'name'] as const
  type Field = (typeof fields)[number]
  const base: Record<Field, string> = {
    integration: LOCAL.integrationId,
    email: 'base@example.com',
    reason: 'Departed employee still active',
    severity: 'high',
    dedupKey: 'hostile-base',
    accountId: 'u-base',
    name: 'Base Person',
  }
  const maxLength: Record<Field, number> = { integration: 40, email: 320, reason: 3000, severity: 8, dedupKey: 200, accountId: 256, name: 200 }

  /** An otherwise valid alert whose `field` holds `valueJson` (raw JSON text, so it may be nested 20,000 deep). */
  function alertWith(field: string, valueJson: string, rest: Partial<Record<Field, string>> = base): string {
    const others = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== field))
    return `${JSON.stringify(others).slice(0, -1)},${JSON.stringify(field)}:${valueJson}}`
  }

  async function post(body: string | Uint8Array, headers: Record<string, string> = ingestHeaders(), chunked = false) {
    const before = await storedAlertCount()
    const answer = await rawPost(alertsUrl(), body, headers, { chunked })
    const after = await storedAlertCount()
    return { answer, json: parseJson(answer.body), stored: after - before }
  }

  function parseJson(text: string): Record<string, unknown> {
    try {
      return JSON.parse(text) as Record<string, unknown>
    } catch {
      return {}
    }
  }

  const issuePaths = (json: Record<string, unknown>) => (Array.isArray(json.issues) ? (json.issues as { path: string }[]).map((issue) => issue.path) : [])

  it('answers 400 with the validation issues to any JSON value that is not a valid alert, and stores nothing', async () => {
    const nearlyAnAlert = fc.record(
      {
        integration: fc.oneof(fc.constant(LOCAL.integrationId), fc.jsonValue({ maxDepth: 2 })),
        email: fc.oneof(fc.constant('near@example.com'), fc.jsonValue({ maxDepth: 2 })),
        reason: fc.oneof(fc.constant('a reason'), fc.jsonValue({ maxDepth: 2 })),
        severity: fc.oneof(fc.constantFrom('low', 'critical'), fc.jsonValue({ maxDepth: 1 })),
        dedupKey: fc.jsonValue({ maxDepth: 1 }),
        accessConfigurationId: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    )
    const notAnAlert = fc.oneof(fc.jsonValue(), fc.jsonValue({ stringUnit: 'binary' }), nearlyAnAlert).filter((value) => !parseAlertReport(value).success)
    await fc.assert(
      fc.asyncProperty(notAnAlert, async (value) => {
        const { answer, json, stored } = await post(JSON.stringify(value))
        expect(answer.status).toBe(400)
        expect(json.error).toBe('The alert is not valid.')
        expect(issuePaths(json).length).toBeGreaterThan(0)
        expect(stored).toBe(0)
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    )
    await expectIngestStillWorks()
  })

  it('names the field when one field has the wrong type, is empty or too long (413 once the body passes 64 KiB), and stores nothing', async () => {
    const wrongType = notAString.map((value) => JSON.stringify(value))
    const nested = fc.oneof(
      fc.integer({ min: 100, max: 25_000 }).map((depth) => deepJson(depth, 'array')),
      fc.integer({ min: 100, max: 9_000 }).map((depth) => deepJson(depth, 'object')),
    )
    const badString = (field: Field) =>
      fc
        .oneof(
          fc.constantFrom('', ' ', '\t\n').filter((value) => field !== 'severity' || value !== ''),
          fc
            .integer({ min: maxLength[field] + 1, max: maxLength[field] + 70_000 })
            .map((length) => (field === 'email' ? `${'a'.repeat(length)}@example.com` : 'x'.repeat(length))),
          hostileText,
        )
        .map((value) => JSON.stringify(value))
    const case_ = fc
      .constantFrom(...fields)
      .chain((field) => fc.record({ field: fc.constant(field), valueJson: fc.oneof(wrongType, nested, badString(field)) }))
      .map(({ field, valueJson }) => ({ field, body: alertWith(field, valueJson) }))
      .filter(({ body }) => Buffer.byteLength(body) > MAX_ALERT_BYTES || !parseAlertReport(JSON.parse(body)).success)
    await fc.assert(
      fc.asyncProperty(case_, async ({ field, body }) => {
        const { answer, json, stored } = await post(body)
        if (Buffer.byteLength(body) > MAX_ALERT_BYTES) {
          expect(answer.status).toBe(413)
        } else {
          expect(answer.status).toBe(400)
          expect(issuePaths(json)).toContain(field)
        }
        expect(stored).toBe(0)
      }),
      { numRuns: RUNS, seed: SEED + 2 },
    )
    await expectIngestStillWorks()
  })

  it('refuses __proto__, constructor and prototype keys anywhere in the body with 400, leaving Object.prototype untouched', async () => {
    const poison = fc.constantFrom(
      '{"polluted":"yes"}',
      '{"prototype":{"polluted":"yes"}}',
      '{"__proto__":{"polluted":"yes"}}',
      '{"isAdmin":true,"actors":["U0OUTSIDER1"]}',
    )
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype')
    const placement = fc.constantFrom('beside valid fields', 'alone', 'as the reason', 'as the email', 'inside a list in name', 'in an access alert', 'twice')
    const case_ = fc.record({ key, poison, placement }).map(({ key, poison, placement }) => {
      const member = `${JSON.stringify(key)}:${poison}`
      switch (placement) {
        case 'beside valid fields':
          return alertWith(key, poison)
        case 'alone':
          return `{${member}}`
        case 'as the reason':
          return alertWith('reason', `{${member}}`)
        case 'as the email':
          return alertWith('email', `{${member}}`)
        case 'inside a list in name':
          return alertWith('name', `[{${member}}]`)
        case 'in an access alert':
          return `{"integration":${JSON.stringify(LOCAL.integrationId)},"accessConfigurationId":"ac-1","targetId":"123","reason":"r",${member}}`
        default:
          return `{${member},${member}}`
      }
    })
    await fc.assert(
      fc.asyncProperty(case_, async (body) => {
        const { answer, stored } = await post(body)
        expect(answer.status).toBe(400)
        expect(stored).toBe(0)
        const plain: Record<string, unknown> = {}
        expect([plain.polluted, plain.isAdmin, plain.actors]).toEqual([undefined, undefined, undefined])
      }),
      { numRuns: RUNS, seed: SEED + 3 },
    )
    await expectIngestStillWorks()
  })

  it('answers 401 to a missing, malformed or wrong bearer token, whatever the body, and stores nothing', async () => {
    const token = LOCAL.ingestToken
    const presentsToken = (header: string | undefined) => /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() === token
    const mutatedToken = fc.oneof(
      fc.nat({ max: token.length - 1 }).chain((at) =>
        fc
          .constantFrom('a', 'Z', '0', '-', '_')
          .filter((c) => c !== token[at])
          .map((c) => `${token.slice(0, at)}${c}${token.slice(at + 1)}`),
      ),
      fc.nat({ max: token.length - 1 }).map((length) => token.slice(0, length)),
      fc
        .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 })
        .filter((extra) => extra.trim() === extra && extra !== '')
        .map((extra) => `${token}${extra}`),
      fc.constant(token.toUpperCase()),
    )
    const header = fc
      .oneof(
        fc.constant(undefined),
        fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
        mutatedToken.map((wrong) => `Bearer ${wrong}`),
        fc.constantFrom('Basic', 'Token', 'Bearer:', 'Bearer=', 'Bearerx', 'OAuth', 'Bearer,').map((scheme) => `${scheme} ${token}`),
        fc.constantFrom(token, 'Bearer', 'Bearer ', '', `Bearer ${token}, Bearer ${token}`, `Basic ${Buffer.from(`detector:${token}`).toString('base64')}`),
      )
      .filter((value) => !presentsToken(value))
    const body = fc.oneof(
      fc.constant(JSON.stringify(validAlert('token.probe@example.com'))),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      hostileText,
    )
    await fc.assert(
      fc.asyncProperty(header, body, fc.constantFrom(JSON_TYPE, 'text/plain'), async (authorization, text, contentType) => {
        const { answer, stored } = await post(text, { 'content-type': contentType, ...(authorization === undefined ? {} : { authorization }) })
        expect(answer.status).toBe(401)
        expect(answer.headers['www-authenticate']).toBe('Bearer')
        expect(stored).toBe(0)
      }),
      { numRuns: RUNS, seed: SEED + 4 },
    )
    await expectIngestStillWorks()
  })

  it('answers 415 to a valid alert that is not declared as JSON, and stores nothing', async () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/)
    const contentType = fc
      .oneof(
        fc.constant(null),
        fc.constantFrom(
          'text/plain',
          FORM,
          'multipart/form-data; boundary=x',
          'application/xml',
          'text/json',
          'json',
          'application',
          '*/*',
          'application/ json',
          'text/plain; charset=application/json',
        ),
        fc.tuple(fc.constantFrom('text', 'application', 'image', 'multipart', 'x-custom'), token).map(([type, subtype]) => `${type}/${subtype}`),
      )
      .filter((value) => value === null || !/^application\/json/i.test(value))
    await fc.assert(
      fc.asyncProperty(contentType, async (type) => {
        const headers: Record<string, string> = { authorization: `Bearer ${LOCAL.ingestToken}`, ...(type === null ? {} : { 'content-type': type }) }
        const { answer, stored } = await post(JSON.stringify(validAlert('content.type@example.com')), headers)
        expect(answer.status).toBe(415)
        expect(stored).toBe(0)
      }),
      { numRuns: RUNS, seed: SEED + 5 },
    )
    await expectIngestStillWorks()
  })

  it('answers 413 to bodies over 64 KiB (declared or streamed), 400 to deep nesting and invalid UTF-8, and stores nothing', async () => {
    const oversized = fc
      .record({ size: fc.integer({ min: MAX_ALERT_BYTES + 1, max: 4 * MAX_ALERT_BYTES }), chunked: fc.boolean(), junk: fc.boolean() })
      .map(({ size, chunked, junk }) => ({
        kind: 'oversized',
        chunked,
        body: junk ? 'x'.repeat(size) : alertWith('reason', JSON.stringify('r'.repeat(size))),
        expect: 413,
      }))
    const nestedDeep = fc
      .record({
        kind: fc.constantFrom('array' as const, 'object' as const),
        where: fc.constantFrom('the whole body', 'the reason', 'an unknown key'),
        depth: fc.integer({ min: 1_000, max: 9_000 }),
      })
      .map(({ kind, where, depth }) => {
        const nested = deepJson(kind === 'array' ? depth * 3 : depth, kind)
        const body = where === 'the whole body' ? nested : where === 'the reason' ? alertWith('reason', nested) : alertWith('extra', nested)
        return { kind: `nested ${depth} deep in ${where}`, chunked: false, body, expect: 400 }
      })
    const badBytes = fc
      .record({ where: fc.constantFrom('email', 'severity', 'a key', 'the whole body', 'integration'), bytes: invalidUtf8 })
      .map(({ where, bytes }) => {
        const text = (marker: string) => {
          if (where === 'the whole body') return marker
          if (where === 'a key') return `${JSON.stringify(base).slice(0, -1)},"k${marker}":1}`
          return alertWith(where, `"x${marker}"`)
        }
        const [before = '', after = ''] = text('\u0001').split('\u0001')
        // An unknown integration is a 404, even with the replacement character in its name.
        return {
          kind: `invalid UTF-8 in ${where}`,
          chunked: false,
          body: Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]),
          expect: where === 'integration' ? 404 : 400,
        }
      })
    await fc.assert(
      fc.asyncProperty(fc.oneof(oversized, nestedDeep, badBytes), async ({ body, chunked, expect: status }) => {
        const { answer, stored } = await post(typeof body === 'string' ? body : Uint8Array.from(body), ingestHeaders(), chunked)
        expect(answer.status).toBe(status)
        expect(stored).toBe(0)
      }),
      { numRuns: RUNS, seed: SEED + 6 },
    )
    await expectIngestStillWorks()
  })

  it('reads invalid UTF-8 in an otherwise valid reason as U+FFFD: the alert is accepted and stored as decoded text, never as raw bytes', async () => {
    const body = Buffer.concat([
      Buffer.from(`{"integration":"${LOCAL.integrationId}","email":"utf8@example.com","reason":"left `),
      Buffer.from([0xff, 0xc0, 0xaf]),
      Buffer.from(' today"}'),
    ])
    const answer = await rawPost(alertsUrl(), Uint8Array.from(body), ingestHeaders())
    expect(answer.status).toBe(202)
    const alertId = String((JSON.parse(answer.body) as { alertId: string }).alertId)
    const data = JSON.parse((await redis.hget(`dpb:alert:${alertId}`, 'data')) ?? '{}') as { reason?: string }
    expect(data.reason).toBe('left \uFFFD\uFFFD\uFFFD today')
  })
})

// =============================================================================================
// POST /slack/events
// =============================================================================================

describe('POST /slack/events under hostile input', () => {
  let world: World
  let target: { alertId: string; message: StoredMessage }

  beforeAll(async () => {
    const alerts = await Promise.all(['ann@example.com', 'ben@example.com', 'cat@example.com'].map((email) => raise(email)))
    target = alerts[0]!
    world = {
      alertIds: alerts.map((alert) => alert.alertId),
      actor: LOCAL.actor,
      outsider: LOCAL.outsider,
      channel: LOCAL.channel,
      responseUrl: `${env.slack.responseUrlBase}hostile`,
    }
    await quiesce(env)
  })

  /** Sends BATCH cases at once per run; checks every answer, then that nothing changed and the bot still serves. */
  async function batchProperty(arbitrary: fc.Arbitrary<SlackCase>, seed: number, check: (result: { slackCase: SlackCase; answer: RawAnswer }) => boolean) {
    await fc.assert(
      fc.asyncProperty(fc.array(arbitrary, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const before = await snapshot(redis, env)
        const scimFrom = env.scim.requests.length
        const results = await sendBatch(cases)
        const wrong = results.filter((result) => !check(result)).map(describeCase)
        expect(wrong).toEqual([])
        await quiesce(env)
        expect(await snapshot(redis, env)).toEqual(before)
        expect(requestsForUnknownAccounts(env, await storedEmails(redis), USERS, scimFrom)).toEqual([])
      }),
      // No shrinking: each step would resend a batch (3 s a time); the failure already lists every wrong case.
      { numRuns: BATCH_RUNS, seed, endOnFailure: true },
    )
    await expectSlackStillWorks()
  }

  it('refuses every unsigned, forged, stale or re-signed request with 401, and nothing reaches Slack, the store or the service', async () => {
    const legit = fc.constantFrom('click', 'confirmation', 'command', 'event')
    const bodyFor = (kind: string): string => {
      if (kind === 'click') {
        return interactionBody(
          blockActionsPayload({
            message: target.message,
            channel: LOCAL.channel,
            actionId: requestActionId('delete'),
            responseUrlBase: env.slack.responseUrlBase,
          }),
        )
      }
      if (kind === 'confirmation') {
        const view = { id: 'VFORGED01', callback_id: CONFIRM_CALLBACK_ID, private_metadata: JSON.stringify({ alertId: target.alertId, action: 'delete' }) }
        return interactionBody(viewSubmissionPayload({ view, user: { id: LOCAL.actor } }))
      }
      if (kind === 'command') return slashCommandBody({ command: '/deprovision', text: 'status', user_id: LOCAL.actor, response_url: world.responseUrl })
      return JSON.stringify({
        type: 'event_callback',
        team_id: 'T0SANDBOX',
        event: { type: 'app_mention', user: LOCAL.actor, text: 'hi', channel: LOCAL.channel },
      })
    }
    const before = await snapshot(redis, env)
    const slackCalls = env.slack.calls.length
    const scimCalls = env.scim.requests.length
    await fc.assert(
      fc.asyncProperty(legit, forgery(LOCAL.signingSecret), async (kind, how) => {
        const { body, headers } = forge(bodyFor(kind), LOCAL.signingSecret, how)
        const answer = await rawPost(eventsUrl(), body, kind === 'event' ? { ...headers, 'content-type': JSON_TYPE } : headers)
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: '' })
      }),
      { numRuns: RUNS, seed: SEED + 11 },
    )
    await quiesce(env)
    expect(env.slack.calls.length - slackCalls).toBe(0)
    expect(env.scim.requests.length - scimCalls).toBe(0)
    expect(await snapshot(redis, env)).toEqual(before)
    await expectSlackStillWorks()
  })

  it('answers 400 at once to a signed body Bolt cannot parse (payload not JSON, invalid UTF-8, a form under another content type)', async () => {
    const before = await snapshot(redis, env)
    const slackCalls = env.slack.calls.length
    await fc.assert(
      fc.asyncProperty(unparseableCase(world), async (slackCase) => {
        const answer = await sendCase(slackCase)
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 400, body: '' })
        expect(answer.ms).toBeLessThan(2_000)
      }),
      { numRuns: RUNS, seed: SEED + 12 },
    )
    await quiesce(env)
    expect(env.slack.calls.length - slackCalls).toBe(0)
    expect(await snapshot(redis, env)).toEqual(before)
    await expectSlackStillWorks()
  })

  it("answers a signed body with no Slack type with Bolt's 404 after its 3-second no-ack timer (400 at once when it is not even an object; 200 for url_verification and ssl_check), changing nothing", async () => {
    await batchProperty(unroutableCase(), SEED + 13, ({ slackCase, answer }) => {
      const expected = (slackCase as SlackCase & { expect: string }).expect
      if (expected === 'handshake') return answer.status === 200
      if (expected === 'not an object') return answer.status === 400 && answer.ms < 2_000
      return answer.status === 404 && answer.ms >= 2_900
    })
  })

  it('never answers 5xx to a signed payload Bolt can route, whatever it carries (odd types, actions, ids, values, metadata, users), and changes no alert, mute or account', async () => {
    await batchProperty(
      routableHostileCase(world),
      SEED + 14,
      ({ answer }) => (answer.status >= 200 && answer.status < 300) || (answer.status >= 400 && answer.status < 500),
    )
  })

  it('changes nothing and keeps serving when a signed payload breaks the fields Bolt reads before any listener (the receiver guard answers 400 where Bolt alone answers 500)', async () => {
    await batchProperty(envelopeBreakingCase(world), SEED + 15, ({ answer }) => answer.status >= 400 && answer.status < 500)
  })

  it('answers an unsigned ssl_check with 200 (as Slack requires) and drops a payload smuggled beside it', async () => {
    const opened = env.slack.callsTo('views.open').length
    const smuggled = `ssl_check=1&${interactionBody(blockActionsPayload({ message: target.message, channel: LOCAL.channel, actionId: requestActionId('delete'), responseUrlBase: env.slack.responseUrlBase }))}`
    const answer = await rawPost(eventsUrl(), smuggled, { 'content-type': FORM })
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: '' })
    await quiesce(env)
    expect(env.slack.callsTo('views.open')).toHaveLength(opened)
  })
})

// =============================================================================================
// Forged, replayed and re-signed
// =============================================================================================

describe('forged, replayed and re-signed Slack requests', () => {
  let fay: { alertId: string; message: StoredMessage }

  beforeAll(async () => {
    fay = await raise('fay@example.com')
    await quiesce(env)
  })

  const clickBody = (user: SandboxUser) =>
    interactionBody(
      blockActionsPayload({
        message: fay.message,
        channel: LOCAL.channel,
        actionId: requestActionId('delete'),
        user,
        responseUrlBase: env.slack.responseUrlBase,
      }),
    )

  async function expectNothingHappened(run: () => Promise<RawAnswer>) {
    const before = await snapshot(redis, env)
    const slackCalls = env.slack.calls.length
    const scimCalls = env.scim.requests.length
    const answer = await run()
    await quiesce(env)
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: '' })
    expect(env.slack.calls.slice(slackCalls).map((call) => call.method)).toEqual([])
    expect(env.scim.requests.length).toBe(scimCalls)
    expect(await snapshot(redis, env)).toEqual(before)
  }

  it('refuses a click signed with another secret (401) and opens nothing', async () => {
    const body = clickBody({ id: LOCAL.actor })
    await expectNothingHappened(() => rawPost(eventsUrl(), body, slackHeaders(body, { secret: 'another-apps-signing-secret' })))
  })

  it('refuses a correctly signed click replayed more than five minutes later (401)', async () => {
    const body = clickBody({ id: LOCAL.actor })
    await expectNothingHappened(() =>
      rawPost(eventsUrl(), body, slackHeaders(body, { secret: LOCAL.signingSecret, timestampSeconds: nowSeconds() - 5 * 60 - 2 })),
    )
  })

  it("refuses an outsider's signed click edited to carry the actor's user id (401)", async () => {
    const outsiders = clickBody({ id: LOCAL.outsider })
    const headers = slackHeaders(outsiders, { secret: LOCAL.signingSecret })
    const edited = outsiders.split(LOCAL.outsider).join(LOCAL.actor)
    expect(edited).not.toBe(outsiders)
    await expectNothingHappened(() => rawPost(eventsUrl(), edited, headers))
  })

  it('refuses a real confirmation replayed after five minutes (401): the alert stays open and the account untouched', async () => {
    const since = env.slack.calls.length
    await env.click(fay.message, 'delete')
    const view = await env.confirmation(since)
    await quiesce(env)
    const body = interactionBody(viewSubmissionPayload({ view, user: { id: LOCAL.actor } }))
    await expectNothingHappened(() => rawPost(eventsUrl(), body, slackHeaders(body, { secret: LOCAL.signingSecret, timestampSeconds: nowSeconds() - 6 * 60 })))
    expect(await alertState(fay.alertId)).toBe('open')
    expect(env.scim.findUser('fay@example.com')).toBeDefined()
  })

  it('lets a verbatim replay inside the five-minute window through Bolt (it keeps no nonce), but the claim turns it into "already in progress": one delete', async () => {
    const since = env.slack.calls.length
    await env.click(fay.message, 'delete')
    const view = await env.confirmation(since)
    const body = interactionBody(viewSubmissionPayload({ view, user: { id: LOCAL.actor } }))
    const headers = slackHeaders(body, { secret: LOCAL.signingSecret })
    const first = await rawPost(eventsUrl(), body, headers)
    const replay = await rawPost(eventsUrl(), body, headers)
    expect(first).toMatchObject({ status: 200, body: '' })
    expect(replay.status).toBe(200)
    expect(replay.body).toContain('"response_action":"update"')
    await env.threadReply(fay.message, /was deleted/i)
    await quiesce(env)
    expect(env.scim.requests.filter((request) => request.method === 'DELETE' && request.path === '/Users/u-fay')).toHaveLength(1)
  })

  it('accepts a request dated in the future when signed with the real secret: Bolt 5.1 checks staleness only (only the secret holder can make one)', async () => {
    const body = slashCommandBody({ command: '/deprovision', text: 'help', user_id: LOCAL.actor })
    const future = nowSeconds() + 3_600
    const accepted = await rawPost(eventsUrl(), body, slackHeaders(body, { secret: LOCAL.signingSecret, timestampSeconds: future }))
    expect(accepted.status).toBe(200)
    expect(accepted.body).toContain('Usage')
    const forged = await rawPost(eventsUrl(), body, slackHeaders(body, { secret: 'not-the-secret', timestampSeconds: future }))
    expect(forged.status).toBe(401)
  })
})

// =============================================================================================
// Tampering
// =============================================================================================

describe('tampering cannot make the bot act on an account that no stored alert names', () => {
  let ann: { alertId: string; message: StoredMessage }
  let ben: { alertId: string; message: StoredMessage }
  let dot: { alertId: string; message: StoredMessage }
  let eve: { alertId: string; message: StoredMessage }
  let gus: { alertId: string; message: StoredMessage }

  beforeAll(async () => {
    ann = await raise('ann@example.com')
    ben = await raise('ben@example.com')
    dot = await raise('dot@example.com')
    eve = await raise('eve@example.com')
    gus = await raise('gus@example.com')
    await quiesce(env)
  })

  async function confirmationFor(message: StoredMessage, action: 'delete' | 'suspend'): Promise<StoredView> {
    const since = env.slack.calls.length
    expect((await env.click(message, action)).status).toBe(200)
    const view = await env.confirmation(since)
    await quiesce(env)
    return view
  }

  function submitWith(view: StoredView, metadata: unknown, user: SandboxUser = { id: LOCAL.actor }) {
    const tampered = { ...view, private_metadata: typeof metadata === 'string' ? metadata : JSON.stringify(metadata) }
    const body = interactionBody(viewSubmissionPayload({ view: tampered, user }))
    return signedPost(body)
  }

  const writesTo = (from: number) =>
    env.scim.requests
      .slice(from)
      .filter((request) => request.method !== 'GET')
      .map((request) => `${request.method} ${request.path}`)

  it('refuses a confirmation whose private_metadata names a made-up alert id ("Alert not found"), and nothing is written', async () => {
    const view = await confirmationFor(ann.message, 'delete')
    const from = env.scim.requests.length
    const before = await snapshot(redis, env)
    const answer = await submitWith(view, { alertId: 'al_madeUp00000X', action: 'delete' })
    expect(answer.status).toBe(200)
    expect(answer.body).toContain('Alert not found')
    await quiesce(env)
    expect(writesTo(from)).toEqual([])
    expect(await snapshot(redis, env)).toEqual(before)
  })

  it("acts on the stored account of the alert the metadata names, never on an email or account id slipped into it: an account id that is not the stored alert's account stops the action; metadata naming Ben deletes Ben's account, not Ann's, not the victim's", async () => {
    const view = await confirmationFor(ann.message, 'delete')
    const from = env.scim.requests.length
    const slipped = await submitWith(view, { alertId: ben.alertId, action: 'delete', email: 'victim@example.com', accountId: 'u-victim' })
    expect({ status: slipped.status, body: slipped.body }).toEqual({ status: 200, body: '' })
    await env.threadReply(ben.message, /changed since it was confirmed/i)
    await quiesce(env)
    expect(writesTo(from)).toEqual([])

    const answer = await submitWith(view, { alertId: ben.alertId, action: 'delete', email: 'victim@example.com' })
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: '' })
    await env.threadReply(ben.message, /was deleted/i)
    await quiesce(env)
    expect(writesTo(from)).toEqual(['DELETE /Users/u-ben'])
    expect(env.scim.findUser('victim@example.com')).toBeDefined()
    expect(env.scim.findUser('ann@example.com')).toBeDefined()
    expect([await alertState(ann.alertId), await alertState(ben.alertId)]).toEqual(['open', 'done'])
    expect(requestsForUnknownAccounts(env, await storedEmails(redis), USERS, from)).toEqual([])
  })

  it('refuses metadata naming an alert that can no longer be claimed (Ben, already done): the modal says so and nothing is written', async () => {
    const view = await confirmationFor(ann.message, 'delete')
    const from = env.scim.requests.length
    const answer = await submitWith(view, { alertId: ben.alertId, action: 'delete' })
    expect(answer.status).toBe(200)
    expect(answer.body).toContain('"response_action":"update"')
    await quiesce(env)
    expect(writesTo(from)).toEqual([])
    expect(await alertState(ann.alertId)).toBe('open')
  })

  it('refuses metadata asking for an action the named alert does not offer (restore, cancel-delete, deprovision-access on an open person alert), and unreadable metadata', async () => {
    const view = await confirmationFor(dot.message, 'suspend')
    const from = env.scim.requests.length
    const before = await snapshot(redis, env)
    for (const action of ['restore', 'cancel-delete', 'deprovision-access']) {
      const answer = await submitWith(view, { alertId: dot.alertId, action })
      expect(answer.status).toBe(200)
      expect(answer.body).toContain('"response_action":"update"')
    }
    for (const metadata of [
      '',
      'not json',
      '{"alertId":1}',
      JSON.stringify({ alertId: dot.alertId, action: 'destroy' }),
      JSON.stringify({ __proto__: { alertId: dot.alertId }, action: 'delete' }),
    ]) {
      const answer = await submitWith(view, metadata)
      expect(answer.status).toBe(200)
      expect(answer.body).toContain('Cannot continue')
    }
    await quiesce(env)
    expect(writesTo(from)).toEqual([])
    expect(await snapshot(redis, env)).toEqual(before)
  })

  it('takes the action from the metadata: a Suspend modal whose metadata says delete deletes the same stored account (Slack does not let a user edit private_metadata, so this needs the signing secret)', async () => {
    const view = await confirmationFor(eve.message, 'suspend')
    const from = env.scim.requests.length
    await submitWith(view, { alertId: eve.alertId, action: 'delete' })
    await env.threadReply(eve.message, /was deleted/i)
    await quiesce(env)
    expect(writesTo(from)).toEqual(['DELETE /Users/u-eve'])
  })

  it("a click whose value names another stored alert opens that alert's confirmation (reading its own account), and writes nothing", async () => {
    const from = env.scim.requests.length
    const since = env.slack.calls.length
    const payload = blockActionsPayload({
      message: ann.message,
      channel: LOCAL.channel,
      actionId: requestActionId('delete'),
      value: dot.alertId,
      responseUrlBase: env.slack.responseUrlBase,
    })
    expect((await signedPost(interactionBody(payload))).status).toBe(200)
    const view = await env.confirmation(since)
    await quiesce(env)
    expect(JSON.stringify(view.blocks)).toContain('dot@example.com')
    expect(JSON.stringify(view.blocks)).not.toContain('ann@example.com')
    expect(writesTo(from)).toEqual([])
    expect(requestsForUnknownAccounts(env, await storedEmails(redis), USERS, from)).toEqual([])
  })

  it('a click whose value is garbage or a made-up alert id makes no provider call at all and opens no modal', async () => {
    const from = env.scim.requests.length
    const opened = env.slack.callsTo('views.open').length
    for (const value of [
      '',
      'garbage',
      'al_madeUp00000X',
      'al_xxxxxxxxxxxx',
      '../Users/u-victim',
      'victim@example.com',
      JSON.stringify({ alertId: ann.alertId }),
      `${ann.alertId} `,
      'x'.repeat(10_000),
    ]) {
      const payload = blockActionsPayload({
        message: ann.message,
        channel: LOCAL.channel,
        actionId: requestActionId('delete'),
        value,
        responseUrlBase: env.slack.responseUrlBase,
      })
      expect((await signedPost(interactionBody(payload))).status).toBe(200)
    }
    await quiesce(env)
    expect(env.scim.requests.length).toBe(from)
    expect(env.slack.callsTo('views.open')).toHaveLength(opened)
  })

  it("treats an actor's signed confirmation without view.state (or with state.values null) as one with no answers: the claim is never left stranded in progress", async () => {
    for (const [email, accountId, strip] of [
      ['hal@example.com', 'u-hal', (view: Record<string, unknown>) => Object.fromEntries(Object.entries(view).filter(([key]) => key !== 'state'))],
      ['ivy@example.com', 'u-ivy', (view: Record<string, unknown>) => ({ ...view, state: { values: null } })],
    ] as const) {
      const { alertId, message } = await raise(email)
      await quiesce(env)
      const from = env.scim.requests.length
      const payload = viewSubmissionPayload({
        view: { id: 'VNOSTATE1', callback_id: CONFIRM_CALLBACK_ID, private_metadata: JSON.stringify({ alertId, action: 'delete' }) },
        user: { id: LOCAL.actor },
      })
      const answer = await signedPost(formPayload({ ...payload, view: strip(payload.view as unknown as Record<string, unknown>) }))
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: '' })
      await env.threadReply(message, /was deleted/i)
      await quiesce(env)
      expect(await alertState(alertId)).toBe('done')
      expect(writesTo(from)).toEqual([`DELETE /Users/${accountId}`])
    }
  })

  it('an actor outside ACTORS can do nothing: not by a click, a confirmation (genuine or naming another alert), the command, a Mute choice or an Unmute', async () => {
    const view = await confirmationFor(gus.message, 'delete')
    // The actor mutes Ann's account so that there is a real Unmute button for the outsider to press.
    await env.select(ann.message, MUTE_ACTION_ID, `${ann.alertId}|account|1d`)
    await env.slack.waitFor('chat.update', (call) => call.args.ts === ann.message.ts && JSON.stringify(call.args.blocks).includes(UNMUTE_ACTION_ID))
    await quiesce(env)

    const from = env.scim.requests.length
    const opened = env.slack.callsTo('views.open').length
    const before = await snapshot(redis, env)
    const outsider = { id: LOCAL.outsider }

    expect((await env.click(gus.message, 'delete', outsider)).status).toBe(200)
    for (const metadata of [
      { alertId: gus.alertId, action: 'delete' },
      { alertId: dot.alertId, action: 'delete' },
      { alertId: ann.alertId, action: 'suspend' },
    ]) {
      const answer = await submitWith(view, metadata, outsider)
      expect(answer.status).toBe(200)
      expect(answer.body).toContain('Not allowed')
    }
    const command = await env.command('status', outsider)
    expect(command.body).toMatch(/Only the security team/)
    expect((await env.select(gus.message, MUTE_ACTION_ID, `${gus.alertId}|service|forever`, outsider)).status).toBe(200)
    expect((await env.press(ann.message, UNMUTE_ACTION_ID, outsider)).status).toBe(200)
    await quiesce(env)

    expect(env.scim.requests.length).toBe(from)
    expect(env.slack.callsTo('views.open')).toHaveLength(opened)
    expect(await snapshot(redis, env)).toEqual(before)
    const refusals = env.slack.callsTo('chat.postEphemeral').filter((call) => call.args.user === LOCAL.outsider)
    expect(refusals.length).toBeGreaterThanOrEqual(2)
  })
})

// =============================================================================================
// Bolt 5.1 defects, each guarded by the bot's receiver (src/app/receiver.ts)
// =============================================================================================

describe('Bolt 5.1 defects the receiver guard closes', () => {
  describe('in a bot process of its own', () => {
    let store: Awaited<ReturnType<typeof startRedisServer>>
    let bot: Awaited<ReturnType<typeof startBotProcess>>
    beforeAll(async () => {
      store = await startRedisServer()
      bot = await startBotProcess(store.url)
    })
    afterAll(async () => {
      await bot?.stop()
      await store?.stop()
    })

    it('serves a signed command (the process is up before the crash below)', async () => {
      const body = slashCommandBody({ command: '/deprovision', text: 'help', user_id: LOCAL.actor })
      const answer = await rawPost(`${bot.url}/slack/events`, body, slackHeaders(body, { secret: LOCAL.signingSecret }))
      expect(answer.status).toBe(200)
      expect(answer.body).toContain('Usage')
    })

    it("keeps running when a correctly signed interaction's payload is the JSON literal null (Bolt's HTTPReceiver alone throws outside any handler and the process exits)", async () => {
      const body = 'payload=null'
      const answer = await rawPost(`${bot.url}/slack/events`, body, slackHeaders(body, { secret: LOCAL.signingSecret }), { timeoutMs: 3_000 }).catch(
        () => undefined,
      )
      const exit = await bot.exitWithin(2_000)
      expect({ answered: answer?.status, process: exit }).toEqual({ answered: 400, process: 'running' })
    })
  })

  it('answers a signed block_actions payload that has no user with a 4xx (Bolt alone answers 500 before any listener runs)', async () => {
    const answer = await signedPost(formPayload({ type: 'block_actions', actions: [{ action_id: requestActionId('delete'), value: 'al_madeUp00000X' }] }))
    expect(answer.status).toBeLessThan(500)
  })

  it('answers a signed interaction whose team id is "constructor" with a 4xx (Bolt alone looks its client pool up in a plain object, finds Object, and answers 500)', async () => {
    const answer = await signedPost(
      formPayload({
        type: 'block_actions',
        user: { id: LOCAL.outsider },
        team: { id: 'constructor' },
        actions: [{ action_id: requestActionId('delete'), value: 'al_madeUp00000X' }],
      }),
    )
    expect(answer.status).toBeLessThan(500)
  })
})

// =============================================================================================
// Logs
// =============================================================================================

describe('logs', () => {
  let logged: LocalEnvironment
  const lines: string[] = []

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lines.push(
          ...String(chunk)
            .split('\n')
            .filter((line) => line !== ''),
        )
        done()
      },
    })
    logged = await startLocalEnvironment({
      logger: createLogger('debug', stream),
      users: USERS,
      retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
      slackRetry: { retries: 0 },
    })
  })
  afterAll(async () => {
    await logged?.stop()
  })

  it('never contain the bot token, the signing secret, the ingest token or the SCIM token, through an alert, a click, a confirmation, provider 401s (in the job and in the preflight), /deprovision status and refused requests', async () => {
    const raiseHere = async (email: string) => {
      const accepted = await logged.postAlert({ ...validAlert(email), dedupKey: `logs-${email}` })
      expect(accepted.status).toBe(202)
      return logged.alertMessage(String(accepted.body.alertId))
    }
    const confirm = async (message: StoredMessage) => {
      const since = logged.slack.calls.length
      await logged.click(message, 'delete')
      return logged.confirmation(since)
    }

    const deleted = await raiseHere('ivy@example.com')
    await logged.submit(await confirm(deleted))
    await logged.threadReply(deleted, /was deleted/i)

    const failing = await raiseHere('gus@example.com')
    const view = await confirm(failing)
    logged.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
    await logged.submit(view)
    await logged.threadReply(failing, /credentials/i)

    const preflightFails = await raiseHere('hal@example.com')
    logged.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
    const since = logged.slack.calls.length
    await logged.click(preflightFails, 'delete')
    expect(JSON.stringify((await logged.confirmation(since)).blocks)).toMatch(/credentials/i)

    const status = await logged.command('status')
    expect(status.status).toBe(200)
    await logged.slack.waitFor('response_url', (call) => JSON.stringify(call.args).includes(LOCAL.integrationName))

    expect((await logged.postAlert(validAlert('x@example.com'), `${LOCAL.ingestToken}-wrong`)).status).toBe(401)
    const body = slashCommandBody({ command: '/deprovision', text: 'status', user_id: LOCAL.actor })
    expect((await rawPost(`${logged.bot.url}/slack/events`, body, slackHeaders(body, { secret: `${LOCAL.signingSecret}-wrong` }))).status).toBe(401)
    expect((await rawPost(`${logged.bot.url}/slack/events`, 'payload=%7Bnope', slackHeaders('payload=%7Bnope', { secret: LOCAL.signingSecret }))).status).toBe(
      400,
    )
    await quiesce(logged)

    const levels = new Set(lines.map((line) => (JSON.parse(line) as { level: number }).level))
    expect(levels.has(20)).toBe(true)
    // The failures were logged (with their errors), so the redaction was put to work.
    expect(lines.filter((line) => line.includes('"outcome":"failed"') || line.includes('preflight failed'))).toHaveLength(2)
    const secrets = { botToken: LOCAL.botToken, signingSecret: LOCAL.signingSecret, ingestToken: LOCAL.ingestToken, scimToken: LOCAL.scimToken }
    const leaks = Object.entries(secrets).flatMap(([name, secret]) => lines.filter((line) => line.includes(secret)).map((line) => `${name}: ${line}`))
    expect(leaks).toEqual([])
  })
})

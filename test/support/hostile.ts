/**
 * Tools for throwing hostile requests at the bot (test/e2e/hostile-input.test.ts):
 * raw POSTs of any bytes with any headers, Slack-signed and mis-signed bodies, a
 * snapshot of everything a request could have changed (stored alerts and their
 * states, mutes, writes that reached the provider), and fast-check arbitraries for
 * the request shapes the properties draw from.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc, { type Arbitrary } from 'fast-check'
import type { Redis } from 'ioredis'
import { CONFIRM_CALLBACK_ID, MUTE_ACTION_ID, UNMUTE_ACTION_ID, requestActionId } from '../../src/constants.js'
import { parseModalContext } from '../../src/features/alerts/listeners/modal-context.js'
import { ACTIONS } from '../../src/providers/types.js'
import type { LocalEnvironment } from '../../local/local-environment.js'
import { SANDBOX, newTriggerId, nowSeconds, slackSignature } from '../../local/slack-signing.js'
import { MUTE_DURATIONS } from '../../src/features/mutes/store.js'

// ---------------------------------------------------------------------------------------------
// Raw requests
// ---------------------------------------------------------------------------------------------

export interface RawAnswer {
  status: number
  body: string
  headers: Record<string, string>
  /** How long the answer took, in ms. */
  ms: number
}

export const FORM = 'application/x-www-form-urlencoded'
export const JSON_TYPE = 'application/json'

export interface PostOptions {
  timeoutMs?: number
  /** Stream the body in chunks without a content-length (Transfer-Encoding: chunked). */
  chunked?: boolean
}

/**
 * POSTs exactly these bytes with exactly these headers. A string body is sent as its
 * UTF-8 bytes, so fetch adds no content-type of its own: only the one in `headers`.
 */
export async function rawPost(url: string, body: string | Uint8Array, headers: Record<string, string>, options: PostOptions = {}): Promise<RawAnswer> {
  const started = Date.now()
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers, body: bytes, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) }
  if (options.chunked) {
    let offset = 0
    init.body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close()
        controller.enqueue(bytes.subarray(offset, offset + 16_384))
        offset += 16_384
      },
    })
    init.duplex = 'half'
  }
  const response = await fetch(url, init)
  return {
    status: response.status,
    body: await response.text(),
    headers: Object.fromEntries(response.headers.entries()),
    ms: Date.now() - started,
  }
}

/** Bolt verifies the signature over the body as it decodes it (UTF-8, invalid bytes replaced), so that is what is signed. */
export function bodyText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString()
}

export interface SignOptions {
  secret: string
  timestampSeconds?: number
  /** null sends no content-type at all. */
  contentType?: string | null
}

/** Headers exactly as Slack signs a request (v0 HMAC over `v0:{timestamp}:{body}`). */
export function slackHeaders(body: string | Uint8Array, options: SignOptions): Record<string, string> {
  const timestamp = options.timestampSeconds ?? nowSeconds()
  const contentType = options.contentType === undefined ? FORM : options.contentType
  return {
    ...(contentType === null ? {} : { 'content-type': contentType }),
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(options.secret, timestamp, bodyText(body)),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  }
}

/** `payload=<json>`, as Slack posts interactions. */
export function formPayload(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
}

/**
 * Stands in for a trigger_id to be minted when the request is sent (Slack's trigger ids
 * expire in 3 s). Letters only, so it reads the same in JSON and in a form body.
 */
export const FRESH_TRIGGER = 'FRESHTRIGGERID'

export function withFreshTriggers(text: string): string {
  return text.split(FRESH_TRIGGER).join(newTriggerId())
}

export function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// What a request may have changed
// ---------------------------------------------------------------------------------------------

export interface Snapshot {
  /** Every stored alert: its state JSON and version (only the bot's Lua scripts move them). */
  alerts: Record<string, string>
  /** Every mute key. */
  mutes: string[]
  /** Requests that reached the SCIM service other than reads. */
  providerWrites: number
}

export async function storedAlertIds(redis: Redis): Promise<string[]> {
  return (await redis.keys('dpb:alert:*')).map((key) => key.slice('dpb:alert:'.length)).sort()
}

/** The email of every stored alert: the only accounts the bot may ever touch. */
export async function storedEmails(redis: Redis): Promise<string[]> {
  const emails: string[] = []
  for (const id of await storedAlertIds(redis)) {
    const data = await redis.hget(`dpb:alert:${id}`, 'data')
    if (data) emails.push(String((JSON.parse(data) as { email?: unknown }).email))
  }
  return emails
}

export async function snapshot(redis: Redis, env: LocalEnvironment): Promise<Snapshot> {
  const alerts: Record<string, string> = {}
  for (const id of await storedAlertIds(redis)) {
    const [state, version] = await redis.hmget(`dpb:alert:${id}`, 'state', 'version')
    alerts[id] = `${version ?? '?'} ${state ?? '?'}`
  }
  return {
    alerts,
    mutes: (await redis.keys('dpb:mute*')).sort(),
    providerWrites: env.scim.requests.filter((request) => request.method !== 'GET').length,
  }
}

/** Waits until neither Slack nor the provider has been called for `quietMs` (background work after an ack has finished). */
export async function quiesce(env: LocalEnvironment, quietMs = 300, maxMs = 8_000): Promise<void> {
  const started = Date.now()
  let seen = -1
  let since = Date.now()
  while (Date.now() - started < maxMs) {
    const now = env.slack.calls.length + env.scim.requests.length
    if (now !== seen) {
      seen = now
      since = Date.now()
    } else if (Date.now() - since >= quietMs) {
      return
    }
    await sleep(50)
  }
}

/**
 * Every SCIM request that names an account (a filter on an email, or /Users/{id}) must
 * name the account of a stored alert: returns those that do not. `accounts` maps the
 * service's ids to emails (the seed, since a deleted user is gone from the sandbox).
 */
export function requestsForUnknownAccounts(
  env: LocalEnvironment,
  storedEmails: readonly string[],
  accounts: ReadonlyArray<{ id: string; userName: string }>,
  from = 0,
): string[] {
  const emails = storedEmails.map((email) => email.toLowerCase())
  const ids = new Set(accounts.filter((account) => emails.includes(account.userName.toLowerCase())).map((account) => account.id))
  const strays: string[] = []
  for (const request of env.scim.requests.slice(from)) {
    const filter = request.query.filter
    const byId = /^\/Users\/([^/?]+)/.exec(request.path)?.[1]
    if (filter !== undefined) {
      const named = /"((?:[^"\\]|\\.)*)"/.exec(filter)?.[1]?.toLowerCase()
      if (named === undefined || !emails.includes(named)) strays.push(`${request.method} ${request.path}?filter=${filter}`)
    } else if (byId !== undefined && !ids.has(decodeURIComponent(byId))) {
      strays.push(`${request.method} ${request.path}`)
    }
  }
  return strays
}

// ---------------------------------------------------------------------------------------------
// The bot in its own process
// ---------------------------------------------------------------------------------------------

export interface BotProcess {
  url: string
  child: ChildProcess
  stderr: () => string
  /** Resolves with the exit code once the process has ended, or 'running' after `ms`. */
  exitWithin(ms: number): Promise<number | 'running'>
  stop(): Promise<void>
}

/** Starts test/support/bot-process.ts on `redisUrl` and waits for its URL. */
export async function startBotProcess(redisUrl: string, timeoutMs = 20_000): Promise<BotProcess> {
  const entry = fileURLToPath(new URL('./bot-process.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', entry, redisUrl], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot process did not start: ${stderr}`)), timeoutMs)
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /\{"url":"([^"]+)"\}/.exec(stdout)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the bot process exited (${code}) before starting: ${stderr}`))
    })
  })
  return {
    url,
    child,
    stderr: () => stderr,
    exitWithin: (ms) => Promise.race([exited, sleep(ms).then(() => 'running' as const)]),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        if ((await Promise.race([exited, sleep(5_000).then(() => 'running' as const)])) === 'running') child.kill('SIGKILL')
      }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Strings an attacker would try: any characters, markup, injection classics, prototype keys, huge ones. */
export const hostileText: Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\uFFFD',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'null',
      '{}',
      '[]',
      '<!channel>',
      '<@U0SANDBOX01>',
      '${jndi:ldap://x}',
      '../../etc/passwd',
      "' OR 1=1 --",
      '*)(uid=*',
      'userName pr',
      'al_',
      '%00',
      '%E0%A4%A',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 3_000, max: 20_000 }).map((length) => 'x'.repeat(length)) },
)

/** Anything but a string where a string is expected. */
export const notAString: Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(hostileText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
)

/** Nested arrays or objects `depth` levels deep, as JSON text. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** Bytes that are not valid UTF-8: stray continuation bytes, overlong forms, surrogates, truncated sequences. */
export const invalidUtf8: Arbitrary<Uint8Array> = fc
  .array(
    fc.constantFrom(
      [0x80],
      [0xbf],
      [0xc0, 0xaf],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0xfe],
      [0xe2, 0x82],
      [0xf0, 0x9f],
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((pieces) => Uint8Array.from(pieces.flat()))

/** What the properties may aim at: the ids and people that exist in the running bot. */
export interface World {
  /** Alerts stored in the bot. */
  alertIds: readonly string[]
  /** The only Slack user in ACTORS. */
  actor: string
  outsider: string
  channel: string
  /** A response_url on the Slack stand-in (nothing listens for it; the bot's answer is just dropped). */
  responseUrl: string
}

export function madeUpAlertId(world: World): Arbitrary<string> {
  return fc.stringMatching(/^al_[A-Za-z0-9]{12}$/).filter((id) => !world.alertIds.includes(id))
}

/** A real alert id, a made-up one of the right shape, or garbage. */
export function alertIdLike(world: World): Arbitrary<string> {
  return fc.oneof(fc.constantFrom(...world.alertIds), madeUpAlertId(world), hostileText)
}

/** Slack user ids: the actor, an outsider, near-misses of the actor, garbage. */
export function userIdLike(world: World): Arbitrary<string> {
  return fc.oneof(
    fc.constant(world.actor),
    fc.constant(world.outsider),
    fc.constantFrom(world.actor.toLowerCase(), ` ${world.actor}`, `${world.actor} `, `${world.actor}\u200b`, `${world.actor},${world.outsider}`),
    hostileText,
  )
}

const KNOWN_ACTION_IDS = [...ACTIONS.map(requestActionId), MUTE_ACTION_ID, UNMUTE_ACTION_ID, 'answer']

function actionIdLike(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...KNOWN_ACTION_IDS) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'alert_action:DELETE',
        'alert_action:delete ',
        'alert_action:',
        'alert_action:destroy',
        'alert_action:delete\n',
        'ALERT_MUTE',
        'alert_action:delete|suspend',
      ),
    },
    { weight: 2, arbitrary: hostileText },
    { weight: 1, arbitrary: notAString },
  )
}

function muteValue(world: World): Arbitrary<string> {
  return fc
    .tuple(alertIdLike(world), fc.oneof(fc.constantFrom('account', 'service'), hostileText), fc.oneof(fc.constantFrom(...MUTE_DURATIONS), hostileText))
    .map((parts) => parts.join('|'))
}

function unmuteValue(world: World): Arbitrary<string> {
  return fc
    .tuple(hostileText, fc.option(alertIdLike(world), { nil: undefined }))
    .map(([muteId, alertId]) => (alertId === undefined ? muteId : `${muteId}|${alertId}`))
}

function actionElement(world: World): Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      type: fc.oneof(fc.constantFrom('button', 'static_select', 'overflow'), hostileText),
      action_id: actionIdLike(),
      block_id: fc.oneof(hostileText, notAString),
      value: fc.oneof(alertIdLike(world), muteValue(world), unmuteValue(world), notAString),
      selected_option: fc.oneof(fc.record({ value: fc.oneof(muteValue(world), hostileText, notAString) }, { requiredKeys: [] }), notAString),
      action_ts: fc.constant('1700000000.000100'),
    },
    { requiredKeys: ['action_id'] },
  )
}

/** private_metadata as a tamperer would write it. */
function privateMetadata(world: World): Arbitrary<unknown> {
  const context = (alertId: Arbitrary<string>) => fc.record({ alertId, action: fc.oneof(fc.constantFrom(...ACTIONS), hostileText) }, { requiredKeys: [] })
  return fc.oneof(
    context(alertIdLike(world)).map((value) => JSON.stringify(value)),
    fc
      .tuple(
        context(alertIdLike(world)),
        fc.record(
          { email: fc.constantFrom('victim@example.com', 'sandbox.admin@example.com'), accountId: fc.constantFrom('u-victim', 'u-alice') },
          { requiredKeys: [] },
        ),
      )
      .map(([base, extra]) => JSON.stringify({ ...base, ...extra })),
    fc.constantFrom('5', 'null', '[]', '"al_xxxxxxxxxxxx"', '{"__proto__":{"alertId":"al_xxxxxxxxxxxx","action":"delete"}}'),
    hostileText,
    notAString,
  )
}

function viewObject(world: World): Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      id: fc.oneof(fc.stringMatching(/^V[A-Z0-9]{8}$/), hostileText),
      type: fc.constant('modal'),
      callback_id: fc.oneof(
        { weight: 3, arbitrary: fc.constant(CONFIRM_CALLBACK_ID) },
        { weight: 1, arbitrary: hostileText },
        { weight: 1, arbitrary: notAString },
      ),
      private_metadata: privateMetadata(world),
      state: fc.oneof(
        fc.constant({ values: {} }),
        fc.record({
          values: fc.dictionary(
            fc.oneof(fc.constant('question:new-owner'), hostileText),
            fc.record({ answer: fc.record({ selected_option: fc.record({ value: hostileText }) }) }),
            { maxKeys: 2 },
          ),
        }),
      ),
      hash: fc.constant('1700000000.abcd'),
    },
    { requiredKeys: ['callback_id'] },
  )
}

/** The fields Bolt reads from every interaction before any listener runs, well-formed. */
function envelope(world: World, type: Arbitrary<string>) {
  return fc.record(
    {
      type,
      user: fc.record({ id: userIdLike(world), username: hostileText, name: hostileText, team_id: fc.constant(SANDBOX.teamId) }, { requiredKeys: ['id'] }),
      team: fc.constant({ id: SANDBOX.teamId, domain: SANDBOX.teamDomain }),
      api_app_id: fc.constant(SANDBOX.apiAppId),
      token: fc.constant(SANDBOX.verificationToken),
      trigger_id: fc.oneof({ weight: 3, arbitrary: fc.constant(FRESH_TRIGGER) }, { weight: 1, arbitrary: hostileText }),
      is_enterprise_install: fc.constant(false),
      response_url: fc.constant(world.responseUrl),
      channel: fc.record({ id: fc.oneof(fc.constant(world.channel), hostileText), name: hostileText }, { requiredKeys: ['id'] }),
    },
    { requiredKeys: ['type', 'user', 'team'] },
  )
}

/** One request to POST /slack/events, described so a failure reads well. */
export interface SlackCase {
  kind: string
  body: string | Uint8Array
  contentType: string | null
}

const interaction = (kind: string, payload: Arbitrary<Record<string, unknown>>): Arbitrary<SlackCase> =>
  payload.map((value) => ({ kind, body: formPayload(value), contentType: FORM }))

/**
 * A confirmation the bot would take as naming a stored alert, from the actor: that is a
 * genuine confirmation (it claims the alert), not hostile input, so the properties leave
 * it to the explicit tests. Likewise a well-formed Mute choice by the actor on a stored alert.
 */
export function isGenuineRequest(world: World, payload: Record<string, unknown>): boolean {
  const user = payload.user as { id?: unknown } | undefined
  if (user?.id !== world.actor) return false
  if (payload.type === 'view_submission') {
    const view = payload.view as { callback_id?: unknown; private_metadata?: unknown } | undefined
    if (view?.callback_id !== CONFIRM_CALLBACK_ID || typeof view.private_metadata !== 'string') return false
    const context = parseModalContext(view.private_metadata)
    return context !== null && world.alertIds.includes(context.alertId)
  }
  const actions = Array.isArray(payload.actions) ? (payload.actions as unknown[]) : []
  return actions.some((action) => {
    if (typeof action !== 'object' || action === null) return false
    const { action_id: actionId, selected_option: option } = action as { action_id?: unknown; selected_option?: { value?: unknown } }
    if (actionId !== MUTE_ACTION_ID || typeof option?.value !== 'string') return false
    const [alertId = '', scope, duration] = option.value.split('|')
    return world.alertIds.includes(alertId) && (scope === 'account' || scope === 'service') && (MUTE_DURATIONS as readonly string[]).includes(duration ?? '')
  })
}

/**
 * Signed requests with an envelope Bolt can route (user, team, view and actions of the
 * types Bolt dereferences) but hostile contents everywhere the bot's own listeners look:
 * unknown types, missing or odd actions, wrong action ids, garbage and huge values,
 * tampered private_metadata, users outside ACTORS, commands and events.
 */
export function routableHostileCase(world: World): Arbitrary<SlackCase> {
  const notGenuine = (payload: Record<string, unknown>) => !isGenuineRequest(world, payload)
  const blockActions = fc
    .tuple(
      envelope(world, fc.constant('block_actions')),
      fc.array(fc.oneof({ weight: 4, arbitrary: actionElement(world) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }), { maxLength: 3 }),
    )
    .map(([base, actions]) => ({ ...base, actions, container: { type: 'message', message_ts: '1700000000.000100' } }))
    .filter(notGenuine)
  const viewSubmission = fc
    .tuple(envelope(world, fc.constant('view_submission')), viewObject(world))
    .map(([base, view]) => ({ ...base, view, response_urls: [] }))
    .filter(notGenuine)
  const otherViewTypes = fc.tuple(envelope(world, fc.constantFrom('view_closed')), viewObject(world)).map(([base, view]) => ({ ...base, view }))
  const suggestion = fc
    .tuple(
      envelope(world, fc.constant('block_suggestion')),
      fc.record(
        {
          action_id: fc.oneof(fc.constant('answer'), hostileText),
          block_id: fc.oneof(fc.constant('question:new-owner'), hostileText, notAString),
          value: fc.oneof(hostileText, notAString),
          view: viewObject(world),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([base, rest]) => ({ ...base, ...rest }))
  const shortcut = fc
    .tuple(envelope(world, fc.constantFrom('shortcut', 'message_action')), fc.record({ callback_id: hostileText }))
    .map(([base, rest]) => ({ ...base, ...rest }))
  const unknownType = fc
    .tuple(
      envelope(
        world,
        hostileText.filter((type) => !BOLT_TYPES.includes(type)),
      ),
      fc.dictionary(
        hostileText.filter((key) => !ROUTING_KEYS.includes(key)),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 4 },
      ),
    )
    .map(([base, extra]) => ({ ...extra, ...base }))
  const command = fc
    .record(
      {
        command: fc.oneof(fc.constantFrom('/deprovision', '/Deprovision', '/deprovision ', '/other'), hostileText),
        text: fc.oneof(fc.constantFrom('status', 'mutes', 'help', '', 'status status', 'delete alice@example.com'), hostileText),
        user_id: userIdLike(world),
        user_name: hostileText,
        channel_id: fc.oneof(fc.constant(world.channel), hostileText),
        team_id: fc.constant(SANDBOX.teamId),
        response_url: fc.constant(world.responseUrl),
        trigger_id: fc.constant(FRESH_TRIGGER),
      },
      { requiredKeys: ['command'] },
    )
    .map((fields): SlackCase => ({ kind: 'slash command', body: new URLSearchParams(fields).toString(), contentType: FORM }))
  const event = fc
    .record({
      type: fc.oneof(fc.constant('event_callback'), hostileText),
      team_id: fc.constant(SANDBOX.teamId),
      api_app_id: fc.constant(SANDBOX.apiAppId),
      event: fc.record(
        {
          type: fc.oneof(fc.constantFrom('app_mention', 'message', 'app_home_opened'), hostileText),
          user: hostileText,
          text: hostileText,
          channel: hostileText,
          ts: fc.constant('1700000000.000100'),
        },
        { requiredKeys: [] },
      ),
      event_id: hostileText,
    })
    .map((envelopeBody): SlackCase => ({ kind: 'event', body: JSON.stringify(envelopeBody), contentType: JSON_TYPE }))
  return fc.oneof(
    { weight: 15, arbitrary: nearGenuineCase(world) },
    { weight: 5, arbitrary: interaction('block_actions', blockActions) },
    { weight: 4, arbitrary: interaction('view_submission', viewSubmission) },
    { weight: 1, arbitrary: interaction('view_closed', otherViewTypes) },
    { weight: 2, arbitrary: interaction('block_suggestion', suggestion) },
    { weight: 1, arbitrary: interaction('shortcut', shortcut) },
    { weight: 1, arbitrary: interaction('unknown type', unknownType) },
    { weight: 2, arbitrary: command },
    { weight: 1, arbitrary: event },
  )
}

/** Where a leaf sits in a JSON value: object keys and array indexes. */
type Path = Array<string | number>

function leafPaths(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return value.length === 0 ? [at] : value.flatMap((item, index) => leafPaths(item, [...at, index]))
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
    return entries.length === 0 ? [at] : entries.flatMap(([key, item]) => leafPaths(item, [...at, key]))
  }
  return [at]
}

const REMOVE = Symbol('remove')

/** A copy of `value` with the leaf at `path` replaced (or removed). */
function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy = [...value]
    if (rest.length === 0 && replacement === REMOVE) copy.splice(Number(head), 1)
    else copy[Number(head)] = replaceAt(copy[Number(head)], rest, replacement)
    return copy
  }
  const copy = { ...(value as Record<string, unknown>) }
  if (rest.length === 0 && replacement === REMOVE) delete copy[String(head)]
  else copy[String(head)] = replaceAt(copy[String(head)], rest, replacement)
  return copy
}

/**
 * A request Slack could really send on the bot's own surfaces (a click on Delete, Suspend,
 * Mute or Unmute of a stored alert, a confirmation, a suggestion query) by the actor or an
 * outsider, with exactly one field replaced by a hostile value or removed. This reaches
 * deep into the handlers (modals open, the service is read), where random payloads rarely get.
 */
export function nearGenuineCase(world: World): Arbitrary<SlackCase> {
  const user = fc.constantFrom(world.actor, world.outsider).map((id) => ({ id, username: id, name: id, team_id: SANDBOX.teamId }))
  const alertId = fc.constantFrom(...world.alertIds)
  const common = {
    team: { id: SANDBOX.teamId, domain: SANDBOX.teamDomain },
    api_app_id: SANDBOX.apiAppId,
    token: SANDBOX.verificationToken,
    trigger_id: FRESH_TRIGGER,
    is_enterprise_install: false,
  }
  const inChannel = {
    channel: { id: world.channel, name: 'security-alerts' },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: world.channel },
    response_url: world.responseUrl,
  }
  const button = (actionId: string, value: string) => ({
    type: 'button',
    action_id: actionId,
    block_id: 'alert-actions',
    value,
    text: { type: 'plain_text', text: 'x' },
    action_ts: '1700000000.000200',
  })
  const click = fc
    .tuple(user, fc.constantFrom(...ACTIONS), alertId)
    .map(([who, action, id]) => ({ type: 'block_actions', user: who, ...common, ...inChannel, actions: [button(requestActionId(action), id)] }))
  const mute = fc.tuple(user, alertId, fc.constantFrom('account', 'service'), fc.constantFrom(...MUTE_DURATIONS)).map(([who, id, scope, duration]) => ({
    type: 'block_actions',
    user: who,
    ...common,
    ...inChannel,
    actions: [
      {
        type: 'static_select',
        action_id: MUTE_ACTION_ID,
        block_id: 'alert-mute',
        selected_option: { value: `${id}|${scope}|${duration}`, text: { type: 'plain_text', text: 'x' } },
        action_ts: '1700000000.000200',
      },
    ],
  }))
  const unmute = fc
    .tuple(user, alertId)
    .map(([who, id]) => ({ type: 'block_actions', user: who, ...common, ...inChannel, actions: [button(UNMUTE_ACTION_ID, `mute_0000000000|${id}`)] }))
  const submission = fc.tuple(user, alertId, fc.constantFrom(...ACTIONS)).map(([who, id, action]) => ({
    type: 'view_submission',
    user: who,
    ...common,
    view: {
      id: 'V0NEARGEN1',
      type: 'modal',
      callback_id: CONFIRM_CALLBACK_ID,
      private_metadata: JSON.stringify({ alertId: id, action }),
      state: { values: { 'question:new-owner': { answer: { type: 'static_select', selected_option: { value: 'u-ann' } } } } },
      hash: '1700000000.abcd',
    },
    response_urls: [],
  }))
  const suggestion = fc.tuple(user, alertId).map(([who, id]) => ({
    type: 'block_suggestion',
    user: who,
    ...common,
    action_id: 'answer',
    block_id: 'question:new-owner',
    value: 'an',
    view: { id: 'V0NEARGEN2', callback_id: CONFIRM_CALLBACK_ID, private_metadata: JSON.stringify({ alertId: id, action: 'delete', accountId: 'u-ann' }) },
  }))
  const replacement = fc.oneof(
    { weight: 3, arbitrary: hostileText },
    { weight: 2, arbitrary: notAString },
    { weight: 1, arbitrary: fc.constant<unknown>(REMOVE) },
  )
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: click },
        { weight: 1, arbitrary: mute },
        { weight: 1, arbitrary: unmute },
        { weight: 2, arbitrary: submission },
        { weight: 1, arbitrary: suggestion },
      ),
      fc.nat(),
      replacement,
    )
    .map(([payload, pick, value]) => {
      // Bolt itself reads `type`, the team id (it keys its client cache by it) and the objects
      // user/view/channel/actions: those stay as Slack sends them (see envelopeBreakingCase).
      const paths = leafPaths(payload).filter((path) => path.join('.') !== 'type' && path.join('.') !== 'team.id')
      const path = paths[pick % paths.length] ?? []
      return { kind: `${String(payload.type)} with ${path.join('.')} replaced`, payload: replaceAt(payload, path, value) as Record<string, unknown> }
    })
    .filter(({ payload }) => !isGenuineRequest(world, payload))
    .map(({ kind, payload }) => ({ kind, body: formPayload(payload), contentType: FORM }))
}

/** The interaction types Bolt 5.1 recognises (getTypeAndConversation), and the body fields it routes on. */
export const BOLT_TYPES = [
  'block_actions',
  'block_suggestion',
  'dialog_submission',
  'interactive_message',
  'shortcut',
  'message_action',
  'view_submission',
  'view_closed',
  'url_verification',
]
export const ROUTING_KEYS = [
  'event',
  'command',
  'name',
  'actions',
  'type',
  'ssl_check',
  'payload',
  'view',
  'user',
  'team',
  'channel',
  'response_urls',
  'function_data',
  'enterprise',
]

/**
 * Signed bodies Bolt parses but cannot route: no type it knows and none of the fields it
 * routes on (a JSON value that is not an object, an object of unknown keys, a form without
 * `payload`, a doubled `payload`). Plus the two Slack handshakes Bolt answers itself.
 */
export function unroutableCase(): Arbitrary<SlackCase & { expect: 'unhandled' | 'handshake' | 'not an object' }> {
  const isPlainObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value)
  const notNull = fc
    .jsonValue({ maxDepth: 3 })
    .filter((value) => value !== null && !(isPlainObject(value) && Object.keys(value as object).some((key) => ROUTING_KEYS.includes(key))))
  // A JSON value that is not an object is refused at once by the bot's receiver guard (Bolt alone would wait 3 s, then 404).
  const expectFor = (value: unknown) => (isPlainObject(value) ? ('unhandled' as const) : ('not an object' as const))
  const unknownType = fc
    .tuple(
      hostileText.filter((type) => !BOLT_TYPES.includes(type)),
      fc.dictionary(
        hostileText.filter((key) => !ROUTING_KEYS.includes(key)),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 4 },
      ),
    )
    .map(([type, rest]) => ({ ...rest, type }))
  const formFields = fc.dictionary(
    hostileText.filter((key) => key !== '' && !ROUTING_KEYS.includes(key)),
    hostileText,
    { maxKeys: 5 },
  )
  return fc.oneof(
    notNull.map((value) => ({ kind: 'payload JSON without a Slack type', body: formPayload(value), contentType: FORM, expect: expectFor(value) })),
    notNull.map((value) => ({ kind: 'JSON body without a Slack type', body: JSON.stringify(value), contentType: JSON_TYPE, expect: expectFor(value) })),
    unknownType.map((value) => ({ kind: 'payload of an unknown type', body: formPayload(value), contentType: FORM, expect: 'unhandled' as const })),
    formFields.map((fields) => ({
      kind: 'form without payload',
      body: new URLSearchParams(fields).toString(),
      contentType: FORM,
      expect: 'unhandled' as const,
    })),
    fc
      .tuple(notNull, notNull)
      .map(([a, b]) => ({ kind: 'doubled payload field', body: `${formPayload(a)}&${formPayload(b)}`, contentType: FORM, expect: 'unhandled' as const })),
    fc.jsonValue({ maxDepth: 2 }).map((challenge) => ({
      kind: 'url_verification',
      body: JSON.stringify({ type: 'url_verification', token: SANDBOX.verificationToken, challenge }),
      contentType: JSON_TYPE,
      expect: 'handshake' as const,
    })),
    hostileText.map((extra) => ({
      kind: 'ssl_check',
      body: `ssl_check=1&token=${encodeURIComponent(extra)}`,
      contentType: FORM,
      expect: 'handshake' as const,
    })),
  )
}

/** Signed bodies Bolt cannot parse at all: `payload` that is not JSON, a JSON body that is not JSON, invalid UTF-8, a form under a content type Bolt does not take for a form. */
export function unparseableCase(world: World): Arbitrary<SlackCase> {
  const validPayload = formPayload({
    type: 'block_actions',
    user: { id: world.actor },
    actions: [{ action_id: requestActionId('delete'), value: world.alertIds[0] }],
  })
  const notJson = fc
    .oneof(
      hostileText,
      fc.string({ unit: 'binary-ascii', maxLength: 60 }),
      fc
        .nat({ max: 200 })
        .map((cut) => JSON.stringify({ type: 'block_actions', user: { id: world.actor }, actions: [{ action_id: 'alert_action:delete' }] }).slice(0, cut)),
      fc.constantFrom('{', '{"type":', "{'type':'block_actions'}", 'undefined', 'NaN', '{"a":1,}', '[1,2', '\u0000', 'tru', '0x10', '01'),
    )
    .filter((text) => !isJson(text))
  return fc.oneof(
    notJson.map((text) => ({ kind: 'payload that is not JSON', body: `payload=${encodeURIComponent(text)}`, contentType: FORM })),
    notJson.map((text) => ({ kind: 'JSON body that is not JSON', body: text, contentType: JSON_TYPE })),
    fc
      // An unterminated JSON string: whatever the bytes decode to, it cannot parse.
      .tuple(fc.stringMatching(/^[a-z0-9 ]{0,10}$/), invalidUtf8)
      .map(([before, bytes]) => Buffer.concat([Buffer.from(`payload={"type":"block_actions","x":"${before}`), Buffer.from(bytes)]))
      .filter((bytes) => !isJson(decodeFormPayload(bodyText(bytes))))
      .map((bytes) => ({ kind: 'invalid UTF-8 in payload', body: Uint8Array.from(bytes), contentType: FORM })),
    fc
      .constantFrom(`${FORM}; charset=utf-8`, 'text/plain', 'application/json', 'multipart/form-data; boundary=x')
      .map((contentType) => ({ kind: 'a form under another content type', body: validPayload, contentType })),
    fc.constant({ kind: 'a form without content type', body: validPayload, contentType: null }),
  )
}

function decodeFormPayload(text: string): string {
  const value = new URLSearchParams(text).get('payload')
  return value ?? ''
}

/**
 * Signed payloads that break the fields Bolt itself reads before any listener: no `user`
 * (or null), a view_submission without `view`, `channel: null`, `actions` that is not
 * iterable, an `event` that is not an object, `response_urls: null`, a team id such as
 * `constructor` (Bolt looks its client pool up in a plain object), form fields that Bolt
 * routes on holding plain strings.
 */
export function envelopeBreakingCase(world: World): Arbitrary<SlackCase> {
  const userless = fc
    .tuple(fc.constantFrom('block_actions', 'view_submission', 'block_suggestion', 'shortcut', 'message_action', 'view_closed'), fc.boolean())
    .map(([type, explicitNull]) => ({
      type,
      ...(explicitNull ? { user: null } : {}),
      ...(type === 'block_actions' ? { actions: [{ action_id: requestActionId('delete'), value: world.alertIds[0] }] } : {}),
      ...(type.startsWith('view_')
        ? {
            view: {
              callback_id: CONFIRM_CALLBACK_ID,
              private_metadata: JSON.stringify({ alertId: world.alertIds[0], action: 'delete' }),
              state: { values: {} },
            },
          }
        : {}),
    }))
  const viewless = fc
    .record({ type: fc.constantFrom('view_submission', 'view_closed'), user: fc.constant({ id: world.actor }), view: fc.constantFrom(undefined, null) })
    .map(({ view, ...rest }) => (view === null ? { ...rest, view } : rest))
  const nullChannel = fc.constant({
    type: 'block_actions',
    user: { id: world.actor },
    channel: null,
    actions: [{ action_id: requestActionId('delete'), value: world.alertIds[0] }],
  })
  const badActions = fc
    .oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(hostileText, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }))
    .map((actions) => ({ type: 'block_actions', user: { id: world.actor }, actions }))
  const badEvent = fc
    .oneof(fc.constant(null), fc.integer(), fc.boolean(), hostileText)
    .map((event) => ({ type: 'event_callback', team_id: SANDBOX.teamId, event }))
  const nullResponseUrls = fc.constant({
    type: 'view_submission',
    user: { id: world.outsider },
    view: { callback_id: 'other', private_metadata: '', state: { values: {} } },
    response_urls: null,
  })
  // Bolt keeps its Web API clients in a plain object keyed by team id: an Object.prototype member name is found there.
  const prototypeTeam = fc
    .tuple(
      fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'),
      fc.constantFrom('block_actions', 'view_submission', 'block_suggestion'),
    )
    .map(([teamId, type]) => ({
      type,
      user: { id: world.outsider, team_id: teamId },
      team: { id: teamId },
      ...(type === 'block_actions' ? { actions: [{ action_id: requestActionId('delete'), value: world.alertIds[0] }] } : {}),
      ...(type === 'view_submission' ? { view: { callback_id: CONFIRM_CALLBACK_ID, private_metadata: '', state: { values: {} } } } : {}),
    }))
  const routedFormField = fc
    .tuple(fc.constantFrom('event', 'name', 'actions'), hostileText)
    .map(([key, value]) => new URLSearchParams({ [key]: value }).toString())
  return fc.oneof(
    interaction('interaction without a user', userless),
    interaction('view payload without a view', viewless),
    interaction('channel: null', nullChannel),
    interaction('actions that is not a list', badActions),
    badEvent.map((body) => ({ kind: 'event that is not an object', body: JSON.stringify(body), contentType: JSON_TYPE })),
    interaction('response_urls: null', nullResponseUrls),
    interaction('team id naming an Object.prototype member', prototypeTeam),
    routedFormField.map((body) => ({ kind: 'routing field as a plain form field', body, contentType: FORM })),
  )
}

/** What goes wrong with a request's authenticity. */
export type Forgery =
  | { kind: 'unsigned' }
  | { kind: 'no signature' }
  | { kind: 'no timestamp' }
  | { kind: 'another secret'; secret: string }
  | { kind: 'stale'; ageSeconds: number }
  | { kind: 'body changed after signing'; append: string }
  | { kind: 'malformed signature'; signature: string }
  | { kind: 'signature in the wrong case' }
  | { kind: 'timestamp not a number'; timestamp: string }
  | { kind: 'timestamp of the signature differs'; shiftSeconds: number }

export function forgery(realSecret: string): Arbitrary<Forgery> {
  const headerSafe = fc.string({ unit: 'grapheme-ascii', maxLength: 80 })
  return fc.oneof(
    fc.constant({ kind: 'unsigned' as const }),
    fc.constant({ kind: 'no signature' as const }),
    fc.constant({ kind: 'no timestamp' as const }),
    fc
      .oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.constantFrom('', realSecret.toUpperCase(), `${realSecret} `, realSecret.slice(1)))
      .filter((secret) => secret !== realSecret)
      .map((secret) => ({ kind: 'another secret' as const, secret })),
    fc.integer({ min: 5 * 60 + 2, max: 10 * 365 * 24 * 3600 }).map((ageSeconds) => ({ kind: 'stale' as const, ageSeconds })),
    fc.string({ minLength: 1, maxLength: 20 }).map((append) => ({ kind: 'body changed after signing' as const, append })),
    fc
      .oneof(headerSafe, fc.constantFrom('v0=', 'v1=', 'v0', '=', 'v0=zz', 'sha256=abc'))
      .map((signature) => ({ kind: 'malformed signature' as const, signature })),
    fc.constant({ kind: 'signature in the wrong case' as const }),
    fc
      .oneof(
        headerSafe.filter((value) => Number.isNaN(Number(value))),
        fc.constantFrom('NaN', 'now', '1e', '0x', 'undefined'),
      )
      .map((timestamp) => ({ kind: 'timestamp not a number' as const, timestamp })),
    fc.integer({ min: 1, max: 3600 }).map((shiftSeconds) => ({ kind: 'timestamp of the signature differs' as const, shiftSeconds })),
  )
}

/** The headers and body a forger ends up sending for `body`, which Slack would have signed with `secret`. */
export function forge(body: string, secret: string, how: Forgery): { body: string; headers: Record<string, string> } {
  const now = nowSeconds()
  const signed = slackHeaders(body, { secret })
  const { 'x-slack-signature': _signature, 'x-slack-request-timestamp': _timestamp, ...plain } = signed
  switch (how.kind) {
    case 'unsigned':
      return { body, headers: plain }
    case 'no signature':
      return { body, headers: { ...plain, 'x-slack-request-timestamp': String(now) } }
    case 'no timestamp':
      return { body, headers: { ...plain, 'x-slack-signature': signed['x-slack-signature'] ?? '' } }
    case 'another secret':
      return { body, headers: slackHeaders(body, { secret: how.secret }) }
    case 'stale':
      return { body, headers: slackHeaders(body, { secret, timestampSeconds: now - how.ageSeconds }) }
    case 'body changed after signing':
      return { body: `${body}${encodeURIComponent(how.append)}`, headers: signed }
    case 'malformed signature':
      return { body, headers: { ...signed, 'x-slack-signature': how.signature } }
    case 'signature in the wrong case':
      return { body, headers: { ...signed, 'x-slack-signature': `v0=${(signed['x-slack-signature'] ?? '').slice(3).toUpperCase()}` } }
    case 'timestamp not a number':
      return { body, headers: { ...signed, 'x-slack-request-timestamp': how.timestamp } }
    case 'timestamp of the signature differs':
      return { body, headers: { ...signed, 'x-slack-request-timestamp': String(now - how.shiftSeconds) } }
  }
}

/**
 * A local stand-in for Slack's Web API. An unchanged Bolt App / WebClient reaches it through
 * `clientOptions.slackApiUrl`; it keeps messages, threads and views the way Slack would, records
 * every call, and answers with Slack's own error codes, status codes and rate-limit headers.
 * Files go the way `files.uploadV2` sends them: files.getUploadURLExternal, a POST of the bytes
 * to the upload URL it answered, files.completeUploadExternal; the bytes are kept for tests.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { listen, runAsScript, stopServer } from './sandbox-kit.js'
import { SANDBOX, newTriggerId, triggerIssuedAt } from './slack-signing.js'

/** A Block Kit block as stored: any JSON object with a type (block_id filled in). */
export type Block = Record<string, unknown> & { type: string }

export interface StandInUser {
  /** Absent: the profile has none (as Slack answers without the users:read.email scope). */
  email?: string
  name: string
  /** The user's IANA time zone as Slack reports it (`tz`); default Etc/UTC. */
  tz?: string
}

/** A channel of the workspace, as conversations.info describes it to the bot. */
export interface StandInChannel {
  name: string
  isPrivate?: boolean
  /** Whether the bot was invited: posts to a channel it is not in fail with `not_in_channel`. */
  botIsMember: boolean
  /** Archived: Slack refuses posts there with `is_archived`, and conversations.info says `is_archived: true`. */
  isArchived?: boolean
}

export interface SlackStandInOptions {
  /** 0 (default) picks a free port. */
  port?: number
  botToken: string
  users?: Record<string, StandInUser>
  /** Slack allows about 1 chat.postMessage per second per channel; unset means no limit. */
  postsPerSecondPerChannel?: number
  /** Lifetime of a trigger_id made by `newTriggerId` (Slack: 3 s). Default 3000. */
  triggerIdTtlMs?: number
  /** Delay before every answer, to mimic Slack's latency. Default 0. */
  latencyMs?: number
  /** The workspace's channels by id. Unset: any channel exists and the bot is in it. */
  channels?: Record<string, StandInChannel>
}

export interface RecordedCall {
  /** Web API method, or 'response_url' for posts to a response_url. */
  method: string
  /** Decoded arguments; JSON-valued form fields (blocks, view, ...) are parsed. */
  args: Record<string, unknown>
  /** Date.now() when the request arrived. */
  at: number
  status: number
  response: unknown
  /** Request path, e.g. /api/chat.postMessage or /response_url/ab12. */
  path: string
}

export type Fault = { error: string; fields?: Record<string, unknown> } | { status: number; retryAfterSeconds?: number | null; body?: string }

export interface StoredMessage {
  type: 'message'
  channel: string
  ts: string
  text: string
  blocks?: Block[]
  user: string
  bot_id: string
  app_id: string
  team: string
  thread_ts?: string
  reply_count?: number
  latest_reply?: string
  edited?: { user: string; ts: string }
  metadata?: unknown
  [key: string]: unknown
}

export interface MessageWithReplies extends StoredMessage {
  replies: StoredMessage[]
}

export interface EphemeralMessage {
  channel: string
  user: string
  message_ts: string
  text: string
  blocks?: Block[]
  thread_ts?: string
}

export interface StoredView {
  id: string
  team_id: string
  type: string
  title?: unknown
  close?: unknown
  submit?: unknown
  blocks: Block[]
  private_metadata: string
  callback_id: string
  external_id: string
  state: { values: Record<string, Record<string, unknown>> }
  hash: string
  clear_on_close: boolean
  notify_on_close: boolean
  root_view_id: string
  previous_view_id: string | null
  app_id: string
  app_installed_team_id: string
  bot_id: string
  /** App Home views: whose Home tab. */
  user_id?: string
  [key: string]: unknown
}

/** A file uploaded and completed (shared in `channel`, or private when completed without one). */
export interface StoredFile {
  id: string
  name: string
  title: string
  /** The bytes posted to the upload URL. */
  content: Buffer
  channel?: string
  initial_comment?: string
  thread_ts?: string
}

export interface ResponseUrlContext {
  channel?: string
  /** The message a `replace_original` / `delete_original` applies to. */
  messageTs?: string
  user?: string
}

export interface SlackStandIn {
  /** http://127.0.0.1:PORT/api/ — pass as `slackApiUrl`. */
  apiUrl: string
  /** http://127.0.0.1:PORT/response_url/ — base for payloads' response_url. */
  responseUrlBase: string
  port: number
  calls: RecordedCall[]
  callsTo(method: string): RecordedCall[]
  waitFor(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>
  failNext(method: string, fault: Fault, times?: number): void
  messages(channel: string): MessageWithReplies[]
  message(channel: string, ts: string): StoredMessage | undefined
  ephemerals(channel?: string): EphemeralMessage[]
  views(): StoredView[]
  view(idOrExternalId: string): StoredView | undefined
  /** Files completed with files.completeUploadExternal, oldest first. */
  files(channel?: string): StoredFile[]
  /** The bot leaves the channel: posts and file shares there answer not_in_channel, as Slack does. */
  removeBotFrom(channel: string): void
  /** A response_url bound to a message, so `replace_original` etc. change it like Slack does. */
  responseUrl(context?: ResponseUrlContext): string
  newTriggerId(): string
  stop(): Promise<void>
}

type Args = Record<string, unknown>

interface Reply {
  status: number
  body: Record<string, unknown> | string
  headers?: Record<string, string>
}

const ok = (fields: Args = {}): Reply => ({ status: 200, body: { ok: true, ...fields } })
// Slack answers every platform error with HTTP 200; only rate limits use a status code.
const fail = (error: string, fields: Args = {}): Reply => ({ status: 200, body: { ok: false, error, ...fields } })
/** Slack's answer to arguments that break the method's schema, with its `[ERROR] …` explanation. */
const invalidArguments = (message: string): Reply => fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } })
const missing = (field: string): Reply => invalidArguments(`missing required field: ${field}`)
const rateLimited = (seconds: number): Reply => ({
  status: 429,
  body: { ok: false, error: 'ratelimited' },
  headers: { 'retry-after': String(seconds) },
})

/** Form fields that WebClient JSON-stringifies because they are objects or arrays. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks', 'response_metadata', 'files'])

export async function startSlackStandIn(options: SlackStandInOptions): Promise<SlackStandIn> {
  const slack = new SlackState(options)
  const recorder = new CallRecorder()
  const server = createServer((req, res) => {
    handleRequest(req, res, slack, recorder, options).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`stand-in failure: ${String(error)}`)
    })
  })
  const { origin: base, port } = await listen(server, options.port)
  slack.responseUrlBase = `${base}/response_url/`
  slack.uploadUrlBase = `${base}/upload/v1/`
  return {
    apiUrl: `${base}/api/`,
    responseUrlBase: slack.responseUrlBase,
    port,
    calls: recorder.calls,
    callsTo: (method) => recorder.calls.filter((call) => call.method === method),
    waitFor: (method, predicate, timeoutMs) => recorder.waitFor(method, predicate, timeoutMs),
    failNext: (method, fault, times = 1) => recorder.addFault(method, fault, times),
    messages: (channel) => structuredClone(slack.messagesIn(channel)),
    message: (channel, ts) => structuredClone(slack.findMessage(channel, ts)?.message),
    ephemerals: (channel) => structuredClone(slack.ephemerals.filter((e) => channel === undefined || e.channel === channel)),
    views: () => structuredClone([...slack.views.values()]),
    view: (id) => structuredClone(slack.findView(id)),
    files: (channel) => slack.completedFiles().filter((file) => channel === undefined || file.channel === channel),
    removeBotFrom: (channel) => slack.channelsWithoutBot.add(channel),
    responseUrl: (context) => slack.registerResponseUrl(context ?? {}),
    newTriggerId: () => newTriggerId(),
    stop: async () => {
      recorder.stop()
      await stopServer(server)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  slack: SlackState,
  recorder: CallRecorder,
  options: SlackStandInOptions,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in')
  const bytes = await readBody(req)
  const at = Date.now()
  const route = routeOf(url.pathname)
  if (route === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('not found')
    return
  }
  if (route.uploadId !== undefined) {
    const reply = await slack.receiveUpload(route.uploadId, bytes, req.headers['content-type'])
    recorder.record({ method: route.method, args: { length: bytes.length }, at, status: reply.status, response: reply.body, path: url.pathname })
    send(res, reply)
    return
  }
  const parsed = parseArgs(bytes.toString('utf8'), req.headers['content-type'], url.searchParams)
  const args = parsed.ok ? parsed.args : {}
  const reply = recorder.takeFault(route.method) ?? (parsed.ok ? dispatch(route, args, req, slack, options) : fail(parsed.error))
  if (options.latencyMs) await sleep(options.latencyMs)
  recorder.record({ method: route.method, args, at, status: reply.status, response: reply.body, path: url.pathname })
  send(res, reply)
}

interface Route {
  method: string
  responseUrlId?: string
  /** A POST of a file's bytes to the URL files.getUploadURLExternal answered. */
  uploadId?: string
}

function routeOf(pathname: string): Route | undefined {
  const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(pathname)
  if (api?.[1] !== undefined) return { method: api[1] }
  const hook = /^\/response_url\/([A-Za-z0-9_-]+)$/.exec(pathname)
  if (hook?.[1] !== undefined) return { method: 'response_url', responseUrlId: hook[1] }
  const upload = /^\/upload\/v1\/([A-Za-z0-9_-]+)$/.exec(pathname)
  if (upload?.[1] !== undefined) return { method: 'upload_url', uploadId: upload[1] }
  return undefined
}

function dispatch(route: Route, args: Args, req: IncomingMessage, slack: SlackState, options: SlackStandInOptions): Reply {
  if (route.responseUrlId !== undefined) return slack.responseUrlPost(route.responseUrlId, args)
  const authError = checkAuth(req, args, options.botToken)
  if (authError !== undefined) return fail(authError)
  const handler = METHODS[route.method]
  return handler === undefined ? fail('unknown_method') : handler(slack, args)
}

function checkAuth(req: IncomingMessage, args: Args, botToken: string): string | undefined {
  const header = req.headers.authorization
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : args.token
  if (token === undefined || token === '') return 'not_authed'
  return token === botToken ? undefined : 'invalid_auth'
}

function send(res: ServerResponse, reply: Reply): void {
  const isJson = typeof reply.body !== 'string'
  res.writeHead(reply.status, {
    'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    ...reply.headers,
  })
  res.end(isJson ? JSON.stringify(reply.body) : reply.body)
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

type Parsed = { ok: true; args: Args } | { ok: false; error: string }

/** Slack takes JSON or form posts (and query strings); WebClient sends form posts with JSON-encoded nested fields. */
function parseArgs(raw: string, contentType: string | undefined, query: URLSearchParams): Parsed {
  const args: Args = Object.fromEntries(query.entries())
  if (raw.length === 0) return { ok: true, args: decodeJsonFields(args) }
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'application/json') {
    try {
      const body: unknown = JSON.parse(raw)
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'invalid_json' }
      return { ok: true, args: { ...args, ...(body as Args) } }
    } catch {
      return { ok: false, error: 'invalid_json' }
    }
  }
  if (type === 'application/x-www-form-urlencoded' || type === 'text/plain') {
    return { ok: true, args: decodeJsonFields({ ...args, ...Object.fromEntries(new URLSearchParams(raw).entries()) }) }
  }
  return { ok: false, error: type === '' ? 'missing_post_type' : 'invalid_post_type' }
}

function decodeJsonFields(args: Args): Args {
  for (const [key, value] of Object.entries(args)) {
    if (!JSON_FIELDS.has(key) || typeof value !== 'string') continue
    try {
      args[key] = JSON.parse(value)
    } catch {
      // Leave it as sent; the method answers invalid_blocks / invalid_arguments.
    }
  }
  return args
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// ---------------------------------------------------------------------------------------------
// Call log, waiters and injected faults
// ---------------------------------------------------------------------------------------------

interface Waiter {
  method: string
  predicate: (call: RecordedCall) => boolean
  resolve: (call: RecordedCall) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

class CallRecorder {
  readonly calls: RecordedCall[] = []
  private waiters: Waiter[] = []
  private faults = new Map<string, Fault[]>()

  record(call: RecordedCall): void {
    this.calls.push(call)
    for (const waiter of [...this.waiters]) {
      if (waiter.method === call.method && waiter.predicate(call)) this.settle(waiter, call)
    }
  }

  waitFor(method: string, predicate: (call: RecordedCall) => boolean = () => true, timeoutMs = 5000): Promise<RecordedCall> {
    const existing = this.calls.find((call) => call.method === method && predicate(call))
    if (existing !== undefined) return Promise.resolve(existing)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter)
          reject(new Error(`Slack stand-in: no matching ${method} call within ${timeoutMs} ms. ${this.summary()}`))
        }, timeoutMs),
      }
      this.waiters.push(waiter)
    })
  }

  addFault(method: string, fault: Fault, times: number): void {
    const queue = this.faults.get(method) ?? []
    for (let i = 0; i < times; i += 1) queue.push(fault)
    this.faults.set(method, queue)
  }

  takeFault(method: string): Reply | undefined {
    const fault = this.faults.get(method)?.shift()
    return fault === undefined ? undefined : faultReply(fault)
  }

  stop(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error(`Slack stand-in stopped while waiting for ${waiter.method}. ${this.summary()}`))
    }
    this.waiters = []
  }

  private settle(waiter: Waiter, call: RecordedCall): void {
    clearTimeout(waiter.timer)
    this.waiters = this.waiters.filter((w) => w !== waiter)
    waiter.resolve(call)
  }

  private summary(): string {
    if (this.calls.length === 0) return 'Calls seen: none.'
    return `Calls seen (${this.calls.length}):\n${this.calls.map(describeCall).join('\n')}`
  }
}

function describeCall(call: RecordedCall, index: number): string {
  const body = call.response
  const outcome =
    typeof body === 'object' && body !== null && 'ok' in body
      ? (body as { ok: boolean; error?: string }).ok
        ? 'ok'
        : String((body as { error?: string }).error)
      : `HTTP ${call.status}`
  const hint = ['channel', 'ts', 'thread_ts', 'view_id', 'user'].filter((key) => call.args[key] !== undefined).map((key) => `${key}=${String(call.args[key])}`)
  const text = typeof call.args.text === 'string' ? ` text=${JSON.stringify(call.args.text.slice(0, 60))}` : ''
  const status = call.status === 200 ? '' : ` [${call.status}]`
  return `  #${index + 1} ${call.method}(${hint.join(' ')}${text}) -> ${outcome}${status}`
}

function faultReply(fault: Fault): Reply {
  if ('error' in fault) return fail(fault.error, fault.fields)
  const retryAfter = fault.retryAfterSeconds === undefined && fault.status === 429 ? 1 : fault.retryAfterSeconds
  const headers: Record<string, string> = retryAfter === undefined || retryAfter === null ? {} : { 'retry-after': String(retryAfter) }
  const body = fault.body ?? (fault.status === 429 ? JSON.stringify({ ok: false, error: 'ratelimited' }) : `HTTP ${fault.status}`)
  return { status: fault.status, body, headers }
}

// ---------------------------------------------------------------------------------------------
// Workspace state: messages, threads, views
// ---------------------------------------------------------------------------------------------

interface MessageRef {
  message: StoredMessage
  parent?: MessageWithReplies
}

class SlackState {
  readonly channels = new Map<string, MessageWithReplies[]>()
  readonly views = new Map<string, StoredView>()
  readonly ephemerals: EphemeralMessage[] = []
  readonly channelsWithoutBot = new Set<string>()
  /** Files by id, from files.getUploadURLExternal on; `content` once posted to the upload URL, `completed` once shared. */
  readonly uploads = new Map<string, { uploadId: string; name: string; length: number; content?: Buffer; completed?: StoredFile }>()
  responseUrlBase = ''
  uploadUrlBase = ''
  private readonly postTimes = new Map<string, number[]>()
  private readonly usedTriggers = new Set<string>()
  private readonly responseUrls = new Map<string, ResponseUrlContext>()
  private lastTsMicros = 0

  constructor(readonly options: SlackStandInOptions) {}

  /** Unique, increasing message timestamps in Slack's `seconds.micros` form. */
  nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1)
    return `${Math.floor(this.lastTsMicros / 1e6)}.${String(this.lastTsMicros % 1e6).padStart(6, '0')}`
  }

  messagesIn(channel: string): MessageWithReplies[] {
    return this.channels.get(channel) ?? []
  }

  /** A new top-level message, last in the channel. */
  addMessage(channel: string, message: StoredMessage): void {
    this.channels.set(channel, [...this.messagesIn(channel), { ...message, replies: [] }])
  }

  findMessage(channel: string, ts: string): MessageRef | undefined {
    for (const parent of this.messagesIn(channel)) {
      if (parent.ts === ts) return { message: parent }
      const reply = parent.replies.find((r) => r.ts === ts)
      if (reply !== undefined) return { message: reply, parent }
    }
    return undefined
  }

  findView(idOrExternalId: string): StoredView | undefined {
    return this.views.get(idOrExternalId) ?? [...this.views.values()].find((v) => v.external_id !== '' && v.external_id === idOrExternalId)
  }

  /** Over the per-channel posting limit: seconds until the oldest post in the window ages out. */
  postRetryAfter(channel: string): number | undefined {
    const limit = this.options.postsPerSecondPerChannel
    if (limit === undefined) return undefined
    const now = Date.now()
    const recent = (this.postTimes.get(channel) ?? []).filter((t) => now - t < 1000)
    this.postTimes.set(channel, recent)
    if (recent.length < limit) {
      recent.push(now)
      return undefined
    }
    return Math.max(1, Math.ceil((recent[0]! + 1000 - now) / 1000))
  }

  /** trigger_id checks in Slack's order: unknown, already used, too old. */
  exchangeTrigger(triggerId: unknown): string | undefined {
    if (typeof triggerId !== 'string' || triggerId === '') return 'invalid_trigger_id'
    const issuedAt = triggerIssuedAt(triggerId)
    if (issuedAt === undefined) return 'invalid_trigger_id'
    if (this.usedTriggers.has(triggerId)) return 'exchanged_trigger_id'
    if (Date.now() - issuedAt > (this.options.triggerIdTtlMs ?? 3000)) return 'expired_trigger_id'
    this.usedTriggers.add(triggerId)
    return undefined
  }

  registerResponseUrl(context: ResponseUrlContext): string {
    const id = randomBytes(8).toString('hex')
    this.responseUrls.set(id, context)
    return `${this.responseUrlBase}${id}`
  }

  /** The upload URL takes the bytes raw or multipart form encoded (Slack: either works); answers 200 `OK - <bytes>`. */
  async receiveUpload(uploadId: string, bytes: Buffer, contentType: string | undefined): Promise<Reply> {
    const upload = [...this.uploads.values()].find((candidate) => candidate.uploadId === uploadId)
    if (upload === undefined) return { status: 404, body: 'upload url not found' }
    let content = bytes
    if ((contentType ?? '').toLowerCase().startsWith('multipart/form-data')) {
      const form = await new Request('http://stand-in/', { method: 'POST', headers: { 'content-type': contentType! }, body: bytes }).formData()
      const file = [...form.values()].find((value): value is File => typeof value !== 'string')
      if (file === undefined) return { status: 400, body: 'no file in the form' }
      content = Buffer.from(await file.arrayBuffer())
    }
    upload.content = content
    return { status: 200, body: `OK - ${content.length}` }
  }

  completedFiles(): StoredFile[] {
    return [...this.uploads.values()].flatMap((upload) => (upload.completed ? [upload.completed] : []))
  }

  responseUrlPost(id: string, args: Args): Reply {
    const context = this.responseUrls.get(id)
    if (context?.channel === undefined) return ok()
    return applyResponseUrl(this, context.channel, context, args)
  }
}

// ---------------------------------------------------------------------------------------------
// Web API methods
// ---------------------------------------------------------------------------------------------

type Handler = (slack: SlackState, args: Args) => Reply

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)
const truthy = (value: unknown): boolean => value === true || value === 'true' || value === '1' || value === 1

const METHODS: Record<string, Handler> = {
  'auth.test': () =>
    ok({
      url: `https://${SANDBOX.teamDomain}.slack.com/`,
      team: SANDBOX.teamName,
      user: SANDBOX.botUserName,
      team_id: SANDBOX.teamId,
      user_id: SANDBOX.botUserId,
      bot_id: SANDBOX.botId,
      is_enterprise_install: false,
    }),
  'chat.postMessage': postMessage,
  'chat.update': updateMessage,
  'chat.delete': deleteMessage,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'conversations.replies': conversationReplies,
  'conversations.history': conversationHistory,
  'views.open': openView,
  // The stand-in keeps no modal stacks: a pushed view is stored like an opened one.
  'views.push': openView,
  'views.update': updateView,
  'views.publish': publishView,
  'users.info': usersInfo,
  'users.lookupByEmail': lookupByEmail,
  'conversations.info': conversationInfo,
  'files.getUploadURLExternal': getUploadUrlExternal,
  'files.completeUploadExternal': completeUploadExternal,
}

function postMessage(slack: SlackState, args: Args): Reply {
  const channel = str(args.channel)
  if (channel === undefined) return fail('channel_not_found')
  const access = channelAccess(slack, channel)
  if (access !== undefined) return fail(access)
  const content = messageContent(args)
  if ('error' in content) return fail(content.error)
  const threadTs = str(args.thread_ts)
  const parentRef = threadTs === undefined ? undefined : slack.findMessage(channel, threadTs)
  if (threadTs !== undefined && parentRef === undefined) return fail('thread_not_found')
  const retryAfter = slack.postRetryAfter(channel)
  if (retryAfter !== undefined) return rateLimited(retryAfter)
  const message = newMessage(slack, channel, content)
  // A reply to a reply lands in the parent's thread.
  const parent = parentRef?.parent ?? parentRef?.message
  if (parent === undefined) slack.addMessage(channel, message)
  else addReply(parent as MessageWithReplies, message, truthy(args.reply_broadcast))
  return ok({ channel, ts: message.ts, message: withoutChannel(message) })
}

interface Content {
  text: string
  blocks?: Block[]
  metadata?: unknown
}

function messageContent(args: Args): Content | { error: string } {
  const text = typeof args.text === 'string' ? args.text : undefined
  const blocks = args.blocks
  if (blocks !== undefined) {
    const error = blocksError(blocks, 50)
    if (error !== undefined) return { error }
  }
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0
  const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0
  if ((text === undefined || text === '') && !hasBlocks && !hasAttachments) return { error: 'no_text' }
  const content: Content = { text: text ?? '' }
  if (blocks !== undefined) content.blocks = withBlockIds(blocks as Block[])
  if (args.metadata !== undefined) content.metadata = args.metadata
  return content
}

/** The Block Kit checks Slack makes on every post: shape, count, unique block_ids. */
function blocksError(blocks: unknown, max: number): string | undefined {
  if (!Array.isArray(blocks)) return 'invalid_blocks_format'
  if (blocks.length > max) return 'invalid_blocks'
  const ids = new Set<string>()
  for (const block of blocks) {
    if (typeof block !== 'object' || block === null || typeof (block as Block).type !== 'string') return 'invalid_blocks'
    const id = (block as Block).block_id
    if (typeof id === 'string') {
      if (ids.has(id)) return 'invalid_blocks'
      ids.add(id)
    }
  }
  return undefined
}

/** Slack fills in block_id and action_id where the app left them out. */
function withBlockIds(blocks: Block[]): Block[] {
  return blocks.map((block) => {
    const filled: Block = { ...block, block_id: typeof block.block_id === 'string' ? block.block_id : shortId() }
    if (Array.isArray(block.elements) && block.type === 'actions') filled.elements = block.elements.map(withActionId)
    if (isObject(block.accessory)) filled.accessory = withActionId(block.accessory)
    if (isObject(block.element)) filled.element = withActionId(block.element)
    return filled
  })
}

function withActionId(element: unknown): unknown {
  if (!isObject(element) || typeof element.action_id === 'string') return element
  return { ...element, action_id: shortId() }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function shortId(): string {
  return randomBytes(4).toString('base64url').slice(0, 5)
}

function newMessage(slack: SlackState, channel: string, content: Content): StoredMessage {
  return {
    type: 'message',
    channel,
    ts: slack.nextTs(),
    user: SANDBOX.botUserId,
    bot_id: SANDBOX.botId,
    app_id: SANDBOX.apiAppId,
    team: SANDBOX.teamId,
    ...content,
  }
}

function addReply(parent: MessageWithReplies, reply: StoredMessage, broadcast: boolean): void {
  reply.thread_ts = parent.ts
  reply.parent_user_id = parent.user
  if (broadcast) reply.subtype = 'thread_broadcast'
  parent.replies.push(reply)
  parent.thread_ts = parent.ts
  parent.reply_count = parent.replies.length
  parent.latest_reply = reply.ts
}

function withoutChannel(message: StoredMessage): Omit<StoredMessage, 'channel'> {
  const { channel: _channel, replies: _replies, ...rest } = message
  return rest
}

function updateMessage(slack: SlackState, args: Args): Reply {
  const channel = str(args.channel)
  const ts = str(args.ts)
  if (channel === undefined) return fail('channel_not_found')
  const ref = ts === undefined ? undefined : slack.findMessage(channel, ts)
  if (ref === undefined) return fail('message_not_found')
  if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) return fail('no_text')
  if (args.blocks !== undefined) {
    const error = blocksError(args.blocks, 50)
    if (error !== undefined) return fail(error)
  }
  applyUpdate(ref.message, args)
  return ok({ channel, ts: ref.message.ts, text: ref.message.text, message: updatedMessage(ref.message) })
}

/** chat.update answers the message's content and author, not its place in a thread (the SDK's ChatUpdateResponse `Message`). */
function updatedMessage({ type, user, bot_id, app_id, team, text, blocks, metadata, edited, files }: StoredMessage): Args {
  return { type, user, bot_id, app_id, team, text, blocks, metadata, edited, files }
}

/** chat.update semantics: new blocks replace old; text without blocks drops the blocks. */
function applyUpdate(message: StoredMessage, args: Args): void {
  if (typeof args.text === 'string') message.text = args.text
  if (Array.isArray(args.blocks)) message.blocks = withBlockIds(args.blocks as Block[])
  else if (typeof args.text === 'string') delete message.blocks
  if (args.metadata !== undefined) message.metadata = args.metadata
  message.edited = { user: SANDBOX.botUserId, ts: String(Date.now() / 1000) }
}

function deleteMessage(slack: SlackState, args: Args): Reply {
  const channel = str(args.channel)
  const ts = str(args.ts)
  if (channel === undefined) return fail('channel_not_found')
  const ref = ts === undefined ? undefined : slack.findMessage(channel, ts)
  if (ref === undefined) return fail('message_not_found')
  removeMessage(slack, channel, ref)
  return ok({ channel, ts })
}

function removeMessage(slack: SlackState, channel: string, ref: MessageRef): void {
  const parent = ref.parent
  if (parent === undefined) {
    slack.channels.set(
      channel,
      slack.messagesIn(channel).filter((m) => m.ts !== ref.message.ts),
    )
    return
  }
  parent.replies = parent.replies.filter((r) => r.ts !== ref.message.ts)
  parent.reply_count = parent.replies.length
}

function postEphemeral(slack: SlackState, args: Args): Reply {
  const channel = str(args.channel)
  const user = str(args.user)
  if (channel === undefined) return fail('channel_not_found')
  if (user === undefined) return fail('user_not_found')
  const content = messageContent(args)
  if ('error' in content) return fail(content.error)
  const ephemeral: EphemeralMessage = { channel, user, message_ts: slack.nextTs(), ...content }
  const threadTs = str(args.thread_ts)
  if (threadTs !== undefined) ephemeral.thread_ts = threadTs
  slack.ephemerals.push(ephemeral)
  return ok({ message_ts: ephemeral.message_ts })
}

function getPermalink(slack: SlackState, args: Args): Reply {
  const channel = str(args.channel)
  const ts = str(args.message_ts)
  if (channel === undefined) return fail('channel_not_found')
  if (ts === undefined || slack.findMessage(channel, ts) === undefined) return fail('message_not_found')
  return ok({ channel, permalink: `https://${SANDBOX.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}` })
}

function conversationReplies(slack: SlackState, args: Args): Reply {
  const channel = str(args.channel)
  const ts = str(args.ts)
  if (channel === undefined || !slack.channels.has(channel)) return fail('channel_not_found')
  const ref = ts === undefined ? undefined : slack.findMessage(channel, ts)
  if (ref === undefined) return fail('thread_not_found')
  const parent = (ref.parent ?? ref.message) as MessageWithReplies
  const messages = [parent, ...parent.replies].map(withoutChannel)
  return ok({ messages: structuredClone(messages), has_more: false })
}

function conversationHistory(slack: SlackState, args: Args): Reply {
  const channel = str(args.channel)
  if (channel === undefined || !slack.channels.has(channel)) return fail('channel_not_found')
  const newestFirst = [...slack.messagesIn(channel)].reverse().map(withoutChannel)
  return ok({ messages: structuredClone(newestFirst), has_more: false })
}

// --- views ---

function openView(slack: SlackState, args: Args): Reply {
  const viewArg = args.view
  if (!isObject(viewArg)) return missing('view')
  const triggerError = slack.exchangeTrigger(args.trigger_id ?? args.interactivity_pointer)
  if (triggerError !== undefined) return fail(triggerError)
  const invalid = viewError(viewArg, 'modal')
  if (invalid !== undefined) return invalid
  const externalId = str(viewArg.external_id)
  if (externalId !== undefined && slack.findView(externalId) !== undefined) return fail('duplicate_external_id')
  const view = storeView(slack, newViewId(), viewArg)
  return viewAnswer(view)
}

function updateView(slack: SlackState, args: Args): Reply {
  const key = str(args.view_id) ?? str(args.external_id)
  if (key === undefined) return invalidArguments('view_id or external_id is required')
  const current = slack.findView(key)
  if (current === undefined) return fail('not_found')
  const hash = str(args.hash)
  if (hash !== undefined && hash !== current.hash) return fail('hash_conflict')
  if (!isObject(args.view)) return missing('view')
  const invalid = viewError(args.view, current.type)
  if (invalid !== undefined) return invalid
  const view = storeView(slack, current.id, args.view, current)
  return viewAnswer(view)
}

function publishView(slack: SlackState, args: Args): Reply {
  const userId = str(args.user_id)
  if (userId === undefined) return missing('user_id')
  if (!isObject(args.view)) return missing('view')
  const invalid = viewError(args.view, 'home')
  if (invalid !== undefined) return invalid
  const current = [...slack.views.values()].find((v) => v.type === 'home' && v.user_id === userId)
  const hash = str(args.hash)
  if (current !== undefined && hash !== undefined && hash !== current.hash) return fail('hash_conflict')
  // Each user keeps one Home view; publishing replaces it under the same id.
  const view = storeView(slack, current?.id ?? newViewId(), args.view, current)
  view.user_id = userId
  return viewAnswer(view)
}

/** Whose Home tab a view is stays the stand-in's bookkeeping: Slack's view object has no `user_id`. */
function viewAnswer(view: StoredView): Reply {
  const { user_id: _userId, ...answered } = structuredClone(view)
  return ok({ view: answered })
}

function viewError(view: Record<string, unknown>, expectedType: string): Reply | undefined {
  if (view.type !== expectedType) return invalidArguments(`must be '${expectedType}' [json-pointer:/view/type]`)
  const blocksProblem = blocksError(view.blocks ?? [], 100)
  if (blocksProblem !== undefined) return fail(blocksProblem)
  if (expectedType !== 'modal') return undefined
  for (const field of ['title', 'submit', 'close'] as const) {
    const text = isObject(view[field]) ? (view[field] as { text?: unknown }).text : undefined
    if (field === 'title' && typeof text !== 'string') return invalidArguments('missing required field: title [json-pointer:/view/title]')
    if (typeof text === 'string' && text.length > 24) return invalidArguments(`must be less than 25 characters [json-pointer:/view/${field}/text]`)
  }
  return undefined
}

function storeView(slack: SlackState, id: string, view: Record<string, unknown>, previous?: StoredView): StoredView {
  const stored: StoredView = {
    ...view,
    id,
    team_id: SANDBOX.teamId,
    type: String(view.type),
    blocks: withBlockIds((view.blocks ?? []) as Block[]),
    private_metadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
    callback_id: typeof view.callback_id === 'string' ? view.callback_id : '',
    external_id: typeof view.external_id === 'string' ? view.external_id : (previous?.external_id ?? ''),
    state: { values: {} },
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    clear_on_close: truthy(view.clear_on_close),
    notify_on_close: truthy(view.notify_on_close),
    root_view_id: previous?.root_view_id ?? id,
    previous_view_id: previous?.previous_view_id ?? null,
    app_id: SANDBOX.apiAppId,
    app_installed_team_id: SANDBOX.teamId,
    bot_id: SANDBOX.botId,
  }
  if (previous?.user_id !== undefined) stored.user_id = previous.user_id
  slack.views.set(id, stored)
  return stored
}

function newViewId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  return `V${Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('')}`
}

// --- users ---

/** Why the bot may not post in `channel`: unknown to it, or not a member (the app has no chat:write.public). */
function channelAccess(slack: SlackState, channel: string): string | undefined {
  if (slack.channelsWithoutBot.has(channel)) return 'not_in_channel'
  const channels = slack.options.channels
  if (channels === undefined) return undefined
  const known = channels[channel]
  if (known === undefined || (known.isPrivate && !known.botIsMember)) return 'channel_not_found'
  if (known.isArchived) return 'is_archived'
  return known.botIsMember ? undefined : 'not_in_channel'
}

/**
 * conversations.info: the conversation object (https://docs.slack.dev/reference/objects/conversation-object), with
 * `is_member` for the calling bot. A private channel the bot is not in is invisible to it: `channel_not_found`.
 */
function conversationInfo(slack: SlackState, args: Args): Reply {
  const id = str(args.channel)
  if (id === undefined) return missing('channel')
  const channels = slack.options.channels
  const known = channels === undefined ? { name: id.toLowerCase(), botIsMember: true } : channels[id]
  if (known === undefined || (known.isPrivate && !known.botIsMember)) return fail('channel_not_found')
  const isPrivate = known.isPrivate ?? false
  return ok({
    channel: {
      id,
      name: known.name,
      name_normalized: known.name,
      is_channel: !isPrivate,
      is_group: isPrivate,
      is_im: false,
      is_mpim: false,
      is_private: isPrivate,
      is_archived: known.isArchived ?? false,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      context_team_id: SANDBOX.teamId,
      created: 1_700_000_000,
      creator: SANDBOX.userId,
      is_member: known.botIsMember && !slack.channelsWithoutBot.has(id),
    },
  })
}

function usersInfo(slack: SlackState, args: Args): Reply {
  const id = str(args.user)
  const user = id === undefined ? undefined : slack.options.users?.[id]
  if (id === undefined || user === undefined) return fail('user_not_found')
  return ok({ user: slackUser(id, user) })
}

function lookupByEmail(slack: SlackState, args: Args): Reply {
  const email = str(args.email)?.toLowerCase()
  const entry = Object.entries(slack.options.users ?? {}).find(([, user]) => user.email?.toLowerCase() === email)
  if (entry === undefined) return fail('users_not_found')
  return ok({ user: slackUser(entry[0], entry[1]) })
}

function slackUser(id: string, user: StandInUser): Record<string, unknown> {
  return {
    id,
    team_id: SANDBOX.teamId,
    name: user.name,
    real_name: user.name,
    deleted: false,
    is_bot: false,
    is_admin: false,
    tz: user.tz ?? 'Etc/UTC',
    profile: { ...(user.email ? { email: user.email } : {}), real_name: user.name, display_name: user.name, real_name_normalized: user.name },
  }
}

// --- files (files.uploadV2 is these two calls with a POST to the upload URL between them) ---

function getUploadUrlExternal(slack: SlackState, args: Args): Reply {
  const filename = str(args.filename)
  if (filename === undefined) return missing('filename')
  if (args.length === undefined || args.length === '') return missing('length')
  const length = Number(args.length)
  if (!Number.isInteger(length)) return invalidArguments('length must be an integer')
  // Slack refuses an empty file (slackapi/node-slack-sdk#1563, #1569).
  if (length < 1) return invalidArguments('must be greater than 1 [json-pointer:/length]')
  const fileId = `F${randomBytes(5).toString('hex').toUpperCase()}`
  const uploadId = randomBytes(12).toString('hex')
  slack.uploads.set(fileId, { uploadId, name: filename, length })
  return ok({ upload_url: `${slack.uploadUrlBase}${uploadId}`, file_id: fileId })
}

function completeUploadExternal(slack: SlackState, args: Args): Reply {
  const files = args.files
  if (files === undefined) return missing('files')
  if (!Array.isArray(files) || files.length === 0 || !files.every((file) => isObject(file) && typeof file.id === 'string'))
    return invalidArguments('files must be a list of {id, title}')
  const channel = str(args.channel_id)
  const access = channel === undefined ? undefined : channelAccess(slack, channel)
  if (access !== undefined) return fail(access)
  const uploads = (files as Array<{ id: string; title?: unknown }>).map((file) => ({ file, upload: slack.uploads.get(file.id) }))
  // A file never posted to its upload URL (or already completed) is not there to share.
  if (uploads.some(({ upload }) => upload?.content === undefined || upload.completed !== undefined)) return fail('file_not_found')
  const comment = str(args.initial_comment)
  const threadTs = str(args.thread_ts)
  const stored = uploads.map(({ file, upload }) => {
    const completed: StoredFile = {
      id: file.id,
      name: upload!.name,
      title: typeof file.title === 'string' ? file.title : upload!.name,
      content: upload!.content!,
      ...(channel !== undefined ? { channel } : {}),
      ...(comment !== undefined ? { initial_comment: comment } : {}),
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
    }
    upload!.completed = completed
    return completed
  })
  if (channel !== undefined) {
    const message = newMessage(slack, channel, { text: comment ?? '' })
    message.files = stored.map(({ id, name, title }) => ({ id, name, title }))
    slack.addMessage(channel, message)
  }
  return ok({ files: stored.map(({ id, title, name, content }) => ({ id, title, name, size: content.length })) })
}

// --- response_url ---

/** What Slack does with a post to a response_url bound to a message. */
function applyResponseUrl(slack: SlackState, channel: string, context: ResponseUrlContext, args: Args): Reply {
  const target = context.messageTs === undefined ? undefined : slack.findMessage(channel, context.messageTs)
  if (truthy(args.delete_original)) {
    if (target !== undefined) removeMessage(slack, channel, target)
    return ok()
  }
  if (truthy(args.replace_original) && target !== undefined) {
    applyUpdate(target.message, { ...args, text: typeof args.text === 'string' ? args.text : target.message.text })
    return ok()
  }
  const content = messageContent(args)
  if ('error' in content) return fail(content.error)
  if (args.response_type === 'in_channel') {
    const message = newMessage(slack, channel, content)
    slack.addMessage(channel, message)
    return ok()
  }
  slack.ephemerals.push({ channel, user: context.user ?? SANDBOX.userId, message_ts: slack.nextTs(), ...content })
  return ok()
}

// ---------------------------------------------------------------------------------------------
// `tsx local/slack-stand-in.ts`: run it for a demo
// ---------------------------------------------------------------------------------------------

async function main(): Promise<SlackStandIn> {
  const standIn = await startSlackStandIn({
    port: Number(process.env.SLACK_STAND_IN_PORT ?? 4020),
    botToken: process.env.SLACK_BOT_TOKEN ?? 'xoxb-sandbox',
  })
  console.log(standIn.apiUrl)
  return standIn
}

await runAsScript(import.meta.url, main)

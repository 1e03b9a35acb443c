/**
 * An in-memory SCIM 2.0 service (RFC 7643/7644, the Users part) on node:http, for
 * the adapter tests, the end-to-end tests and the demo. It records every request,
 * can be told to fail or stall the next matching one, and accepts the PATCH
 * dialects real identity providers send (RFC pathed, capitalised op names, Okta's
 * path-less replace), so the adapter is tested against what services accept.
 *
 * Run on its own: `tsx local/scim-sandbox.ts` (SCIM_SANDBOX_TOKEN, SCIM_SANDBOX_PORT).
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  authorized,
  createSandboxServer,
  envSecret,
  injectedAnswer,
  integer,
  isRecord,
  listen,
  newIntake,
  rateLimiter,
  receive,
  recordRequest,
  retryAfterSeconds,
  runAsScript,
  sandboxHandle,
  scriptOptions,
  sender,
  stall,
} from './sandbox-kit.js'
import type { ApplyingReply, RateLimit, RecordedBasics, RequestMatch, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

export const SCIM_BASE_PATH = '/scim/v2'
export const SCIM_JSON = 'application/scim+json'
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'
const MAX_RESULTS = 200

export interface SeedUser {
  id?: string
  userName: string
  displayName?: string
  givenName?: string
  familyName?: string
  /** The first is primary. Defaults to the userName when it looks like an email address. */
  emails?: string[]
  /** Defaults to true. */
  active?: boolean
  /** Leave out to behave like the many services that do not report roles. */
  roles?: string[]
  externalId?: string
}

/** A stored user, in SCIM shape (what GET /Users/{id} returns, minus meta.location). */
export interface ScimUser {
  schemas: string[]
  id: string
  externalId?: string
  userName: string
  name?: { givenName?: string; familyName?: string; formatted?: string }
  displayName?: string
  emails: { value: string; type: string; primary: boolean }[]
  active: boolean
  roles?: { value: string }[]
  meta: { resourceType: 'User'; created: string; lastModified: string; version: string }
}

export interface RecordedRequest extends RecordedBasics {
  /** Relative to the SCIM base: `/Users/abc`. */
  path: string
  accept?: string
}

export interface FailureMatch extends RequestMatch {
  /** Matched against the decoded query string, e.g. `emails.value`. */
  queryIncludes?: string
}

export interface FailureReply extends ApplyingReply {
  /** An object is sent as JSON; a string as is; absent on an error status, a SCIM Error is generated. */
  body?: unknown
}

export interface ScimSandboxOptions extends SandboxServerOptions {
  token: string
  users?: SeedUser[]
  /** Attributes GET /Users accepts in an `eq` filter; others answer 400 invalidFilter. */
  filterableAttributes?: string[]
  /** PATCH answers 200 with the resource (default) or 204 No Content; RFC 7644 allows both. */
  patchResponse?: 'resource' | 'no-content'
  /** Beyond this, 429 with Retry-After (whole seconds), as rate-limited services answer; unset means no limit. */
  rateLimit?: RateLimit
  /** Every answer (a 429 too) waits this long first, like a service across a network. */
  latencyMs?: number
}

export interface ScimSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** Base URL ending in /scim/v2. */
  url: string
  /** Current state by id; tests may read and change it. */
  users: Map<string, ScimUser>
  addUser(seed: SeedUser): ScimUser
  findUser(userName: string): ScimUser | undefined
  /** Changes (or, undefined, lifts) the rate limit from the next request on. */
  setRateLimit(limit: RateLimit | undefined): void
}

class ScimError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly scimType?: string,
  ) {
    super(detail)
  }
}

export async function startScimSandbox(options: ScimSandboxOptions): Promise<ScimSandbox> {
  const users = new Map<string, ScimUser>()
  const intake = newIntake<RecordedRequest, FailureMatch, FailureReply>(options.log)
  const filterable = new Set((options.filterableAttributes ?? ['userName', 'emails.value', 'id', 'externalId']).map(lower))
  let baseUrl = ''
  let limiter = options.rateLimit ? rateLimiter(options.rateLimit) : undefined

  const addUser = (seed: SeedUser): ScimUser => {
    const user = userFromSeed(seed)
    users.set(user.id, user)
    return user
  }
  for (const seed of options.users ?? []) addUser(seed)

  const context: HandlerContext = {
    users,
    filterable,
    patchResponse: options.patchResponse ?? 'resource',
    baseUrl: () => baseUrl,
  }

  const server = createSandboxServer(handle, (res, error) => sendError(res, new ScimError(500, `sandbox failure: ${String(error)}`)))

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = await receive(req, res, intake, (url, text) => recordRequest(req, url, text, { path: scimPath(url), accept: true }))
    if (!received) return
    if (options.latencyMs && !(await stall({ delayMs: options.latencyMs }, res, intake.waits))) return
    const { url, recorded, failure } = received
    if (failure?.status !== undefined && !failure.afterApplying) return sendFailure(res, failure)
    const waitMs = limiter?.()
    if (waitMs !== undefined) return sendError(res, new ScimError(429, 'Too many requests'), { 'retry-after': retryAfterSeconds(waitMs) })
    if (!url.pathname.startsWith(`${SCIM_BASE_PATH}/`)) return sendError(res, new ScimError(404, 'Endpoint not found'))
    if (!authorized(req.headers.authorization, options.token)) return sendUnauthorized(res)
    try {
      const answer = route(context, recorded)
      if (failure?.status !== undefined) return sendFailure(res, failure)
      send(res, answer.status, answer.body)
    } catch (error) {
      if (error instanceof ScimError) return sendError(res, error)
      throw error
    }
  }

  const { origin } = await listen(server, options.port, options.host)
  baseUrl = `${origin}${SCIM_BASE_PATH}`

  return {
    url: baseUrl,
    users,
    ...sandboxHandle(server, intake),
    addUser,
    findUser: (userName) => [...users.values()].find((user) => lower(user.userName) === lower(userName)),
    setRateLimit: (limit) => {
      limiter = limit ? rateLimiter(limit) : undefined
    },
  }
}

interface HandlerContext {
  users: Map<string, ScimUser>
  filterable: ReadonlySet<string>
  patchResponse: 'resource' | 'no-content'
  baseUrl: () => string
}

interface Answer {
  status: number
  body?: unknown
}

function route(ctx: HandlerContext, req: RecordedRequest): Answer {
  const [, collection, id, extra] = req.path.split('/')
  if (collection === 'ServiceProviderConfig' && id === undefined && req.method === 'GET') {
    return { status: 200, body: serviceProviderConfig(ctx.baseUrl()) }
  }
  if (collection !== 'Users' || extra !== undefined) throw new ScimError(404, 'Endpoint not found')
  if (id === undefined || id === '') {
    if (req.method === 'GET') return listUsers(ctx, req.query)
    throw new ScimError(501, `${req.method} /Users is not implemented by this sandbox`)
  }
  const userId = decodeURIComponent(id)
  switch (req.method) {
    case 'GET':
      return { status: 200, body: present(existing(ctx, userId), ctx.baseUrl()) }
    case 'PATCH':
      return patchUser(ctx, userId, req.body)
    case 'DELETE':
      existing(ctx, userId)
      ctx.users.delete(userId)
      return { status: 204 }
    default:
      throw new ScimError(501, `${req.method} /Users/{id} is not implemented by this sandbox`)
  }
}

function existing(ctx: HandlerContext, id: string): ScimUser {
  const user = ctx.users.get(id)
  if (!user) throw new ScimError(404, `Resource ${id} not found`)
  return user
}

// --- GET /Users -------------------------------------------------------------

function listUsers(ctx: HandlerContext, query: Record<string, string>): Answer {
  const all = [...ctx.users.values()]
  const matching = query.filter === undefined ? all : all.filter(matcher(parseFilter(query.filter, ctx.filterable)))
  // RFC 7644 §3.4.2.4: startIndex below 1 means 1, a negative count means 0.
  const startIndex = Math.max(1, integer(query.startIndex) ?? 1)
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(query.count) ?? MAX_RESULTS))
  const page = matching.slice(startIndex - 1, startIndex - 1 + count)
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: matching.length,
      startIndex,
      itemsPerPage: page.length,
      Resources: page.map((user) => present(user, ctx.baseUrl())),
    },
  }
}

interface Filter {
  attribute: string
  value: string
}

const EQ_FILTER = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i

/** Only `attribute eq "value"`: what provisioning clients send to look a user up. */
function parseFilter(filter: string, filterable: ReadonlySet<string>): Filter {
  const parsed = EQ_FILTER.exec(filter)
  if (!parsed) throw new ScimError(400, `Unsupported filter: only attribute eq "value" is understood`, 'invalidFilter')
  // "emails" alone filters on its value sub-attribute (RFC 7644 §3.4.2.2).
  const attribute = lower(stripUserSchema(parsed[1] ?? '')).replace(/^emails$/, 'emails.value')
  if (!filterable.has(attribute)) throw new ScimError(400, `Filtering on ${parsed[1]} is not supported`, 'invalidFilter')
  return { attribute, value: (parsed[2] ?? '').replace(/\\(.)/g, '$1') }
}

function matcher(filter: Filter): (user: ScimUser) => boolean {
  const wanted = filter.value
  switch (filter.attribute) {
    // userName and emails are caseExact=false in RFC 7643, so eq ignores case; id and externalId are caseExact.
    case 'username':
      return (user) => lower(user.userName) === lower(wanted)
    case 'emails.value':
      return (user) => user.emails.some((email) => lower(email.value) === lower(wanted))
    case 'id':
      return (user) => user.id === wanted
    default:
      return (user) => user.externalId === wanted
  }
}

// --- PATCH /Users/{id} --------------------------------------------------------

function patchUser(ctx: HandlerContext, id: string, body: unknown): Answer {
  const current = existing(ctx, id)
  const operations = patchOperations(body)
  // A PATCH is atomic: work on a copy and keep it only if every operation applied.
  const next = structuredClone(current)
  for (const operation of operations) applyOperation(next, operation, ctx)
  next.meta.lastModified = new Date().toISOString()
  next.meta.version = `W/"${Number(/\d+/.exec(current.meta.version)?.[0] ?? '0') + 1}"`
  ctx.users.set(id, next)
  return ctx.patchResponse === 'no-content' ? { status: 204 } : { status: 200, body: present(next, ctx.baseUrl()) }
}

interface PatchOperation {
  op: 'add' | 'replace' | 'remove'
  path?: string
  value?: unknown
}

function patchOperations(body: unknown): PatchOperation[] {
  if (!isRecord(body)) throw new ScimError(400, 'Expected a PatchOp message body', 'invalidSyntax')
  if (!Array.isArray(body.schemas) || !body.schemas.includes(PATCH_OP_SCHEMA)) {
    throw new ScimError(400, `schemas must contain ${PATCH_OP_SCHEMA}`, 'invalidSyntax')
  }
  if (!Array.isArray(body.Operations) || body.Operations.length === 0) {
    throw new ScimError(400, 'Operations must be a non-empty array', 'invalidSyntax')
  }
  return body.Operations.map(patchOperation)
}

function patchOperation(raw: unknown): PatchOperation {
  if (!isRecord(raw) || typeof raw.op !== 'string') throw new ScimError(400, 'Each operation needs an op', 'invalidSyntax')
  // Entra ID sends "Replace"; Microsoft's guidance is to match op names case-insensitively.
  const op = lower(raw.op)
  if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, `Unknown op ${raw.op}`, 'invalidSyntax')
  if (raw.path !== undefined && typeof raw.path !== 'string') throw new ScimError(400, 'path must be a string', 'invalidPath')
  return { op, path: raw.path, value: raw.value }
}

function applyOperation(user: ScimUser, operation: PatchOperation, ctx: HandlerContext): void {
  if (operation.op === 'remove') {
    if (!operation.path) throw new ScimError(400, 'remove needs a path', 'noTarget')
    return removeAttribute(user, operation.path)
  }
  if (operation.path) return setAttribute(user, operation.path, operation.value, ctx)
  // Okta's form: no path, the value is an object of attributes to set.
  if (!isRecord(operation.value)) throw new ScimError(400, 'A path-less operation needs an object value', 'invalidValue')
  for (const [attribute, value] of Object.entries(operation.value)) setAttribute(user, attribute, value, ctx)
}

function setAttribute(user: ScimUser, path: string, value: unknown, ctx: HandlerContext): void {
  const attribute = lower(stripUserSchema(path))
  switch (attribute) {
    case 'active':
      user.active = booleanValue(value, path)
      return
    case 'displayname':
      user.displayName = stringValue(value, path)
      return
    case 'externalid':
      user.externalId = stringValue(value, path)
      return
    case 'username':
      return setUserName(user, stringValue(value, path), ctx)
    case 'name':
      if (!isRecord(value)) throw new ScimError(400, 'name must be an object', 'invalidValue')
      for (const [sub, subValue] of Object.entries(value)) setAttribute(user, `name.${sub}`, subValue, ctx)
      return
    case 'name.givenname':
    case 'name.familyname':
    case 'name.formatted':
      user.name = { ...user.name, [nameKey(attribute)]: stringValue(value, path) }
      return
    default:
      throw new ScimError(400, `Attribute ${path} cannot be changed in this sandbox`, 'invalidPath')
  }
}

function removeAttribute(user: ScimUser, path: string): void {
  const attribute = lower(stripUserSchema(path))
  if (attribute === 'displayname') delete user.displayName
  else if (attribute === 'externalid') delete user.externalId
  else if (attribute === 'name') delete user.name
  else if (attribute.startsWith('name.') && user.name) delete user.name[nameKey(attribute)]
  else throw new ScimError(400, `Attribute ${path} cannot be removed`, 'mutability')
}

function setUserName(user: ScimUser, userName: string, ctx: HandlerContext): void {
  const taken = [...ctx.users.values()].some((other) => other.id !== user.id && lower(other.userName) === lower(userName))
  if (taken) throw new ScimError(409, `userName ${userName} is already taken`, 'uniqueness')
  user.userName = userName
}

function nameKey(attribute: string): 'givenName' | 'familyName' | 'formatted' {
  if (attribute.endsWith('givenname')) return 'givenName'
  return attribute.endsWith('familyname') ? 'familyName' : 'formatted'
}

/** Booleans, and also "True"/"False": Entra ID has long sent active as a string. */
function booleanValue(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string' && ['true', 'false'].includes(lower(value))) return lower(value) === 'true'
  throw new ScimError(400, `${path} must be a boolean`, 'invalidValue')
}

function stringValue(value: unknown, path: string): string {
  if (typeof value === 'string' && value !== '') return value
  throw new ScimError(400, `${path} must be a non-empty string`, 'invalidValue')
}

function stripUserSchema(path: string): string {
  return path.toLowerCase().startsWith(`${USER_SCHEMA.toLowerCase()}:`) ? path.slice(USER_SCHEMA.length + 1) : path
}

// --- Resources --------------------------------------------------------------

function userFromSeed(seed: SeedUser): ScimUser {
  const now = new Date().toISOString()
  const emails = seed.emails ?? (seed.userName.includes('@') ? [seed.userName] : [])
  const name = seed.givenName || seed.familyName ? { givenName: seed.givenName, familyName: seed.familyName } : undefined
  return {
    schemas: [USER_SCHEMA],
    id: seed.id ?? randomUUID(),
    ...(seed.externalId ? { externalId: seed.externalId } : {}),
    userName: seed.userName,
    ...(name ? { name: withoutUndefined(name) } : {}),
    ...(seed.displayName ? { displayName: seed.displayName } : {}),
    emails: emails.map((value, index) => ({ value, type: 'work', primary: index === 0 })),
    active: seed.active ?? true,
    ...(seed.roles ? { roles: seed.roles.map((value) => ({ value })) } : {}),
    meta: { resourceType: 'User', created: now, lastModified: now, version: 'W/"1"' },
  }
}

function present(user: ScimUser, baseUrl: string): ScimUser & { meta: { location: string } } {
  const copy = structuredClone(user)
  return { ...copy, meta: { ...copy.meta, location: `${baseUrl}/Users/${encodeURIComponent(user.id)}` } }
}

function serviceProviderConfig(baseUrl: string): unknown {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a bearer token in the Authorization header',
        specUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  }
}

// --- HTTP plumbing ----------------------------------------------------------

/** Recorded paths are relative to the SCIM base: `/Users/abc`. */
function scimPath(url: URL): string {
  return url.pathname.startsWith(SCIM_BASE_PATH) ? url.pathname.slice(SCIM_BASE_PATH.length) || '/' : url.pathname
}

const send = sender(`${SCIM_JSON}; charset=utf-8`)

function sendError(res: ServerResponse, error: ScimError, headers: Record<string, string> = {}): void {
  send(res, error.status, scimErrorBody(error.status, error.message, error.scimType), headers)
}

function sendUnauthorized(res: ServerResponse): void {
  sendError(res, new ScimError(401, 'Missing or invalid bearer token'), { 'www-authenticate': 'Bearer realm="scim-sandbox"' })
}

function sendFailure(res: ServerResponse, reply: FailureReply): void {
  const answer = injectedAnswer(reply, (status) => scimErrorBody(status, `Injected failure (HTTP ${status})`))
  send(res, answer.status, answer.body, answer.headers)
}

export function scimErrorBody(status: number, detail: string, scimType?: string): Record<string, unknown> {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail }
}

// --- small helpers ----------------------------------------------------------

function lower(text: string): string {
  return text.toLowerCase()
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

// --- run on its own ---------------------------------------------------------

export const DEMO_USERS: SeedUser[] = [
  { id: 'u-alice', userName: 'alice@example.com', displayName: 'Alice Admin', givenName: 'Alice', familyName: 'Admin', roles: ['admin'] },
  { id: 'u-bob', userName: 'bob@example.com', displayName: 'Bob Builder', givenName: 'Bob', familyName: 'Builder' },
  { id: 'u-carol', userName: 'carol', givenName: 'Carol', familyName: 'Contractor', emails: ['carol@example.com'] },
  { id: 'u-dave', userName: 'dave@example.com', displayName: 'Dave Departed', active: false },
]

async function main(): Promise<ScimSandbox> {
  const token = envSecret('SCIM_SANDBOX_TOKEN', 'sandbox-token')
  const sandbox = await startScimSandbox({ token: token.value, users: DEMO_USERS, ...scriptOptions('SCIM_SANDBOX', 4010) })
  console.log(`SCIM sandbox at ${sandbox.url} (bearer token: ${token.source})`)
  for (const user of sandbox.users.values()) console.log(`  ${user.id}  ${user.userName}  ${user.active ? 'active' : 'suspended'}`)
  return sandbox
}

await runAsScript(import.meta.url, main)

/**
 * An in-memory Treasure Data v3 REST API (the user part) on node:http, for the adapter
 * tests, the end-to-end tests and the demo. It keeps users with their roles and API
 * keys, works out the caller from the `TD1 <key>` header, and enforces Treasure Data's
 * role rules itself (403), so tests can show the adapter stops before the service would.
 * It records every request and can be told to fail or stall the next matching one.
 *
 * What is documented is followed: the endpoints, the user fields, `{"user": email}` on
 * remove, deleting a user deletes its keys. What is not (the exact error wording, which
 * status a refused role gets, who may list whose keys) is this sandbox's best guess.
 *
 * Run on its own: `tsx local/treasure-data-sandbox.ts` (TD_SANDBOX_PORT).
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  createSandboxServer,
  injectedAnswer,
  listen,
  matchesRequest,
  newIntake,
  presentedCredential,
  receive,
  recordRequest,
  runAsScript,
  sameSecret,
  sandboxHandle,
  scriptOptions,
  sender,
} from './sandbox-kit.js'
import type { InjectedReply, PathMatch, RecordedBasics, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

export type SandboxRole = 'owner' | 'administrator' | 'restricted'
export type ApiKeyType = 'master' | 'write-only'

export interface SeedApiKey {
  value: string
  type?: ApiKeyType
}

export interface TreasureDataSeedUser {
  id?: number
  email: string
  firstName?: string
  lastName?: string
  /** Defaults to restricted, as for every user Treasure Data adds. */
  role?: SandboxRole
  /** Defaults to one master and one write-only key, which Treasure Data creates with every user. */
  apiKeys?: (string | SeedApiKey)[]
}

/** A stored user: the fields GET /v3/user/show returns, plus its keys. */
export interface SandboxUser {
  id: number
  email: string
  first_name: string | null
  last_name: string | null
  name: string
  account_owner: boolean
  administrator: boolean
  created_at: string
  updated_at: string
  apiKeys: { value: string; type: ApiKeyType }[]
}

export interface RecordedRequest extends RecordedBasics {
  /** As sent, still percent-encoded: `/v3/user/remove/a%40example.com`. */
  path: string
  accept?: string
  /** The email of the user whose key was presented, when the key is valid. */
  caller?: string
}

export type FailureMatch = PathMatch

export interface FailureReply extends InjectedReply {
  /** An object is sent as JSON; a string as is; absent on an error status, a Treasure Data error body is generated. */
  body?: unknown
}

export interface TreasureDataSandboxOptions extends SandboxServerOptions {
  users?: TreasureDataSeedUser[]
  /** GET /v3/user/list answers a bare array (the current docs, the default) or `{users: [...]}` (what the official clients read). */
  userListShape?: 'array' | 'object'
  /** GET /v3/user/apikey/list answers key strings (the official clients, the default) or OpenAPI ApiKey objects `{type, name, value}`. */
  apiKeyListShape?: 'strings' | 'objects'
}

export interface TreasureDataSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** The API host, without /v3 (like the regional hosts): the adapter adds /v3 to every path. */
  url: string
  /** Current users by id; tests may read and change them. */
  users: Map<number, SandboxUser>
  /** Users removed through the API, with the keys that died with them. */
  removed: SandboxUser[]
  addUser(seed: TreasureDataSeedUser): SandboxUser
  findUser(email: string): SandboxUser | undefined
  /** A key of the user, to build a provider acting as them. */
  apiKeyOf(email: string, type?: ApiKeyType): string
}

class TdError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message)
  }
}

export async function startTreasureDataSandbox(options: TreasureDataSandboxOptions = {}): Promise<TreasureDataSandbox> {
  const users = new Map<number, SandboxUser>()
  const removed: SandboxUser[] = []
  const intake = newIntake<RecordedRequest, FailureMatch, FailureReply>(options.log, {
    // The path is matched as sent and decoded, so a test can name `a@example.com` or `a%40example.com`.
    matches: (match, recorded) => matchesRequest(match, recorded) || matchesRequest(match, { method: recorded.method, path: safeDecode(recorded.path) }),
    logLine: (recorded) => `${recorded.method} ${recorded.path}`,
  })

  const addUser = (seed: TreasureDataSeedUser): SandboxUser => {
    const user = userFromSeed(seed, nextId(users))
    users.set(user.id, user)
    return user
  }
  for (const seed of options.users ?? []) addUser(seed)

  const context: HandlerContext = {
    users,
    removed,
    userListShape: options.userListShape ?? 'array',
    apiKeyListShape: options.apiKeyListShape ?? 'strings',
  }

  const server = createSandboxServer(handle, (res, error) => sendError(res, new TdError(500, 'Internal Server Error', `sandbox failure: ${String(error)}`)))

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = callerOf(users, req.headers.authorization)
    const received = await receive(req, res, intake, (url, text) => record(req, url, text, caller?.user))
    if (!received) return
    const { url, recorded, failure } = received
    if (failure?.status !== undefined) return sendFailure(res, failure)
    try {
      const answer = route(context, recorded, url.pathname, caller)
      send(res, answer.status, answer.body)
    } catch (error) {
      if (error instanceof TdError) return sendError(res, error)
      throw error
    }
  }

  const { origin } = await listen(server, options.port, options.host)

  return {
    url: origin,
    users,
    removed,
    ...sandboxHandle(server, intake),
    addUser,
    findUser: (email) => findByEmail(users, email),
    apiKeyOf: (email, type = 'master') => {
      const key = findByEmail(users, email)?.apiKeys.find((candidate) => candidate.type === type)
      if (!key) throw new Error(`the sandbox has no ${type} API key for ${email}`)
      return key.value
    },
  }
}

interface HandlerContext {
  users: Map<number, SandboxUser>
  removed: SandboxUser[]
  userListShape: 'array' | 'object'
  apiKeyListShape: 'strings' | 'objects'
}

interface Caller {
  user: SandboxUser
  keyType: ApiKeyType
}

interface Answer {
  status: number
  body?: unknown
}

function route(ctx: HandlerContext, req: RecordedRequest, pathname: string, caller: Caller | undefined): Answer {
  const segments = pathname.split('/').slice(1)
  if (segments[0] !== 'v3' || segments[1] !== 'user') throw notFound()
  if (!caller) throw new TdError(401, 'Unauthorized', 'Authentication failed: the API key is missing, wrong or revoked')
  // Write-only keys may only import data.
  if (caller.keyType === 'write-only') throw new TdError(403, 'Forbidden', 'A write-only API key cannot access this resource')
  const [, , verb, second, third, extra] = segments
  // No machine-readable source: each route cites the page it follows (docs/conformance.md).
  // https://api-docs.treasuredata.com/en/api/system-api/user_api (GET /v3/user/show)
  if (req.method === 'GET' && verb === 'show' && second === undefined) return { status: 200, body: present(caller.user) }
  // https://api-docs.treasuredata.com/en/api/system-api/user_api (GET /v3/user/list)
  if (req.method === 'GET' && verb === 'list' && second === undefined) return listUsers(ctx)
  // Not on the public User API page; the official clients: td-client-python tdclient/user_api.py, td-client-ruby lib/td/client/api/user.rb
  if (req.method === 'GET' && verb === 'apikey' && second === 'list' && third !== undefined && extra === undefined) {
    return listApiKeys(ctx, caller.user, decodeSegment(third))
  }
  // https://api-docs.treasuredata.com/en/api/system-api/user_api (remove user)
  // The docs' table says GET, their curl sample and both official clients POST: only POST here.
  if (req.method === 'POST' && verb === 'remove' && second !== undefined && third === undefined) {
    return removeUser(ctx, caller.user, decodeSegment(second))
  }
  throw notFound()
}

function listUsers(ctx: HandlerContext): Answer {
  const list = [...ctx.users.values()].map(present)
  return { status: 200, body: ctx.userListShape === 'object' ? { users: list } : list }
}

function listApiKeys(ctx: HandlerContext, caller: SandboxUser, email: string): Answer {
  const target = existing(ctx, email)
  // Assumed to follow who may manage whom; Treasure Data does not document it.
  if (target.id !== caller.id && refusal(caller, target)) throw new TdError(403, 'Forbidden', `You cannot see the API keys of ${target.email}`)
  const apikeys =
    ctx.apiKeyListShape === 'objects' ? target.apiKeys.map((key) => ({ type: key.type, name: null, value: key.value })) : target.apiKeys.map((key) => key.value)
  return { status: 200, body: { apikeys } }
}

function removeUser(ctx: HandlerContext, caller: SandboxUser, email: string): Answer {
  const target = existing(ctx, email)
  const refused = target.id === caller.id ? 'You cannot delete your own user' : refusal(caller, target)
  if (refused) throw new TdError(403, 'Forbidden', refused)
  // The user and every API key of the user go together.
  ctx.users.delete(target.id)
  ctx.removed.push(target)
  return { status: 200, body: { user: target.email } }
}

/** Treasure Data's rules: the owner deletes administrators and restricted users, an administrator only restricted users. */
function refusal(caller: SandboxUser, target: SandboxUser): string | undefined {
  if (target.account_owner) return 'The account owner cannot be deleted'
  if (!caller.account_owner && !caller.administrator) return 'Restricted users cannot manage other users'
  if (target.administrator && !caller.account_owner) return 'Only the account owner can manage administrators'
  return undefined
}

function existing(ctx: HandlerContext, email: string): SandboxUser {
  const user = findByEmail(ctx.users, email)
  if (!user) throw new TdError(404, 'Not Found', `User ${email} does not exist`)
  return user
}

function notFound(): TdError {
  return new TdError(404, 'Not Found', 'Resource not found')
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new TdError(400, 'Bad Request', 'The path is not valid percent-encoding')
  }
}

/** Treasure Data keys come as `Authorization: TD1 <key>`. */
const TD1 = /^TD1\s+(\S+)\s*$/i

function callerOf(users: Map<number, SandboxUser>, header: string | undefined): Caller | undefined {
  const presented = presentedCredential(header, TD1)
  if (!presented) return undefined
  for (const user of users.values()) {
    const key = user.apiKeys.find((candidate) => sameSecret(presented, candidate.value))
    if (key) return { user, keyType: key.type }
  }
  return undefined
}

function findByEmail(users: Map<number, SandboxUser>, email: string): SandboxUser | undefined {
  const wanted = email.toLowerCase()
  return [...users.values()].find((user) => user.email.toLowerCase() === wanted)
}

// --- users ------------------------------------------------------------------------

function userFromSeed(seed: TreasureDataSeedUser, fallbackId: number): SandboxUser {
  const id = seed.id ?? fallbackId
  const role = seed.role ?? 'restricted'
  const now = new Date().toISOString()
  const fullName = [seed.firstName, seed.lastName].filter(Boolean).join(' ')
  return {
    id,
    email: seed.email,
    first_name: seed.firstName ?? null,
    last_name: seed.lastName ?? null,
    // Treasure Data's `name` is the full name, or the email when there is none.
    name: fullName || seed.email,
    // The owner is also reported as an administrator (the docs' sample has both true).
    account_owner: role === 'owner',
    administrator: role !== 'restricted',
    created_at: now,
    updated_at: now,
    apiKeys: (seed.apiKeys ?? defaultKeys(id, seed.email)).map((key) =>
      typeof key === 'string' ? { value: key, type: 'master' } : { value: key.value, type: key.type ?? 'master' },
    ),
  }
}

/** `<id>/<40 hex>`, the shape of Treasure Data keys; derived from the email so tests and the demo can rebuild them. */
export function sandboxApiKey(id: number, email: string, type: ApiKeyType): string {
  return `${id}/${createHash('sha1').update(`${email.toLowerCase()}:${type}`).digest('hex')}`
}

function defaultKeys(id: number, email: string): SeedApiKey[] {
  return [
    { value: sandboxApiKey(id, email, 'master'), type: 'master' },
    { value: sandboxApiKey(id, email, 'write-only'), type: 'write-only' },
  ]
}

function nextId(users: Map<number, SandboxUser>): number {
  return Math.max(1000, ...users.keys()) + 1
}

/** What the API shows of a user: never its keys. */
function present(user: SandboxUser): Record<string, unknown> {
  const { apiKeys: _keys, ...fields } = user
  return {
    ...fields,
    gravatar_url: `https://gravatar.com/avatar/${createHash('md5').update(user.email.toLowerCase()).digest('hex')}`,
    organization: null,
    phone: null,
    roles: [],
  }
}

// --- HTTP plumbing ----------------------------------------------------------------

function record(req: IncomingMessage, url: URL, text: string, caller: SandboxUser | undefined): RecordedRequest {
  return { ...recordRequest(req, url, text, { accept: true }), ...(caller ? { caller: caller.email } : {}) }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function sendError(res: ServerResponse, error: TdError): void {
  send(res, error.status, treasureDataErrorBody(error.status, error.error, error.message))
}

function sendFailure(res: ServerResponse, reply: FailureReply): void {
  const answer = injectedAnswer(reply, (status) => treasureDataErrorBody(status, 'Error', `Injected failure (HTTP ${status})`))
  send(res, answer.status, answer.body, answer.headers)
}

const send = sender('application/json; charset=utf-8')

/** The ErrorResponse of Treasure Data's OpenAPI: error, message, text, severity, status_code. */
export function treasureDataErrorBody(status: number, error: string, message: string): Record<string, unknown> {
  return { error, message, text: message, severity: 'error', status_code: status }
}

// --- run on its own -------------------------------------------------------------------

export const DEMO_USERS: TreasureDataSeedUser[] = [
  { id: 1001, email: 'olivia.owner@example.com', firstName: 'Olivia', lastName: 'Owner', role: 'owner' },
  { id: 1002, email: 'adam.admin@example.com', firstName: 'Adam', lastName: 'Admin', role: 'administrator' },
  { id: 1003, email: 'rita.restricted@example.com', firstName: 'Rita', lastName: 'Restricted' },
  { id: 1004, email: 'rob.retired@example.com', firstName: 'Rob', lastName: 'Retired' },
]

async function main(): Promise<TreasureDataSandbox> {
  const sandbox = await startTreasureDataSandbox({
    users: DEMO_USERS,
    ...scriptOptions('TD_SANDBOX', 4030),
  })
  console.log(`Treasure Data sandbox at ${sandbox.url} (set it as the integration's baseUrl)`)
  for (const user of sandbox.users.values()) {
    const role = user.account_owner ? 'owner' : user.administrator ? 'administrator' : 'restricted'
    // Fake keys of a local sandbox, printed so the demo can be wired up.
    console.log(`  ${user.id}  ${user.email}  ${role}  master key: ${sandbox.apiKeyOf(user.email)}`)
  }
  return sandbox
}

await runAsScript(import.meta.url, main)

/**
 * An in-memory Microsoft Entra ID tenant (the parts of Microsoft Graph v1.0 and of the
 * identity platform's token endpoint the bot uses) on node:http, for the adapter tests,
 * the end-to-end tests and the demo. One server plays both hosts: `POST
 * /{tenant}/oauth2/v2.0/token` (client credentials) and `/v1.0/...` (Graph, bearer token).
 *
 * What it enforces, as Microsoft documents it: a deleted user goes to deleted items with
 * its sign-in name prefixed by its id, is restorable for 30 days, then purged; app-only
 * callers may not disable, enable, delete or restore a user who holds (or held) a
 * directory role unless the app holds Global Administrator or Privileged Authentication
 * Administrator (403 Authorization_RequestDenied); signInActivity needs a premium licence
 * (403 otherwise); `otherMails/any()` and `endsWith()` need ConsistencyLevel: eventual
 * with $count. Pages with `@odata.nextLink` and `$skiptoken`; records every request;
 * can be told to fail or stall the next matching one.
 *
 * Run on its own: `tsx local/entra-id-sandbox.ts` (ENTRA_SANDBOX_SECRET, ENTRA_SANDBOX_PORT).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ROLE_TEMPLATES } from '../src/providers/entra-id/adapter.js'
import {
  createSandboxServer,
  envSecret,
  injectedAnswer,
  listen,
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
import type { InjectedReply, RecordedBasics, RequestMatch, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

const RESTORE_DAYS = 30
const DAY_MS = 86_400_000
const TOKEN_LIFETIME_S = 3599
const MAX_TOP = 999
/** With signInActivity Graph pages by at most 500. */
const MAX_TOP_WITH_SIGN_IN = 500

export const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ROLE_TEMPLATES.globalAdministrator]: 'Global Administrator',
  [ROLE_TEMPLATES.userAdministrator]: 'User Administrator',
  [ROLE_TEMPLATES.privilegedRoleAdministrator]: 'Privileged Role Administrator',
  [ROLE_TEMPLATES.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
  '729827e3-9c14-49f7-bb1b-9608f156bbb8': 'Helpdesk Administrator',
}
export type RoleKey = keyof typeof ROLE_TEMPLATES

export interface EntraSeedUser {
  id?: string
  userPrincipalName: string
  /** Null for a user without a mailbox. */
  mail?: string | null
  otherMails?: string[]
  displayName?: string
  /** Defaults to true. */
  accountEnabled?: boolean
  roles?: RoleKey[]
  lastSignIn?: string
  /** Seeds the user as deleted at this time. */
  deletedDateTime?: string
}

export interface EntraUser {
  id: string
  userPrincipalName: string
  mail: string | null
  otherMails: string[]
  displayName: string | null
  accountEnabled: boolean
  deletedDateTime: string | null
  signInActivity: { lastSignInDateTime: string | null; lastSuccessfulSignInDateTime: string | null; lastNonInteractiveSignInDateTime: string | null } | null
  /** Revoked refresh tokens / sessions (revokeSignInSessions), counted. */
  sessionsRevoked: number
  /** Directory role template ids held (kept while deleted: Microsoft remembers them for the restore). */
  roles: Set<string>
}

export interface RecordedRequest extends RecordedBasics {
  consistencyLevel?: string
}

export type FailureReply = InjectedReply

export interface EntraSandboxOptions extends SandboxServerOptions {
  clientId: string
  clientSecret: string
  tenantId?: string
  users?: EntraSeedUser[]
  /** Roles the app's own service principal holds. */
  appRoles?: RoleKey[]
  /** Whether the tenant's licence provides signInActivity (Entra ID P1/P2); default true. */
  premium?: boolean
  now?: () => Date
}

export interface EntraSandbox extends SandboxHandle<RecordedRequest, RequestMatch, FailureReply> {
  /** Both the Graph and the login URL (paths start with /v1.0 and /{tenant}). */
  url: string
  tenantId: string
  users: Map<string, EntraUser>
  appRoles: Set<string>
  /** Access tokens issued so far. */
  tokensIssued(): number
  addUser(seed: EntraSeedUser): EntraUser
  user(id: string): EntraUser | undefined
}

class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

interface State {
  options: EntraSandboxOptions
  users: Map<string, EntraUser>
  appRoles: Set<string>
  appObjectId: string
  tokens: Set<string>
  now: () => Date
  baseUrl: string
}

export async function startEntraIdSandbox(options: EntraSandboxOptions): Promise<EntraSandbox> {
  const tenantId = options.tenantId ?? randomUUID()
  const state: State = {
    options,
    users: new Map(),
    appRoles: new Set((options.appRoles ?? []).map((key) => ROLE_TEMPLATES[key])),
    appObjectId: randomUUID(),
    tokens: new Set(),
    now: options.now ?? (() => new Date()),
    baseUrl: '',
  }
  const addUser = (seed: EntraSeedUser): EntraUser => {
    const user = userFromSeed(seed)
    state.users.set(user.id, user)
    return user
  }
  for (const seed of options.users ?? []) addUser(seed)
  const intake = newIntake<RecordedRequest, RequestMatch, FailureReply>(options.log)
  const server = createSandboxServer(handle, (res, error) => sendGraphError(res, new GraphError(500, 'InternalServerError', String(error))))

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = await receive(req, res, intake, (url, text) => record(req, url, text))
    if (!received) return
    const { recorded, failure, text } = received
    if (failure?.status !== undefined) return sendFailure(res, failure)
    try {
      if (recorded.path.endsWith('/oauth2/v2.0/token')) return issueToken(state, res, recorded.path, text, tenantId)
      const token = presentedCredential(req.headers.authorization)
      if (!token || !state.tokens.has(token)) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.')
      purgeExpired(state)
      const answer = route(state, recorded)
      send(res, answer.status, answer.body)
    } catch (error) {
      if (error instanceof GraphError) return sendGraphError(res, error)
      throw error
    }
  }

  state.baseUrl = (await listen(server, options.port, options.host)).origin
  return {
    url: state.baseUrl,
    tenantId,
    users: state.users,
    appRoles: state.appRoles,
    tokensIssued: () => state.tokens.size,
    ...sandboxHandle(server, intake),
    addUser,
    user: (id) => state.users.get(id),
  }
}

// --- the token endpoint ------------------------------------------------------------

function issueToken(state: State, res: ServerResponse, path: string, text: string, tenantId: string): void {
  const form = new URLSearchParams(text)
  const tenant = decodeURIComponent(path.split('/')[1] ?? '')
  if (tenant !== tenantId) return sendTokenError(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`)
  if (form.get('grant_type') !== 'client_credentials')
    return sendTokenError(res, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.')
  if (form.get('client_id') !== state.options.clientId)
    return sendTokenError(
      res,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.`,
    )
  if (!sameSecret(form.get('client_secret') ?? '', state.options.clientSecret))
    return sendTokenError(res, 401, 'invalid_client', 7000215, 'Invalid client secret provided.')
  if (!(form.get('scope') ?? '').endsWith('/.default'))
    return sendTokenError(
      res,
      400,
      'invalid_scope',
      1002012,
      'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
    )
  const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}`
  state.tokens.add(token)
  send(res, 200, { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, ext_expires_in: TOKEN_LIFETIME_S, access_token: token })
}

function sendTokenError(res: ServerResponse, status: number, error: string, code: number, description: string): void {
  send(res, status, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  })
}

// --- Graph ---------------------------------------------------------------------------

interface Answer {
  status: number
  body?: unknown
}

function route(state: State, req: RecordedRequest): Answer {
  const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent)
  if (parts[0] !== 'v1.0') throw notFound(`Resource not found for the segment '${parts[0] ?? ''}'.`)
  const [, collection, id, sub, cast] = parts
  if (collection === 'users') {
    if (id === undefined && req.method === 'GET') return listUsers(state, req, 'live')
    const user = liveUser(state, id ?? '')
    if (sub === undefined && req.method === 'GET') return { status: 200, body: present(user, req.query) }
    if (sub === undefined && req.method === 'PATCH') return updateUser(state, user, req.body)
    if (sub === undefined && req.method === 'DELETE') return deleteUser(state, user)
    if (sub === 'revokeSignInSessions' && req.method === 'POST') {
      user.sessionsRevoked += 1
      return { status: 200, body: { '@odata.context': `${state.baseUrl}/v1.0/$metadata#Edm.Boolean`, value: true } }
    }
    if (sub === 'memberOf' && cast === 'microsoft.graph.directoryRole' && req.method === 'GET') {
      return { status: 200, body: { value: [...user.roles].map((template) => roleOf(template)) } }
    }
  }
  if (collection === 'directoryRoles' && req.method === 'GET') {
    if (id === undefined) return { status: 200, body: { value: activatedRoles(state).map(roleOf) } }
    if (sub === 'members') return roleMembers(state, id, req.query)
  }
  if (collection === 'directory' && id === 'deletedItems') {
    if (sub === 'microsoft.graph.user' && req.method === 'GET') return listUsers(state, req, 'deleted')
    const user = deletedUser(state, sub ?? '')
    if (cast === undefined && req.method === 'GET') return { status: 200, body: present(user, req.query) }
    if (cast === 'restore' && req.method === 'POST') return restoreUser(state, user)
  }
  throw notFound(`Resource not found for the segment '${collection ?? ''}'.`)
}

function liveUser(state: State, id: string): EntraUser {
  const user = state.users.get(id) ?? [...state.users.values()].find((candidate) => candidate.userPrincipalName.toLowerCase() === id.toLowerCase())
  if (!user || user.deletedDateTime) throw notFound(`Resource '${id}' does not exist or one of its queried reference-property objects are not present.`)
  return user
}

function deletedUser(state: State, id: string): EntraUser {
  const user = state.users.get(id)
  if (!user?.deletedDateTime) throw notFound(`Resource '${id}' does not exist or one of its queried reference-property objects are not present.`)
  return user
}

/** The app's own role decides whether it may touch a user who holds (or held) any directory role. */
function refuseIfPrivileged(state: State, user: EntraUser): void {
  if (user.roles.size === 0) return
  if (state.appRoles.has(ROLE_TEMPLATES.globalAdministrator) || state.appRoles.has(ROLE_TEMPLATES.privilegedAuthenticationAdministrator)) return
  throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
}

function updateUser(state: State, user: EntraUser, body: unknown): Answer {
  if (typeof body !== 'object' || body === null) throw new GraphError(400, 'Request_BadRequest', 'A request body is required.')
  const { accountEnabled, ...rest } = body as Record<string, unknown>
  if (Object.keys(rest).length > 0)
    throw new GraphError(400, 'Request_BadRequest', `This sandbox updates only accountEnabled, not ${Object.keys(rest).join(', ')}.`)
  if (typeof accountEnabled !== 'boolean')
    throw new GraphError(400, 'Request_BadRequest', "Invalid value specified for property 'accountEnabled' of resource 'User'.")
  refuseIfPrivileged(state, user)
  user.accountEnabled = accountEnabled
  return { status: 204 }
}

function deleteUser(state: State, user: EntraUser): Answer {
  refuseIfPrivileged(state, user)
  user.deletedDateTime = state.now().toISOString()
  user.userPrincipalName = `${user.id.replace(/-/g, '')}${user.userPrincipalName}`
  return { status: 204 }
}

function restoreUser(state: State, user: EntraUser): Answer {
  refuseIfPrivileged(state, user)
  const original = user.userPrincipalName.slice(user.id.replace(/-/g, '').length)
  const taken = [...state.users.values()].some(
    (other) => other !== user && !other.deletedDateTime && other.userPrincipalName.toLowerCase() === original.toLowerCase(),
  )
  if (taken) throw new GraphError(400, 'Request_BadRequest', `Another object with the same value for property userPrincipalName already exists.`)
  user.deletedDateTime = null
  user.userPrincipalName = original
  return {
    status: 200,
    body: { '@odata.context': `${state.baseUrl}/v1.0/$metadata#directoryObjects/$entity`, '@odata.type': '#microsoft.graph.user', ...present(user, {}) },
  }
}

/** Microsoft purges a deleted user 30 days after the deletion. */
function purgeExpired(state: State): void {
  const now = state.now().getTime()
  for (const [id, user] of state.users) {
    if (user.deletedDateTime && Date.parse(user.deletedDateTime) + RESTORE_DAYS * DAY_MS <= now) state.users.delete(id)
  }
}

// --- listing and filtering --------------------------------------------------------------

function listUsers(state: State, req: RecordedRequest, which: 'live' | 'deleted'): Answer {
  const select = selected(req.query)
  if (select?.includes('signInActivity') && state.options.premium === false) {
    throw new GraphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license")
  }
  const filter = req.query.$filter
  if (filter !== undefined && /any\(|endsWith\(/i.test(filter) && (req.consistencyLevel !== 'eventual' || req.query.$count !== 'true')) {
    throw new GraphError(400, 'Request_UnsupportedQuery', 'Unsupported Query.')
  }
  const matches = filter === undefined ? () => true : filterOf(filter)
  const users = [...state.users.values()]
    .filter((user) => (which === 'deleted') === Boolean(user.deletedDateTime))
    .filter(matches)
    .sort((a, b) => (a.id < b.id ? -1 : 1))
  const top = Math.min(Number(req.query.$top ?? 100) || 100, select?.includes('signInActivity') ? MAX_TOP_WITH_SIGN_IN : MAX_TOP)
  const start = req.query.$skiptoken ? Number(Buffer.from(req.query.$skiptoken, 'base64url').toString()) : 0
  const page = users.slice(start, start + top)
  const path = which === 'deleted' ? '/v1.0/directory/deletedItems/microsoft.graph.user' : '/v1.0/users'
  const nextQuery = new URLSearchParams({ ...req.query, $skiptoken: Buffer.from(String(start + top)).toString('base64url') })
  return {
    status: 200,
    body: {
      '@odata.context': `${state.baseUrl}/v1.0/$metadata#users`,
      ...(req.query.$count === 'true' ? { '@odata.count': users.length } : {}),
      value: page.map((user) => present(user, req.query)),
      ...(start + top < users.length ? { '@odata.nextLink': `${state.baseUrl}${path}?${nextQuery.toString()}` } : {}),
    },
  }
}

const TERM = /^\s*(?:(\w+) eq '((?:[^']|'')*)'|otherMails\/any\((\w+):\3 eq '((?:[^']|'')*)'\)|endsWith\((\w+),'((?:[^']|'')*)'\))\s*/i

/** The filters the bot sends: `prop eq '…'`, `otherMails/any(m:m eq '…')`, `endsWith(prop,'…')`, joined by `or`. */
function filterOf(filter: string): (user: EntraUser) => boolean {
  const tests: Array<(user: EntraUser) => boolean> = []
  let rest = filter
  for (;;) {
    const match = TERM.exec(rest)
    if (!match) throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${filter}`)
    const unquote = (text: string | undefined) => (text ?? '').replace(/''/g, "'").toLowerCase()
    if (match[1]) {
      const [property, value] = [match[1], unquote(match[2])]
      tests.push((user) => textOf(user, property).toLowerCase() === value)
    } else if (match[3]) {
      const value = unquote(match[4])
      tests.push((user) => user.otherMails.some((mail) => mail.toLowerCase() === value))
    } else {
      const [property, value] = [match[5] ?? '', unquote(match[6])]
      tests.push((user) => textOf(user, property).toLowerCase().endsWith(value))
    }
    rest = rest.slice(match[0].length)
    if (rest.trim() === '') break
    if (!/^or\s+/i.test(rest)) throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${filter}`)
    rest = rest.replace(/^or\s+/i, '')
  }
  return (user) => tests.some((test) => test(user))
}

function selected(query: Record<string, string>): string[] | undefined {
  return query.$select?.split(',').map((field) => field.trim())
}

// --- roles ------------------------------------------------------------------------------

/** A role is listed (activated) once anyone holds it, as in a real tenant; Global Administrator always is. */
function activatedRoles(state: State): string[] {
  const held = new Set([ROLE_TEMPLATES.globalAdministrator, ...state.appRoles])
  for (const user of state.users.values()) for (const role of user.roles) held.add(role)
  return [...held]
}

/** A role's object id is derived from its template here; Graph also accepts any id it issued. */
function roleObjectId(template: string): string {
  return `r-${template}`
}

function roleOf(template: string): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.directoryRole',
    id: roleObjectId(template),
    deletedDateTime: null,
    description: `Sandbox role ${ROLE_NAMES[template] ?? template}`,
    displayName: ROLE_NAMES[template] ?? template,
    roleTemplateId: template,
  }
}

function roleMembers(state: State, roleId: string, query: Record<string, string>): Answer {
  const template = activatedRoles(state).find((candidate) => roleObjectId(candidate) === roleId)
  if (!template) throw notFound(`Resource '${roleId}' does not exist or one of its queried reference-property objects are not present.`)
  const users = [...state.users.values()].filter((user) => !user.deletedDateTime && user.roles.has(template))
  const app = state.appRoles.has(template)
    ? [
        {
          '@odata.type': '#microsoft.graph.servicePrincipal',
          id: state.appObjectId,
          deletedDateTime: null,
          appId: state.options.clientId,
          displayName: 'deprovision-bot',
          servicePrincipalType: 'Application',
        },
      ]
    : []
  const select = selected(query)
  const only = (object: Record<string, unknown>) =>
    select ? Object.fromEntries(Object.entries(object).filter(([name]) => name === '@odata.type' || select.includes(name))) : object
  return { status: 200, body: { value: [...users.map((user) => ({ '@odata.type': '#microsoft.graph.user', ...present(user, query) })), ...app.map(only)] } }
}

// --- resources ---------------------------------------------------------------------------

function userFromSeed(seed: EntraSeedUser): EntraUser {
  const id = seed.id ?? randomUUID()
  const deleted = seed.deletedDateTime ?? null
  return {
    id,
    userPrincipalName: deleted ? `${id.replace(/-/g, '')}${seed.userPrincipalName}` : seed.userPrincipalName,
    mail: seed.mail === undefined ? seed.userPrincipalName : seed.mail,
    otherMails: seed.otherMails ?? [],
    displayName: seed.displayName ?? null,
    accountEnabled: seed.accountEnabled ?? true,
    deletedDateTime: deleted,
    signInActivity: seed.lastSignIn
      ? { lastSignInDateTime: seed.lastSignIn, lastSuccessfulSignInDateTime: seed.lastSignIn, lastNonInteractiveSignInDateTime: null }
      : null,
    sessionsRevoked: 0,
    roles: new Set((seed.roles ?? []).map((key) => ROLE_TEMPLATES[key])),
  }
}

/** A user as Graph answers it: the $select'ed properties (a default set without $select); signInActivity only when selected. */
function present(user: EntraUser, query: Record<string, string>): Record<string, unknown> {
  const all: Record<string, unknown> = {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    otherMails: user.otherMails,
    displayName: user.displayName,
    accountEnabled: user.accountEnabled,
    deletedDateTime: user.deletedDateTime,
    signInActivity: user.signInActivity,
  }
  const select = selected(query) ?? ['id', 'userPrincipalName', 'mail', 'displayName', 'deletedDateTime']
  return Object.fromEntries(Object.entries(all).filter(([name]) => select.includes(name)))
}

// --- HTTP plumbing ------------------------------------------------------------------------

function record(req: IncomingMessage, url: URL, text: string): RecordedRequest {
  const level = req.headers.consistencylevel
  // The token request's body carries the client secret: never recorded.
  return {
    ...recordRequest(req, url, url.pathname.endsWith('/oauth2/v2.0/token') ? '' : text),
    ...(typeof level === 'string' ? { consistencyLevel: level } : {}),
  }
}

const send = sender('application/json')

function notFound(message: string): GraphError {
  return new GraphError(404, 'Request_ResourceNotFound', message)
}

export function graphErrorBody(code: string, message: string): Record<string, unknown> {
  return { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } }
}

function sendGraphError(res: ServerResponse, error: GraphError): void {
  send(res, error.status, graphErrorBody(error.code, error.message))
}

/** An injected 429 looks like Graph's throttling answer: TooManyRequests with Retry-After. */
function sendFailure(res: ServerResponse, reply: FailureReply): void {
  const { status, body, headers } = injectedAnswer(reply, (code) =>
    code === 429
      ? graphErrorBody('TooManyRequests', 'Too many requests.')
      : graphErrorBody(code === 403 ? 'Authorization_RequestDenied' : 'InjectedFailure', `Injected failure (HTTP ${code})`),
  )
  send(res, status, body, status === 429 ? { 'retry-after': '2', ...headers } : { ...headers })
}

// --- run on its own -------------------------------------------------------------------------

export const DEMO_CLIENT_ID = '11111111-1111-1111-1111-111111111111'
export const DEMO_TENANT_ID = '00000000-0000-0000-0000-000000000000'
export const DEMO_USERS: EntraSeedUser[] = [
  {
    id: 'e0000000-0000-0000-0000-00000000a0a0',
    userPrincipalName: 'ada@example.com',
    displayName: 'Ada Admin',
    roles: ['globalAdministrator'],
    lastSignIn: '2025-06-02T08:00:00Z',
  },
  {
    id: 'e0000000-0000-0000-0000-00000000b0b0',
    userPrincipalName: 'bob@example.com',
    displayName: 'Bob Builder',
    otherMails: ['robert@example.org'],
    lastSignIn: '2025-05-28T16:45:00Z',
  },
  {
    id: 'e0000000-0000-0000-0000-00000000c0c0',
    userPrincipalName: 'carol@example.onmicrosoft.com',
    mail: 'carol@example.com',
    displayName: 'Carol Contractor',
  },
  { id: 'e0000000-0000-0000-0000-00000000d0d0', userPrincipalName: 'dave@example.com', displayName: 'Dave Departed', accountEnabled: false },
  { id: 'e0000000-0000-0000-0000-00000000e0e0', userPrincipalName: 'uma@example.com', displayName: 'Uma User-Admin', roles: ['userAdministrator'] },
]

async function main(): Promise<EntraSandbox> {
  const secret = envSecret('ENTRA_SANDBOX_SECRET', 'sandbox-entra-secret')
  const sandbox = await startEntraIdSandbox({
    clientId: DEMO_CLIENT_ID,
    clientSecret: secret.value,
    tenantId: DEMO_TENANT_ID,
    users: DEMO_USERS,
    ...scriptOptions('ENTRA_SANDBOX', 4030),
  })
  console.log(`Entra ID sandbox at ${sandbox.url} (tenant ${sandbox.tenantId}, client ${DEMO_CLIENT_ID}, secret: ${secret.source})`)
  for (const user of sandbox.users.values()) console.log(`  ${user.id}  ${user.userPrincipalName}${user.accountEnabled ? '' : '  (disabled)'}`)
  return sandbox
}

await runAsScript(import.meta.url, main)

/** A user's property as text, for $filter; anything that is not a string matches nothing. */
function textOf(user: object, property: string): string {
  const value = (user as Record<string, unknown>)[property]
  return typeof value === 'string' ? value : ''
}

/**
 * An in-memory Okta org (the parts of the Management API the bot uses) on node:http, for
 * the adapter tests, the end-to-end tests and the demo. It checks the `SSWS` API token,
 * enforces Okta's user lifecycle (suspend only ACTIVE users, unsuspend only SUSPENDED ones,
 * DELETE deactivates first and deletes only DEPROVISIONED users), keeps admin role
 * assignments and sessions, pages with `Link` headers, answers with Okta's error bodies,
 * records every request and can be told to fail or stall the next matching one.
 *
 * Run on its own: `tsx local/okta-sandbox.ts` (OKTA_SANDBOX_TOKEN, OKTA_SANDBOX_PORT).
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  authorized,
  createSandboxServer,
  envSecret,
  injectedAnswer,
  listen,
  newIntake,
  receive,
  requestBasics,
  runAsScript,
  sandboxHandle,
  scriptOptions,
  sender,
} from './sandbox-kit.js'
import type { InjectedReply, RequestBasics, RequestMatch, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

/** GET /api/v1/users answers at most 200 per page (and 200 when no limit is given). */
const USERS_MAX_LIMIT = 200
/** GET /api/v1/iam/assignees/users pages by 100. */
const ASSIGNEES_MAX_LIMIT = 100
/** What the rate-limit headers report on ordinary answers. */
const RATE_LIMIT = 600

export const OKTA_STATUSES = ['STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED', 'DEPROVISIONED'] as const
export type OktaStatus = (typeof OKTA_STATUSES)[number]

/** Okta's labels for its standard admin roles. */
export const ROLE_LABELS: Readonly<Record<string, string>> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organizational Administrator',
  APP_ADMIN: 'Application Administrator',
  USER_ADMIN: 'Group Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  READ_ONLY_ADMIN: 'Read-only Administrator',
  MOBILE_ADMIN: 'Mobile Administrator',
  API_ACCESS_MANAGEMENT_ADMIN: 'API Access Management Administrator',
  REPORT_ADMIN: 'Report Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
}

export interface SeedRole {
  type: string
  /** Defaults to Okta's label for the type (or the type for CUSTOM roles). */
  label?: string
  /** USER (the default): assigned to the person; GROUP: through a group they are in. */
  assignmentType?: 'USER' | 'GROUP'
}

export interface OktaSeedUser {
  id?: string
  login: string
  /** Defaults to the login. */
  email?: string
  /** The profile's secondary address, null by default as in Okta. */
  secondEmail?: string
  firstName?: string
  lastName?: string
  displayName?: string
  /** Defaults to ACTIVE. */
  status?: OktaStatus
  /** Role types (SUPER_ADMIN, ...) or full assignments. */
  roles?: (string | SeedRole)[]
  lastLogin?: string | null
  /** Open Okta sessions; defaults to 1 for ACTIVE users, 0 otherwise. */
  sessions?: number
  /** Where the profile is mastered; defaults to Okta itself. */
  provider?: { type: string; name: string }
}

/** A stored user, in Okta's shape (what GET /api/v1/users/{id} returns, minus _links). */
export interface OktaUser {
  id: string
  status: OktaStatus
  transitioningToStatus: string | null
  created: string
  activated: string | null
  statusChanged: string | null
  lastLogin: string | null
  lastUpdated: string
  passwordChanged: string | null
  type: { id: string }
  profile: { login: string; email: string; secondEmail: string | null; firstName: string | null; lastName: string | null; displayName?: string }
  credentials: { provider: { type: string; name: string } }
}

export interface RoleAssignment {
  id: string
  type: string
  label: string
  status: 'ACTIVE'
  created: string
  lastUpdated: string
  assignmentType: 'USER' | 'GROUP'
}

export interface RecordedRequest extends RequestBasics {
  /** The URL path, e.g. `/api/v1/users/00u-bob/lifecycle/suspend`. */
  path: string
  /** The Authorization scheme sent (`SSWS`, `Bearer`, ...); the credential itself is never recorded. */
  authScheme?: string
  accept?: string
  prefer?: string
}

export interface FailureMatch extends RequestMatch {
  /** Matched against the decoded query string, e.g. `profile.email`. */
  queryIncludes?: string
}

export interface FailureReply extends InjectedReply {
  /** An object is sent as JSON, a string as is; absent on an error status, an Okta error body is generated. */
  body?: unknown
}

export interface OktaSandboxOptions extends SandboxServerOptions {
  token: string
  users?: OktaSeedUser[]
  /** Id or login of the user the token acts as (GET /api/v1/users/me); defaults to the first super admin, else the first user. */
  tokenOwner?: string
}

export interface OktaSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** The org URL, e.g. http://127.0.0.1:40123 (paths start with /api/v1). */
  url: string
  /** Current users by id; tests may read and change them. */
  users: Map<string, OktaUser>
  /** Admin role assignments by user id. */
  roles: Map<string, RoleAssignment[]>
  /** Open Okta sessions by user id. */
  sessions: Map<string, number>
  /** OAuth token revocations asked for with a session clear, by user id. */
  revokedTokens: Set<string>
  addUser(seed: OktaSeedUser): OktaUser
  /** By login or email, ignoring case. */
  findUser(loginOrEmail: string): OktaUser | undefined
  /** The user the token acts as now (looked up on every request, so tests may re-seed). */
  tokenOwner(): OktaUser | undefined
}

class OktaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    summary: string,
    readonly causes: string[] = [],
  ) {
    super(summary)
  }
}

const notFound = (what: string) => new OktaError(404, 'E0000007', `Not found: Resource not found: ${what}`)

export async function startOktaSandbox(options: OktaSandboxOptions): Promise<OktaSandbox> {
  const state: State = { users: new Map(), roles: new Map(), sessions: new Map(), revokedTokens: new Set(), baseUrl: '', tokenOwner: options.tokenOwner }
  const intake = newIntake<RecordedRequest, FailureMatch, FailureReply>(options.log)

  const addUser = (seed: OktaSeedUser): OktaUser => {
    const user = userFromSeed(seed, state.users.size)
    state.users.set(user.id, user)
    state.roles.set(user.id, (seed.roles ?? []).map(roleFromSeed))
    state.sessions.set(user.id, seed.sessions ?? (user.status === 'ACTIVE' ? 1 : 0))
    return user
  }
  for (const seed of options.users ?? []) addUser(seed)

  const server = createSandboxServer(handle, (res, error) => sendError(res, new OktaError(500, 'E0000009', `Internal Server Error: ${String(error)}`)))

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = await receive(req, res, intake, (url, text) => record(req, url, text))
    if (!received) return
    const { recorded, failure } = received
    if (failure?.status !== undefined) return sendFailure(res, failure)
    if (!authorized(req.headers.authorization, options.token, SSWS)) return sendError(res, new OktaError(401, 'E0000011', 'Invalid token provided'))
    try {
      const answer = route(state, recorded)
      send(res, answer.status, answer.body, { ...rateLimitHeaders(RATE_LIMIT - 1), ...answer.headers })
    } catch (error) {
      if (error instanceof OktaError) return sendError(res, error)
      throw error
    }
  }

  state.baseUrl = (await listen(server, options.port, options.host)).origin

  return {
    url: state.baseUrl,
    users: state.users,
    roles: state.roles,
    sessions: state.sessions,
    revokedTokens: state.revokedTokens,
    ...sandboxHandle(server, intake),
    addUser,
    findUser: (loginOrEmail) => findByLoginOrEmail(state, loginOrEmail),
    tokenOwner: () => tokenOwnerOf(state),
  }
}

interface State {
  users: Map<string, OktaUser>
  roles: Map<string, RoleAssignment[]>
  sessions: Map<string, number>
  revokedTokens: Set<string>
  baseUrl: string
  /** Id or login from the options; undefined: the first super admin. */
  tokenOwner: string | undefined
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string | string[]>
}

function route(state: State, req: RecordedRequest): Answer {
  const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent)
  if (parts[0] !== 'api' || parts[1] !== 'v1') throw notFound(req.path)
  const [, , collection, id, sub, operation, extra] = parts
  if (collection === 'iam' && id === 'assignees' && sub === 'users' && operation === undefined && req.method === 'GET') {
    return listAssignees(state, req.query)
  }
  if (collection !== 'users' || extra !== undefined) throw notFound(req.path)
  if (id === undefined) {
    if (req.method === 'GET') return listUsers(state, req.query)
    throw methodNotAllowed()
  }
  const user = id === 'me' ? tokenOwnerOf(state) : existing(state, id)
  if (!user) throw notFound('me (User)')
  if (sub === undefined) {
    if (req.method === 'GET') return { status: 200, body: present(state, user) }
    if (req.method === 'DELETE') return deleteUser(state, user)
    throw methodNotAllowed()
  }
  if (sub === 'roles' && operation === undefined && req.method === 'GET') return { status: 200, body: state.roles.get(user.id) ?? [] }
  if (sub === 'sessions' && operation === undefined && req.method === 'DELETE') return clearSessions(state, user, req.query)
  if (sub === 'lifecycle' && operation !== undefined && req.method === 'POST') return lifecycle(state, user, operation)
  throw notFound(req.path)
}

function existing(state: State, idOrLogin: string): OktaUser {
  const user = state.users.get(idOrLogin) ?? findByLoginOrEmail(state, idOrLogin, 'login')
  if (!user) throw notFound(`${idOrLogin} (User)`)
  return user
}

function methodNotAllowed(): OktaError {
  return new OktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method')
}

// --- GET /api/v1/users --------------------------------------------------------

function listUsers(state: State, query: Record<string, string>): Answer {
  const limit = pageLimit(query.limit, USERS_MAX_LIMIT)
  let users = [...state.users.values()].sort(byId)
  if (query.search !== undefined) users = users.filter(matcher(parseExpression(query.search, 'search'), false))
  else if (query.filter !== undefined) users = users.filter(matcher(parseExpression(query.filter, 'filter'), true))
  // A plain list (no search, no filter) leaves deactivated users out, as Okta does.
  else users = users.filter((user) => user.status !== 'DEPROVISIONED')
  const after = query.after
  const rest = after === undefined ? users : users.filter((user) => user.id > after)
  const page = rest.slice(0, limit)
  const last = page.at(-1)
  const keep = Object.fromEntries(Object.entries(query).filter(([name]) => name !== 'after' && name !== 'limit'))
  const links = [`<${listUrl(state, keep, limit)}>; rel="self"`]
  if (rest.length > limit && last) links.push(`<${listUrl(state, { ...keep, after: last.id }, limit)}>; rel="next"`)
  return { status: 200, body: page.map((user) => present(state, user)), headers: { link: links } }
}

function listUrl(state: State, params: Record<string, string>, limit: number): string {
  const search = new URLSearchParams({ ...params, limit: String(limit) })
  return `${state.baseUrl}/api/v1/users?${search.toString().replace(/\+/g, '%20')}`
}

interface Condition {
  attribute: string
  operator: 'eq' | 'sw'
  value: string
}

/** Terms joined by a single kind of `and` / `or`, each `attribute eq|sw "value"`; enough for lookups. */
interface Expression {
  join: 'and' | 'or'
  conditions: Condition[]
}

const CONDITION = /^\s*([A-Za-z][\w.]*)\s+(eq|sw)\s+"((?:[^"\\]|\\.)*)"\s*/i
const JOIN = /^(and|or)\s+/i

function parseExpression(text: string, kind: 'search' | 'filter'): Expression {
  const conditions: Condition[] = []
  const joins = new Set<string>()
  let rest = text
  for (;;) {
    const match = CONDITION.exec(rest)
    if (!match) throw invalidExpression(kind)
    conditions.push({ attribute: match[1] ?? '', operator: (match[2] ?? 'eq').toLowerCase() as 'eq' | 'sw', value: (match[3] ?? '').replace(/\\(.)/g, '$1') })
    rest = rest.slice(match[0].length)
    if (rest.trim() === '') break
    const join = JOIN.exec(rest)
    if (!join) throw invalidExpression(kind)
    joins.add((join[1] ?? '').toLowerCase())
    rest = rest.slice(join[0].length)
  }
  // Mixing and/or needs parentheses, which this sandbox does not read.
  if (joins.size > 1) throw invalidExpression(kind)
  return { join: joins.has('and') ? 'and' : 'or', conditions }
}

function invalidExpression(kind: 'search' | 'filter'): OktaError {
  return kind === 'search'
    ? new OktaError(400, 'E0000031', 'Invalid search criteria.')
    : new OktaError(400, 'E0000030', 'Bad request. Invalid filter expression')
}

/** search compares string values without case; filter is case-sensitive (Okta's documented difference). */
function matcher(expression: Expression, caseSensitive: boolean): (user: OktaUser) => boolean {
  const norm = (text: string) => (caseSensitive ? text : text.toLowerCase())
  const test = (user: OktaUser, condition: Condition): boolean => {
    const actual = attributeOf(user, condition.attribute)
    if (actual === undefined) return false
    return condition.operator === 'eq' ? norm(actual) === norm(condition.value) : norm(actual).startsWith(norm(condition.value))
  }
  return (user) => (expression.join === 'and' ? expression.conditions.every((c) => test(user, c)) : expression.conditions.some((c) => test(user, c)))
}

function attributeOf(user: OktaUser, attribute: string): string | undefined {
  if (attribute === 'id') return user.id
  if (attribute === 'status') return user.status
  if (attribute.startsWith('profile.')) {
    const value = (user.profile as Record<string, unknown>)[attribute.slice('profile.'.length)]
    return typeof value === 'string' ? value : undefined
  }
  return undefined
}

// --- GET /api/v1/iam/assignees/users ------------------------------------------

function listAssignees(state: State, query: Record<string, string>): Answer {
  const limit = pageLimit(query.limit, ASSIGNEES_MAX_LIMIT)
  const after = query.after
  const admins = [...state.users.values()].sort(byId).filter((user) => (state.roles.get(user.id) ?? []).length > 0)
  const rest = after === undefined ? admins : admins.filter((user) => user.id > after)
  const page = rest.slice(0, limit)
  const last = page.at(-1)
  const next =
    rest.length > limit && last ? { next: { href: `${state.baseUrl}/api/v1/iam/assignees/users?after=${encodeURIComponent(last.id)}&limit=${limit}` } } : {}
  return {
    status: 200,
    body: {
      value: page.map((user) => ({
        id: user.id,
        orn: `orn:okta:directory:00o-sandbox:users:${user.id}`,
        _links: { self: { href: `${state.baseUrl}/api/v1/users/${encodeURIComponent(user.id)}` } },
      })),
      _links: next,
    },
  }
}

// --- lifecycle ----------------------------------------------------------------

function lifecycle(state: State, user: OktaUser, operation: string): Answer {
  switch (operation) {
    case 'suspend':
      if (user.status !== 'ACTIVE') throw validation('suspendUser', 'Cannot suspend a user that is not active')
      transition(user, 'SUSPENDED')
      return { status: 200, body: {} }
    case 'unsuspend':
      if (user.status !== 'SUSPENDED') throw validation('unsuspendUser', 'Cannot unsuspend a user that is not suspended')
      transition(user, 'ACTIVE')
      return { status: 200, body: {} }
    case 'deactivate':
      // Okta answers 404 E0000007 here for a user that is already DEPROVISIONED (observed, okta-sdk-java #721).
      if (user.status === 'DEPROVISIONED') throw notFound(`${user.id} (User)`)
      deactivate(state, user)
      return { status: 200, body: {} }
    default:
      throw notFound(`/api/v1/users/${user.id}/lifecycle/${operation}`)
  }
}

/** Deactivation ends sessions and revokes admin roles, except Okta keeps the last individually assigned super admin's. */
function deactivate(state: State, user: OktaUser): void {
  transition(user, 'DEPROVISIONED')
  state.sessions.set(user.id, 0)
  const roles = state.roles.get(user.id) ?? []
  const lastSuperAdmin =
    isIndividualSuperAdmin(roles) &&
    ![...state.users.values()].some(
      (other) => other.id !== user.id && other.status !== 'DEPROVISIONED' && isIndividualSuperAdmin(state.roles.get(other.id) ?? []),
    )
  state.roles.set(user.id, lastSuperAdmin ? roles.filter((role) => role.type === 'SUPER_ADMIN' && role.assignmentType === 'USER') : [])
}

function isIndividualSuperAdmin(roles: RoleAssignment[]): boolean {
  return roles.some((role) => role.type === 'SUPER_ADMIN' && role.assignmentType === 'USER')
}

/** The first DELETE of a user that is not DEPROVISIONED deactivates it; the next one deletes it. */
function deleteUser(state: State, user: OktaUser): Answer {
  if (user.status !== 'DEPROVISIONED') {
    deactivate(state, user)
    return { status: 204 }
  }
  state.users.delete(user.id)
  state.roles.delete(user.id)
  state.sessions.delete(user.id)
  return { status: 204 }
}

function clearSessions(state: State, user: OktaUser, query: Record<string, string>): Answer {
  state.sessions.set(user.id, 0)
  if (query.oauthTokens === 'true') state.revokedTokens.add(user.id)
  return { status: 204 }
}

function transition(user: OktaUser, status: OktaStatus): void {
  const now = new Date().toISOString()
  user.status = status
  user.statusChanged = now
  user.lastUpdated = now
}

function validation(operation: string, cause: string): OktaError {
  return new OktaError(400, 'E0000001', `Api validation failed: ${operation}`, [cause])
}

// --- resources ----------------------------------------------------------------

function userFromSeed(seed: OktaSeedUser, index: number): OktaUser {
  const now = new Date().toISOString()
  const status = seed.status ?? 'ACTIVE'
  const activated = status === 'STAGED' ? null : now
  return {
    id: seed.id ?? `00u${String(index + 1).padStart(4, '0')}${randomBytes(6).toString('hex')}`,
    status,
    transitioningToStatus: null,
    created: now,
    activated,
    statusChanged: activated,
    lastLogin: seed.lastLogin ?? null,
    lastUpdated: now,
    passwordChanged: null,
    type: { id: 'oty-sandbox-default' },
    profile: {
      login: seed.login,
      email: seed.email ?? seed.login,
      secondEmail: seed.secondEmail ?? null,
      firstName: seed.firstName ?? null,
      lastName: seed.lastName ?? null,
      ...(seed.displayName ? { displayName: seed.displayName } : {}),
    },
    credentials: { provider: seed.provider ?? { type: 'OKTA', name: 'OKTA' } },
  }
}

function roleFromSeed(seed: string | SeedRole, index: number): RoleAssignment {
  const role = typeof seed === 'string' ? { type: seed } : seed
  const now = new Date().toISOString()
  return {
    id: `ra${index + 1}${randomBytes(8).toString('hex')}`,
    type: role.type,
    label: role.label ?? ROLE_LABELS[role.type] ?? role.type,
    status: 'ACTIVE',
    created: now,
    lastUpdated: now,
    assignmentType: role.assignmentType ?? 'USER',
  }
}

function tokenOwnerOf(state: State): OktaUser | undefined {
  if (state.tokenOwner !== undefined) return state.users.get(state.tokenOwner) ?? findByLoginOrEmail(state, state.tokenOwner, 'login')
  const users = [...state.users.values()]
  return users.find((user) => (state.roles.get(user.id) ?? []).some((role) => role.type === 'SUPER_ADMIN')) ?? users[0]
}

function findByLoginOrEmail(state: State, text: string, only?: 'login'): OktaUser | undefined {
  const wanted = text.toLowerCase()
  return [...state.users.values()].find(
    (user) => user.profile.login.toLowerCase() === wanted || (only !== 'login' && user.profile.email.toLowerCase() === wanted),
  )
}

function present(state: State, user: OktaUser): unknown {
  const self = `${state.baseUrl}/api/v1/users/${encodeURIComponent(user.id)}`
  return { ...structuredClone(user), _links: { self: { href: self } } }
}

// --- HTTP plumbing ------------------------------------------------------------

function record(req: IncomingMessage, url: URL, text: string): RecordedRequest {
  const scheme = /^(\S+)\s/.exec(req.headers.authorization ?? '')?.[1]
  const prefer = req.headers.prefer
  return {
    ...requestBasics(req, url, text),
    ...(scheme ? { authScheme: scheme } : {}),
    ...(req.headers.accept ? { accept: req.headers.accept } : {}),
    ...(typeof prefer === 'string' ? { prefer } : {}),
  }
}

/** Okta API tokens travel as `Authorization: SSWS <token>`; a bearer token is not an API token. */
const SSWS = /^SSWS\s+(.+)$/

const send = sender('application/json')

function sendError(res: ServerResponse, error: OktaError): void {
  send(res, error.status, oktaErrorBody(error.code, error.message, error.causes), rateLimitHeaders(RATE_LIMIT - 1))
}

/** An injected 429 looks like Okta's: E0000047, X-Rate-Limit-* headers and no Retry-After. */
function sendFailure(res: ServerResponse, reply: FailureReply): void {
  const { status, body } = injectedAnswer(reply, (code) =>
    code === 429
      ? oktaErrorBody('E0000047', 'API call exceeded rate limit due to too many requests.')
      : oktaErrorBody(codeFor(code), `Injected failure (HTTP ${code})`),
  )
  const headers = status === 429 ? { ...rateLimitHeaders(0), ...reply.headers } : { ...reply.headers }
  send(res, status, body, headers)
}

function codeFor(status: number): string {
  const codes: Record<number, string> = { 401: 'E0000011', 403: 'E0000006', 404: 'E0000007', 429: 'E0000047' }
  return codes[status] ?? 'E0000009'
}

export function oktaErrorBody(code: string, summary: string, causes: string[] = []): Record<string, unknown> {
  return {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: `oae${randomBytes(11).toString('base64url')}`,
    errorCauses: causes.map((errorSummary) => ({ errorSummary })),
  }
}

/** X-Rate-Limit-Reset is UTC epoch seconds; a window here is one minute, as Okta's org-wide limits are. */
function rateLimitHeaders(remaining: number): Record<string, string> {
  return {
    'x-rate-limit-limit': String(RATE_LIMIT),
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 60),
  }
}

function pageLimit(text: string | undefined, max: number): number {
  const limit = text !== undefined && /^\d+$/.test(text) ? Number(text) : max
  return Math.max(1, Math.min(max, limit))
}

function byId(a: OktaUser, b: OktaUser): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

// --- run on its own -----------------------------------------------------------

export const DEMO_USERS: OktaSeedUser[] = [
  { id: '00u-ada', login: 'ada@example.com', firstName: 'Ada', lastName: 'Admin', roles: ['SUPER_ADMIN'], lastLogin: '2025-06-02T08:00:00.000Z' },
  { id: '00u-oscar', login: 'oscar@example.com', firstName: 'Oscar', lastName: 'Operator', roles: ['ORG_ADMIN'], lastLogin: '2025-06-01T09:30:00.000Z' },
  { id: '00u-bob', login: 'bob@example.com', firstName: 'Bob', lastName: 'Builder', sessions: 2, lastLogin: '2025-05-28T16:45:00.000Z' },
  { id: '00u-carol', login: 'carol.contractor', email: 'carol@example.com', firstName: 'Carol', lastName: 'Contractor' },
  { id: '00u-dave', login: 'dave@example.com', firstName: 'Dave', lastName: 'Departed', status: 'SUSPENDED' },
  { id: '00u-erin', login: 'erin@example.com', firstName: 'Erin', lastName: 'Exited', status: 'DEPROVISIONED' },
  { id: '00u-sam', login: 'sam@example.com', firstName: 'Sam', lastName: 'Staged', status: 'STAGED' },
  { id: '00u-lou', login: 'lou@example.com', firstName: 'Lou', lastName: 'Locked', status: 'LOCKED_OUT' },
  { id: '00u-adam', login: 'adam@example.com', firstName: 'Adam', lastName: 'Directory', provider: { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' } },
]

async function main(): Promise<OktaSandbox> {
  const token = envSecret('OKTA_SANDBOX_TOKEN', 'sandbox-okta-token')
  const sandbox = await startOktaSandbox({ token: token.value, users: DEMO_USERS, ...scriptOptions('OKTA_SANDBOX', 4020) })
  console.log(`Okta sandbox at ${sandbox.url} (SSWS token: ${token.source})`)
  for (const user of sandbox.users.values()) {
    const roles = (sandbox.roles.get(user.id) ?? []).map((role) => role.type).join(', ')
    console.log(`  ${user.id}  ${user.profile.login}  ${user.status}${roles ? `  [${roles}]` : ''}`)
  }
  return sandbox
}

await runAsScript(import.meta.url, main)

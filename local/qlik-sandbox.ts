/**
 * An in-memory Qlik Cloud tenant on node:http, for the adapter tests, the end-to-end
 * tests and the demo: users (with statuses and roles), the API keys that act as
 * them (/users/me redirects to the caller's own user, as Qlik's does), and the
 * assets users own (spaces, apps, scripts, data connections, reload schedules). It answers the REST calls the Qlik adapter makes,
 * in Qlik's shapes (cursor pages with links.next, `{"errors":[...],"traceId"}`
 * bodies, 204/207 answers), applies owner changes and deletions to its state,
 * records every request, and can be told to fail the next matching request or one
 * specific reassignment.
 *
 * Where Qlik's behaviour is not documented, the sandbox picks one and says so:
 * reload schedules follow their app when the app's owner changes (switch off with
 * `reloadTasksFollowAppOwner: false`), and deleting a user revokes their API keys
 * and disables the schedules they own (disabledCode OWNER-DELETED).
 *
 * Run on its own: `tsx local/qlik-sandbox.ts` (QLIK_SANDBOX_KEY, QLIK_SANDBOX_PORT).
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  createSandboxServer,
  envSecret,
  fixedWindow,
  injectedAnswer,
  integer,
  isRecord,
  listen,
  newIntake,
  presentedCredential,
  receive,
  recordRequest,
  retryAfterSeconds,
  runAsScript,
  sameSecret,
  sandboxHandle,
  scriptOptions,
  sender,
} from './sandbox-kit.js'
import type { InjectedReply, RateLimit, RecordedBasics, RequestMatch, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

export const QLIK_API_PREFIX = '/api/v1'
export const QLIK_TENANT_ID = 'sandbox-tenant-0001'
const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 100

export type QlikUserStatus = 'active' | 'invited' | 'disabled' | 'provisioned'
export type ReassignableKind = 'space' | 'app' | 'script' | 'data-connection'

export interface SeedUser {
  id: string
  name: string
  email: string
  /** Defaults to active. */
  status?: QlikUserStatus
  /** Role names, e.g. TenantAdmin, Developer. */
  roles?: string[]
}

export interface SeedSpace {
  id: string
  name: string
  ownerId: string
  type?: 'shared' | 'managed' | 'data'
}

/** An app or a script: `id` is the app id the owner change takes. */
export interface SeedApp {
  id: string
  name: string
  ownerId: string
  spaceId?: string
}

export interface SeedDataConnection {
  id: string
  name: string
  ownerId: string
  /** Leave out for a connection in the owner's personal space. */
  spaceId?: string
}

export interface SeedReloadTask {
  id: string
  appId: string
  ownerId: string
}

export interface QlikUser {
  id: string
  tenantId: string
  subject: string
  name: string
  email: string
  status: QlikUserStatus
  assignedRoles: { id: string; name: string; type: 'default'; level: 'admin' | 'user' }[]
  createdAt: string
  lastUpdatedAt: string
}

export interface QlikSpace {
  id: string
  name: string
  ownerId: string
  type: 'shared' | 'managed' | 'data'
}

export interface QlikApp {
  id: string
  /** The item id in the items API (the app id is its resourceId). */
  itemId: string
  name: string
  ownerId: string
  spaceId?: string
  resourceType: 'app' | 'script'
}

export interface QlikDataConnection {
  qID: string
  qName: string
  /** The owner's user id (Qlik calls it `user`). */
  user: string
  space?: string
}

export interface QlikReloadTask {
  id: string
  appId: string
  userId: string
  state: 'Enabled' | 'Disabled'
  disabledCode?: 'OWNER-DELETED'
}

export interface RecordedRequest extends RecordedBasics {
  /** The full path, e.g. `/api/v1/users/u-1`. */
  path: string
}

export interface FailureMatch extends RequestMatch {
  /** Matched against the decoded query string, e.g. `ownerId=u-1`. */
  queryIncludes?: string
}

export interface FailureReply extends InjectedReply {
  /** An object is sent as JSON; a string as is; absent on an error status, a Qlik error body is generated. */
  body?: unknown
}

/** How one reassignment fails: the HTTP status (per connection inside the 207 for data connections) and Qlik's error. */
export interface ReassignmentFailure {
  status?: number
  code?: string
  title?: string
  detail?: string
}

export interface QlikSandboxOptions extends SandboxServerOptions {
  /** API key -> the id of the user it belongs to. */
  apiKeys: Record<string, string>
  users?: SeedUser[]
  spaces?: SeedSpace[]
  apps?: SeedApp[]
  scripts?: SeedApp[]
  dataConnections?: SeedDataConnection[]
  reloadTasks?: SeedReloadTask[]
  /** The most a page holds whatever the limit asked (Qlik: 100); lower it to make every list page. */
  maxPageSize?: number
  /** Whether an app's reload schedules move to its new owner (default true). */
  reloadTasksFollowAppOwner?: boolean
  /**
   * Answer 429 with Retry-After (whole seconds, as Qlik does) beyond `requests` per window of
   * `windowMs`; Qlik's tier 1 allows 1,000 a minute. Off when left out.
   */
  rateLimit?: RateLimit
}

export interface QlikSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** The tenant URL (the adapter's tenantUrl); REST lives under /api/v1. */
  url: string
  users: Map<string, QlikUser>
  spaces: Map<string, QlikSpace>
  /** Apps and scripts by app id. */
  apps: Map<string, QlikApp>
  dataConnections: Map<string, QlikDataConnection>
  reloadTasks: Map<string, QlikReloadTask>
  /** API key -> user id; deleting a user removes their keys. */
  apiKeys: Map<string, string>
  /** The next attempt to give this asset a new owner fails (once), without changing it. */
  failReassignment(kind: ReassignableKind, id: string, failure?: ReassignmentFailure): void
  addUser(seed: SeedUser): QlikUser
  /** Everything a user owns, by kind, from the sandbox's state. */
  ownedBy(userId: string): { spaces: string[]; apps: string[]; scripts: string[]; dataConnections: string[]; reloadTasks: string[] }
  /** Puts every user, asset and key back as seeded, and forgets requests and pending failures. */
  reset(): void
}

class QlikError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(title)
  }
}

interface State {
  users: Map<string, QlikUser>
  spaces: Map<string, QlikSpace>
  apps: Map<string, QlikApp>
  dataConnections: Map<string, QlikDataConnection>
  reloadTasks: Map<string, QlikReloadTask>
  apiKeys: Map<string, string>
  reassignmentFailures: Map<string, ReassignmentFailure>
  followAppOwner: boolean
  maxPageSize: number
  baseUrl: () => string
}

export async function startQlikSandbox(options: QlikSandboxOptions): Promise<QlikSandbox> {
  const state: State = {
    users: new Map(),
    spaces: new Map(),
    apps: new Map(),
    dataConnections: new Map(),
    reloadTasks: new Map(),
    apiKeys: new Map(),
    reassignmentFailures: new Map(),
    followAppOwner: options.reloadTasksFollowAppOwner ?? true,
    maxPageSize: options.maxPageSize ?? MAX_PAGE_SIZE,
    baseUrl: () => baseUrl,
  }
  const intake = newIntake<RecordedRequest, FailureMatch, FailureReply>(options.log)
  let baseUrl = ''
  const limiter = options.rateLimit ? fixedWindow(options.rateLimit) : undefined

  const addUser = (seed: SeedUser): QlikUser => {
    const user = userFromSeed(seed)
    state.users.set(user.id, user)
    return user
  }

  const reset = () => {
    for (const map of [state.users, state.spaces, state.apps, state.dataConnections, state.reloadTasks, state.apiKeys, state.reassignmentFailures]) map.clear()
    for (const seed of options.users ?? []) addUser(seed)
    for (const seed of options.spaces ?? []) state.spaces.set(seed.id, { id: seed.id, name: seed.name, ownerId: seed.ownerId, type: seed.type ?? 'shared' })
    for (const seed of options.apps ?? []) state.apps.set(seed.id, appFromSeed(seed, 'app'))
    for (const seed of options.scripts ?? []) state.apps.set(seed.id, appFromSeed(seed, 'script'))
    for (const seed of options.dataConnections ?? []) {
      state.dataConnections.set(seed.id, { qID: seed.id, qName: seed.name, user: seed.ownerId, ...(seed.spaceId ? { space: seed.spaceId } : {}) })
    }
    for (const seed of options.reloadTasks ?? []) state.reloadTasks.set(seed.id, { id: seed.id, appId: seed.appId, userId: seed.ownerId, state: 'Enabled' })
    for (const [key, userId] of Object.entries(options.apiKeys)) state.apiKeys.set(key, userId)
    intake.requests.length = 0
    intake.failures.length = 0
  }
  reset()

  const server = createSandboxServer(handle, (res, error) =>
    sendError(res, new QlikError(500, 'HTTP-500', 'Internal server error', `sandbox failure: ${String(error)}`)),
  )

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = await receive(req, res, intake, (url, text) => recordRequest(req, url, text))
    if (!received) return
    const { url, recorded, failure } = received
    if (failure?.status !== undefined) return sendFailure(res, failure)
    const waitMs = limiter?.()
    if (waitMs !== undefined) return sendFailure(res, { status: 429, headers: { 'retry-after': retryAfterSeconds(waitMs) } })
    try {
      if (!url.pathname.startsWith(`${QLIK_API_PREFIX}/`)) throw new QlikError(404, 'HTTP-404', 'Not found')
      const caller = authenticate(state, req.headers.authorization)
      const answer = route(state, caller, recorded)
      send(res, answer.status, answer.body, answer.headers)
    } catch (error) {
      if (error instanceof QlikError) return sendError(res, error)
      throw error
    }
  }

  baseUrl = (await listen(server, options.port, options.host)).origin

  return {
    url: baseUrl,
    users: state.users,
    spaces: state.spaces,
    apps: state.apps,
    dataConnections: state.dataConnections,
    reloadTasks: state.reloadTasks,
    apiKeys: state.apiKeys,
    ...sandboxHandle(server, intake),
    failReassignment: (kind, id, failure = {}) => state.reassignmentFailures.set(`${kind}:${id}`, failure),
    addUser,
    ownedBy: (userId) => ({
      spaces: [...state.spaces.values()].filter((space) => space.ownerId === userId).map((space) => space.id),
      apps: [...state.apps.values()].filter((app) => app.resourceType === 'app' && app.ownerId === userId).map((app) => app.id),
      scripts: [...state.apps.values()].filter((app) => app.resourceType === 'script' && app.ownerId === userId).map((app) => app.id),
      dataConnections: [...state.dataConnections.values()].filter((connection) => connection.user === userId).map((connection) => connection.qID),
      reloadTasks: [...state.reloadTasks.values()].filter((task) => task.userId === userId).map((task) => task.id),
    }),
    reset,
  }
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

// --- auth -------------------------------------------------------------------

/** The user the bearer key belongs to; only keys of active users work. */
function authenticate(state: State, header: string | undefined): QlikUser {
  const presented = presentedCredential(header)
  const userId = presented ? keyOwner(state.apiKeys, presented) : undefined
  const user = userId ? state.users.get(userId) : undefined
  if (!user || user.status !== 'active') throw new QlikError(401, 'HTTP-401', 'Unauthorized', 'Missing or invalid API key')
  return user
}

function keyOwner(keys: Map<string, string>, presented: string): string | undefined {
  for (const [key, userId] of keys) if (sameSecret(presented, key)) return userId
  return undefined
}

function isTenantAdmin(user: QlikUser): boolean {
  return user.assignedRoles.some((role) => role.name === 'TenantAdmin')
}

// --- routing ------------------------------------------------------------------

function route(state: State, caller: QlikUser, req: RecordedRequest): Answer {
  const parts = req.path
    .slice(QLIK_API_PREFIX.length + 1)
    .split('/')
    .map(decodeURIComponent)
  const [collection, id, sub, extra] = parts
  const key = `${req.method} ${collection}${id === undefined ? '' : id === 'me' || id === 'actions' ? `/${id}` : '/:id'}${sub === undefined ? '' : `/${sub}`}${extra === undefined ? '' : `/${extra}`}`
  // As Qlik's spec says: /users/me redirects to the caller's own user resource, which any user may read.
  if (key === 'GET users/me') return { status: 301, headers: { location: userUrl(state, caller) } }
  if (key === 'GET users/:id' && id === caller.id) return { status: 200, body: presentUser(state, caller) }
  // Everything else needs an admin (the real tenant allows some of it to others; the bot always calls as an admin).
  if (!isTenantAdmin(caller)) throw new QlikError(403, 'HTTP-403', 'Forbidden', 'The TenantAdmin role is required')
  switch (key) {
    case 'GET users':
      return listUsers(state, req)
    case 'GET users/:id':
      return { status: 200, body: presentUser(state, existingUser(state, id ?? '')) }
    case 'PATCH users/:id':
      return patchUser(state, existingUser(state, id ?? ''), req.body)
    case 'DELETE users/:id':
      return deleteUser(state, existingUser(state, id ?? ''))
    case 'GET spaces':
      return listSpaces(state, req)
    case 'PATCH spaces/:id':
      return patchSpace(state, id ?? '', req.body)
    case 'GET items':
      return listItems(state, req)
    case 'PUT apps/:id/owner':
      return changeAppOwner(state, id ?? '', req.body)
    case 'GET data-connections':
      return listDataConnections(state, req)
    case 'POST data-connections/actions/update':
      return updateDataConnections(state, req.body)
    case 'GET reload-tasks':
      return listReloadTasks(state, req)
    default:
      throw new QlikError(404, 'HTTP-404', 'Not found', `${req.method} ${req.path} is not implemented by this sandbox`)
  }
}

// --- users --------------------------------------------------------------------

function existingUser(state: State, id: string): QlikUser {
  const user = state.users.get(id)
  // USERS-7 is the code in Qlik's own example of a 404.
  if (!user) throw new QlikError(404, 'USERS-7', 'Not found')
  return user
}

function listUsers(state: State, req: RecordedRequest): Answer {
  const all = [...state.users.values()]
  const matching = req.query.filter === undefined ? all : all.filter(compileFilter(req.query.filter))
  if (req.query.sort === '+name' || req.query.sort === 'name') matching.sort((a, b) => a.name.localeCompare(b.name))
  return page(state, req, matching, 'next', (user) => presentUser(state, user))
}

function patchUser(state: State, user: QlikUser, body: unknown): Answer {
  const operations = patchOperations(body, ['/status'])
  const errors: { code: string; title: string; detail: string; status: number }[] = []
  for (const operation of operations) {
    if (operation.value !== 'active' && operation.value !== 'disabled')
      throw new QlikError(400, 'USERS-400', 'Bad request', '/status must be "active" or "disabled"')
    // Sandbox rule: an invitation has no account to switch on or off; report it the way Qlik reports partial patches.
    if (user.status === 'invited') {
      errors.push({ code: 'USERS-207', title: 'Status not changed', detail: 'An invited user cannot be activated or disabled', status: 400 })
      continue
    }
    user.status = operation.value
  }
  user.lastUpdatedAt = new Date().toISOString()
  return errors.length > 0 ? { status: 207, body: { errors, traceId: traceId() } } : { status: 204 }
}

function deleteUser(state: State, user: QlikUser): Answer {
  state.users.delete(user.id)
  // Qlik revokes the API keys of a deleted user.
  for (const [key, owner] of state.apiKeys) if (owner === user.id) state.apiKeys.delete(key)
  // Assets keep the deleted owner's id (orphaned); their schedules stop.
  for (const task of state.reloadTasks.values()) {
    if (task.userId === user.id) Object.assign(task, { state: 'Disabled', disabledCode: 'OWNER-DELETED' })
  }
  return { status: 204 }
}

function presentUser(state: State, user: QlikUser): unknown {
  return { ...structuredClone(user), links: { self: { href: userUrl(state, user) } } }
}

function userUrl(state: State, user: QlikUser): string {
  return `${state.baseUrl()}${QLIK_API_PREFIX}/users/${encodeURIComponent(user.id)}`
}

/** The users filter (RFC 7644 subset Qlik documents): eq/co, and/or, parentheses, case-insensitive. */
export function compileFilter(filter: string): (user: QlikUser) => boolean {
  const tokens = tokenize(filter)
  let position = 0
  const peek = () => tokens[position]
  const take = () => tokens[position++]
  const parseOr = (): ((user: QlikUser) => boolean) => {
    let left = parseAnd()
    while (peek()?.toLowerCase() === 'or') {
      take()
      const a = left
      const b = parseAnd()
      left = (user) => a(user) || b(user)
    }
    return left
  }
  const parseAnd = (): ((user: QlikUser) => boolean) => {
    let left = parseTerm()
    while (peek()?.toLowerCase() === 'and') {
      take()
      const a = left
      const b = parseTerm()
      left = (user) => a(user) && b(user)
    }
    return left
  }
  const parseTerm = (): ((user: QlikUser) => boolean) => {
    if (peek() === '(') {
      take()
      const inner = parseOr()
      if (take() !== ')') throw invalidFilter(filter)
      return inner
    }
    const attribute = take()
    const operator = take()?.toLowerCase()
    const literal = take()
    if (!attribute || !literal?.startsWith('"') || (operator !== 'eq' && operator !== 'co')) throw invalidFilter(filter)
    const wanted = JSON.parse(literal) as string
    return (user) =>
      attributeValues(user, attribute).some((value) =>
        operator === 'eq' ? value.toLowerCase() === wanted.toLowerCase() : value.toLowerCase().includes(wanted.toLowerCase()),
      )
  }
  const compiled = parseOr()
  if (position !== tokens.length) throw invalidFilter(filter)
  return compiled
}

function tokenize(filter: string): string[] {
  const tokens: string[] = []
  const pattern = /\s*("(?:[^"\\]|\\.)*"|\(|\)|[^\s()"]+)/y
  let end = 0
  let match: RegExpExecArray | null
  while ((match = pattern.exec(filter)) !== null) {
    tokens.push(match[1] ?? '')
    end = pattern.lastIndex
  }
  if (filter.slice(end).trim() !== '') throw invalidFilter(filter)
  return tokens
}

function attributeValues(user: QlikUser, attribute: string): string[] {
  switch (attribute.toLowerCase()) {
    case 'id':
      return [user.id]
    case 'email':
      return [user.email]
    case 'name':
      return [user.name]
    case 'status':
      return [user.status]
    case 'subject':
      return [user.subject]
    case 'assignedroles.name':
      return user.assignedRoles.map((role) => role.name)
    default:
      throw new QlikError(400, 'USERS-400', 'Bad request', `Filtering on ${attribute} is not supported`)
  }
}

function invalidFilter(filter: string): QlikError {
  return new QlikError(400, 'USERS-400', 'Bad request', `Invalid filter: ${filter}`)
}

// --- spaces, apps, scripts ------------------------------------------------------

function listSpaces(state: State, req: RecordedRequest): Answer {
  const { ownerId, type } = req.query
  const types = type?.split(',')
  const spaces = [...state.spaces.values()].filter((space) => (!ownerId || space.ownerId === ownerId) && (!types || types.includes(space.type)))
  return page(state, req, spaces, 'next', (space) => presentSpace(state, space))
}

function patchSpace(state: State, id: string, body: unknown): Answer {
  const space = state.spaces.get(id)
  if (!space) throw new QlikError(404, 'SPACES-404', 'Not found', `Space ${id} not found`)
  for (const operation of patchOperations(body, ['/ownerId'])) {
    const ownerId = stringValue(operation.value, '/ownerId')
    failIfTold(state, 'space', id)
    activeUser(state, ownerId)
    space.ownerId = ownerId
  }
  return { status: 200, body: presentSpace(state, space) }
}

function presentSpace(state: State, space: QlikSpace): unknown {
  const self = `${state.baseUrl()}${QLIK_API_PREFIX}/spaces/${encodeURIComponent(space.id)}`
  return { ...space, tenantId: QLIK_TENANT_ID, links: { self: { href: self }, assignments: { href: `${self}/assignments` } } }
}

function listItems(state: State, req: RecordedRequest): Answer {
  const { ownerId, resourceType, resourceIds } = req.query
  const types = resourceType?.split(',')
  const ids = resourceIds?.split(',')
  if (ids && !types) throw new QlikError(400, 'ITEMS-400', 'Bad request', 'resourceIds needs resourceType')
  const items = [...state.apps.values()].filter(
    (app) => (!ownerId || app.ownerId === ownerId) && (!types || types.includes(app.resourceType)) && (!ids || ids.includes(app.id)),
  )
  return page(state, req, items, 'next', (app) => presentItem(state, app))
}

function presentItem(state: State, app: QlikApp): unknown {
  return {
    id: app.itemId,
    name: app.name,
    resourceId: app.id,
    resourceType: app.resourceType,
    ownerId: app.ownerId,
    ...(app.spaceId ? { spaceId: app.spaceId } : {}),
    tenantId: QLIK_TENANT_ID,
    links: { self: { href: `${state.baseUrl()}${QLIK_API_PREFIX}/items/${encodeURIComponent(app.itemId)}` } },
  }
}

/** PUT /apps/{appId}/owner, for apps and (in this sandbox) scripts alike. */
function changeAppOwner(state: State, id: string, body: unknown): Answer {
  const app = state.apps.get(id)
  if (!app) throw new QlikError(404, 'APPS-404', 'Not found', `App ${id} not found`)
  if (!isRecord(body) || typeof body.ownerId !== 'string' || body.ownerId === '') throw new QlikError(400, 'APPS-400', 'Bad request', 'ownerId is required')
  failIfTold(state, app.resourceType, id)
  activeUser(state, body.ownerId)
  app.ownerId = body.ownerId
  if (state.followAppOwner) for (const task of state.reloadTasks.values()) if (task.appId === id) task.userId = body.ownerId
  // An NxApp: its NxAttributes carry no spaceId (@qlik/api apps.d.ts), unlike the items listing.
  return { status: 200, body: { attributes: { id: app.id, name: app.name, ownerId: app.ownerId, owner: app.ownerId } } }
}

// --- data connections and reload schedules ------------------------------------

function listDataConnections(state: State, req: RecordedRequest): Answer {
  const { userId, spaceId } = req.query
  const connections = [...state.dataConnections.values()].filter(
    (connection) => (!userId || connection.user === userId) && (!spaceId || connection.space === spaceId),
  )
  return page(state, req, connections, 'page', (connection) => presentConnection(state, connection))
}

function presentConnection(state: State, connection: QlikDataConnection): unknown {
  return {
    ...connection,
    qEngineObjectID: connection.qID,
    qType: 'QvOdbcConnectorPackage.exe',
    qLogOn: 0,
    qArchitecture: 0,
    qConnectStatement: 'CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;"',
    tenant: QLIK_TENANT_ID,
    privileges: ['list', 'read', 'update', 'delete', 'change_owner', 'change_space'],
    links: { self: { href: `${state.baseUrl()}${QLIK_API_PREFIX}/data-connections/${encodeURIComponent(connection.qID)}` } },
  }
}

/** POST /data-connections/actions/update: 207 with one result per connection. */
function updateDataConnections(state: State, body: unknown): Answer {
  if (!isRecord(body) || !Array.isArray(body.connections) || body.connections.length === 0) {
    throw new QlikError(400, 'DCAAS-400', 'Bad request', 'connections must be a non-empty array')
  }
  const data = body.connections.map((entry: unknown) => updateOneConnection(state, entry))
  return { status: 207, body: { data } }
}

function updateOneConnection(state: State, entry: unknown): unknown {
  if (!isRecord(entry) || typeof entry.id !== 'string') return bulkError('', 400, 'Bad request', 'id is required')
  const connection = state.dataConnections.get(entry.id)
  if (!connection) return bulkError(entry.id, 404, 'Not found', `Connection ${entry.id} not found`)
  const told = takeReassignmentFailure(state, 'data-connection', entry.id)
  if (told) return bulkError(entry.id, told.status ?? 403, told.title ?? 'Forbidden', told.detail ?? 'Injected failure', told.code)
  if (typeof entry.ownerId === 'string') {
    const owner = state.users.get(entry.ownerId)
    if (!owner || owner.status !== 'active') return bulkError(entry.id, 400, 'Bad request', `User ${entry.ownerId} cannot own connections`)
    connection.user = entry.ownerId
  }
  if (entry.spaceId === '') delete connection.space
  else if (typeof entry.spaceId === 'string') connection.space = entry.spaceId
  return { id: entry.id, status: 204 }
}

function bulkError(id: string, status: number, title: string, detail: string, code = `DCAAS-${status}`): unknown {
  return { id, status, error: { code, title, detail, status } }
}

function listReloadTasks(state: State, req: RecordedRequest): Answer {
  const { appId } = req.query
  const tasks = [...state.reloadTasks.values()].filter((task) => !appId || task.appId === appId)
  const present = (task: QlikReloadTask) => ({
    ...task,
    tenantId: QLIK_TENANT_ID,
    links: { self: { href: `${state.baseUrl()}${QLIK_API_PREFIX}/reload-tasks/${encodeURIComponent(task.id)}` } },
  })
  return page(state, req, tasks, 'next', present)
}

// --- shared pieces ------------------------------------------------------------

/**
 * A cursor page: `limit` (default and cap), an opaque cursor, and absolute `links.self/next`
 * hrefs. Only the page's items are presented, so a large tenant answers every page quickly.
 */
function page<T>(state: State, req: RecordedRequest, all: T[], cursorParam: 'next' | 'page', present: (item: T) => unknown = (item) => item): Answer {
  const limit = Math.min(state.maxPageSize, Math.max(1, integer(req.query.limit) ?? DEFAULT_PAGE_SIZE))
  const start = decodeCursor(req.query[cursorParam])
  const data = all.slice(start, start + limit).map(present)
  const self = `${state.baseUrl()}${req.path}${queryString(req.query)}`
  const links: Record<string, { href: string }> = { self: { href: self } }
  if (start + limit < all.length) {
    links.next = { href: `${state.baseUrl()}${req.path}${queryString({ ...req.query, [cursorParam]: encodeCursor(start + limit) })}` }
  }
  return { status: 200, body: { data, links } }
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url')
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) throw new QlikError(400, 'HTTP-400', 'Bad request', 'Invalid cursor')
  return Number(match[1])
}

function queryString(query: Record<string, string>): string {
  const text = new URLSearchParams(query).toString()
  return text ? `?${text}` : ''
}

interface PatchOperation {
  op: 'replace'
  path: string
  value: unknown
}

function patchOperations(body: unknown, paths: string[]): PatchOperation[] {
  if (!Array.isArray(body) || body.length === 0) throw new QlikError(400, 'HTTP-400', 'Bad request', 'Expected a JSON Patch array')
  return body.map((raw: unknown) => {
    if (!isRecord(raw) || raw.op !== 'replace') throw new QlikError(400, 'HTTP-400', 'Bad request', 'Only the replace operation is supported')
    if (typeof raw.path !== 'string' || !paths.includes(raw.path))
      throw new QlikError(400, 'HTTP-400', 'Bad request', `Path must be one of ${paths.join(', ')}`)
    return { op: 'replace', path: raw.path, value: raw.value }
  })
}

function activeUser(state: State, id: string): QlikUser {
  const user = state.users.get(id)
  if (!user || user.status !== 'active') throw new QlikError(400, 'HTTP-400', 'Bad request', `User ${id} is not an active user of the tenant`)
  return user
}

function failIfTold(state: State, kind: ReassignableKind, id: string): void {
  const told = takeReassignmentFailure(state, kind, id)
  if (told) throw new QlikError(told.status ?? 403, told.code ?? 'HTTP-403', told.title ?? 'Forbidden', told.detail ?? 'Injected failure')
}

function takeReassignmentFailure(state: State, kind: ReassignableKind, id: string): ReassignmentFailure | undefined {
  const key = `${kind}:${id}`
  const told = state.reassignmentFailures.get(key)
  state.reassignmentFailures.delete(key)
  return told
}

function stringValue(value: unknown, path: string): string {
  if (typeof value === 'string' && value !== '') return value
  throw new QlikError(400, 'HTTP-400', 'Bad request', `${path} must be a non-empty string`)
}

function userFromSeed(seed: SeedUser): QlikUser {
  const now = new Date().toISOString()
  return {
    id: seed.id,
    tenantId: QLIK_TENANT_ID,
    subject: `auth0|${seed.id}`,
    name: seed.name,
    email: seed.email,
    status: seed.status ?? 'active',
    assignedRoles: (seed.roles ?? []).map((name) => ({
      id: `role-${name.toLowerCase()}`,
      name,
      type: 'default' as const,
      level: name.endsWith('Admin') ? ('admin' as const) : ('user' as const),
    })),
    createdAt: now,
    lastUpdatedAt: now,
  }
}

function appFromSeed(seed: SeedApp, resourceType: 'app' | 'script'): QlikApp {
  return { id: seed.id, itemId: `item-${seed.id}`, name: seed.name, ownerId: seed.ownerId, resourceType, ...(seed.spaceId ? { spaceId: seed.spaceId } : {}) }
}

// --- HTTP plumbing ----------------------------------------------------------

function sendError(res: ServerResponse, error: QlikError): void {
  send(res, error.status, qlikErrorBody(error.status, error.code, error.title, error.detail))
}

function sendFailure(res: ServerResponse, reply: FailureReply): void {
  const answer = injectedAnswer(reply, (status) => qlikErrorBody(status, `HTTP-${status}`, defaultTitle(status)))
  send(res, answer.status, answer.body, answer.headers)
}

const send = sender('application/json; charset=utf-8')

function defaultTitle(status: number): string {
  // Qlik's documented rate-limit answer.
  if (status === 429) return 'API rate limit reached.'
  if (status === 401) return 'Unauthorized'
  if (status === 403) return 'Forbidden'
  if (status === 404) return 'Not found'
  return status >= 500 ? 'Internal server error' : 'Request failed'
}

/** Qlik's error body: `{"errors":[{"code","title","detail","status"}],"traceId"}`. */
export function qlikErrorBody(status: number, code: string, title: string, detail?: string): Record<string, unknown> {
  return { errors: [{ code, title, ...(detail ? { detail } : {}), status }], traceId: traceId() }
}

function traceId(): string {
  return randomBytes(8).toString('hex').padStart(32, '0')
}

// --- seed data and running on its own -----------------------------------------

export const DEMO_API_KEY = 'qlik-sandbox-api-key'

export const DEMO_USERS: SeedUser[] = [
  { id: 'u-admin', name: 'Ada Admin', email: 'ada.admin@example.com', roles: ['TenantAdmin'] },
  { id: 'u-bob', name: 'Bob Builder', email: 'bob@example.com', roles: ['Developer'] },
  { id: 'u-carol', name: 'Carol Coleman', email: 'carol@example.com', roles: ['Developer', 'SharedSpaceCreator'] },
  { id: 'u-dave', name: 'Dave Departed', email: 'dave@example.com', status: 'disabled' },
  { id: 'u-erin', name: 'Erin Invited', email: 'erin@example.com', status: 'invited' },
]

export const DEMO_SPACES: SeedSpace[] = [
  { id: 'sp-finance', name: 'Finance', ownerId: 'u-bob' },
  { id: 'sp-sales', name: 'Sales', ownerId: 'u-bob', type: 'managed' },
]

export const DEMO_APPS: SeedApp[] = [
  { id: 'app-budget', name: 'Budget 2025', ownerId: 'u-bob', spaceId: 'sp-finance' },
  { id: 'app-pipeline', name: 'Sales pipeline', ownerId: 'u-carol', spaceId: 'sp-sales' },
]

export const DEMO_SCRIPTS: SeedApp[] = [{ id: 'script-etl', name: 'Nightly ETL', ownerId: 'u-bob', spaceId: 'sp-finance' }]

export const DEMO_DATA_CONNECTIONS: SeedDataConnection[] = [
  { id: 'dc-snowflake', name: 'Snowflake (finance)', ownerId: 'u-bob', spaceId: 'sp-finance' },
  { id: 'dc-personal', name: 'My spreadsheets', ownerId: 'u-bob' },
]

export const DEMO_RELOAD_TASKS: SeedReloadTask[] = [
  { id: 'task-budget', appId: 'app-budget', ownerId: 'u-bob' },
  { id: 'task-pipeline', appId: 'app-pipeline', ownerId: 'u-carol' },
]

/** The demo tenant: Ada's key is the bot's; Bob owns a bit of everything. */
export function demoTenant(): Omit<QlikSandboxOptions, 'port' | 'host' | 'log'> {
  return {
    apiKeys: { [DEMO_API_KEY]: 'u-admin' },
    users: DEMO_USERS,
    spaces: DEMO_SPACES,
    apps: DEMO_APPS,
    scripts: DEMO_SCRIPTS,
    dataConnections: DEMO_DATA_CONNECTIONS,
    reloadTasks: DEMO_RELOAD_TASKS,
  }
}

async function main(): Promise<QlikSandbox> {
  const key = envSecret('QLIK_SANDBOX_KEY', DEMO_API_KEY)
  const sandbox = await startQlikSandbox({ ...demoTenant(), apiKeys: { [key.value]: 'u-admin' }, ...scriptOptions('QLIK_SANDBOX', 4040) })
  console.log(`Qlik sandbox at ${sandbox.url} (API key: ${key.source}, acting as u-admin)`)
  for (const user of sandbox.users.values()) console.log(`  ${user.id}  ${user.email}  ${user.status}`)
  return sandbox
}

await runAsScript(import.meta.url, main)

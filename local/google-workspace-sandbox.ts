/**
 * An in-memory Google Workspace on node:http, for the adapter tests, the end-to-end
 * tests and the demo. It serves two things Google serves on two hosts:
 *
 * - the OAuth token endpoint for service accounts (`POST /token`): it verifies the
 *   JWT assertion as Google does (RS256 signature with the service account's public
 *   key, iss, aud, iat/exp, scope), checks domain-wide delegation (the client id must
 *   be granted every requested scope, and `sub` must be a user), and issues tokens;
 * - the Admin SDK Directory API users resource (`/admin/directory/v1/users`): get,
 *   list (customer/domain, query, maxResults, pageToken, showDeleted), update (PUT,
 *   and PATCH), delete (restorable for 20 days) and undelete, each needing a valid
 *   token whose admin may do it, with Google's error bodies;
 * - the Admin SDK Data Transfer API (`/admin/datatransfer/v1`): the applications
 *   whose data can be handed over (Drive and Docs, Calendar) and transfers (insert
 *   and get), each read of a transfer settling one application's part: it completes,
 *   or fails for the applications a test names in `failingTransfers`.
 *
 * It records every request, and can be told to fail or stall the next matching one.
 *
 * Run on its own: `tsx local/google-workspace-sandbox.ts` (GOOGLE_SANDBOX_PORT):
 * it writes a throwaway service account key to a temporary file and prints its path.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createSandboxServer,
  injectedAnswer,
  isRecord,
  listen,
  newIntake,
  parseBody,
  presentedCredential,
  receive,
  recordRequest,
  runAsScript,
  sandboxHandle,
  scriptOptions,
  sender,
} from './sandbox-kit.js'
import type { InjectedReply, RecordedBasics, RequestMatch, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

export const TOKEN_PATH = '/token'
export const USERS_PATH = '/admin/directory/v1/users'
export const DIRECTORY_USER_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user'
export const DIRECTORY_USER_READONLY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.readonly'
/** users.signOut needs this one, not the user scope. */
export const DIRECTORY_USER_SECURITY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.security'
/** The Data Transfer API: the full scope, and the one that only reads. */
export const DATATRANSFER_SCOPE = 'https://www.googleapis.com/auth/admin.datatransfer'
export const DATATRANSFER_READONLY_SCOPE = 'https://www.googleapis.com/auth/admin.datatransfer.readonly'
export const DATATRANSFER_PATH = '/admin/datatransfer/v1'
/** Google's ids for the applications whose data an admin can transfer (the applications resource lists them). */
export const DRIVE_APPLICATION = { id: '55656082996', name: 'Drive and Docs', transferParams: [{ key: 'PRIVACY_LEVEL', value: ['PRIVATE', 'SHARED'] }] }
export const CALENDAR_APPLICATION = { id: '435070579839', name: 'Calendar', transferParams: [{ key: 'RELEASE_RESOURCES', value: ['TRUE'] }] }
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** What Google reports as lastLoginTime for a user who never signed in. */
export const NEVER_SIGNED_IN = '1970-01-01T00:00:00.000Z'
export const CUSTOMER_ID = 'C03sandbox'
export const RESTORE_WINDOW_DAYS = 20
export const UNAUTHORIZED_CLIENT_DESCRIPTION =
  'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.'
const DEFAULT_PAGE_SIZE = 100
const MAX_PAGE_SIZE = 500
const MAX_ASSERTION_LIFETIME_S = 3600
const CLOCK_SKEW_S = 300
/** What Google answers as expires_in for a service account's access token. */
const TOKEN_LIFETIME_S = 3599
const DAY_MS = 24 * 60 * 60_000

export interface GoogleSeedUser {
  id?: string
  primaryEmail: string
  givenName?: string
  familyName?: string
  aliases?: string[]
  suspended?: boolean
  /** Defaults to ADMIN when suspended. */
  suspensionReason?: string
  archived?: boolean
  /** Super admin. */
  isAdmin?: boolean
  isDelegatedAdmin?: boolean
  /** Defaults to NEVER_SIGNED_IN, as Google reports it. */
  lastLoginTime?: string
  orgUnitPath?: string
}

/** A stored user, in the Directory API's shape (what GET users/{userKey} returns). */
export interface DirectoryUser {
  kind: 'admin#directory#user'
  id: string
  etag: string
  primaryEmail: string
  name: { givenName: string; familyName: string; fullName: string }
  isAdmin: boolean
  isDelegatedAdmin: boolean
  lastLoginTime: string
  creationTime: string
  agreedToTerms: boolean
  suspended: boolean
  suspensionReason?: string
  archived: boolean
  changePasswordAtNextLogin: boolean
  ipWhitelisted: boolean
  emails: { address: string; primary?: boolean }[]
  aliases?: string[]
  nonEditableAliases?: string[]
  customerId: string
  orgUnitPath: string
  isMailboxSetup: boolean
  isEnrolledIn2Sv: boolean
  isEnforcedIn2Sv: boolean
  includeInGlobalAddressList: boolean
}

export interface DeletedUser {
  user: DirectoryUser
  deletedAt: string
}

/** The service account the token endpoint knows: its email, its OAuth client id and its public key. */
export interface ServiceAccountIdentity {
  clientEmail: string
  clientId: string
  publicKey: string | KeyObject
}

export interface RecordedRequest extends RecordedBasics {
  /** The URL path, e.g. `/admin/directory/v1/users/123` or `/token`. */
  path: string
  /** Parsed JSON, form fields (token requests, without the assertion), the raw text, or undefined. */
  body: unknown
  /** Token requests: the assertion's decoded header and claims (the signature is left out). */
  assertion?: { header: Record<string, unknown>; claims: Record<string, unknown> }
  /** Directory requests with a valid token: the admin the token acts for. */
  actor?: string
}

export interface FailureMatch extends RequestMatch {
  /** Matched against the decoded query string, e.g. `isAdmin=true`. */
  queryIncludes?: string
}

export interface FailureReply extends InjectedReply {
  /** An object is sent as JSON, a string as is; absent on an error status, Google's error body is generated. */
  body?: unknown
  /** The `reason` in a generated Directory error body (userRateLimitExceeded, backendError, ...). */
  reason?: string
}

export interface GoogleWorkspaceSandboxOptions extends SandboxServerOptions {
  serviceAccount: ServiceAccountIdentity
  /** The primary domain. */
  domain: string
  secondaryDomains?: string[]
  users?: GoogleSeedUser[]
  /** Scopes domain-wide delegation grants the service account's client id; defaults to the Directory user, user security and data transfer scopes. */
  delegatedScopes?: string[]
  /** The sandbox's clock (token expiry, assertion times, the restore window). */
  now?: () => Date
}

export interface GoogleWorkspaceSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** The Directory API base URL (the adapter's baseUrl). */
  url: string
  /** The token endpoint (the adapter's tokenUrl). */
  tokenUrl: string
  /** Current users by id; tests may read and change them. */
  users: Map<string, DirectoryUser>
  /** Deleted users by id, restorable for 20 days from deletedAt. */
  deleted: Map<string, DeletedUser>
  /** Scopes granted to the service account's client id; tests may change them. */
  delegatedScopes: Set<string>
  /** Ids of the users signed out with users.signOut, in order. */
  signOuts: string[]
  /** Data transfers by id, in the Data Transfer API's shape. */
  transfers: Map<string, DataTransfer>
  /** Names of applications (e.g. `Calendar`) whose part of every later transfer fails; tests may change it. */
  failingTransfers: Set<string>
  addUser(seed: GoogleSeedUser): DirectoryUser
  /** A current user by primary address or alias (any case). */
  findUser(email: string): DirectoryUser | undefined
  /** Makes every issued access token invalid, as a revocation would. */
  revokeTokens(): void
}

/** A transfer as transfers.get returns it. */
export interface DataTransfer {
  kind: 'admin#datatransfer#DataTransfer'
  id: string
  etag: string
  oldOwnerUserId: string
  newOwnerUserId: string
  applicationDataTransfers: { applicationId: string; applicationTransferParams?: { key: string; value: string[] }[]; applicationTransferStatus: string }[]
  overallTransferStatusCode: string
  requestTime: string
}

interface IssuedToken {
  subject?: string
  scopes: Set<string>
  expiresAt: number
}

/** A Directory API error: Google's `{error: {code, message, errors: [{reason}]}}`. */
class DirectoryError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
    readonly extra: { status?: string; itemMessage?: string } = {},
  ) {
    super(message)
  }
}

/** A token endpoint error: `{error, error_description}` (RFC 6749 §5.2). */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description)
  }
}

interface State {
  options: GoogleWorkspaceSandboxOptions
  domains: Set<string>
  users: Map<string, DirectoryUser>
  deleted: Map<string, DeletedUser>
  delegatedScopes: Set<string>
  signOuts: string[]
  transfers: Map<string, DataTransfer>
  failingTransfers: Set<string>
  tokens: Map<string, IssuedToken>
  publicKey: KeyObject
  now: () => Date
  tokenUrl: () => string
}

export async function startGoogleWorkspaceSandbox(options: GoogleWorkspaceSandboxOptions): Promise<GoogleWorkspaceSandbox> {
  const intake = newIntake<RecordedRequest, FailureMatch, FailureReply>(options.log)
  let baseUrl = ''
  const state: State = {
    options,
    domains: new Set([options.domain, ...(options.secondaryDomains ?? [])].map(lower)),
    users: new Map(),
    deleted: new Map(),
    delegatedScopes: new Set(options.delegatedScopes ?? [DIRECTORY_USER_SCOPE, DIRECTORY_USER_SECURITY_SCOPE, DATATRANSFER_SCOPE]),
    signOuts: [],
    transfers: new Map(),
    failingTransfers: new Set(),
    tokens: new Map(),
    publicKey: typeof options.serviceAccount.publicKey === 'string' ? createPublicKey(options.serviceAccount.publicKey) : options.serviceAccount.publicKey,
    now: options.now ?? (() => new Date()),
    tokenUrl: () => `${baseUrl}${TOKEN_PATH}`,
  }

  const addUser = (seed: GoogleSeedUser): DirectoryUser => {
    const user = userFromSeed(seed, state.now())
    state.users.set(user.id, user)
    return user
  }
  for (const seed of options.users ?? []) addUser(seed)

  const server = createSandboxServer(handle, (res, error) =>
    sendDirectoryError(res, new DirectoryError(500, `sandbox failure: ${String(error)}`, 'backendError')),
  )

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = await receive(req, res, intake, (url, text) => record(req, url, text))
    if (!received) return
    const { url, text, recorded, failure } = received
    if (failure?.status !== undefined) return sendFailure(res, failure, recorded.path === TOKEN_PATH)
    if (url.pathname === TOKEN_PATH) return handleToken(state, req, text, recorded, res)
    const transfer = url.pathname.startsWith(`${DATATRANSFER_PATH}/`)
    if (!transfer && url.pathname !== USERS_PATH && !url.pathname.startsWith(`${USERS_PATH}/`)) return sendNotFoundPage(res)
    try {
      const actor = authenticate(state, req.headers.authorization, accessOf(recorded.method, url.pathname, transfer))
      recorded.actor = actor.primaryEmail
      const answer = transfer
        ? routeDataTransfer(state, recorded, url.pathname.slice(DATATRANSFER_PATH.length))
        : routeDirectory(state, actor, recorded, url.pathname.slice(USERS_PATH.length))
      send(res, answer.status, answer.body)
    } catch (error) {
      if (error instanceof DirectoryError) return sendDirectoryError(res, error)
      throw error
    }
  }

  baseUrl = (await listen(server, options.port, options.host)).origin

  return {
    url: baseUrl,
    tokenUrl: state.tokenUrl(),
    users: state.users,
    deleted: state.deleted,
    delegatedScopes: state.delegatedScopes,
    signOuts: state.signOuts,
    transfers: state.transfers,
    failingTransfers: state.failingTransfers,
    ...sandboxHandle(server, intake),
    addUser,
    findUser: (email) => findByEmail(state, email),
    revokeTokens: () => state.tokens.clear(),
  }
}

// --- the token endpoint --------------------------------------------------------------

function handleToken(state: State, req: IncomingMessage, text: string, recorded: RecordedRequest, res: ServerResponse): void {
  try {
    if (req.method !== 'POST') throw new OAuthError(400, 'invalid_request', 'Token requests must be POST')
    const form = new URLSearchParams(text)
    const grantType = form.get('grant_type')
    if (grantType !== JWT_BEARER_GRANT) throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`)
    const assertion = form.get('assertion')
    if (!assertion) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: assertion')
    const jwt = decodeJwt(assertion)
    recorded.assertion = { header: jwt.header, claims: jwt.claims }
    const issued = grant(state, jwt)
    const accessToken = `ya29.sandbox-${randomBytes(24).toString('base64url')}`
    state.tokens.set(accessToken, { ...issued, expiresAt: state.now().getTime() + TOKEN_LIFETIME_S * 1000 })
    send(res, 200, { access_token: accessToken, expires_in: TOKEN_LIFETIME_S, token_type: 'Bearer' })
  } catch (error) {
    if (error instanceof OAuthError) return send(res, error.status, { error: error.code, error_description: error.message })
    throw error
  }
}

interface DecodedJwt {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  signingInput: string
  signature: Buffer
}

function decodeJwt(assertion: string): DecodedJwt {
  const parts = assertion.split('.')
  if (parts.length !== 3) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: expected three dot-separated parts')
  const [header, claims, signature] = parts as [string, string, string]
  return { header: jsonPart(header), claims: jsonPart(claims), signingInput: `${header}.${claims}`, signature: Buffer.from(signature, 'base64url') }
}

function jsonPart(part: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown
    if (isRecord(value)) return value
  } catch {
    // reported below
  }
  throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: a part is not base64url-encoded JSON')
}

/** Google's checks, in an order that gives each mistake its own error. */
function grant(state: State, jwt: DecodedJwt): Omit<IssuedToken, 'expiresAt'> {
  const account = state.options.serviceAccount
  if (jwt.header.alg !== 'RS256') throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: the algorithm must be RS256')
  if (jwt.claims.iss !== account.clientEmail) throw new OAuthError(400, 'invalid_grant', 'Invalid grant: account not found')
  if (!verify('sha256', Buffer.from(jwt.signingInput), state.publicKey, jwt.signature)) {
    throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.')
  }
  if (jwt.claims.aud !== state.tokenUrl()) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.')
  checkTimes(jwt.claims, state.now())
  const scopes = typeof jwt.claims.scope === 'string' ? jwt.claims.scope.split(/\s+/).filter(Boolean) : []
  if (scopes.length === 0) throw new OAuthError(400, 'invalid_scope', 'Empty or missing scope not allowed.')
  const subject = jwt.claims.sub
  if (subject === undefined) return { scopes: new Set(scopes) }
  const user = typeof subject === 'string' ? findByEmail(state, subject) : undefined
  if (!user || user.suspended) throw new OAuthError(400, 'invalid_grant', 'Invalid email or User ID')
  if (!scopes.every((scope) => state.delegatedScopes.has(scope))) throw new OAuthError(401, 'unauthorized_client', UNAUTHORIZED_CLIENT_DESCRIPTION)
  return { subject: user.primaryEmail, scopes: new Set(scopes) }
}

function checkTimes(claims: Record<string, unknown>, now: Date): void {
  const { iat, exp } = claims
  const nowS = now.getTime() / 1000
  const valid =
    typeof iat === 'number' &&
    typeof exp === 'number' &&
    exp > iat &&
    exp - iat <= MAX_ASSERTION_LIFETIME_S &&
    iat <= nowS + CLOCK_SKEW_S &&
    exp > nowS - CLOCK_SKEW_S
  if (!valid) {
    throw new OAuthError(
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    )
  }
}

// --- the Directory API -------------------------------------------------------------------

/** What a request does, which decides the scope its token needs. */
type Access = 'read' | 'write' | 'security' | 'transfer-read' | 'transfer'

/** Reads of either API need less than writes; signing a user out needs the security scope. */
function accessOf(method: string, pathname: string, transfer: boolean): Access {
  if (transfer) return method === 'GET' ? 'transfer-read' : 'transfer'
  return method === 'GET' ? 'read' : pathname.endsWith('/signOut') ? 'security' : 'write'
}

/** The admin the bearer token acts for; reads need the readonly or full scope, writes the full one, signOut the security one. */
function authenticate(state: State, header: string | undefined, access: Access): DirectoryUser {
  const presented = presentedCredential(header)
  const token = presented ? state.tokens.get(presented) : undefined
  if (!token || token.expiresAt <= state.now().getTime()) {
    throw new DirectoryError(
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      'authError',
      { status: 'UNAUTHENTICATED', itemMessage: 'Invalid Credentials' },
    )
  }
  const scoped = hasScope(token.scopes, access)
  if (!scoped)
    throw new DirectoryError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions', {
      status: 'PERMISSION_DENIED',
      itemMessage: 'Insufficient Permission',
    })
  const actor = token.subject ? findByEmail(state, token.subject) : undefined
  if (!actor || actor.suspended || !(actor.isAdmin || actor.isDelegatedAdmin)) throw forbidden()
  return actor
}

function hasScope(scopes: Set<string>, access: Access): boolean {
  switch (access) {
    case 'security':
      return scopes.has(DIRECTORY_USER_SECURITY_SCOPE)
    case 'transfer':
      return scopes.has(DATATRANSFER_SCOPE)
    case 'transfer-read':
      return scopes.has(DATATRANSFER_SCOPE) || scopes.has(DATATRANSFER_READONLY_SCOPE)
    default:
      return scopes.has(DIRECTORY_USER_SCOPE) || (access === 'read' && scopes.has(DIRECTORY_USER_READONLY_SCOPE))
  }
}

interface Answer {
  status: number
  body?: unknown
}

function routeDirectory(state: State, actor: DirectoryUser, req: RecordedRequest, rest: string): Answer {
  purgeExpired(state)
  const [, key, verb, extra] = rest.split('/')
  if (key === undefined || key === '') {
    if (req.method === 'GET') return listUsers(state, req.query)
    throw new DirectoryError(501, `${req.method} users is not implemented by this sandbox`, 'notImplemented')
  }
  const userKey = decodeURIComponent(key)
  if (verb === 'undelete' && extra === undefined && req.method === 'POST') return undelete(state, userKey, req.body)
  if (verb === 'signOut' && extra === undefined && req.method === 'POST') {
    state.signOuts.push(existing(state, userKey).id)
    return { status: 204 }
  }
  if (verb !== undefined) return notFoundPage()
  switch (req.method) {
    case 'GET':
      return { status: 200, body: present(existing(state, userKey)) }
    case 'PUT':
    case 'PATCH':
      return updateUser(state, actor, existing(state, userKey), req.body)
    case 'DELETE':
      return deleteUser(state, actor, existing(state, userKey))
    default:
      throw new DirectoryError(405, `Method ${req.method} is not allowed`, 'methodNotAllowed')
  }
}

/** By id, primary address or alias; an address outside the account's domains is a 403, as Google answers. */
function existing(state: State, userKey: string): DirectoryUser {
  const user = state.users.get(userKey) ?? findByEmail(state, userKey)
  if (user) return user
  const domain = userKey.includes('@') ? lower(userKey.slice(userKey.lastIndexOf('@') + 1)) : undefined
  if (domain !== undefined && !ownsDomain(state, domain)) throw forbidden()
  throw new DirectoryError(404, 'Resource Not Found: userKey', 'notFound')
}

function listUsers(state: State, query: Record<string, string>): Answer {
  if (query.customer === undefined && query.domain === undefined) throw new DirectoryError(400, 'Bad Request', 'badRequest')
  if (query.customer !== undefined && query.customer !== 'my_customer' && query.customer !== CUSTOMER_ID) throw forbidden()
  if (query.domain !== undefined && !state.domains.has(lower(query.domain))) throw forbidden()
  const size = pageSize(query.maxResults)
  const pool = query.showDeleted === 'true' ? [...state.deleted.values()].map((entry) => entry.user) : [...state.users.values()]
  const matching = pool
    .filter((user) => query.domain === undefined || domainOf(user.primaryEmail) === lower(query.domain))
    .filter(searchMatcher(query.query))
    .sort(order(query.orderBy))
  const offset = pageOffset(query.pageToken)
  const page = matching.slice(offset, offset + size)
  const next = offset + size < matching.length ? Buffer.from(`offset:${offset + size}`).toString('base64url') : undefined
  return {
    status: 200,
    body: {
      kind: 'admin#directory#users',
      etag: `"${randomUUID()}"`,
      ...(page.length > 0 ? { users: page.map(present) } : {}),
      ...(next ? { nextPageToken: next } : {}),
    },
  }
}

function pageSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE
  const size = Number(value)
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new DirectoryError(400, `Invalid value '${value}'. Values must be within the range: [1, ${MAX_PAGE_SIZE}]`, 'invalid')
  }
  return size
}

function pageOffset(token: string | undefined): number {
  if (token === undefined || token === '') return 0
  const offset = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))?.[1]
  if (offset === undefined) throw new DirectoryError(400, 'Invalid Input: pageToken', 'invalid')
  return Number(offset)
}

const BOOLEAN_FIELDS: Record<string, (user: DirectoryUser) => boolean> = {
  isadmin: (user) => user.isAdmin,
  isdelegatedadmin: (user) => user.isDelegatedAdmin,
  issuspended: (user) => user.suspended,
  isarchived: (user) => user.archived,
}

/**
 * The search clauses the bot and the tests use, ANDed: `isAdmin=true`, `isSuspended=false`, `email=a@b`,
 * and prefix searches `email:bo*` and `name:'Bob B*'` (Google's `:` with a trailing `*`; quotes around spaces).
 */
function searchMatcher(query: string | undefined): (user: DirectoryUser) => boolean {
  if (query === undefined || query.trim() === '') return () => true
  const clauses = [...query.trim().matchAll(/(\w+)([=:])('[^']*'|\S+)\s*/g)]
  if (
    clauses
      .map((clause) => clause[0])
      .join('')
      .trim() !== query.trim()
  )
    throw new DirectoryError(400, 'Invalid Input', 'invalid')
  const tests = clauses.map(([, field = '', operator, raw = '']) => {
    const value = raw.replace(/^'|'$/g, '')
    const flag = BOOLEAN_FIELDS[lower(field)]
    if (operator === '=' && flag && (value === 'true' || value === 'false')) return (user: DirectoryUser) => flag(user) === (value === 'true')
    if (operator === '=' && lower(field) === 'email' && value) return (user: DirectoryUser) => emailsOf(user).includes(lower(value))
    if (operator === ':' && value.endsWith('*') && (lower(field) === 'email' || lower(field) === 'name')) {
      const prefix = lower(value.slice(0, -1))
      if (lower(field) === 'email') return (user: DirectoryUser) => emailsOf(user).some((email) => email.startsWith(prefix))
      return (user: DirectoryUser) => [user.name.fullName, user.name.givenName, user.name.familyName].some((name) => lower(name).startsWith(prefix))
    }
    throw new DirectoryError(400, 'Invalid Input', 'invalid')
  })
  return (user) => tests.every((test) => test(user))
}

function order(orderBy: string | undefined): (a: DirectoryUser, b: DirectoryUser) => number {
  if (orderBy === 'givenName') return (a, b) => a.name.givenName.localeCompare(b.name.givenName)
  if (orderBy === 'familyName') return (a, b) => a.name.familyName.localeCompare(b.name.familyName)
  return (a, b) => a.primaryEmail.localeCompare(b.primaryEmail)
}

/** users.update has patch semantics: only the fields sent change; `null` clears. Output-only fields are ignored. */
function updateUser(state: State, actor: DirectoryUser, user: DirectoryUser, body: unknown): Answer {
  if (!isRecord(body)) throw new DirectoryError(400, 'Invalid JSON payload received.', 'parseError')
  mayManage(actor, user)
  const next = structuredClone(user)
  if ('suspended' in body) {
    next.suspended = booleanField(body.suspended, 'suspended')
    if (next.suspended) next.suspensionReason = user.suspended ? (user.suspensionReason ?? 'ADMIN') : 'ADMIN'
    else delete next.suspensionReason
  }
  if ('archived' in body) next.archived = booleanField(body.archived, 'archived')
  if ('orgUnitPath' in body && typeof body.orgUnitPath === 'string') next.orgUnitPath = body.orgUnitPath
  if (isRecord(body.name)) {
    if (typeof body.name.givenName === 'string') next.name.givenName = body.name.givenName
    if (typeof body.name.familyName === 'string') next.name.familyName = body.name.familyName
    next.name.fullName = `${next.name.givenName} ${next.name.familyName}`.trim()
  }
  next.etag = `"${randomUUID()}"`
  state.users.set(user.id, next)
  return { status: 200, body: present(next) }
}

function booleanField(value: unknown, field: string): boolean {
  if (value === null) return false
  if (typeof value === 'boolean') return value
  throw new DirectoryError(400, `Invalid value at 'resource.${field}' (TYPE_BOOL)`, 'invalid')
}

function deleteUser(state: State, actor: DirectoryUser, user: DirectoryUser): Answer {
  mayManage(actor, user)
  state.users.delete(user.id)
  state.deleted.set(user.id, { user, deletedAt: state.now().toISOString() })
  return { status: 204 }
}

/** users.undelete takes the immutable id only; it fails once the window has passed or the address was reused. */
function undelete(state: State, id: string, body: unknown): Answer {
  const entry = state.deleted.get(id)
  if (!entry) throw new DirectoryError(404, 'Resource Not Found: userKey', 'notFound')
  if (findByEmail(state, entry.user.primaryEmail)) throw new DirectoryError(409, 'Entity already exists.', 'duplicate')
  const user = structuredClone(entry.user)
  if (isRecord(body) && typeof body.orgUnitPath === 'string') user.orgUnitPath = body.orgUnitPath
  state.deleted.delete(id)
  state.users.set(id, user)
  return { status: 204 }
}

/** Only a super admin manages a super admin; delegated admins manage the rest. */
function mayManage(actor: DirectoryUser, target: DirectoryUser): void {
  if (target.isAdmin && !actor.isAdmin) throw forbidden()
}

function purgeExpired(state: State): void {
  const cutoff = state.now().getTime() - RESTORE_WINDOW_DAYS * DAY_MS
  for (const [id, entry] of state.deleted) if (Date.parse(entry.deletedAt) <= cutoff) state.deleted.delete(id)
}

function forbidden(): DirectoryError {
  return new DirectoryError(403, 'Not Authorized to access this resource/api', 'forbidden')
}

// --- the Data Transfer API ---------------------------------------------------------------------

const APPLICATIONS = [DRIVE_APPLICATION, CALENDAR_APPLICATION]

function routeDataTransfer(state: State, req: RecordedRequest, rest: string): Answer {
  const [, collection, id, extra] = rest.split('/')
  if (extra !== undefined) return notFoundPage()
  if (collection === 'applications' && id === undefined && req.method === 'GET') {
    return { status: 200, body: { kind: 'admin#datatransfer#applicationsList', etag: `"${randomUUID()}"`, applications: APPLICATIONS.map(presentApplication) } }
  }
  if (collection !== 'transfers') return notFoundPage()
  if (req.method === 'POST' && id === undefined) return insertTransfer(state, req.body)
  if (req.method === 'GET' && id !== undefined) return { status: 200, body: readTransfer(state, decodeURIComponent(id)) }
  throw new DirectoryError(501, `${req.method} transfers${id === undefined ? '' : '/{id}'} is not implemented by this sandbox`, 'notImplemented')
}

function presentApplication(application: (typeof APPLICATIONS)[number]): Record<string, unknown> {
  return { kind: 'admin#datatransfer#ApplicationResource', etag: `"${application.id}"`, ...structuredClone(application) }
}

/** Both users must exist, the new owner must be active and someone else, and every application must be one Google lists. */
function insertTransfer(state: State, body: unknown): Answer {
  if (!isRecord(body)) throw new DirectoryError(400, 'Invalid JSON payload received.', 'parseError')
  const { oldOwnerUserId, newOwnerUserId, applicationDataTransfers } = body
  if (typeof oldOwnerUserId !== 'string' || !state.users.has(oldOwnerUserId)) throw new DirectoryError(400, 'Invalid Input: oldOwnerUserId', 'invalid')
  const newOwner = typeof newOwnerUserId === 'string' ? state.users.get(newOwnerUserId) : undefined
  if (!newOwner || newOwner.suspended || newOwner.archived || newOwnerUserId === oldOwnerUserId)
    throw new DirectoryError(400, 'Invalid Input: newOwnerUserId', 'invalid')
  if (!Array.isArray(applicationDataTransfers) || applicationDataTransfers.length === 0)
    throw new DirectoryError(400, 'Invalid Input: applicationDataTransfers', 'invalid')
  const parts = applicationDataTransfers.map((part: unknown) => {
    if (!isRecord(part) || !APPLICATIONS.some((app) => app.id === part.applicationId)) throw new DirectoryError(400, 'Invalid Input: applicationId', 'invalid')
    const params = Array.isArray(part.applicationTransferParams) ? (part.applicationTransferParams as { key: string; value: string[] }[]) : undefined
    return { applicationId: String(part.applicationId), ...(params ? { applicationTransferParams: params } : {}), applicationTransferStatus: 'pending' }
  })
  const transfer: DataTransfer = {
    kind: 'admin#datatransfer#DataTransfer',
    id: `AKrEtIb${randomBytes(12).toString('base64url')}`,
    etag: `"${randomUUID()}"`,
    oldOwnerUserId,
    newOwnerUserId: newOwner.id,
    applicationDataTransfers: parts,
    overallTransferStatusCode: 'inProgress',
    requestTime: state.now().toISOString(),
  }
  state.transfers.set(transfer.id, transfer)
  return { status: 200, body: structuredClone(transfer) }
}

/** Each read settles the running application's part; when every part has ended, so has the transfer. */
function readTransfer(state: State, id: string): DataTransfer {
  const transfer = state.transfers.get(id)
  if (!transfer) throw new DirectoryError(404, 'Resource Not Found: dataTransferId', 'notFound')
  const running = transfer.applicationDataTransfers.find((part) => part.applicationTransferStatus === 'pending')
  if (running) {
    const name = APPLICATIONS.find((app) => app.id === running.applicationId)?.name ?? ''
    running.applicationTransferStatus = state.failingTransfers.has(name) ? 'failed' : 'completed'
  }
  const parts = transfer.applicationDataTransfers
  if (parts.every((part) => part.applicationTransferStatus !== 'pending')) {
    transfer.overallTransferStatusCode = parts.every((part) => part.applicationTransferStatus === 'completed') ? 'completed' : 'failed'
  }
  return structuredClone(transfer)
}

// --- users ---------------------------------------------------------------------------------

function userFromSeed(seed: GoogleSeedUser, now: Date): DirectoryUser {
  const givenName = seed.givenName ?? localPart(seed.primaryEmail)
  const familyName = seed.familyName ?? ''
  const suspended = seed.suspended ?? false
  return {
    kind: 'admin#directory#user',
    id: seed.id ?? String(100_000_000_000_000_000_000n + BigInt(`0x${randomBytes(8).toString('hex')}`)),
    etag: `"${randomUUID()}"`,
    primaryEmail: seed.primaryEmail,
    name: { givenName, familyName, fullName: `${givenName} ${familyName}`.trim() },
    isAdmin: seed.isAdmin ?? false,
    isDelegatedAdmin: seed.isDelegatedAdmin ?? false,
    lastLoginTime: seed.lastLoginTime ?? NEVER_SIGNED_IN,
    creationTime: now.toISOString(),
    agreedToTerms: seed.lastLoginTime !== undefined && seed.lastLoginTime !== NEVER_SIGNED_IN,
    suspended,
    ...(suspended ? { suspensionReason: seed.suspensionReason ?? 'ADMIN' } : {}),
    archived: seed.archived ?? false,
    changePasswordAtNextLogin: false,
    ipWhitelisted: false,
    emails: [{ address: seed.primaryEmail, primary: true }, ...(seed.aliases ?? []).map((address) => ({ address }))],
    ...(seed.aliases && seed.aliases.length > 0 ? { aliases: seed.aliases } : {}),
    customerId: CUSTOMER_ID,
    orgUnitPath: seed.orgUnitPath ?? '/',
    isMailboxSetup: true,
    isEnrolledIn2Sv: false,
    isEnforcedIn2Sv: false,
    includeInGlobalAddressList: true,
  }
}

function present(user: DirectoryUser): DirectoryUser {
  return structuredClone(user)
}

function findByEmail(state: State, email: string): DirectoryUser | undefined {
  const wanted = lower(email)
  return [...state.users.values()].find((user) => emailsOf(user).includes(wanted))
}

function emailsOf(user: DirectoryUser): string[] {
  return [user.primaryEmail, ...(user.aliases ?? []), ...(user.nonEditableAliases ?? [])].map(lower)
}

function ownsDomain(state: State, domain: string): boolean {
  return [...state.domains].some((owned) => domain === owned || domain.endsWith(`.${owned}`))
}

function domainOf(email: string): string {
  return lower(email.slice(email.lastIndexOf('@') + 1))
}

function localPart(email: string): string {
  return email.slice(0, email.indexOf('@') === -1 ? undefined : email.indexOf('@'))
}

// --- HTTP plumbing ---------------------------------------------------------------------------

function record(req: IncomingMessage, url: URL, text: string): RecordedRequest {
  return recordRequest(req, url, text, { parse: url.pathname === TOKEN_PATH ? formWithoutAssertion : parseBody })
}

/** The form fields of a token request; the assertion is recorded decoded, apart. */
function formWithoutAssertion(text: string): Record<string, string> | undefined {
  if (text === '') return undefined
  const fields = Object.fromEntries(new URLSearchParams(text))
  delete fields.assertion
  return fields
}

const send = sender('application/json; charset=UTF-8', 'text/html; charset=UTF-8')

function sendDirectoryError(res: ServerResponse, error: DirectoryError): void {
  const headers: Record<string, string> =
    error.status === 401 ? { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' } : {}
  send(res, error.status, googleErrorBody(error.status, error.message, error.reason, error.extra.status, error.extra.itemMessage), headers)
}

/** What Google's front end answers for a path no API serves: an HTML page, not a JSON error. */
function sendNotFoundPage(res: ServerResponse): void {
  const page = notFoundPage()
  send(res, page.status, page.body)
}

function notFoundPage(): Answer {
  return { status: 404, body: '<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins></html>' }
}

function sendFailure(res: ServerResponse, reply: FailureReply, token: boolean): void {
  const answer = injectedAnswer(reply, (status) =>
    token
      ? { error: status >= 500 ? 'internal_failure' : 'invalid_request', error_description: `Injected failure (HTTP ${status})` }
      : googleErrorBody(status, `Injected failure (HTTP ${status})`, reply.reason ?? defaultReason(status)),
  )
  send(res, answer.status, answer.body, answer.headers)
}

function defaultReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'badRequest',
    401: 'authError',
    403: 'forbidden',
    404: 'notFound',
    409: 'duplicate',
    412: 'conditionNotMet',
    429: 'rateLimitExceeded',
  }
  return reasons[status] ?? (status >= 500 ? 'backendError' : 'invalid')
}

/**
 * Google's JSON error body: `{error: {code, message, errors: [{message, domain, reason}], status?}}`;
 * the item's message may be shorter than the top one ("Invalid Credentials").
 */
export function googleErrorBody(status: number, message: string, reason: string, statusName?: string, itemMessage?: string): Record<string, unknown> {
  return {
    error: {
      code: status,
      message,
      errors: [{ message: itemMessage ?? message, domain: 'global', reason }],
      ...(statusName ? { status: statusName } : {}),
    },
  }
}

// --- small helpers -------------------------------------------------------------------------

function lower(text: string): string {
  return text.toLowerCase()
}

// --- a throwaway service account, and running on its own ----------------------------------------

export interface SandboxServiceAccount {
  /** The JSON key text, as Google Cloud downloads it: the adapter's serviceAccountKey. */
  keyJson: string
  /** What the sandbox needs to verify the assertions signed with it. */
  identity: ServiceAccountIdentity
}

/** A new RSA key pair in a service account JSON key, for the demo and the end-to-end tests. */
export function createSandboxServiceAccount(options: { clientEmail?: string; clientId?: string } = {}): SandboxServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const clientEmail = options.clientEmail ?? 'deprovision-bot@sandbox-project.iam.gserviceaccount.com'
  const clientId = options.clientId ?? '109876543210987654321'
  const keyJson = JSON.stringify({
    type: 'service_account',
    project_id: 'sandbox-project',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: clientId,
    token_uri: 'https://oauth2.googleapis.com/token',
  })
  return { keyJson, identity: { clientEmail, clientId, publicKey } }
}

export const DEMO_DOMAIN = 'example.com'
export const DEMO_ADMIN = 'it-admin@example.com'

export const DEMO_USERS: GoogleSeedUser[] = [
  { id: '100000000000000000001', primaryEmail: DEMO_ADMIN, givenName: 'Ivy', familyName: 'Admin', isAdmin: true, lastLoginTime: '2025-05-02T08:15:00.000Z' },
  {
    id: '100000000000000000002',
    primaryEmail: 'alice@example.com',
    givenName: 'Alice',
    familyName: 'Admin',
    isAdmin: true,
    lastLoginTime: '2025-04-28T17:02:00.000Z',
  },
  {
    id: '100000000000000000003',
    primaryEmail: 'bob@example.com',
    givenName: 'Bob',
    familyName: 'Builder',
    aliases: ['robert@example.com'],
    lastLoginTime: '2025-03-11T09:40:00.000Z',
  },
  { id: '100000000000000000004', primaryEmail: 'carol@example.com', givenName: 'Carol', familyName: 'Contractor', isDelegatedAdmin: true },
  {
    id: '100000000000000000005',
    primaryEmail: 'dave@example.com',
    givenName: 'Dave',
    familyName: 'Departed',
    suspended: true,
    lastLoginTime: '2024-12-20T12:00:00.000Z',
  },
  { id: '100000000000000000006', primaryEmail: 'erin@example.com', givenName: 'Erin', familyName: 'Archived', archived: true },
]

async function main(): Promise<GoogleWorkspaceSandbox> {
  const account = createSandboxServiceAccount()
  const sandbox = await startGoogleWorkspaceSandbox({
    serviceAccount: account.identity,
    domain: DEMO_DOMAIN,
    users: DEMO_USERS,
    ...scriptOptions('GOOGLE_SANDBOX', 4030),
  })
  const keyFile = join(mkdtempSync(join(tmpdir(), 'google-sandbox-')), 'service-account.json')
  writeFileSync(keyFile, account.keyJson, { mode: 0o600 })
  console.log(`Google Workspace sandbox: baseUrl ${sandbox.url}, tokenUrl ${sandbox.tokenUrl}`)
  console.log(`  throwaway service account key: ${keyFile}; adminEmail: ${DEMO_ADMIN}`)
  for (const user of sandbox.users.values())
    console.log(`  ${user.id}  ${user.primaryEmail}  ${user.suspended ? 'suspended' : 'active'}${user.isAdmin ? '  super admin' : ''}`)
  return sandbox
}

await runAsScript(import.meta.url, main)

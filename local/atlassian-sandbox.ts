/**
 * An in-memory stand-in for the Atlassian admin APIs the adapter uses, on node:http:
 * the organization and its managed accounts (v1), its directories and the v2 user search, the user-management
 * permissions (`GET /users/{id}/manage`) and the four lifecycle calls. Each account keeps
 * its lifecycle state (active, deactivated, pending deletion with its final date, deleted),
 * so a test can see that a cancelled deletion really brought the account back.
 *
 * Seed restrictions per account (a SCIM-managed user), unmanaged accounts, and 409
 * lifecycle errors (the last billing admin); `failNext` injects any other answer.
 *
 * Run on its own: `tsx local/atlassian-sandbox.ts` (ATLASSIAN_SANDBOX_API_KEY, ATLASSIAN_SANDBOX_PORT).
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
  receive,
  recordRequest,
  runAsScript,
  sandboxHandle,
  scriptOptions,
  sender,
} from './sandbox-kit.js'
import type { ApplyingReply, PathMatch, RecordedBasics, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

const DAY_MS = 86_400_000
export const DELETION_GRACE_DAYS = 14
const DEFAULT_PAGE_SIZE = 100
/** GET /admin/v1/orgs/{orgId}/users answers 50 managed accounts a page, whatever the client asks (https://jira.atlassian.com/browse/AX-243). */
export const MANAGED_ACCOUNTS_PAGE_SIZE = 50

export type LifecycleState = 'active' | 'deactivated' | 'pending-deletion' | 'deleted'
export type LifecycleOperation = 'disable' | 'enable' | 'delete' | 'cancel-delete'
export type Privilege = 'lifecycle.enablement' | 'lifecycle.delete'
export type MembershipStatus = 'active' | 'suspended' | 'no_membership'

/** One entry of a 409 `conflict.lifecycleErrors` answer's `context.errorCodes`. */
export interface LifecycleErrorCode {
  code: string
  message?: string
  link?: string
}

export interface SeedAccount {
  accountId?: string
  email: string
  name?: string
  /** Defaults to managed (the email's domain is verified by the organization). */
  claimStatus?: 'managed' | 'unmanaged'
  /** Defaults to active. */
  state?: LifecycleState
  /** For pending-deletion: when it was requested (ISO); defaults to the sandbox's now. */
  deletionRequestedAt?: string
  membershipStatus?: MembershipStatus
  /** e.g. atlassian/org-admin; leave out for none. */
  platformRoles?: string[]
  /** Product keys the account can reach (jira-software, confluence). */
  products?: string[]
  /** When the account was last active (ISO); leave out for an account never active. */
  lastActive?: string
  /** Directory ids the account is in; defaults to the first directory. */
  directories?: string[]
  /** A privilege Atlassian refuses for this account, with its `reason.key` (externalDirectory.scim). */
  restrictions?: Partial<Record<Privilege, string>>
  /** 409 `conflict.lifecycleErrors` answers per operation, kept until cleared. */
  lifecycleErrors?: Partial<Record<LifecycleOperation, LifecycleErrorCode[]>>
}

export interface SandboxAccount {
  accountId: string
  email: string
  name: string
  claimStatus: 'managed' | 'unmanaged'
  state: LifecycleState
  membershipStatus: MembershipStatus
  platformRoles: string[]
  products: string[]
  lastActive?: string
  directories: string[]
  restrictions: Partial<Record<Privilege, string>>
  lifecycleErrors: Partial<Record<LifecycleOperation, LifecycleErrorCode[]>>
  addedToOrg: string
  deactivatedOn?: string
  deletionRequestedAt?: string
  /** When a pending deletion becomes final (requested + 14 days). */
  deletionFinalAt?: string
  /** The message sent with the last disable, if any. */
  disableMessage?: string
}

export interface SandboxDirectory {
  directoryId: string
  name: string
}

export type RecordedRequest = RecordedBasics

export type FailureMatch = PathMatch

export interface FailureReply extends ApplyingReply {
  /** An object is sent as JSON, a string as is; absent on an error status, Atlassian's error body is generated. */
  body?: unknown
}

export interface AtlassianSandboxOptions extends SandboxServerOptions {
  apiKey: string
  orgId?: string
  orgName?: string
  directories?: SandboxDirectory[]
  accounts?: SeedAccount[]
  /** Page size of the directory list and the user search. */
  pageSize?: number
  /** The sandbox's clock: deletion dates, and when pending deletions become final. */
  now?: () => Date
}

export interface AtlassianSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** Base URL, in place of https://api.atlassian.com. */
  url: string
  orgId: string
  directories: SandboxDirectory[]
  /** Current state by account id; tests may read and change it. */
  accounts: Map<string, SandboxAccount>
  addAccount(seed: SeedAccount): SandboxAccount
  /** By account id or email (case-insensitive). */
  account(idOrEmail: string): SandboxAccount | undefined
  /** Restrict a privilege with a reason key, or lift it with undefined. */
  setRestriction(accountId: string, privilege: Privilege, reason: string | undefined): void
  /** Seed (or clear with undefined) the 409 answer of one lifecycle operation. */
  setLifecycleErrors(accountId: string, operation: LifecycleOperation, errors: LifecycleErrorCode[] | undefined): void
}

export const DEFAULT_ORG_ID = '0a1b2c3d-4e5f-4a6b-8c7d-acme00000001'
export const DEFAULT_DIRECTORIES: SandboxDirectory[] = [{ directoryId: 'dir-acme-main', name: 'Acme' }]

/** An error with the body Atlassian would send for it. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`)
  }
}

interface Answer {
  status: number
  body?: unknown
}

interface State {
  orgId: string
  orgName: string
  directories: SandboxDirectory[]
  accounts: Map<string, SandboxAccount>
  pageSize: number
  now: () => Date
  baseUrl: () => string
}

export async function startAtlassianSandbox(options: AtlassianSandboxOptions): Promise<AtlassianSandbox> {
  const now = options.now ?? (() => new Date())
  const directories = options.directories ?? DEFAULT_DIRECTORIES
  const accounts = new Map<string, SandboxAccount>()
  const intake = newIntake<RecordedRequest, FailureMatch, FailureReply>(options.log)
  let baseUrl = ''
  const state: State = {
    orgId: options.orgId ?? DEFAULT_ORG_ID,
    orgName: options.orgName ?? 'Acme',
    directories,
    accounts,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    now,
    baseUrl: () => baseUrl,
  }

  const addAccount = (seed: SeedAccount): SandboxAccount => {
    const account = accountFromSeed(seed, directories, now())
    accounts.set(account.accountId, account)
    return account
  }
  for (const seed of options.accounts ?? []) addAccount(seed)

  const find = (idOrEmail: string): SandboxAccount | undefined =>
    accounts.get(idOrEmail) ?? [...accounts.values()].find((account) => account.email.toLowerCase() === idOrEmail.toLowerCase())
  const existing = (accountId: string): SandboxAccount => {
    const account = accounts.get(accountId)
    if (!account) throw new Error(`no sandbox account ${accountId}`)
    return account
  }

  const server = createSandboxServer(handle, (res, error) =>
    send(res, 500, orgErrorBody(500, 'ADMIN-500-1', 'Internal error', `sandbox failure: ${String(error)}`)),
  )

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = await receive(req, res, intake, (url, text) => recordRequest(req, url, text))
    if (!received) return
    const { recorded, failure } = received
    if (failure?.status !== undefined && !failure.afterApplying) return sendFailure(res, recorded.path, failure)
    // Atlassian's API gateway answers a missing or wrong key before any route.
    if (!authorized(req.headers.authorization, options.apiKey)) return send(res, 401, { code: 401, message: 'Unauthorized' })
    finalizeDueDeletions(state)
    try {
      const answer = route(state, recorded)
      if (failure?.status !== undefined) return sendFailure(res, recorded.path, failure)
      send(res, answer.status, answer.body)
    } catch (error) {
      if (error instanceof ApiError) return send(res, error.status, error.body)
      throw error
    }
  }

  baseUrl = (await listen(server, options.port, options.host)).origin

  return {
    url: baseUrl,
    orgId: state.orgId,
    directories,
    accounts,
    ...sandboxHandle(server, intake),
    addAccount,
    account: find,
    setRestriction: (accountId, privilege, reason) => {
      const account = existing(accountId)
      if (reason === undefined) delete account.restrictions[privilege]
      else account.restrictions[privilege] = reason
    },
    setLifecycleErrors: (accountId, operation, errors) => {
      const account = existing(accountId)
      if (errors === undefined) delete account.lifecycleErrors[operation]
      else account.lifecycleErrors[operation] = errors
    },
  }
}

// --- routing ----------------------------------------------------------------

// No machine-readable source is published as a package: each route cites the page it follows (docs/conformance.md).
function route(state: State, req: RecordedRequest): Answer {
  const parts = req.path.split('/').slice(1).map(decodeURIComponent)
  if (parts[0] === 'admin') return routeAdmin(state, req, parts)
  if (parts[0] === 'users' && parts[1] && parts[2] === 'manage') return routeManage(state, req, parts[1], parts.slice(3))
  throw new ApiError(404, { key: 'notFound' })
}

function routeAdmin(state: State, req: RecordedRequest, parts: string[]): Answer {
  const [, version, orgs, orgId, collection, directoryId, users, search] = parts
  if (orgs !== 'orgs' || orgId === undefined) throw unknownResource()
  if (orgId !== state.orgId) throw new ApiError(404, orgErrorBody(404, 'ADMIN-404-2', 'Organization not found'))
  // https://developer.atlassian.com/cloud/admin/organization/rest/ (Orgs: Get an organization by ID)
  if (version === 'v1' && collection === undefined && req.method === 'GET') return { status: 200, body: organization(state) }
  // https://developer.atlassian.com/cloud/admin/organization/rest/ (Users: Get managed accounts in an organization)
  if (version === 'v1' && collection === 'users' && parts.length === 5 && req.method === 'GET') return listManagedAccounts(state, req.query)
  if (version !== 'v2' || collection !== 'directories') throw unknownResource()
  // https://developer.atlassian.com/cloud/admin/organization/rest/api-group-directory/ (GET /admin/v2/orgs/{orgId}/directories)
  if (directoryId === undefined && req.method === 'GET') return listDirectories(state, req.query)
  // https://mrrefactoring.github.io/jira.js/api/functions/admin.searchDirectoryUsers.html (POST …/directories/{directoryId}/users/search)
  if (users === 'users' && search === 'search' && parts.length === 8 && req.method === 'POST') {
    return searchUsers(state, directoryId ?? '', req.body)
  }
  throw unknownResource()
}

function routeManage(state: State, req: RecordedRequest, accountId: string, rest: string[]): Answer {
  const account = state.accounts.get(accountId)
  if (!account || account.state === 'deleted') throw new ApiError(404, { key: 'accountNotFound' })
  // https://developer.atlassian.com/cloud/admin/user-management/rest/api-group-manage/ (GET /users/{account_id}/manage)
  if (rest.length === 0 && req.method === 'GET') return { status: 200, body: permissions(account) }
  // https://developer.atlassian.com/cloud/admin/user-management/rest/api-group-lifecycle/ (disable, enable, delete, cancel-delete)
  const [lifecycle, operation] = rest
  if (lifecycle === 'lifecycle' && rest.length === 2 && req.method === 'POST' && isOperation(operation)) {
    return runLifecycle(state, account, operation, req.body)
  }
  throw new ApiError(404, { key: 'notFound' })
}

// --- organization and directories -----------------------------------------

function organization(state: State): unknown {
  return {
    data: {
      id: state.orgId,
      type: 'orgs',
      attributes: { name: state.orgName },
      links: { self: `${state.baseUrl()}/admin/v1/orgs/${state.orgId}` },
    },
  }
}

function listDirectories(state: State, query: Record<string, string>): Answer {
  const { page, next } = paginate(state.directories, query.cursor, integer(query.limit) ?? state.pageSize)
  return { status: 200, body: { data: page.map((directory) => ({ ...directory })), links: { self: query.cursor ?? null, next } } }
}

/**
 * GET /admin/v1/orgs/{orgId}/users: the organization's managed accounts (unmanaged ones are
 * not listed), 50 a page, `links.next` holding the cursor of the next page, with `last_active`.
 */
function listManagedAccounts(state: State, query: Record<string, string>): Answer {
  const managed = [...state.accounts.values()].filter((account) => account.claimStatus === 'managed' && account.state !== 'deleted')
  const { page, next } = paginate(managed, query.cursor, MANAGED_ACCOUNTS_PAGE_SIZE)
  return {
    status: 200,
    body: {
      data: page.map((account) => ({
        account_id: account.accountId,
        account_type: 'atlassian',
        account_status: account.state === 'active' ? 'active' : 'inactive',
        name: account.name,
        picture: `${state.baseUrl()}/avatars/${account.accountId}.png`,
        email: account.email,
        access_billable: account.state === 'active' && account.products.length > 0,
        ...(account.lastActive ? { last_active: account.lastActive } : {}),
        product_access: account.products.map((key) => ({
          key,
          name: key,
          url: `https://acme.atlassian.net/${key}`,
          ...(account.lastActive ? { last_active: account.lastActive } : {}),
        })),
        links: { self: `${state.baseUrl()}/admin/v1/orgs/${state.orgId}/users/${account.accountId}` },
      })),
      links: { self: query.cursor ?? null, prev: null, next },
      meta: { total: managed.length },
    },
  }
}

/** Body fields of POST .../users/search the sandbox understands; others are accepted and ignored. */
interface SearchBody {
  emails?: string[]
  accountIds?: string[]
  claimStatus?: string
  searchTerm?: string
  expand?: string[]
  cursor?: string
  limit?: number
}

function searchUsers(state: State, directoryId: string, raw: unknown): Answer {
  // '-' widens the search to every directory, as Atlassian's per-user endpoints document.
  if (directoryId !== '-' && !state.directories.some((directory) => directory.directoryId === directoryId)) throw unknownResource()
  const body = searchBody(raw)
  const emails = body.emails?.map((email) => email.toLowerCase())
  const matching = [...state.accounts.values()].filter(
    (account) =>
      // A deleted account is removed from every Directory list.
      account.state !== 'deleted' &&
      (directoryId === '-' || account.directories.includes(directoryId)) &&
      (!emails || emails.includes(account.email.toLowerCase())) &&
      (!body.accountIds || body.accountIds.includes(account.accountId)) &&
      (!body.claimStatus || account.claimStatus === body.claimStatus) &&
      (!body.searchTerm || `${account.name} ${account.email}`.toLowerCase().includes(body.searchTerm.toLowerCase())),
  )
  const { page, next } = paginate(matching, body.cursor, body.limit ?? state.pageSize)
  const expand = new Set(body.expand ?? [])
  return { status: 200, body: { data: page.map((account) => presentUser(state, account, expand)), links: { self: body.cursor ?? null, next } } }
}

function searchBody(raw: unknown): SearchBody {
  if (raw !== undefined && !isRecord(raw)) throw invalidBody('the body must be a JSON object')
  const body = raw ?? {}
  for (const field of ['emails', 'accountIds', 'expand'] as const) {
    const value = body[field]
    if (value !== undefined && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
      throw invalidBody(`${field} must be an array of strings`)
    }
  }
  if (body.emails !== undefined && body.searchTerm !== undefined) throw invalidBody('searchTerm and emails cannot be used together')
  return body
}

function presentUser(state: State, account: SandboxAccount, expand: ReadonlySet<string>): Record<string, unknown> {
  return {
    accountId: account.accountId,
    accountType: 'atlassian',
    status: compositeStatus(account),
    accountStatus: account.state === 'active' ? 'active' : 'inactive',
    membershipStatus: account.membershipStatus,
    addedToOrg: account.addedToOrg,
    name: account.name,
    nickname: account.name.split(' ')[0] ?? account.name,
    email: account.email,
    emailVerified: true,
    claimStatus: account.claimStatus,
    deactivatedOn: account.deactivatedOn ?? null,
    forDeletion: account.state === 'pending-deletion',
    ...(expand.has('platformRoles') ? { platformRoles: [...account.platformRoles] } : {}),
    ...(expand.has('productAccess')
      ? { productAccess: account.products.map((key) => ({ key, id: `site-${key}`, lastActiveTimestamp: account.addedToOrg })) }
      : {}),
    links: { self: `${state.baseUrl()}/admin/v2/orgs/${state.orgId}/directories/-/users/${account.accountId}` },
  }
}

/** Atlassian's composite `status`: the account's lifecycle first, then the directory membership. */
function compositeStatus(account: SandboxAccount): string {
  if (account.state === 'pending-deletion') return 'for_deletion'
  if (account.state === 'deactivated') return 'deactivated'
  if (account.membershipStatus === 'suspended') return 'suspended'
  return account.membershipStatus === 'no_membership' ? 'not_invited' : 'active'
}

// --- user management ----------------------------------------------------------

function permissions(account: SandboxAccount): Record<string, unknown> {
  const rule = (privilege: string): unknown => {
    const reason = restrictionOf(account, privilege)
    return reason ? { allowed: false, reason: { key: reason } } : { allowed: true }
  }
  return {
    'profile.read': { allowed: true },
    'email.set': rule('email.set'),
    'lifecycle.enablement': rule('lifecycle.enablement'),
    'lifecycle.delete': rule('lifecycle.delete'),
    'apiToken.read': rule('apiToken.read'),
    'apiToken.delete': rule('apiToken.delete'),
  }
}

/** Only the organization that verified the account's domain may manage it. */
function restrictionOf(account: SandboxAccount, privilege: string): string | undefined {
  if (account.claimStatus === 'unmanaged') return 'managedAccount'
  return account.restrictions[privilege as Privilege]
}

function runLifecycle(state: State, account: SandboxAccount, operation: LifecycleOperation, body: unknown): Answer {
  const reason = restrictionOf(account, operation === 'disable' || operation === 'enable' ? 'lifecycle.enablement' : 'lifecycle.delete')
  if (reason) throw new ApiError(403, { key: 'forbidden.action', context: { allowed: false, reason: { key: reason } } })
  const seeded = account.lifecycleErrors[operation]
  if (seeded) throw lifecycleConflict(account, seeded)
  const now = state.now()
  switch (operation) {
    case 'disable':
      return disable(account, body, now)
    case 'enable':
      return enable(account)
    case 'delete':
      return scheduleDeletion(account, now)
    case 'cancel-delete':
      return cancelDeletion(account)
  }
}

function disable(account: SandboxAccount, body: unknown, now: Date): Answer {
  if (body !== undefined && !(isRecord(body) && (body.message === undefined || typeof body.message === 'string'))) {
    throw new ApiError(400, { key: 'badRequest.bodyParseFailure' })
  }
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : undefined
  // Deactivating a deactivated account (or one pending deletion) changes nothing.
  if (account.state === 'active') {
    account.state = 'deactivated'
    account.deactivatedOn = now.toISOString()
    if (message) account.disableMessage = message
  }
  return { status: 204 }
}

function enable(account: SandboxAccount): Answer {
  // Atlassian: a deleted account needs its deletion cancelled before it can be reactivated.
  // The error code is the sandbox's own; Atlassian documents the rule, not the code.
  if (account.state === 'pending-deletion') {
    throw lifecycleConflict(account, [
      { code: 'ACCOUNT_SCHEDULED_FOR_DELETION', message: 'The account is scheduled for deletion: cancel the deletion to reactivate it' },
    ])
  }
  account.state = 'active'
  delete account.deactivatedOn
  delete account.disableMessage
  return { status: 204 }
}

function scheduleDeletion(account: SandboxAccount, now: Date): Answer {
  if (account.state !== 'pending-deletion') {
    account.state = 'pending-deletion'
    account.deactivatedOn ??= now.toISOString()
    account.deletionRequestedAt = now.toISOString()
    account.deletionFinalAt = new Date(now.getTime() + DELETION_GRACE_DAYS * DAY_MS).toISOString()
  }
  return { status: 200, body: { message: `The account ${account.accountId} is deactivated and will be deleted on ${account.deletionFinalAt}` } }
}

function cancelDeletion(account: SandboxAccount): Answer {
  // Not documented for cancel-delete; the sandbox answers like the other lifecycle refusals.
  if (account.state !== 'pending-deletion') {
    throw lifecycleConflict(account, [{ code: 'ACCOUNT_NOT_SCHEDULED_FOR_DELETION', message: 'The account is not scheduled for deletion' }])
  }
  // Atlassian: cancelling restores and activates the account.
  account.state = 'active'
  delete account.deactivatedOn
  delete account.deletionRequestedAt
  delete account.deletionFinalAt
  return { status: 200, body: { message: `The deletion of ${account.accountId} is cancelled` } }
}

function lifecycleConflict(account: SandboxAccount, errorCodes: LifecycleErrorCode[]): ApiError {
  return new ApiError(409, {
    key: 'conflict.lifecycleErrors',
    context: { message: 'The account is not eligible for this action', accountId: account.accountId, errorCodes },
  })
}

/** Pending deletions whose 14 days have passed become final, as Atlassian does on its own. */
function finalizeDueDeletions(state: State): void {
  const now = state.now().getTime()
  for (const account of state.accounts.values()) {
    if (account.state === 'pending-deletion' && account.deletionFinalAt && Date.parse(account.deletionFinalAt) <= now) {
      account.state = 'deleted'
    }
  }
}

function isOperation(value: string | undefined): value is LifecycleOperation {
  return value === 'disable' || value === 'enable' || value === 'delete' || value === 'cancel-delete'
}

// --- seeds ------------------------------------------------------------------

function accountFromSeed(seed: SeedAccount, directories: SandboxDirectory[], now: Date): SandboxAccount {
  const state = seed.state ?? 'active'
  const requested = seed.deletionRequestedAt ?? now.toISOString()
  return {
    accountId: seed.accountId ?? randomUUID(),
    email: seed.email,
    name: seed.name ?? seed.email.split('@')[0] ?? seed.email,
    claimStatus: seed.claimStatus ?? 'managed',
    state,
    membershipStatus: seed.membershipStatus ?? 'active',
    platformRoles: seed.platformRoles ?? [],
    products: seed.products ?? [],
    ...(seed.lastActive ? { lastActive: seed.lastActive } : {}),
    directories: seed.directories ?? directories.slice(0, 1).map((directory) => directory.directoryId),
    restrictions: { ...seed.restrictions },
    lifecycleErrors: { ...seed.lifecycleErrors },
    addedToOrg: '2023-01-09T09:00:00.000Z',
    ...(state === 'deactivated' || state === 'pending-deletion' ? { deactivatedOn: state === 'pending-deletion' ? requested : now.toISOString() } : {}),
    ...(state === 'pending-deletion'
      ? { deletionRequestedAt: requested, deletionFinalAt: new Date(Date.parse(requested) + DELETION_GRACE_DAYS * DAY_MS).toISOString() }
      : {}),
  }
}

// --- HTTP plumbing ----------------------------------------------------------

function paginate<T>(items: T[], cursor: string | undefined, limit: number): { page: T[]; next: string | null } {
  const start = Math.max(0, integer(cursor) ?? 0)
  const size = Math.max(1, limit)
  const end = start + size
  return { page: items.slice(start, end), next: end < items.length ? String(end) : null }
}

/** An injected answer, with the error body the path's API would use when none is given. */
function sendFailure(res: ServerResponse, path: string, reply: FailureReply): void {
  const answer = injectedAnswer(reply, (status) => defaultErrorBody(path, status))
  send(res, answer.status, answer.body, answer.headers)
}

const send = sender('application/json')

function defaultErrorBody(path: string, status: number): unknown {
  if (path.startsWith('/admin/')) {
    const title = status === 429 ? 'Rate limit exceeded' : `Injected failure (HTTP ${status})`
    return orgErrorBody(status, status === 429 ? 'ADMIN-429-1' : `ADMIN-${status}-1`, title)
  }
  const keys: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'notFound', 429: 'tooManyRequests' }
  return { key: keys[status] ?? `injected.${status}` }
}

/** The organization API's error body: `{ errors: [{ id, status, code, title, detail }] }`. */
export function orgErrorBody(status: number, code: string, title: string, detail?: string): Record<string, unknown> {
  return { errors: [{ id: randomUUID(), status: String(status), code, title, ...(detail ? { detail } : {}) }] }
}

function unknownResource(): ApiError {
  return new ApiError(404, orgErrorBody(404, 'ADMIN-404-1', 'Unknown resource'))
}

function invalidBody(detail: string): ApiError {
  return new ApiError(400, orgErrorBody(400, 'ADMIN-400-24', 'Invalid request body', detail))
}

// --- demo data and running on its own -----------------------------------------

/** Error code and message as a community answer quotes them; the code string itself is not documented. */
export const LAST_BILLING_ADMIN: LifecycleErrorCode = {
  code: 'LAST_BILLING_ADMIN',
  message: 'User is last billing admin of a transaction account that has one or more active entitlements',
}

export const DEMO_ACCOUNTS: SeedAccount[] = [
  {
    accountId: 'aa-alice',
    email: 'alice@example.com',
    name: 'Alice Admin',
    platformRoles: ['atlassian/org-admin'],
    products: ['jira-software', 'confluence'],
  },
  { accountId: 'aa-bob', email: 'bob@example.com', name: 'Bob Builder', products: ['jira-software'] },
  { accountId: 'aa-carol', email: 'carol@example.com', name: 'Carol Contractor', state: 'deactivated' },
  { accountId: 'aa-dave', email: 'dave@example.com', name: 'Dave Departed', state: 'pending-deletion' },
  { accountId: 'aa-erin', email: 'erin@freemail.example', name: 'Erin External', claimStatus: 'unmanaged', products: ['confluence'] },
  {
    accountId: 'aa-frank',
    email: 'frank@example.com',
    name: 'Frank Federated',
    restrictions: { 'lifecycle.enablement': 'externalDirectory.scim', 'lifecycle.delete': 'externalDirectory.scim' },
  },
  { accountId: 'aa-grace', email: 'grace@example.com', name: 'Grace Billing', lifecycleErrors: { delete: [LAST_BILLING_ADMIN] } },
]

async function main(): Promise<AtlassianSandbox> {
  const apiKey = envSecret('ATLASSIAN_SANDBOX_API_KEY', 'sandbox-atlassian-key')
  const sandbox = await startAtlassianSandbox({ apiKey: apiKey.value, accounts: DEMO_ACCOUNTS, ...scriptOptions('ATLASSIAN_SANDBOX', 4020) })
  console.log(`Atlassian sandbox at ${sandbox.url}, organization ${sandbox.orgId} (API key: ${apiKey.source})`)
  for (const account of sandbox.accounts.values()) console.log(`  ${account.accountId}  ${account.email}  ${account.state}  ${account.claimStatus}`)
  return sandbox
}

await runAsScript(import.meta.url, main)

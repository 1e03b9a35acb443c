/**
 * Atlassian organization managed accounts: find the person in the organization's
 * directory (admin API v2), ask the user-management API what the key may do to the
 * account (`GET /users/{id}/manage`), then deactivate, reactivate, delete (a 14-day
 * grace period Atlassian runs itself) or cancel a deletion through the lifecycle API.
 * Reconciliation lists the organization's managed accounts (admin API v1, with last_active).
 *
 * Sources: developer.atlassian.com/cloud/admin/user-management/rest (api-group-manage,
 * api-group-lifecycle, delete-managed-account), developer.atlassian.com/cloud/admin/organization/rest
 * (users search, directories), support.atlassian.com/user-management (deactivate / delete a managed account).
 */
import { z } from 'zod'
import type { AtlassianIntegration } from './config.js'
import { createHttpClient, parseRetryAfter } from '../kit/http.js'
import type { HttpClient } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import type { Account, AccountAction, AccountPage, AccountStatus, Action, Adapter, CancelsDeletion, Deletes, ExecuteContext, Write, Health, ListsAccounts, Outcome, Preflight, Provider, ProviderOptions, Suspends } from '../types.js'
import { provide } from '../capabilities.js'
import { isNotFound, unreadable } from '../kit/errors.js'

/** Atlassian keeps a deleted managed account, deactivated and restorable, for 14 days. */
export const DELETION_GRACE_DAYS = 14
/** After the grace period, personal data leaves Atlassian account services within 30 days. */
export const PERSONAL_DATA_ERASED_WITHIN_DAYS = 30
export const DEFAULT_ADMIN_CONSOLE_URL = 'https://admin.atlassian.com'
const DAY_MS = 86_400_000
const MAX_DIRECTORY_PAGES = 20
const MAX_PRODUCTS_LISTED = 8

/**
 * All four can be undone: suspend by restore (and back), delete by cancel-delete during
 * the 14-day grace period, cancel-delete by deleting again.
 */
const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['delete', 'suspend', 'restore', 'cancel-delete'])

/** The two user-management privileges the lifecycle calls need (keys of GET /users/{id}/manage). */
export type Privilege = 'lifecycle.enablement' | 'lifecycle.delete'

/** `reason.key` values Atlassian documents for a restricted privilege (ManageabilityRestrictionReason). */
export const RESTRICTION_REASONS = [
  'administrative',
  'administrative.notMyself',
  'authPolicy.saml',
  'blocked.exportControl',
  'externalDirectory.scim',
  'externalDirectory.google',
  'myselfOnly',
  'managedAccount',
] as const
export type RestrictionReason = (typeof RESTRICTION_REASONS)[number]

/** What the v2 search is asked to add to each user: roles for the modal, products for the delete consequences. */
export const SEARCH_EXPAND = ['platformRoles', 'productAccess'] as const

// --- response schemas (lenient on what the adapter does not use) ------------

const directoryUserSchema = z.object({
  accountId: z.string().min(1),
  email: z.string().optional(),
  name: z.string().optional(),
  nickname: z.string().optional(),
  /** Composite: active | suspended | not_invited | deactivated | for_deletion. */
  status: z.string().optional(),
  /** active | inactive | closed. */
  accountStatus: z.string().optional(),
  membershipStatus: z.string().optional(),
  /** managed | unmanaged. */
  claimStatus: z.string().optional(),
  platformRoles: z.array(z.string()).optional(),
  productAccess: z.array(z.object({ key: z.string().optional(), id: z.string().optional() })).optional(),
  deactivatedOn: z.string().nullish(),
  forDeletion: z.boolean().optional(),
})

const searchPageSchema = z.object({ data: z.array(directoryUserSchema) })

/** One managed account as GET /admin/v1/orgs/{orgId}/users lists it. */
const managedAccountSchema = z.object({
  account_id: z.string().min(1),
  /** atlassian | app | customer. */
  account_type: z.string().optional(),
  /** active | inactive | closed. */
  account_status: z.string().optional(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  last_active: z.string().nullish(),
  product_access: z.array(z.object({ key: z.string().optional(), last_active: z.string().nullish() })).nullish(),
})
const managedAccountsPageSchema = z.object({
  data: z.array(managedAccountSchema),
  // Atlassian documents `next` as the cursor of the next page; some gateways send it as a URL carrying `cursor`.
  links: z.object({ next: z.string().nullish() }).nullish(),
})
type ManagedAccount = z.infer<typeof managedAccountSchema>

const directoryPageSchema = z.object({
  data: z.array(z.object({ directoryId: z.string().min(1), name: z.string().optional() })).optional(),
  links: z.object({ next: z.string().nullish() }).optional(),
})

const orgSchema = z.object({
  data: z.object({ id: z.string().optional(), attributes: z.object({ name: z.string().optional() }).optional() }),
})

// Documented as booleans; the generated clients type them as strings too, so accept both.
const allowedSchema = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')])
const ruleSchema = z.object({ allowed: allowedSchema, reason: z.object({ key: z.string() }).optional() })
const permissionsSchema = z.object({ 'lifecycle.enablement': ruleSchema.optional(), 'lifecycle.delete': ruleSchema.optional() })

type DirectoryUser = z.infer<typeof directoryUserSchema>
type Rule = z.infer<typeof ruleSchema>
type Permissions = z.infer<typeof permissionsSchema>
type Lifecycle = 'active' | 'deactivated' | 'pending-deletion' | 'closed'

interface Context {
  http: HttpClient
  orgId: string
  service: string
  now: () => Date
  directories: () => Promise<string[]>
}

export function createAtlassianProvider(config: AtlassianIntegration, options: ProviderOptions = {}): Provider {
  const http = createHttpClient({
    baseUrl: config.baseUrl,
    headers: { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeAtlassianError,
  })
  const { directoryId } = config
  const ctx: Context = {
    http,
    orgId: config.orgId,
    service: config.displayName,
    now: options.now ?? (() => new Date()),
    directories: directoryId ? async () => [directoryId] : cachedDirectories(http, config.orgId),
  }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'atlassian',
    adminConsoleUrl: config.adminConsoleUrl ?? DEFAULT_ADMIN_CONSOLE_URL,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: reclassifying('suspend', (account) => suspend(ctx, account)),
    restore: reclassifying('restore', (account) => restore(ctx, account)),
    delete: reclassifying('delete', (account, context) => deleteAccount(ctx, account, context)),
    cancelDelete: reclassifying('cancel-delete', (account) => cancelDeletion(ctx, account)),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
  } satisfies Adapter & Suspends & Deletes & CancelsDeletion & ListsAccounts)
}

// --- errors -----------------------------------------------------------------

/** Prefix that carries a `forbidden.action` reason key through the shared client to `reclassify`. */
const FORBIDDEN_ACTION = 'forbidden.action/'

/**
 * The two error shapes Atlassian uses: user-management `{ key, context }` and the
 * organization API's `{ errors: [{ code, title, detail }] }`; the gateway's `{ message }` otherwise.
 */
export function describeAtlassianError(_status: number, body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  if (typeof body.key === 'string') return describeKeyedError(body.key, body.context)
  if (Array.isArray(body.errors)) return describeOrgErrors(body.errors)
  return typeof body.message === 'string' ? body.message : undefined
}

function describeKeyedError(key: string, context: unknown): string {
  const ctx = isRecord(context) ? context : {}
  if (key === 'conflict.lifecycleErrors') return `not eligible: ${lifecycleErrorMessages(ctx)}`
  if (key === 'forbidden.action') {
    const reason = isRecord(ctx.reason) && typeof ctx.reason.key === 'string' ? ctx.reason.key : 'unknown'
    return `${FORBIDDEN_ACTION}${reason}: ${restrictionText(reason, 'change')}`
  }
  if (key === 'forbidden.targetUnverified') return 'the account has not verified its email address, so Atlassian does not let admins manage it yet'
  if (key === 'accountNotFound') return 'no Atlassian account has this id'
  return typeof ctx.message === 'string' ? `${ctx.message} (${key})` : key
}

/** "User is last billing admin…; …": what Atlassian says makes the account not eligible. */
function lifecycleErrorMessages(ctx: Record<string, unknown>): string {
  const codes = Array.isArray(ctx.errorCodes) ? ctx.errorCodes.filter(isRecord) : []
  const messages = codes.map((entry) => (typeof entry.message === 'string' ? entry.message : (typeof entry.code === 'string' || typeof entry.code === 'number' ? String(entry.code) : 'unknown reason')))
  if (messages.length > 0) return messages.join('; ')
  return typeof ctx.message === 'string' ? ctx.message : 'Atlassian gave no reason'
}

function describeOrgErrors(errors: unknown[]): string | undefined {
  const parts = errors.filter(isRecord).map((error) => {
    const text = [error.title, error.detail].filter((part): part is string => typeof part === 'string' && part !== '').join(': ')
    return typeof error.code === 'string' ? `${text || 'error'} (${error.code})` : text
  })
  const joined = parts.filter(Boolean).join('; ')
  return joined === '' ? undefined : joined
}

/**
 * A 403 `forbidden.action` names why Atlassian refused; turn it into the same problem the
 * preflight would have shown. The shared client only passes a detail string, hence the prefix.
 */
function reclassify(error: unknown, action: AccountAction, account: Account): unknown {
  if (!(error instanceof ProviderError) || error.problem.kind !== 'permission') return error
  const detail = error.problem.detail ?? ''
  if (!detail.startsWith(FORBIDDEN_ACTION)) return error
  const reason = detail.slice(FORBIDDEN_ACTION.length).split(':')[0] ?? 'unknown'
  return new ProviderError(restrictionProblem(reason, action, account), { cause: error })
}

/**
 * Atlassian's rate-limit headers as a wait in milliseconds: Retry-After first, else the
 * time left until X-RateLimit-Reset (an ISO-8601 UTC time on the admin APIs; epoch seconds
 * or a delta in seconds tolerated). Not wired in yet: the shared HTTP client reads only
 * Retry-After and does not hand response headers of a failed call to adapters.
 */
export function rateLimitWaitMs(headers: Record<string, string | undefined>, now: number = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], now)
  if (retryAfter !== undefined) return retryAfter
  const reset = headers['x-ratelimit-reset']?.trim()
  if (!reset) return undefined
  if (/^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset)
    // Large numbers are epoch seconds; small ones a number of seconds to wait.
    return value > 1e9 ? Math.max(0, Math.round(value * 1000 - now)) : Math.round(value * 1000)
  }
  const at = Date.parse(reset)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

// --- directories --------------------------------------------------------------

/** Looked up once per adapter; a failed lookup is not cached, so the next call tries again. */
function cachedDirectories(http: HttpClient, orgId: string): () => Promise<string[]> {
  let cached: Promise<string[]> | undefined
  return () => {
    cached ??= listDirectories(http, orgId).then(
      (directories) => directories.map((directory) => directory.directoryId),
      (error: unknown) => {
        cached = undefined
        throw error
      },
    )
    return cached
  }
}

async function listDirectories(http: HttpClient, orgId: string): Promise<{ directoryId: string; name?: string }[]> {
  const found: { directoryId: string; name?: string }[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_DIRECTORY_PAGES; page++) {
    const response = await orgCall(http, orgId, { method: 'GET', path: `${orgPath(orgId)}/directories`, query: { cursor } })
    const parsed = directoryPageSchema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Atlassian', response.status, 'GET /admin/v2/orgs/{orgId}/directories')
    found.push(...(parsed.data.data ?? []))
    cursor = parsed.data.links?.next ?? undefined
    if (!cursor) break
  }
  if (found.length === 0) {
    throw new ProviderError({ kind: 'rejected', detail: 'the organization has no directory the API key can see; set directoryId in the integration' })
  }
  return found
}

/**
 * A 404 on an organization path means a wrong orgId or directoryId, not a missing account:
 * left as not-found, the bot would report every deletion as "already gone".
 */
async function orgCall(http: HttpClient, orgId: string, request: Parameters<HttpClient['send']>[0]): ReturnType<HttpClient['send']> {
  try {
    return await http.send(request)
  } catch (error) {
    if (error instanceof ProviderError && error.problem.kind === 'not-found') {
      const detail = `${request.method} ${request.path.replace(orgId, '{orgId}')} answered 404: check orgId and directoryId in the integration${error.problem.detail ? ` (${error.problem.detail})` : ''}`
      throw new ProviderError({ kind: 'rejected', status: 404, detail }, { cause: error })
    }
    throw error
  }
}

// --- checkConnection ----------------------------------------------------------

async function checkConnection(ctx: Context): Promise<Health> {
  try {
    const response = await orgCall(ctx.http, ctx.orgId, { method: 'GET', path: `/admin/v1/orgs/${encodeURIComponent(ctx.orgId)}` })
    const parsed = orgSchema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Atlassian', response.status, 'GET /admin/v1/orgs/{orgId}')
    const directories = await ctx.directories()
    // A configured directoryId is not checked by the listing: one search proves it exists.
    await searchDirectory(ctx, directories[0] ?? '', { limit: 1 })
    const name = parsed.data.data.attributes?.name
    const org = name ? `organization "${name}"` : 'the organization'
    return { ok: true, detail: `connected to ${org}; searching ${directories.length === 1 ? '1 directory' : `${directories.length} directories`}` }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

// --- findAccount --------------------------------------------------------------

async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  const wanted = email.trim().toLowerCase()
  // Exact match only: a service that loosened the filter must not lead the bot to someone else.
  const matches = (await searchUsers(ctx, { emails: [email.trim()] })).filter(
    (user) => user.email?.toLowerCase() === wanted && lifecycleOf(user) !== 'closed',
  )
  const user = matches.find(isManaged) ?? matches[0]
  return user ? toAccount(user, email) : null
}

/** The user as the directory sees it now, or null when the account is gone. */
async function readUser(ctx: Context, accountId: string): Promise<DirectoryUser | null> {
  const user = (await searchUsers(ctx, { accountIds: [accountId] })).find((candidate) => candidate.accountId === accountId)
  return user && lifecycleOf(user) !== 'closed' ? user : null
}

/** Searches each directory in turn; the first with a hit answers (an account id is the same in all). */
async function searchUsers(ctx: Context, filter: SearchFilter): Promise<DirectoryUser[]> {
  for (const directoryId of await ctx.directories()) {
    const users = await searchDirectory(ctx, directoryId, { ...filter, expand: SEARCH_EXPAND })
    if (users.length > 0) return users
  }
  return []
}

interface SearchFilter {
  emails?: string[]
  accountIds?: string[]
  expand?: readonly string[]
  limit?: number
}

async function searchDirectory(ctx: Context, directoryId: string, filter: SearchFilter): Promise<DirectoryUser[]> {
  const path = `${orgPath(ctx.orgId)}/directories/${encodeURIComponent(directoryId)}/users/search`
  const response = await orgCall(ctx.http, ctx.orgId, { method: 'POST', path, json: filter })
  const parsed = searchPageSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Atlassian', response.status, 'POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/search')
  return parsed.data.data
}

function toAccount(user: DirectoryUser, fallbackEmail = ''): Account {
  const displayName = user.name || user.nickname
  return {
    id: user.accountId,
    email: user.email ?? fallbackEmail,
    ...(displayName ? { displayName } : {}),
    status: statusOf(lifecycleOf(user), user),
    ...(user.platformRoles ? { roles: user.platformRoles } : {}),
  }
}

function lifecycleOf(user: DirectoryUser): Lifecycle {
  if (user.accountStatus === 'closed') return 'closed'
  if (user.forDeletion === true || user.status === 'for_deletion') return 'pending-deletion'
  if (user.accountStatus === 'inactive' || user.status === 'deactivated') return 'deactivated'
  return 'active'
}

/**
 * A pending deletion shows as suspended: Atlassian keeps the account deactivated during the
 * grace period, and the contract's 'pending' means an invitation not yet accepted.
 */
function statusOf(lifecycle: Lifecycle, user: DirectoryUser): AccountStatus {
  if (lifecycle === 'deactivated' || lifecycle === 'pending-deletion') return 'suspended'
  if (user.accountStatus === undefined || user.accountStatus === 'active') return 'active'
  return 'unknown'
}

/** Unknown claim status counts as managed: the lifecycle API itself refuses unmanaged accounts. */
function isManaged(user: DirectoryUser): boolean {
  return user.claimStatus === undefined || user.claimStatus === 'managed'
}

// --- listAccounts -------------------------------------------------------------

/**
 * The organization's managed accounts (GET /admin/v1/orgs/{orgId}/users, 50 a page), the
 * list that carries `last_active`. App accounts (bots, integrations) are not people and are
 * left out; closed accounts are gone.
 */
async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const path = `/admin/v1/orgs/${encodeURIComponent(ctx.orgId)}/users`
  const response = await orgCall(ctx.http, ctx.orgId, { method: 'GET', path, query: { cursor } })
  const parsed = managedAccountsPageSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Atlassian', response.status, 'GET /admin/v1/orgs/{orgId}/users')
  const accounts = parsed.data.data.filter((account) => account.account_type !== 'app' && account.account_status !== 'closed').map(managedToAccount)
  const nextCursor = cursorOf(parsed.data.links?.next)
  if (nextCursor !== undefined && nextCursor === cursor) throw new ProviderError({ kind: 'rejected', detail: "Atlassian's next cursor for managed accounts repeats the same page" })
  return { accounts, ...(nextCursor ? { nextCursor } : {}) }
}

function cursorOf(next: string | null | undefined): string | undefined {
  if (!next) return undefined
  if (!/^https?:\/\//i.test(next)) return next
  return new URL(next).searchParams.get('cursor') ?? undefined
}

function managedToAccount(account: ManagedAccount): Account {
  const lastActiveAt = latest([account.last_active, ...(account.product_access ?? []).map((product) => product.last_active)])
  return {
    id: account.account_id,
    email: account.email ?? '',
    ...(account.name ? { displayName: account.name } : {}),
    status: account.account_status === undefined || account.account_status === 'active' ? 'active' : 'suspended',
    ...(lastActiveAt ? { lastActiveAt } : {}),
  }
}

/** The most recent of the dates Atlassian gives (the account's and each product's last activity). */
function latest(dates: ReadonlyArray<string | null | undefined>): string | undefined {
  const times = dates.flatMap((date) => (date && !Number.isNaN(Date.parse(date)) ? [Date.parse(date)] : []))
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : undefined
}

// --- preflight ----------------------------------------------------------------

async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  const user = await readUser(ctx, account.id)
  if (!user) return { kind: 'gone' }
  const current = toAccount(user, account.email)
  if (!isManaged(user)) return blocked(current, notManagedProblem(current.email))
  const lifecycle = lifecycleOf(user)
  if (action === 'restore' && lifecycle === 'pending-deletion') {
    return blocked(current, {
      kind: 'conflict',
      detail: 'the account is scheduled for deletion, and Atlassian reactivates such an account only by cancelling the deletion: use Cancel deletion instead',
    })
  }
  const permissions = await readPermissions(ctx, account.id)
  if (!permissions) return { kind: 'gone' }
  const rule = permissions[privilegeFor(action)]
  if (rule && !rule.allowed) return blocked(current, restrictionProblem(rule.reason?.key ?? 'unknown', action, current))
  return {
    kind: 'ready',
    account: current,
    consequences: consequences(ctx, action, user),
    warnings: warnings(ctx, action, user, current, rule),
    reversible: REVERSIBLE.has(action),
  }
}

function blocked(account: Account, problem: Problem): Preflight {
  return { kind: 'blocked', account, blockers: [{ problem }] }
}

export function notManagedProblem(email: string): Problem {
  return {
    kind: 'api-prohibited',
    detail:
      `not a managed account: ${email || 'this account'} is not on a domain your organization has verified, so Atlassian lets only its owner deactivate or delete it; ` +
      "the admin can remove the user's access from the organization's directory (Directory > Users > Remove/Suspend access) instead",
  }
}

/** GET /users/{id}/manage; null when the account no longer exists. */
async function readPermissions(ctx: Context, accountId: string): Promise<Permissions | null> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: `${userPath(accountId)}/manage` })
    const parsed = permissionsSchema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Atlassian', response.status, 'GET /users/{account_id}/manage')
    return parsed.data
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

function privilegeFor(action: AccountAction): Privilege {
  return action === 'suspend' || action === 'restore' ? 'lifecycle.enablement' : 'lifecycle.delete'
}

const ACTION_VERBS: Record<Action, string> = {
  suspend: 'deactivate',
  restore: 'reactivate',
  delete: 'delete',
  'cancel-delete': 'cancel the deletion of',
  'deprovision-access': 'de-provision',
}

/** A restricted privilege as the problem the modal explains, with what to do instead. */
export function restrictionProblem(reason: string, action: AccountAction, account: Account): Problem {
  const verb = ACTION_VERBS[action]
  switch (reason) {
    case 'administrative':
      return { kind: 'permission', status: 403, detail: restrictionText(reason, verb) }
    case 'administrative.notMyself':
      // The key acts as the admin who created it: the account is the bot's own way in.
      return { kind: 'integration-owner', owner: account.email || account.id }
    default:
      return { kind: 'api-prohibited', detail: restrictionText(reason, verb) }
  }
}

function restrictionText(reason: string, verb: string): string {
  switch (reason) {
    case 'administrative':
      return `only an organization admin may ${verb} this account, and the API key does not act as one for it: use a key created by an organization admin`
    case 'administrative.notMyself':
      return `Atlassian does not let an admin ${verb} their own account, and the API key acts as this account`
    case 'authPolicy.saml':
      return `the account is controlled by SAML single sign-on: ${verb} it in the identity provider instead`
    case 'blocked.exportControl':
      return 'the account is blocked under US export control: only Atlassian Support can change it (support.atlassian.com/contact)'
    case 'externalDirectory.scim':
      return 'managed by a SCIM directory: remove them in the identity provider, which then deactivates the account in Atlassian'
    case 'externalDirectory.google':
      return 'managed through Google Workspace: remove or suspend them in Google Workspace, which Atlassian syncs from'
    case 'myselfOnly':
      return `only the person who owns the account may ${verb} it`
    case 'managedAccount':
      return `only an admin of the organization that manages this account may ${verb} it, and that is not the bot's organization: ask that organization's admin, or remove the user's access from your directory instead`
    default:
      return `Atlassian does not allow it (restriction "${reason}"): do it in Atlassian Administration instead`
  }
}

function consequences(ctx: Context, action: AccountAction, user: DirectoryUser): string[] {
  switch (action) {
    case 'suspend':
      return [
        'The Atlassian account is deactivated: they can no longer log in to Jira, Confluence, Bitbucket, Trello or any other Atlassian service, in any organization.',
        'Their roles, group memberships and personal data are kept, so the account can be reactivated later (Reactivate).',
        'Your organization is not billed for the account while it is deactivated.',
      ]
    case 'delete': {
      const final = formatDate(deletionDate(ctx.now()))
      return [
        `The account is deactivated now and deleted for good on ${final}, ${DELETION_GRACE_DAYS} days from now.`,
        `Until ${final} the deletion can be cancelled (Cancel deletion), which also reactivates the account.`,
        productsLine(user),
        `Once the deletion is final, Atlassian erases their personal data (name, email address, profile) within ${PERSONAL_DATA_ERASED_WITHIN_DAYS} days; content they created stays, shown as by a "Former user".`,
        'Roles and group memberships are lost for good: if they may need access again, Suspend (deactivate) instead.',
      ]
    }
    case 'restore':
      return [
        'The account is reactivated: they can log in to Atlassian services again, with the roles and group memberships they had before.',
        'Your organization is billed for the account again.',
      ]
    case 'cancel-delete':
      return [
        'The scheduled deletion is cancelled and the account is reactivated: they can use Atlassian services again.',
        'Your organization is billed for the account again.',
      ]
  }
}

function productsLine(user: DirectoryUser): string {
  const keys = [...new Set((user.productAccess ?? []).flatMap((product) => (product.key ? [product.key] : [])))]
  if (keys.length === 0) return 'They lose access to every product and service of the organization.'
  const shown = keys.slice(0, MAX_PRODUCTS_LISTED).join(', ')
  const more = keys.length > MAX_PRODUCTS_LISTED ? ` and ${keys.length - MAX_PRODUCTS_LISTED} more` : ''
  return `They lose access to every product and service of the organization, including ${shown}${more}.`
}

function warnings(ctx: Context, action: AccountAction, user: DirectoryUser, account: Account, rule: Rule | undefined): string[] {
  const list = stateWarnings(action, lifecycleOf(user))
  if (rule === undefined) list.push(`Atlassian did not say whether the API key may ${ACTION_VERBS[action]} this account; the bot will try.`)
  if (action === 'suspend' || action === 'delete') {
    if (account.roles?.some((role) => role === 'atlassian/org-admin')) {
      list.push('This account is an organization admin: make sure another admin remains.')
    }
    if (account.roles === undefined) list.push(`${ctx.service} did not report platform roles, so the bot cannot check whether this is an admin.`)
    list.push(
      `If ${account.email || 'this person'} is still in your SAML identity provider or Google Workspace, Atlassian re-activates or re-creates the account at their next login: remove them there first.`,
    )
  }
  return list
}

function stateWarnings(action: AccountAction, lifecycle: Lifecycle): string[] {
  if (action === 'suspend' && lifecycle !== 'active') {
    return [`The account is already deactivated${lifecycle === 'pending-deletion' ? ' and scheduled for deletion' : ''}; nothing will change.`]
  }
  if (action === 'delete' && lifecycle === 'pending-deletion') {
    return ['The account is already scheduled for deletion; nothing will change. To keep it, use Cancel deletion instead.']
  }
  if (action === 'restore' && lifecycle === 'active') return ['The account is already active; nothing will change.']
  if (action === 'cancel-delete' && lifecycle !== 'pending-deletion') return ['No deletion is scheduled for this account; nothing will change.']
  return []
}

// --- execute ------------------------------------------------------------------

/**
 * Failures are thrown as ProviderError (the caller turns them into failed outcomes and
 * decides on retries); "already in that state" is answered without calling the service.
 */
function reclassifying(action: AccountAction, write: (account: Account, context: ExecuteContext) => Promise<Outcome>): Write {
  return async (account, _choices, context) => {
    try {
      return await write(account, context)
    } catch (error) {
      throw reclassify(error, action, account)
    }
  }
}

async function suspend(ctx: Context, account: Account): Promise<Outcome> {
  if (account.status === 'suspended') return { kind: 'already-done', detail: 'the account was already deactivated' }
  // No message: Atlassian then shows its default one to the person.
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'disable'), json: {} })
  return { kind: 'done', detail: 'deactivated: they can no longer log in to Atlassian; their roles and group memberships are kept' }
}

async function restore(ctx: Context, account: Account): Promise<Outcome> {
  if (account.status === 'active') return { kind: 'already-done', detail: 'the account was already active' }
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'enable') })
  return { kind: 'done', detail: 'reactivated: they can log in again, with the roles and group memberships they had before' }
}

async function deleteAccount(ctx: Context, account: Account, context: ExecuteContext): Promise<Outcome> {
  const user = await readUser(ctx, account.id)
  if (!user) throw new ProviderError({ kind: 'not-found', detail: 'the account no longer exists in the directory' })
  if (!isManaged(user)) throw new ProviderError(notManagedProblem(user.email ?? account.email))
  // The bot's own earlier request, whose answer was lost: its 14 days count from when it was sent.
  if (lifecycleOf(user) === 'pending-deletion' && context.resumedSince) {
    return { kind: 'scheduled', until: deletionDate(context.resumedSince).toISOString(), cancellable: true }
  }
  if (lifecycleOf(user) === 'pending-deletion') {
    return {
      kind: 'already-done',
      detail: `its deletion was already scheduled: Atlassian deletes it for good ${DELETION_GRACE_DAYS} days after the deletion was requested, and it can be cancelled until then`,
    }
  }
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'delete') })
  return { kind: 'scheduled', until: deletionDate(ctx.now()).toISOString(), cancellable: true }
}

async function cancelDeletion(ctx: Context, account: Account): Promise<Outcome> {
  const user = await readUser(ctx, account.id)
  if (!user) throw new ProviderError({ kind: 'not-found', detail: 'the account no longer exists; its deletion may already be final' })
  if (lifecycleOf(user) !== 'pending-deletion') return { kind: 'already-done', detail: 'no deletion was scheduled for this account' }
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'cancel-delete') })
  return {
    kind: 'done',
    detail: 'the deletion is cancelled and the account is active again: they can use Atlassian services again, and the organization is billed for them again',
  }
}

// --- small helpers ------------------------------------------------------------

export function deletionDate(now: Date): Date {
  return new Date(now.getTime() + DELETION_GRACE_DAYS * DAY_MS)
}

/** "15 March 2025 (UTC)": unambiguous for readers in any locale. */
function formatDate(date: Date): string {
  return `${date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })} (UTC)`
}

function orgPath(orgId: string): string {
  return `/admin/v2/orgs/${encodeURIComponent(orgId)}`
}

function userPath(accountId: string): string {
  return `/users/${encodeURIComponent(accountId)}`
}

function lifecyclePath(accountId: string, operation: 'disable' | 'enable' | 'delete' | 'cancel-delete'): string {
  return `${userPath(accountId)}/manage/lifecycle/${operation}`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

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
import type { HttpClient } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Account, AccountPage, AccountStatus, Action, Health } from '../types.js'
import { unreadable } from '../kit/errors.js'
import { readAllPages } from '../kit/pagination.js'

/** Atlassian keeps a deleted managed account, deactivated and restorable, for 14 days. */
export const DELETION_GRACE_DAYS = 14
/** After the grace period, personal data leaves Atlassian account services within 30 days. */
export const PERSONAL_DATA_ERASED_WITHIN_DAYS = 30
export const DEFAULT_ADMIN_CONSOLE_URL = 'https://admin.atlassian.com'
const DAY_MS = 86_400_000
const MAX_DIRECTORY_PAGES = 20
export const MAX_PRODUCTS_LISTED = 8

/**
 * All four can be undone: suspend by restore (and back), delete by cancel-delete during
 * the 14-day grace period, cancel-delete by deleting again.
 */
export const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['delete', 'suspend', 'restore', 'cancel-delete'])

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
export const permissionsSchema = z.object({ 'lifecycle.enablement': ruleSchema.optional(), 'lifecycle.delete': ruleSchema.optional() })

export type DirectoryUser = z.infer<typeof directoryUserSchema>
export type Rule = z.infer<typeof ruleSchema>
export type Permissions = z.infer<typeof permissionsSchema>
export type Lifecycle = 'active' | 'deactivated' | 'pending-deletion' | 'closed'

export interface Context {
  http: HttpClient
  orgId: string
  service: string
  now: () => Date
  directories: () => Promise<string[]>
}

// --- directories --------------------------------------------------------------

/** Looked up once per adapter; a failed lookup is not cached, so the next call tries again. */
export function cachedDirectories(http: HttpClient, orgId: string): () => Promise<string[]> {
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

/** Every directory, or a refusal: a directory left unread would make its people look gone ("already deleted"). */
async function listDirectories(http: HttpClient, orgId: string): Promise<{ directoryId: string; name?: string }[]> {
  const found = await readAllPages(
    async (cursor: string | undefined) => {
      const response = await orgCall(http, orgId, { method: 'GET', path: `${orgPath(orgId)}/directories`, query: { cursor } })
      const parsed = directoryPageSchema.safeParse(response.body)
      if (!parsed.success) throw unreadable('Atlassian', response.status, 'GET /admin/v2/orgs/{orgId}/directories')
      const next = parsed.data.links?.next
      return { items: parsed.data.data ?? [], ...(next ? { next } : {}) }
    },
    MAX_DIRECTORY_PAGES,
    () =>
      new ProviderError({
        kind: 'rejected',
        detail: `Atlassian kept paging through directories beyond ${MAX_DIRECTORY_PAGES} pages; set directoryId in the integration`,
      }),
  )
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

export async function checkConnection(ctx: Context): Promise<Health> {
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

export async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  const wanted = email.trim().toLowerCase()
  // Exact match only: a service that loosened the filter must not lead the bot to someone else.
  const matches = (await searchUsers(ctx, { emails: [email.trim()] })).filter((user) => user.email?.toLowerCase() === wanted && lifecycleOf(user) !== 'closed')
  const user = matches.find(isManaged) ?? matches[0]
  return user ? toAccount(user, email) : null
}

/** The user as the directory sees it now, or null when the account is gone. */
export async function readUser(ctx: Context, accountId: string): Promise<DirectoryUser | null> {
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

export function toAccount(user: DirectoryUser, fallbackEmail = ''): Account {
  const displayName = user.name || user.nickname
  return {
    id: user.accountId,
    email: user.email ?? fallbackEmail,
    ...(displayName ? { displayName } : {}),
    status: statusOf(lifecycleOf(user), user),
    ...(user.platformRoles ? { roles: user.platformRoles } : {}),
  }
}

export function lifecycleOf(user: DirectoryUser): Lifecycle {
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
export function isManaged(user: DirectoryUser): boolean {
  return user.claimStatus === undefined || user.claimStatus === 'managed'
}

// --- listAccounts -------------------------------------------------------------

/**
 * The organization's managed accounts (GET /admin/v1/orgs/{orgId}/users, 50 a page), the
 * list that carries `last_active`. App accounts (bots, integrations) are not people and are
 * left out; closed accounts are gone.
 */
export async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const path = `/admin/v1/orgs/${encodeURIComponent(ctx.orgId)}/users`
  const response = await orgCall(ctx.http, ctx.orgId, { method: 'GET', path, query: { cursor } })
  const parsed = managedAccountsPageSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Atlassian', response.status, 'GET /admin/v1/orgs/{orgId}/users')
  const accounts = parsed.data.data.filter((account) => account.account_type !== 'app' && account.account_status !== 'closed').map(managedToAccount)
  const nextCursor = cursorOf(parsed.data.links?.next)
  if (nextCursor !== undefined && nextCursor === cursor)
    throw new ProviderError({ kind: 'rejected', detail: "Atlassian's next cursor for managed accounts repeats the same page" })
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

// --- small helpers ------------------------------------------------------------

export function deletionDate(now: Date): Date {
  return new Date(now.getTime() + DELETION_GRACE_DAYS * DAY_MS)
}

/** "15 March 2025 (UTC)": unambiguous for readers in any locale. */
export function formatDate(date: Date): string {
  return `${date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })} (UTC)`
}

function orgPath(orgId: string): string {
  return `/admin/v2/orgs/${encodeURIComponent(orgId)}`
}

export function userPath(accountId: string): string {
  return `/users/${encodeURIComponent(accountId)}`
}

export function lifecyclePath(accountId: string, operation: 'disable' | 'enable' | 'delete' | 'cancel-delete'): string {
  return `${userPath(accountId)}/manage/lifecycle/${operation}`
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

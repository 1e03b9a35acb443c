/**
 * Qlik Cloud tenant users (REST under {tenantUrl}/api/v1, API key as a bearer token).
 * suspend = PATCH /users/{id} status "disabled", restore = status "active",
 * delete = DELETE /users/{id}, after moving everything the user owns (spaces,
 * apps, scripts, data connections; reload schedules follow their app) to a new
 * owner the actor picks, so that nothing is orphaned. A pending invitation is
 * simply deleted. The user whose key the bot uses is never deleted or disabled.
 */
import { z } from 'zod'
import type { HttpClient, QueryValue } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Account, AccountPage, AccountStatus, Action, Health, Option } from '../types.js'
import { nullIfNotFound, unreadable } from '../kit/errors.js'
import { sameOriginLink } from '../kit/pagination.js'

/** The question (and Choices key) for the user who receives the deleted user's assets. */
export const NEW_OWNER_QUESTION = 'new-owner'
export const TENANT_ADMIN_ROLE = 'TenantAdmin'
/** Names listed per kind of asset in the modal; the rest is counted. */
export const NAMES_PER_KIND = 10

export const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['suspend', 'restore'])

/** Qlik's list endpoints take at most 100 per page. */
export const PAGE_LIMIT = 100
/** A runaway `links.next` chain stops here (100 x 100 resources) instead of looping forever. */
const MAX_PAGES = 100
/** Slack cuts option labels at 75 characters. */
const OPTION_LABEL_MAX = 75
/** The conflict reply shows a service detail of up to 600 characters: stay under it. */
export const CONFLICT_DETAIL_MAX = 590
export const NAMES_IN_CONFLICT = 5

// --- Qlik's answers, as far as the adapter relies on them --------------------

export const userSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
  status: z.string().optional(),
  assignedRoles: z.array(z.object({ name: z.string() })).optional(),
})
export type QlikUser = z.infer<typeof userSchema>

export const spaceSchema = z.object({ id: z.string().min(1), name: z.string().optional(), ownerId: z.string().optional() })
export const itemSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  resourceId: z.string().optional(),
  ownerId: z.string().optional(),
})
export const connectionSchema = z.object({ qID: z.string().min(1), qName: z.string().optional(), user: z.string().optional(), space: z.string().optional() })
export const reloadTaskSchema = z.object({ id: z.string().min(1), appId: z.string().optional(), userId: z.string().optional() })
export const bulkResultSchema = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        status: z.number(),
        error: z.object({ code: z.string().optional(), title: z.string().optional(), detail: z.string().optional() }).optional(),
      }),
    )
    .optional(),
})

function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item).optional(),
    links: z.object({ next: z.object({ href: z.string() }).nullish() }).nullish(),
  })
}

const qlikErrorSchema = z.object({
  code: z.union([z.string(), z.number()]).optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
})
const qlikErrorsSchema = z.object({
  errors: z.array(qlikErrorSchema).optional(),
  traceId: z.string().optional(),
  // The spaces API still sends the deprecated top-level form too.
  code: z.string().optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
})

// --- the provider -------------------------------------------------------------

export interface Context {
  http: HttpClient
  service: string
  /** The tenant URL: `links.next` must stay on it (the bearer key is never sent elsewhere). */
  tenant: URL
}

/** Qlik error bodies: `{"errors":[{"code","title","detail","status"}],"traceId"}`. */
export function describeQlikError(_status: number, body: unknown): string | undefined {
  const parsed = qlikErrorsSchema.safeParse(body)
  if (!parsed.success) return undefined
  const { errors, traceId, code, title, detail } = parsed.data
  const list = errors && errors.length > 0 ? errors : title || detail ? [{ code, title, detail }] : []
  const text = list
    .map(describeOneError)
    .filter((line) => line !== '')
    .join('; ')
  if (text === '') return undefined
  return traceId ? `${text} [trace ${traceId}]` : text
}

export function describeOneError(error: z.infer<typeof qlikErrorSchema>): string {
  const words = [error.title, error.detail].filter((part): part is string => Boolean(part && part.trim()))
  const text = words.join(': ')
  if (error.code === undefined || error.code === '') return text
  return text ? `${text} (${error.code})` : String(error.code)
}

// --- checkConnection ----------------------------------------------------------

export async function checkConnection(ctx: Context): Promise<Health> {
  try {
    const me = await readMe(ctx)
    if (!isTenantAdmin(me)) {
      return {
        ok: false,
        problem: {
          kind: 'permission',
          status: 403,
          detail: `the API key belongs to ${nameOf(me)}, who does not have the ${TENANT_ADMIN_ROLE} role; link the integration with a tenant admin's API key`,
        },
      }
    }
    return { ok: true, detail: `connected as ${nameOf(me)}, a tenant admin` }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

function isTenantAdmin(user: QlikUser): boolean {
  return rolesOf(user)?.some((role) => role.toLowerCase() === TENANT_ADMIN_ROLE.toLowerCase()) ?? false
}

// --- findAccount --------------------------------------------------------------

/** Preference when one address matches several records (older tenants allowed that). */
const STATUS_PREFERENCE = ['active', 'disabled', 'provisioned', 'invited']

export async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  const users = await listUsers(ctx, { filter: `email eq ${filterString(email)}`, limit: PAGE_LIMIT })
  const wanted = email.trim().toLowerCase()
  // Only an exact address: a service that ignores the filter must not lead the bot to someone else.
  const matching = users.filter((user) => user.email?.toLowerCase() === wanted && user.status !== 'deleted')
  matching.sort((a, b) => rank(a.status) - rank(b.status))
  const found = matching[0]
  return found ? toAccount(found) : null
}

function rank(status: string | undefined): number {
  const index = STATUS_PREFERENCE.indexOf(status ?? '')
  return index === -1 ? STATUS_PREFERENCE.length : index
}

/** A filter string literal (RFC 7644 §3.4.2.2): `"` and `\` escaped with a backslash. */
export function filterString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function toAccount(user: QlikUser): Account {
  const roles = rolesOf(user)
  return {
    id: user.id,
    email: user.email ?? '',
    ...(user.name ? { displayName: user.name } : {}),
    status: statusOf(user.status),
    ...(roles ? { roles } : {}),
  }
}

// Only assignedRoles: the deprecated top-level `roles` is no longer in Qlik's User schema (@qlik/api).
function rolesOf(user: QlikUser): string[] | undefined {
  return user.assignedRoles?.map((role) => role.name)
}

/** "provisioned" (created by the identity provider, not signed in yet) can sign in, so it counts as active. */
function statusOf(status: string | undefined): AccountStatus {
  switch (status) {
    case 'active':
    case 'provisioned':
      return 'active'
    case 'disabled':
      return 'suspended'
    case 'invited':
      return 'pending'
    default:
      return 'unknown'
  }
}

// --- reading users ------------------------------------------------------------

/** Qlik answers /users/me with a redirect to the caller's user resource; it is followed on the tenant only. */
export async function readMe(ctx: Context): Promise<QlikUser> {
  const response = await ctx.http.send({ method: 'GET', path: '/api/v1/users/me', followRedirect: 'same-origin' }).catch((error: unknown) => {
    throw notTheAccount(error, "the bot's own user (GET /api/v1/users/me)")
  })
  return parseUser(response.body, response.status, 'GET /api/v1/users/me')
}

/**
 * Only the account's own user resource answering 404 means it is gone. A 404 from
 * anything else (a listing, /users/me) is a fault in that call: the account may well
 * still exist, so it must not read as "already deleted".
 */
function notTheAccount(error: unknown, what: string): unknown {
  if (!(error instanceof ProviderError) || error.problem.kind !== 'not-found') return error
  const said = error.problem.detail ? ` (${error.problem.detail})` : ''
  return new ProviderError(
    { kind: 'rejected', status: 404, detail: `Qlik answered 404 Not Found when the bot read ${what}${said}; the account was not touched` },
    { cause: error },
  )
}

/** One page of a Qlik list; a 404 is a fault of the listing, not a missing account. */
function readPage(ctx: Context, request: { path: string; query?: Record<string, QueryValue> }, what: string) {
  return ctx.http.send({ method: 'GET', path: request.path, query: request.query }).catch((error: unknown) => {
    throw notTheAccount(error, `the list of ${what} (GET ${request.path})`)
  })
}

/** The user as Qlik sees it now; null when it is gone (404, or already marked deleted). */
export async function readUser(ctx: Context, id: string): Promise<QlikUser | null> {
  return nullIfNotFound(async () => {
    const response = await ctx.http.send({ method: 'GET', path: userPath(id) })
    const user = parseUser(response.body, response.status, 'GET /api/v1/users/{id}')
    return user.status === 'deleted' ? null : user
  })
}

function parseUser(body: unknown, status: number, call: string): QlikUser {
  const parsed = userSchema.safeParse(body)
  if (!parsed.success) throw unreadable('Qlik', status, call, 'a user')
  return parsed.data
}

/**
 * One page of the tenant's users (GET /api/v1/users, 100 a page); the cursor is the page's
 * `links.next` href, followed only on the tenant's own origin. Users marked deleted are gone.
 */
export async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const request = cursor ? nextRequest(ctx, cursor, 'users', new Set()) : { path: '/api/v1/users', query: { limit: PAGE_LIMIT } }
  const response = await readPage(ctx, request, 'users')
  const parsed = pageSchema(userSchema).safeParse(response.body)
  if (!parsed.success) throw unreadable('Qlik', response.status, 'GET /api/v1/users', 'a list of users')
  const next = parsed.data.links?.next?.href
  if (next !== undefined && next === cursor) throw new ProviderError({ kind: 'rejected', detail: "Qlik's next link for users repeats the same page" })
  const users = (parsed.data.data ?? []).filter((user) => user.status !== 'deleted')
  return { accounts: users.map(toAccount), ...(next ? { nextCursor: next } : {}) }
}

/** Lookups by address and suggestions need a hundred users at most, not the whole tenant. */
function listUsers(ctx: Context, query: Record<string, QueryValue>): Promise<QlikUser[]> {
  return listAll(ctx, '/api/v1/users', query, userSchema, 'users', { enough: PAGE_LIMIT + 1 })
}

/**
 * Every page of a Qlik list, following `links.next`. The next link is an absolute
 * URL: it is only followed on the tenant's own origin, so the key never leaves it.
 */
export async function listAll<T extends z.ZodType>(
  ctx: Context,
  path: string,
  query: Record<string, QueryValue>,
  item: T,
  what: string,
  options: { enough?: number; signal?: AbortSignal } = {},
): Promise<z.infer<T>[]> {
  const schema = pageSchema(item)
  const results: z.infer<T>[] = []
  const seen = new Set<string>()
  let request: { path: string; query: Record<string, QueryValue> } = { path, query }
  for (let page = 1; ; page++) {
    if (options.signal?.aborted) throw new ProviderError({ kind: 'transient', detail: `stopped reading ${what}: another list failed` })
    const response = await readPage(ctx, request, what)
    const parsed = schema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Qlik', response.status, `GET ${path}`, `a list of ${what}`)
    results.push(...((parsed.data.data ?? []) as z.infer<T>[]))
    const next = parsed.data.links?.next?.href
    if (!next || (options.enough !== undefined && results.length >= options.enough)) return results
    if (page >= MAX_PAGES) {
      // Acting on part of a list could orphan what was not read.
      throw new ProviderError({
        kind: 'rejected',
        detail: `Qlik listed more than ${MAX_PAGES * PAGE_LIMIT} ${what}; the bot stopped rather than act on a partial list`,
      })
    }
    request = nextRequest(ctx, next, what, seen)
  }
}

function nextRequest(ctx: Context, href: string, what: string, seen: Set<string>): { path: string; query: Record<string, string> } {
  const url = sameOriginLink(href, ctx.tenant, { service: 'Qlik', place: 'tenant', what })
  if (seen.has(url.href)) throw new ProviderError({ kind: 'rejected', detail: `Qlik's next link for ${what} repeats a page` })
  seen.add(url.href)
  const basePath = ctx.tenant.pathname.replace(/\/+$/, '')
  const path = basePath && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname
  return { path, query: Object.fromEntries(url.searchParams) }
}

// --- suggest ------------------------------------------------------------------

export async function suggest(ctx: Context, account: Account, questionId: string, query: string): Promise<Option[]> {
  if (questionId !== NEW_OWNER_QUESTION) return []
  const text = query.trim()
  // Qlik asks for status conditions to be grouped and ANDed to the whole query.
  const filter = text ? `(name co ${filterString(text)} or email co ${filterString(text)}) and (status eq "active")` : 'status eq "active"'
  const users = await listUsers(ctx, { filter, limit: PAGE_LIMIT, sort: '+name' })
  return users
    .filter((user) => user.id !== account.id && user.status === 'active')
    .slice(0, PAGE_LIMIT)
    .map(userOption)
}

export function userOption(user: QlikUser): Option {
  const label = user.name && user.email ? `${user.name} <${user.email}>` : (user.name ?? user.email ?? user.id)
  return { value: user.id, label: label.length <= OPTION_LABEL_MAX ? label : `${label.slice(0, OPTION_LABEL_MAX - 1)}…` }
}

export function userPath(id: string): string {
  return `/api/v1/users/${encodeURIComponent(id)}`
}

/** A Qlik user as people read them: name and email, or whichever is known. */
export function nameOf(user: QlikUser): string {
  if (user.name && user.email) return `${user.name} (${user.email})`
  return user.name ?? user.email ?? user.id
}

/**
 * Okta, the identity provider (Management API under {orgUrl}/api/v1, an API token sent as
 * `Authorization: SSWS <token>`). Offboarding suspends here first, so a person can no
 * longer sign in anywhere through Okta's single sign-on, nor be re-created by it.
 *
 * suspend = POST /users/{id}/lifecycle/suspend (ACTIVE users only), then clear sessions;
 * restore = POST /users/{id}/lifecycle/unsuspend (SUSPENDED users only);
 * delete  = clear sessions, POST /users/{id}/lifecycle/deactivate (deprovisions every
 *           app), then DELETE /users/{id} (only DEPROVISIONED users are deleted; permanent).
 * The user whose token the bot uses is never suspended or deleted.
 */
import { z } from 'zod'
import type { HttpClient, HttpRequest, HttpResponse } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import { otherAddresses } from '../addresses.js'
import type { Account, AccountPage, AccountStatus, Health } from '../types.js'
import { nullIfNotFound, unreadable } from '../kit/errors.js'
import { sameOriginLink } from '../kit/pagination.js'
import { assigneesSchema, displayNameOf, errorSchema, nameOf, roleName, roleNames, roleSchema, userPath, userSchema } from './answers.js'
import type { OktaRole, OktaUser } from './answers.js'

/** GET /api/v1/users answers at most 200 users per page. */
export const USERS_PAGE_LIMIT = 200
/** GET /api/v1/iam/assignees/users defaults to (and pages by) 100. */
const ADMINS_PAGE_LIMIT = 100
/** A runaway next-link chain of admins stops here instead of looping forever. */
const MAX_ADMIN_PAGES = 50
/** Admins are read a few at a time: fast enough, and gentle on Okta's per-minute limits. */
const ADMIN_READS_AT_ONCE = 4
/**
 * Okta's org-wide rate limits are per-minute windows, so a limit has reset at most this
 * long after a 429. Used when the answer carried no Retry-After (Okta sends X-Rate-Limit-Reset
 * instead, which the shared HTTP client does not pass on).
 */
export const RATE_LIMIT_FALLBACK_MS = 60_000

/** Roles that manage every user of the org. */
const ORG_WIDE_ROLES = new Set(['SUPER_ADMIN', 'ORG_ADMIN'])
/** Okta statuses in which a person can still sign in (or finish activating and then sign in). */
const LIVE_STATUSES = new Set(['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT'])

// --- the provider -------------------------------------------------------------

export interface Context {
  http: HttpClient
  service: string
  /** The org URL: next links must stay on it (the token is never sent elsewhere). */
  org: URL
}

/**
 * Okta's Admin Console lives on the org's `-admin` host (acme.okta.com -> acme-admin.okta.com).
 * Custom domains and other hosts serve no console of their own: their /admin path is the best guess.
 */
export function oktaAdminConsoleUrl(orgUrl: string): string {
  const url = new URL(orgUrl)
  const okta = /^([^.]+)\.(okta\.com|oktapreview\.com|okta-emea\.com|okta-gov\.com|okta\.mil)$/i.exec(url.hostname)
  if (!okta) return `${url.origin}/admin/users`
  const subdomain = okta[1] ?? ''
  const adminHost = subdomain.toLowerCase().endsWith('-admin') ? url.hostname : `${subdomain}-admin.${okta[2] ?? ''}`
  return `${url.protocol}//${adminHost}/admin/users`
}

/** Okta error bodies: `{errorCode, errorSummary, errorLink, errorId, errorCauses: [{errorSummary}]}`. */
export function describeOktaError(_status: number, body: unknown): string | undefined {
  const parsed = errorSchema.safeParse(body)
  if (!parsed.success) return undefined
  const { errorCode, errorSummary, errorId, errorCauses } = parsed.data
  const causes = (errorCauses ?? []).flatMap((cause) => (cause.errorSummary ? [cause.errorSummary] : []))
  const text = [errorSummary, causes.join('; ')].filter((part) => part !== undefined && part !== '').join(': ')
  if (text === '' && !errorCode) return undefined
  const code = errorCode ? ` (${errorCode})` : ''
  // Okta support asks for the errorId; it identifies the failed call, nothing secret.
  return `${text || 'Okta error'}${code}${errorId ? ` [errorId ${errorId}]` : ''}`
}

/** The Okta error code the detail of a problem carries (see describeOktaError). */
function errorCodeOf(problem: Problem): string | undefined {
  const detail = 'detail' in problem ? problem.detail : undefined
  return detail ? /\((E\d{7})\)/.exec(detail)?.[1] : undefined
}

/**
 * Where Okta's answer means something else than its HTTP status says. 403 E0000038 ("not
 * allowed in the user's current status") is a state to resolve, not a missing permission.
 * A 429 without Retry-After waits out Okta's per-minute window.
 */
export function withOktaProblems(http: HttpClient): HttpClient {
  return {
    close: () => http.close(),
    async send<T>(request: HttpRequest): Promise<HttpResponse<T>> {
      try {
        return await http.send<T>(request)
      } catch (error) {
        throw oktaProblem(error)
      }
    },
  }
}

function oktaProblem(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error
  const problem = error.problem
  if (problem.kind === 'rate-limited' && problem.retryAfterMs === undefined) {
    return new ProviderError({ kind: 'rate-limited', retryAfterMs: RATE_LIMIT_FALLBACK_MS }, { cause: error })
  }
  if (problem.kind === 'permission' && errorCodeOf(problem) === 'E0000038') {
    return new ProviderError({ kind: 'conflict', detail: problem.detail ?? "the operation is not allowed in the user's current status" }, { cause: error })
  }
  return error
}

// --- checkConnection ----------------------------------------------------------

export async function checkConnection(ctx: Context): Promise<Health> {
  try {
    const me = await readMe(ctx)
    const roles = await readRoles(ctx, me.id)
    const who = nameOf(me)
    if (roles === undefined) {
      return {
        ok: true,
        detail: `connected as ${who}; the bot could not read the token's admin roles, so it cannot tell whether it may suspend and delete users`,
      }
    }
    const types = new Set(roles.map((role) => role.type))
    const labels = roleNames(roles)
    if ([...types].some((type) => ORG_WIDE_ROLES.has(type))) {
      return { ok: true, detail: `connected as ${who} (${labels}); users can be suspended, deactivated and deleted` }
    }
    if (types.has('USER_ADMIN')) {
      return { ok: true, detail: `connected as ${who} (${labels}): only users in the groups that role covers can be suspended, deactivated and deleted` }
    }
    if (types.has('CUSTOM')) {
      return {
        ok: true,
        detail: `connected as ${who} (${labels}): a custom role needs the user lifecycle permissions (suspend, unsuspend, deactivate, delete, clear sessions)`,
      }
    }
    return {
      ok: false,
      problem: {
        kind: 'permission',
        detail: `the API token acts as ${who}, whose admin roles (${labels || 'none'}) cannot suspend or delete users; create the token as a Super or Org Administrator`,
      },
    }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

// --- findAccount --------------------------------------------------------------

export async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  const wanted = email.trim().toLowerCase()
  // search (unlike a plain list) also returns DEPROVISIONED users, and compares values without case.
  const search = `profile.login eq ${searchString(email.trim())} or profile.email eq ${searchString(email.trim())}`
  const response = await ctx.http.send({ method: 'GET', path: '/api/v1/users', query: { search, limit: USERS_PAGE_LIMIT } })
  const users = parseUsers(response.body, response.status)
  const found = pickUser(users, wanted)
  if (!found) return null
  return toAccount(found, await readRoles(ctx, found.id))
}

/** A search string literal: `"` and `\` escaped with a backslash, as Okta documents for `"`. */
export function searchString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * Only a user whose login or email is the address (ignoring case): a search that matched
 * loosely must not lead the bot to someone else. One who can still sign in wins over a
 * deactivated one; the login (unique in Okta) wins over a shared email address.
 */
function pickUser(users: OktaUser[], wanted: string): OktaUser | undefined {
  const byLogin = users.filter((user) => user.profile.login.toLowerCase() === wanted)
  const byEmail = users.filter((user) => user.profile.email?.toLowerCase() === wanted && !byLogin.includes(user))
  const candidates = [...byLogin, ...byEmail]
  const live = candidates.filter((user) => user.status !== 'DEPROVISIONED')
  if (live.length === 0) return candidates[0]
  const liveByLogin = live.find((user) => byLogin.includes(user))
  if (liveByLogin) return liveByLogin
  if (live.length > 1) {
    const logins = live.map((user) => user.profile.login).join(', ')
    throw new ProviderError({
      kind: 'conflict',
      detail: `${live.length} Okta users share the email address ${wanted} (logins ${logins}); the bot cannot tell which one to act on: act on the right one in the Okta Admin Console`,
    })
  }
  return live[0]
}

export function toAccount(user: OktaUser, roles?: OktaRole[]): Account {
  const displayName = displayNameOf(user)
  return {
    id: user.id,
    email: user.profile.email || user.profile.login,
    // The login is often an email too, and secondEmail another address of the same person.
    ...otherAddresses(user.profile.email || user.profile.login, [user.profile.login, user.profile.secondEmail]),
    ...(displayName ? { displayName } : {}),
    status: statusOf(user.status),
    ...(roles ? { roles: roles.map(roleName), isAdmin: roles.length > 0 } : {}),
    ...(user.lastLogin ? { lastActiveAt: user.lastLogin } : {}),
  }
}

/** DEPROVISIONED (deactivated) cannot sign in either: it counts as suspended; the modal says which. */
function statusOf(status: string): AccountStatus {
  if (LIVE_STATUSES.has(status)) return 'active'
  if (status === 'SUSPENDED' || status === 'DEPROVISIONED') return 'suspended'
  return status === 'STAGED' ? 'pending' : 'unknown'
}

// --- reading users ------------------------------------------------------------

/** The user the API token acts as. */
export async function readMe(ctx: Context): Promise<OktaUser> {
  const response = await ctx.http.send({ method: 'GET', path: '/api/v1/users/me' })
  return parseUser(response.body, response.status, 'GET /api/v1/users/me')
}

/** The user as Okta sees it now (by id: not the eventually consistent search); null when it is gone. */
export async function readUser(ctx: Context, id: string): Promise<OktaUser | null> {
  return nullIfNotFound(async () => {
    const response = await ctx.http.send({ method: 'GET', path: userPath(id) })
    return parseUser(response.body, response.status, 'GET /api/v1/users/{id}')
  })
}

/**
 * The user's admin role assignments (direct or through a group); any role makes an admin.
 * Undefined when the token may not read them (403), or Okta no longer knows the user (404).
 */
export async function readRoles(ctx: Context, id: string): Promise<OktaRole[] | undefined> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: `${userPath(id)}/roles` })
    const parsed = z.array(roleSchema).safeParse(response.body ?? [])
    if (!parsed.success) throw unreadable('Okta', response.status, 'GET /api/v1/users/{id}/roles', 'a list of role assignments')
    return parsed.data.filter((role) => role.status !== 'INACTIVE')
  } catch (error) {
    if (error instanceof ProviderError && (error.problem.kind === 'not-found' || error.problem.kind === 'permission')) return undefined
    throw error
  }
}

function parseUser(body: unknown, status: number, call: string): OktaUser {
  const parsed = userSchema.safeParse(body)
  if (!parsed.success) throw unreadable('Okta', status, call, 'an Okta user')
  return parsed.data
}

function parseUsers(body: unknown, status: number): OktaUser[] {
  const parsed = z.array(userSchema).safeParse(body ?? [])
  if (!parsed.success) throw unreadable('Okta', status, 'GET /api/v1/users', 'a list of Okta users')
  return parsed.data
}

// --- listing ------------------------------------------------------------------

/**
 * One page of GET /api/v1/users (which, unlike search, leaves out DEPROVISIONED users). The
 * cursor is Okta's `after` value from the `Link: <...>; rel="next"` header. Admin roles are
 * one call per user, so pages leave `isAdmin` out: listAdmins answers that.
 */
/**
 * Okta's plain user list leaves DEPROVISIONED (deactivated) users out, yet they are the
 * departed people reconciliation looks for: after the plain list, the walk goes on
 * through `filter=status eq "DEPROVISIONED"`. The cursor says which list and where:
 * `<after>` in the plain list, `deprovisioned:<after>` in the second.
 */
const DEPROVISIONED_CURSOR = 'deprovisioned:'

export async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const deprovisioned = cursor?.startsWith(DEPROVISIONED_CURSOR) ?? false
  const after = (deprovisioned ? cursor?.slice(DEPROVISIONED_CURSOR.length) : cursor) || undefined
  const filter = deprovisioned ? { filter: 'status eq "DEPROVISIONED"' } : {}
  const response = await ctx.http.send({ method: 'GET', path: '/api/v1/users', query: { ...filter, limit: USERS_PAGE_LIMIT, after } })
  const users = parseUsers(response.body, response.status)
  const next = nextLink(response.headers.link)
  const nextAfter = next ? afterOf(ctx, next, '/api/v1/users', 'users') : undefined
  if (nextAfter !== undefined && nextAfter === after) {
    throw new ProviderError({ kind: 'rejected', detail: "Okta's next link for users repeats the same page" })
  }
  const nextCursor = nextAfter !== undefined ? `${deprovisioned ? DEPROVISIONED_CURSOR : ''}${nextAfter}` : deprovisioned ? undefined : DEPROVISIONED_CURSOR
  return { accounts: users.map((user) => toAccount(user)), ...(nextCursor !== undefined ? { nextCursor } : {}) }
}

/** Everyone with an admin role assignment (GET /api/v1/iam/assignees/users), each read with their roles. */
export async function listAdmins(ctx: Context): Promise<Account[]> {
  const ids = await adminIds(ctx)
  const admins: Account[] = []
  for (let start = 0; start < ids.length; start += ADMIN_READS_AT_ONCE) {
    const batch = await Promise.all(ids.slice(start, start + ADMIN_READS_AT_ONCE).map((id) => readAdmin(ctx, id)))
    admins.push(...batch.filter((admin): admin is Account => admin !== undefined))
  }
  return admins
}

async function adminIds(ctx: Context): Promise<string[]> {
  const ids: string[] = []
  const seen = new Set<string>()
  let after: string | undefined
  for (let page = 1; ; page++) {
    const response = await ctx.http.send({ method: 'GET', path: '/api/v1/iam/assignees/users', query: { limit: ADMINS_PAGE_LIMIT, after } })
    const parsed = assigneesSchema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Okta', response.status, 'GET /api/v1/iam/assignees/users', 'a list of users with role assignments')
    for (const { id } of parsed.data.value ?? []) if (!ids.includes(id)) ids.push(id)
    const next = parsed.data._links?.next?.href ?? nextLink(response.headers.link)
    if (!next) return ids
    if (page >= MAX_ADMIN_PAGES) {
      throw new ProviderError({
        kind: 'rejected',
        detail: `Okta listed more than ${MAX_ADMIN_PAGES * ADMINS_PAGE_LIMIT} admins; the bot stopped rather than report a partial list`,
      })
    }
    after = afterOf(ctx, next, '/api/v1/iam/assignees/users', 'admins')
    if (seen.has(after)) throw new ProviderError({ kind: 'rejected', detail: "Okta's next link for admins repeats a page" })
    seen.add(after)
  }
}

/** An admin as an account; undefined when they vanished, or no longer hold a role, since Okta listed them. */
async function readAdmin(ctx: Context, id: string): Promise<Account | undefined> {
  const user = await readUser(ctx, id)
  if (!user) return undefined
  const roles = await readRoles(ctx, id)
  if (roles === undefined) return { ...toAccount(user), isAdmin: true }
  return roles.length > 0 ? toAccount(user, roles) : undefined
}

/** The target of `rel="next"` in a Link header (Okta sends one Link header per relation). */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined
  for (const match of header.matchAll(/<([^>]*)>\s*;([^<]*)/g)) {
    const rel = /rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '')?.[1]
    if (rel?.split(/\s+/).includes('next')) return match[1]
  }
  return undefined
}

/** Okta's `after` cursor of a next link, which must stay on the org and on the same list. */
function afterOf(ctx: Context, href: string, path: string, what: string): string {
  const url = sameOriginLink(href, ctx.org, { service: 'Okta', place: 'org', what })
  const basePath = ctx.org.pathname.replace(/\/+$/, '')
  const after = url.searchParams.get('after')
  if (url.pathname !== `${basePath}${path}` || !after) {
    throw new ProviderError({ kind: 'rejected', detail: `Okta's next link for ${what} is not a next page of ${path}` })
  }
  return after
}

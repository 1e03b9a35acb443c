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
import type { OktaIntegration } from './config.js'
import { createHttpClient } from '../kit/http.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import { otherAddresses } from '../addresses.js'
import type { Account, AccountAction, AccountPage, AccountStatus, Action, Adapter, Deletes, Health, ListsAccounts, ListsAdmins, Outcome, Preflight, Provider, ProviderOptions, Suspends } from '../types.js'
import { provide } from '../capabilities.js'
import { isNotFound, unreadable } from '../kit/errors.js'

const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['suspend', 'restore'])

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
/** Profiles mastered by a directory: its next import can bring the user back. */
const DIRECTORY_PROVIDERS = new Set(['ACTIVE_DIRECTORY', 'LDAP'])
/** Okta statuses in which a person can still sign in (or finish activating and then sign in). */
const LIVE_STATUSES = new Set(['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT'])

// --- Okta's answers, as far as the adapter relies on them --------------------

export const userSchema = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  transitioningToStatus: z.string().nullish(),
  lastLogin: z.string().nullish(),
  profile: z.object({
    login: z.string().min(1),
    email: z.string().nullish(),
    secondEmail: z.string().nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    displayName: z.string().nullish(),
  }),
  credentials: z.object({ provider: z.object({ type: z.string().nullish(), name: z.string().nullish() }).nullish() }).nullish(),
})
type OktaUser = z.infer<typeof userSchema>

export const roleSchema = z.object({
  id: z.string().optional(),
  type: z.string().min(1),
  label: z.string().nullish(),
  status: z.string().nullish(),
  assignmentType: z.string().nullish(),
})
type OktaRole = z.infer<typeof roleSchema>

export const assigneesSchema = z.object({
  value: z.array(z.object({ id: z.string().min(1) })).optional(),
  _links: z.object({ next: z.object({ href: z.string() }).nullish() }).nullish(),
})

const errorSchema = z.object({
  errorCode: z.string().optional(),
  errorSummary: z.string().optional(),
  errorId: z.string().optional(),
  errorCauses: z.array(z.object({ errorSummary: z.string().optional() })).optional(),
})

// --- the provider -------------------------------------------------------------

interface Context {
  http: HttpClient
  service: string
  /** The org URL: next links must stay on it (the token is never sent elsewhere). */
  org: URL
}

export function createOktaProvider(config: OktaIntegration, options: ProviderOptions = {}): Provider {
  const orgUrl = config.orgUrl.replace(/\/+$/, '')
  const http = createHttpClient({
    baseUrl: orgUrl,
    headers: { authorization: `SSWS ${config.apiToken}`, accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeOktaError,
  })
  const ctx: Context = { http: withOktaProblems(http), service: config.displayName, org: new URL(orgUrl) }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'okta',
    adminConsoleUrl: config.adminConsoleUrl ?? oktaAdminConsoleUrl(orgUrl),
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => suspend(ctx, account.id),
    restore: (account) => restore(ctx, account.id),
    delete: (account) => remove(ctx, account.id),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
    listAdmins: () => listAdmins(ctx),
  } satisfies Adapter & Suspends & Deletes & ListsAccounts & ListsAdmins)
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
function withOktaProblems(http: HttpClient): HttpClient {
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

async function checkConnection(ctx: Context): Promise<Health> {
  try {
    const me = await readMe(ctx)
    const roles = await readRoles(ctx, me.id)
    const who = nameOf(me)
    if (roles === undefined) {
      return { ok: true, detail: `connected as ${who}; the bot could not read the token's admin roles, so it cannot tell whether it may suspend and delete users` }
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
      return { ok: true, detail: `connected as ${who} (${labels}): a custom role needs the user lifecycle permissions (suspend, unsuspend, deactivate, delete, clear sessions)` }
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

async function findAccount(ctx: Context, email: string): Promise<Account | null> {
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

function displayNameOf(user: OktaUser): string | undefined {
  if (user.profile.displayName) return user.profile.displayName
  const parts = [user.profile.firstName, user.profile.lastName].filter((part): part is string => Boolean(part))
  return parts.length > 0 ? parts.join(' ') : undefined
}

// --- reading users ------------------------------------------------------------

/** The user the API token acts as. */
async function readMe(ctx: Context): Promise<OktaUser> {
  const response = await ctx.http.send({ method: 'GET', path: '/api/v1/users/me' })
  return parseUser(response.body, response.status, 'GET /api/v1/users/me')
}

/** The user as Okta sees it now (by id: not the eventually consistent search); null when it is gone. */
async function readUser(ctx: Context, id: string): Promise<OktaUser | null> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: userPath(id) })
    return parseUser(response.body, response.status, 'GET /api/v1/users/{id}')
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

/**
 * The user's admin role assignments (direct or through a group); any role makes an admin.
 * Undefined when the token may not read them (403), or Okta no longer knows the user (404).
 */
async function readRoles(ctx: Context, id: string): Promise<OktaRole[] | undefined> {
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

// --- preflight ----------------------------------------------------------------

async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  // Re-read the user so the modal shows Okta's state now, not the alert's.
  const [user, me] = await Promise.all([readUser(ctx, account.id), readMe(ctx)])
  if (!user) return { kind: 'gone' }
  const roles = await readRoles(ctx, user.id)
  const current = toAccount(user, roles)
  if (action !== 'restore' && user.id === me.id) {
    return { kind: 'blocked', account: current, blockers: [{ problem: integrationOwner(me) }] }
  }
  const blocker = action === 'delete' ? undefined : lifecycleBlocker(user, action)
  if (blocker) return { kind: 'blocked', account: current, blockers: [{ problem: blocker }] }
  return {
    kind: 'ready',
    account: current,
    consequences: consequences(ctx.service, user, action),
    warnings: warnings(ctx.service, user, roles, action),
    reversible: REVERSIBLE.has(action),
  }
}

/** Okta suspends only ACTIVE users and unsuspends only SUSPENDED ones; what the others need instead. */
function lifecycleBlocker(user: OktaUser, action: AccountAction): Problem | undefined {
  const status = user.status
  if (action === 'suspend') {
    if (status === 'ACTIVE' || status === 'SUSPENDED' || status === 'DEPROVISIONED') return undefined
    return { kind: 'conflict', detail: notSuspendable(status) }
  }
  return status === 'DEPROVISIONED' ? DEACTIVATED_NOT_SUSPENDED : undefined
}

const DEACTIVATED_NOT_SUSPENDED: Problem = {
  kind: 'conflict',
  detail: 'the user is deactivated (DEPROVISIONED), not suspended: unsuspend cannot bring them back, and activating them again (a new activation email, apps provisioned afresh) is done in the Okta Admin Console',
}

function notSuspendable(status: string): string {
  const hint: Record<string, string> = {
    STAGED: 'they were never activated, so they cannot sign in yet',
    PROVISIONED: 'they have not finished activating their account',
    LOCKED_OUT: 'unlock them in the Okta Admin Console first',
    PASSWORD_EXPIRED: 'they must set a new password before Okta lets them be suspended',
    RECOVERY: 'they are in the middle of a password reset',
  }
  const why = hint[status] ? ` (${hint[status]})` : ''
  return `Okta can only suspend users whose status is ACTIVE; this user is ${status}${why}. Delete instead deactivates a user in any status.`
}

function consequences(service: string, user: OktaUser, action: AccountAction): string[] {
  switch (action) {
    case 'suspend':
      return [
        `The user is suspended in ${service}: they can no longer sign in to Okta, nor to any app through Okta single sign-on.`,
        'All their Okta sessions are cleared and the OpenID Connect and OAuth tokens Okta issued to them are revoked.',
        'Their group memberships and app assignments are kept: no app account is deprovisioned.',
        'Restore (unsuspend) makes them ACTIVE again, with the same assignments.',
      ]
    case 'restore':
      return [`The user is unsuspended in ${service} and becomes ACTIVE again: they can sign in to Okta and reach their apps through single sign-on.`]
    default:
      return user.status === 'DEPROVISIONED'
        ? [
            'The user is already deactivated (DEPROVISIONED): Okta deprovisioned their app accounts when that happened.',
            `The user is deleted from ${service} permanently.`,
            'This cannot be undone: if they come back they get a new Okta user, with a new id and no assignments.',
          ]
        : [
            'All their Okta sessions are cleared and the OpenID Connect and OAuth tokens Okta issued to them are revoked.',
            'The user is deactivated first: Okta deprovisions them from every assigned app, which may deactivate or delete their accounts and data there (mailboxes, files), and revokes their admin roles.',
            `The user is then deleted from ${service} permanently.`,
            'This cannot be undone: if they come back they get a new Okta user, with a new id and no assignments.',
          ]
  }
}

function warnings(service: string, user: OktaUser, roles: OktaRole[] | undefined, action: AccountAction): string[] {
  const list: string[] = []
  if (action === 'suspend' && user.status === 'SUSPENDED') list.push(`The user is already suspended in ${service}: only their sessions are cleared again.`)
  if (action === 'suspend' && user.status === 'DEPROVISIONED') {
    list.push(`The user is already deactivated in ${service} (DEPROVISIONED), which stops every sign-in too: nothing will change.`)
  }
  if (action === 'restore' && user.status !== 'SUSPENDED') list.push(`The user is not suspended in ${service} (status ${user.status}): nothing will change.`)
  if (user.transitioningToStatus) list.push(`Okta is still moving this user to ${user.transitioningToStatus}.`)
  if (action === 'restore') return list
  list.push(...roleWarnings(service, roles, action))
  const provider = user.credentials?.provider
  if (provider?.type && DIRECTORY_PROVIDERS.has(provider.type)) {
    list.push(
      `The user is imported from ${provider.name ?? provider.type} (${provider.type}): unless they are disabled or removed there too, the next import may re-activate or re-create them in ${service}.`,
    )
  }
  if (action === 'suspend') {
    list.push("Sessions an app opened on its own (the app's own sign-in cookie) last until that app ends them: Okta does not clear those.")
  }
  return list
}

function roleWarnings(service: string, roles: OktaRole[] | undefined, action: AccountAction): string[] {
  if (roles === undefined) return [`The bot could not read their admin roles, so it cannot tell whether they are a ${service} admin.`]
  if (roles.length === 0) return []
  const list = [
    action === 'delete'
      ? `They hold ${service} admin roles (${roleNames(roles)}): deactivation revokes them.`
      : `They hold ${service} admin roles (${roleNames(roles)}): while suspended they cannot use them.`,
  ]
  if (roles.some((role) => role.type === 'SUPER_ADMIN')) {
    list.push(`They are a Super Administrator. Okta needs at least one individually assigned super admin: make sure another one remains.`)
  }
  return list
}

function integrationOwner(me: OktaUser): Problem {
  return { kind: 'integration-owner', owner: nameOf(me) }
}

// --- execute ------------------------------------------------------------------

const SESSIONS_CLEARED = 'their Okta sessions were cleared and their OAuth tokens revoked'

async function suspend(ctx: Context, id: string): Promise<Outcome> {
  const [user, me] = await Promise.all([readUser(ctx, id), readMe(ctx)])
  if (!user) return { kind: 'already-done', detail: 'the user no longer exists in Okta' }
  if (user.id === me.id) return { kind: 'failed', problem: integrationOwner(me) }
  if (user.status === 'DEPROVISIONED') return { kind: 'already-done', detail: 'already deactivated in Okta, which stops every sign-in too' }
  if (user.status === 'SUSPENDED') {
    // A run that suspended and then stopped before clearing sessions finishes the job here.
    await clearSessions(ctx, id)
    return { kind: 'already-done', detail: `already suspended; ${SESSIONS_CLEARED} again` }
  }
  if (user.status !== 'ACTIVE') return { kind: 'failed', problem: { kind: 'conflict', detail: notSuspendable(user.status) } }
  const raced = await lifecycle(ctx, id, 'suspend', 'SUSPENDED')
  if (raced === 'gone') return { kind: 'already-done', detail: 'the user no longer exists in Okta' }
  await clearSessions(ctx, id)
  return { kind: 'done', detail: SESSIONS_CLEARED }
}

async function restore(ctx: Context, id: string): Promise<Outcome> {
  const user = await readUser(ctx, id)
  // Nothing to bring back; the caller reports a missing account as such.
  if (!user) throw new ProviderError({ kind: 'not-found', detail: 'the user no longer exists in Okta' })
  if (user.status === 'DEPROVISIONED') return { kind: 'failed', problem: DEACTIVATED_NOT_SUSPENDED }
  if (user.status !== 'SUSPENDED') return { kind: 'already-done', detail: `not suspended (Okta status ${user.status})` }
  const raced = await lifecycle(ctx, id, 'unsuspend', 'ACTIVE')
  if (raced === 'gone') throw new ProviderError({ kind: 'not-found', detail: 'the user no longer exists in Okta' })
  return raced === 'already' ? { kind: 'already-done', detail: 'already active' } : { kind: 'done' }
}

/**
 * POST /users/{id}/lifecycle/{operation}. Okta answers 400 E0000001 when the user is not in
 * the status the operation needs: if someone else just made the change, that is fine.
 */
async function lifecycle(ctx: Context, id: string, operation: 'suspend' | 'unsuspend', target: string): Promise<'done' | 'already' | 'gone'> {
  try {
    await ctx.http.send({ method: 'POST', path: `${userPath(id)}/lifecycle/${operation}` })
    return 'done'
  } catch (error) {
    if (isNotFound(error)) return 'gone'
    if (!(error instanceof ProviderError) || error.problem.kind !== 'rejected' || error.problem.status !== 400) throw error
    const now = await readUser(ctx, id)
    if (!now) return 'gone'
    if (now.status === target) return 'already'
    throw new ProviderError({ kind: 'conflict', detail: `Okta refused to ${operation} the user (status ${now.status}): ${error.problem.detail}` }, { cause: error })
  }
}

async function remove(ctx: Context, id: string): Promise<Outcome> {
  const [user, me] = await Promise.all([readUser(ctx, id), readMe(ctx)])
  if (!user) return { kind: 'already-done', detail: 'already deleted' }
  if (user.id === me.id) return { kind: 'failed', problem: integrationOwner(me) }
  const wasDeactivated = user.status === 'DEPROVISIONED'
  if (!wasDeactivated) {
    // Sessions first, while Okta still lists them; then deactivate explicitly rather than
    // rely on the first DELETE doing it, so every step is known and a re-run can resume.
    await clearSessions(ctx, id)
    if ((await deactivate(ctx, id)) === 'gone') return { kind: 'already-done', detail: 'already deleted' }
  }
  return deleteDeactivated(ctx, id, wasDeactivated)
}

/** Okta answers 404 E0000007 to deactivating a user that is already DEPROVISIONED: look before concluding it is gone. */
async function deactivate(ctx: Context, id: string): Promise<'deactivated' | 'gone'> {
  try {
    await ctx.http.send({ method: 'POST', path: `${userPath(id)}/lifecycle/deactivate`, query: { sendEmail: false } })
    return 'deactivated'
  } catch (error) {
    if (!isNotFound(error)) throw error
    const now = await readUser(ctx, id)
    if (!now) return 'gone'
    if (now.status === 'DEPROVISIONED') return 'deactivated'
    throw error
  }
}

/**
 * DELETE only deletes a DEPROVISIONED user; on any other it deactivates instead. So the
 * bot checks afterwards that the user is really gone, and deletes once more if Okta only
 * deactivated (someone re-activated them in between).
 */
async function deleteDeactivated(ctx: Context, id: string, wasDeactivated: boolean): Promise<Outcome> {
  const detail = wasDeactivated
    ? 'the user was already deactivated and is now deleted permanently'
    : `${SESSIONS_CLEARED}; the user was deactivated (deprovisioned from every assigned app), then deleted permanently`
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await ctx.http.send({ method: 'DELETE', path: userPath(id), query: { sendEmail: false } })
    } catch (error) {
      if (isNotFound(error)) return attempt === 1 && wasDeactivated ? { kind: 'already-done', detail: 'already deleted' } : { kind: 'done', detail }
      throw error
    }
    const left = await readUser(ctx, id)
    if (!left) return { kind: 'done', detail }
    if (left.status !== 'DEPROVISIONED' || attempt === 2) {
      return { kind: 'failed', problem: { kind: 'conflict', detail: `Okta accepted the delete but still lists the user (status ${left.status}); check them in the Okta Admin Console` } }
    }
  }
  return { kind: 'failed', problem: { kind: 'conflict', detail: 'Okta did not delete the user' } }
}

/** DELETE /users/{id}/sessions with oauthTokens=true: Okta sessions end and issued tokens are revoked. */
async function clearSessions(ctx: Context, id: string): Promise<void> {
  try {
    await ctx.http.send({ method: 'DELETE', path: `${userPath(id)}/sessions`, query: { oauthTokens: true } })
  } catch (error) {
    // A user who is gone has no sessions left to clear.
    if (!isNotFound(error)) throw error
  }
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

async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
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
async function listAdmins(ctx: Context): Promise<Account[]> {
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
      throw new ProviderError({ kind: 'rejected', detail: `Okta listed more than ${MAX_ADMIN_PAGES * ADMINS_PAGE_LIMIT} admins; the bot stopped rather than report a partial list` })
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
  let url: URL
  try {
    url = new URL(href, ctx.org)
  } catch {
    throw new ProviderError({ kind: 'rejected', detail: `Okta answered the list of ${what} with an unreadable next link` })
  }
  if (url.origin !== ctx.org.origin) {
    throw new ProviderError({ kind: 'rejected', detail: `Okta's next link for ${what} points away from the org (${url.origin}); the bot did not follow it` })
  }
  const basePath = ctx.org.pathname.replace(/\/+$/, '')
  const after = url.searchParams.get('after')
  if (url.pathname !== `${basePath}${path}` || !after) {
    throw new ProviderError({ kind: 'rejected', detail: `Okta's next link for ${what} is not a next page of ${path}` })
  }
  return after
}

// --- small helpers ------------------------------------------------------------

function roleName(role: OktaRole): string {
  return role.label || role.type
}

function roleNames(roles: OktaRole[]): string {
  return roles.map(roleName).join(', ')
}

function nameOf(user: OktaUser): string {
  const name = displayNameOf(user)
  return name ? `${name} (${user.profile.login})` : user.profile.login
}

function userPath(id: string): string {
  return `/api/v1/users/${encodeURIComponent(id)}`
}


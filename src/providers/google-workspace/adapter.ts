/**
 * Google Workspace through the Admin SDK Directory API: suspend and restore a user
 * (`PUT users/{userKey}` with `{"suspended": …}`; the update method has patch
 * semantics and Google recommends it over `PATCH`), delete one (`DELETE
 * users/{userKey}`; an admin can restore it for 20 days in the Admin console).
 * Both first end the person's Google web and device sessions (`POST
 * users/{userKey}/signOut`; suspend right after suspending, delete before deleting).
 *
 * Before a delete the person's files can be handed over (google-data-transfer.ts):
 * the modal asks for a new owner and whether Calendar goes too, or for the deliberate
 * choice to skip it; the job starts a Data Transfer, polls it (the `pending` outcome)
 * and deletes the user only once Google reports it completed. A failed transfer keeps
 * the user. Without the data transfer scope the modal says the hand-over is unavailable.
 *
 * Google Workspace is usually the identity provider: the bot offboards it first so
 * the person cannot sign in to other apps through Google again.
 *
 * The bot authenticates as a service account with domain-wide delegation, acting
 * as `adminEmail` (google-auth.ts). Writes address the user by its immutable id.
 */
import { z } from 'zod'
import type { GoogleWorkspaceIntegration } from './config.js'
import { parseServiceAccountKey, ServiceAccountKeyError } from './auth.js'
import type { ServiceAccountKey, TokenSource } from './auth.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import { otherAddresses } from '../addresses.js'
import { clip } from '../kit/text.js'
import { nullIfNotFound, unreadable } from '../kit/errors.js'
import { readAllPages } from '../kit/pagination.js'
import type { Account, AccountPage, Action, Health, Option } from '../types.js'

export const DEFAULT_BASE_URL = 'https://admin.googleapis.com'
export const DEFAULT_ADMIN_CONSOLE_URL = 'https://admin.google.com/ac/users'
export const USERS_PATH = '/admin/directory/v1/users'
/** How long Google keeps a deleted user restorable in the Admin console. */
export const RESTORE_WINDOW_DAYS = 20
/** users.list accepts at most 500 per page. */
export const PAGE_SIZE = 500
const MAX_ADMIN_PAGES = 20
export const DAY_MS = 24 * 60 * 60_000
/** Google's quota errors: 403 userRateLimitExceeded / quotaExceeded and 429 rateLimitExceeded. */
const RATE_LIMIT_REASON = /\((userRateLimitExceeded|rateLimitExceeded|quotaExceeded)\)$/
const NOT_FOUND_REASON = /\((notFound|NOT_FOUND)\)$/

export const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['suspend', 'restore'])

export const SIGN_OUT_CONSEQUENCE =
  'They are signed out of every Google web and device session (their sign-in cookies are reset), so any open Google session ends.'
export const SESSIONS_WARNING =
  'Sessions already open in other apps that signed in with Google last until those apps end them: if access must end now, sign the person out there or remove them from those apps too.'
export const KEEP_DATA_WARNING =
  'If their data must be kept (a legal hold, a handover), suspend instead: Google advises suspending, since a suspended account keeps everything (it is still billed).'

/** The Delete modal's questions (and Choices keys): whether and what to hand over, and to whom. */
export const HAND_OVER_QUESTION = 'hand-over'
export const NEW_OWNER_QUESTION = 'new-owner'
export const HAND_OVER_DRIVE: Option = { value: 'drive', label: 'Hand over their Drive files' }
export const HAND_OVER_DRIVE_CALENDAR: Option = { value: 'drive-calendar', label: 'Hand over their Drive files and calendars' }
export const SKIP_HAND_OVER: Option = { value: 'skip', label: 'Skip: delete their files with the account' }
export const SKIP_UNAVAILABLE_HAND_OVER: Option = { value: 'skip', label: 'Delete without a hand-over (unavailable, see above)' }
export const HAND_OVER_CONSEQUENCE =
  "Before the delete, what you choose below is handed over to the new owner with Google's Data Transfer: every Drive file they own (shared or not), and their calendars if you choose so; their mail is not. The account is deleted only once Google reports the transfer completed; if it fails, the account is kept."
export const SKIPPED_DETAIL = 'the hand-over was skipped by choice, so their Drive files and calendars were deleted with the account'
/** The first poll of a transfer waits this long; each later one twice as long, up to TRANSFER_POLL_MAX_MS. */
export const TRANSFER_POLL_FIRST_MS = 5_000
export const TRANSFER_POLL_MAX_MS = 60_000
/** A transfer still running after this long is reported (the user kept) rather than polled for ever. */
export const MAX_TRANSFER_DAYS = 7
export const TASK_PREFIX = 'google-transfer:'
/** Suggestions read this many users per search (Slack shows at most 100 options). */
const SUGGEST_PAGE_SIZE = 50
const OPTION_LABEL_MAX = 75

export function handOverUnavailableWarning(reason: string): string {
  return `Their files cannot be handed over to anyone from here: ${reason}. To hand them over, fix that and open this again, or delete the account in the Admin console, which offers a transfer.`
}

// --- what the service answers -------------------------------------------------------

export const userSchema = z.object({
  id: z.string().min(1),
  primaryEmail: z.string().min(1),
  name: z.object({ fullName: z.string().optional(), givenName: z.string().optional(), familyName: z.string().optional() }).optional(),
  isAdmin: z.boolean().optional(),
  isDelegatedAdmin: z.boolean().optional(),
  suspended: z.boolean().optional(),
  suspensionReason: z.string().optional(),
  archived: z.boolean().optional(),
  lastLoginTime: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  nonEditableAliases: z.array(z.string()).optional(),
  // Google types it loosely ("value"); an unexpected shape must not make the whole user unreadable.
  emails: z
    .array(z.object({ address: z.string().optional() }))
    .optional()
    .catch(undefined),
})
export type GoogleUser = z.infer<typeof userSchema>

export const userListSchema = z.object({
  // Left out when nothing matched.
  users: z.array(userSchema).optional(),
  nextPageToken: z.string().optional(),
})

const googleErrorSchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional(), message: z.string().optional() })).optional(),
  }),
})

export interface Context {
  http: HttpClient
  tokens: TokenSource
  /** Tokens for users.signOut alone: an integration delegated only the user scope keeps working without it. */
  securityTokens: TokenSource
  /** Tokens for the Data Transfer API alone: without that scope the hand-over is unavailable, the rest works. */
  transferTokens: TokenSource
  service: string
  domain: string
  adminEmail: string
  now: () => Date
}

// --- the provider -----------------------------------------------------------------

export function readKey(config: GoogleWorkspaceIntegration): ServiceAccountKey {
  try {
    return parseServiceAccountKey(config.serviceAccountKey)
  } catch (error) {
    if (error instanceof ServiceAccountKeyError) {
      throw new ServiceAccountKeyError(`Google Workspace integration "${config.id}": ${error.message}`)
    }
    throw error
  }
}

/**
 * Google's error body is `{error: {code, message, status, errors: [{reason}]}}`; the
 * reason goes last in parentheses, where the adapter reads it back (quota errors
 * come as 403, which alone would read as a permission problem).
 */
export function describeGoogleError(_status: number, body: unknown): string | undefined {
  const parsed = googleErrorSchema.safeParse(body)
  if (!parsed.success) {
    if (typeof body === 'string' && body.trim().startsWith('<')) return 'an HTML page instead of a Google API error'
    return typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 200) : undefined
  }
  const error = parsed.data.error
  const message = (error.message ?? error.errors?.find((entry) => entry.message)?.message ?? '').slice(0, 200)
  const reason = error.errors?.find((entry) => entry.reason)?.reason ?? error.status
  if (!reason) return message || undefined
  return message ? `${message} (${reason})` : reason
}

// --- calls --------------------------------------------------------------------------

/**
 * A Directory API call with the bearer token. A token the API refuses (revoked, or
 * expired early) is replaced once; a failure to get a token is not retried here.
 */
export async function call<T = unknown>(ctx: Context, request: HttpRequest, tokens: TokenSource = ctx.tokens): Promise<HttpResponse<T>> {
  const token = await tokens.accessToken()
  try {
    return await sendWith<T>(ctx, request, token)
  } catch (error) {
    if (!(error instanceof ProviderError) || error.problem.kind !== 'credentials') throw remap(error)
  }
  tokens.invalidate()
  const fresh = await tokens.accessToken()
  try {
    return await sendWith<T>(ctx, request, fresh)
  } catch (error) {
    throw remap(error)
  }
}

function sendWith<T>(ctx: Context, request: HttpRequest, token: string): Promise<HttpResponse<T>> {
  return ctx.http.send<T>({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } })
}

/** Quota errors become rate-limited whatever their status; a 404 without Google's notFound is a wrong URL, not a gone user. */
function remap(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error
  const problem = error.problem
  const detail = 'detail' in problem ? problem.detail : undefined
  if ((problem.kind === 'permission' || problem.kind === 'rejected') && detail && RATE_LIMIT_REASON.test(detail)) {
    return new ProviderError({ kind: 'rate-limited' }, { cause: error })
  }
  if (problem.kind === 'not-found' && !(detail && NOT_FOUND_REASON.test(detail))) {
    const what = detail ?? 'no Google error body'
    return new ProviderError({ kind: 'rejected', status: 404, detail: `the Directory API answered 404 with ${what}: check baseUrl` }, { cause: error })
  }
  return error
}

export function userPath(userKey: string): string {
  return `${USERS_PATH}/${encodeURIComponent(userKey)}`
}

/** GET users/{userKey}; null when Google has no such user (or it was deleted). */
export async function readUser(ctx: Context, userKey: string): Promise<GoogleUser | null> {
  return nullIfNotFound(async () => {
    const response = await call(ctx, { method: 'GET', path: userPath(userKey) })
    return parseUser(response.body, response.status, 'GET users/{userKey}')
  })
}

export function parseUser(body: unknown, status: number, call: string): GoogleUser {
  const parsed = userSchema.safeParse(body)
  if (!parsed.success) throw unreadable('Google', status, call, 'a Directory API user')
  return parsed.data
}

// --- accounts -------------------------------------------------------------------------

export function toAccount(user: GoogleUser): Account {
  const displayName = displayNameOf(user)
  const lastActiveAt = lastSignIn(user.lastLoginTime)
  return {
    id: user.id,
    email: user.primaryEmail,
    ...otherAddresses(user.primaryEmail, [...(user.aliases ?? []), ...(user.nonEditableAliases ?? []), ...(user.emails ?? []).map((entry) => entry.address)]),
    ...(displayName ? { displayName } : {}),
    // An archived user (Archived User licence) cannot sign in either: to the bot it is suspended.
    status: user.suspended || user.archived ? 'suspended' : 'active',
    roles: rolesOf(user),
    isAdmin: user.isAdmin === true || user.isDelegatedAdmin === true,
    ...(lastActiveAt ? { lastActiveAt } : {}),
  }
}

function rolesOf(user: GoogleUser): string[] {
  if (user.isAdmin) return ['super admin']
  return user.isDelegatedAdmin ? ['delegated admin'] : []
}

function displayNameOf(user: GoogleUser): string | undefined {
  if (user.name?.fullName) return user.name.fullName
  const parts = [user.name?.givenName, user.name?.familyName].filter((part): part is string => Boolean(part))
  return parts.length > 0 ? parts.join(' ') : undefined
}

/** Google reports 1970-01-01T00:00:00.000Z for "never signed in". */
function lastSignIn(value: string | undefined): string | undefined {
  if (!value) return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) || time <= 0 ? undefined : value
}

export function who(user: GoogleUser): string {
  const name = displayNameOf(user)
  return name ? `${name} (${user.primaryEmail})` : user.primaryEmail
}

/** Whether this user is the admin the bot acts as, by primary address or alias. */
export function isActingAdmin(ctx: Context, user: GoogleUser): boolean {
  const wanted = ctx.adminEmail.toLowerCase()
  return [user.primaryEmail, ...(user.aliases ?? []), ...(user.nonEditableAliases ?? [])].some((email) => email.toLowerCase() === wanted)
}

// --- checkConnection --------------------------------------------------------------------

export async function checkConnection(ctx: Context): Promise<Health> {
  try {
    const admin = await readUser(ctx, ctx.adminEmail)
    if (!admin) return { ok: false, problem: { kind: 'permission', detail: `Google has no user ${ctx.adminEmail}; set adminEmail to a super admin` } }
    if (admin.suspended || admin.archived) {
      return {
        ok: false,
        problem: {
          kind: 'permission',
          detail: `the admin the bot acts as, ${ctx.adminEmail}, is suspended or archived; set adminEmail to an active super admin`,
        },
      }
    }
    if (admin.isAdmin) return { ok: true, detail: `connected as ${ctx.adminEmail}, a super admin: users can be read, suspended and deleted` }
    if (admin.isDelegatedAdmin) {
      return {
        ok: true,
        detail: `connected as ${ctx.adminEmail}, a delegated admin: it can act only on users its admin roles cover, and never on super admins`,
      }
    }
    return {
      ok: false,
      problem: { kind: 'permission', detail: `${ctx.adminEmail} is not an admin, so it cannot manage users; set adminEmail to a super admin` },
    }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

// --- findAccount, listAccounts, listAdmins -------------------------------------------------

export async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  // userKey takes the primary address or an alias; Google answers 404 for neither.
  try {
    const user = await readUser(ctx, email.trim())
    return user ? toAccount(user) : null
  } catch (error) {
    throw withForeignDomainHint(ctx, email.trim(), error)
  }
}

/** Google answers 403, not 404, for an address in a domain the account does not own: say so, since it reads like a role problem. */
function withForeignDomainHint(ctx: Context, email: string, error: unknown): unknown {
  if (!(error instanceof ProviderError) || error.problem.kind !== 'permission') return error
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase()
  const primary = ctx.domain.toLowerCase()
  if (domain === primary || domain.endsWith(`.${primary}`)) return error
  const hint = `${domain} is not ${primary}; if it is not one of this Google Workspace account's domains either, the person has no account here`
  const detail = error.problem.detail ? `${error.problem.detail}; ${hint}` : hint
  return new ProviderError({ ...error.problem, detail }, { cause: error })
}

async function listPage(ctx: Context, query: Record<string, string | number | undefined>): Promise<{ users: GoogleUser[]; nextPageToken?: string }> {
  // customer=my_customer covers every domain of the account (domain= would cover only one).
  const response = await call(ctx, { method: 'GET', path: USERS_PATH, query: { customer: 'my_customer', maxResults: PAGE_SIZE, ...query } })
  const parsed = userListSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Google', response.status, 'GET users', 'a list of Directory API users')
  return { users: parsed.data.users ?? [], ...(parsed.data.nextPageToken ? { nextPageToken: parsed.data.nextPageToken } : {}) }
}

export async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const page = await listPage(ctx, { orderBy: 'email', pageToken: cursor })
  return { accounts: page.users.map(toAccount), ...(page.nextPageToken ? { nextCursor: page.nextPageToken } : {}) }
}

/** Super admins (query isAdmin=true): the admins a Google Workspace account must keep at least one of. */
export async function listAdmins(ctx: Context): Promise<Account[]> {
  return readAllPages(
    async (pageToken: string | undefined) => {
      const result = await listPage(ctx, { query: 'isAdmin=true', pageToken })
      // Believe the flag, not the search: a loose match must not count as an admin.
      const items = result.users.filter((user) => user.isAdmin === true).map(toAccount)
      return { items, ...(result.nextPageToken ? { next: result.nextPageToken } : {}) }
    },
    MAX_ADMIN_PAGES,
    () => new ProviderError({ kind: 'rejected', detail: `Google kept paging through super admins beyond ${MAX_ADMIN_PAGES} pages` }),
  )
}

// --- suggest -------------------------------------------------------------------------------------

/** Active users whose address or name starts with what the actor typed, never the person being deleted. */
export async function suggest(ctx: Context, account: Account, questionId: string, query: string): Promise<Option[]> {
  if (questionId !== NEW_OWNER_QUESTION) return []
  // Google's search syntax quotes with '; the actor's text is kept to characters that cannot break out of it.
  const text = query.replace(/[^\p{L}\p{N}@._ -]/gu, '').trim()
  const searches = text ? [`isSuspended=false email:${text.replace(/ /g, '')}*`, `isSuspended=false name:'${text}*'`] : ['isSuspended=false']
  const pages = await Promise.all(searches.map((search) => listPage(ctx, { query: search, orderBy: 'email', maxResults: SUGGEST_PAGE_SIZE })))
  const seen = new Set<string>()
  return pages
    .flatMap((page) => page.users)
    .filter((user) => user.id !== account.id && !user.suspended && !user.archived && !seen.has(user.id) && seen.add(user.id))
    .slice(0, 100)
    .map((user) => ({ value: user.id, label: clip(who(user), OPTION_LABEL_MAX) }))
}

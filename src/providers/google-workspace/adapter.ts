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
import { DATATRANSFER_SCOPE, DELEGATION_PATH, DIRECTORY_USER_SCOPE, DIRECTORY_USER_SECURITY_SCOPE, GOOGLE_TOKEN_URL, ServiceAccountKeyError, createTokenSource, parseServiceAccountKey } from './auth.js'
import type { ServiceAccountKey, TokenSource } from './auth.js'
import { createHttpClient } from '../kit/http.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../kit/http.js'
import { ProviderError, describeProblem, toProblem } from '../problems.js'
import { otherAddresses } from '../addresses.js'
import { readTransfer, readTransferApplications, startTransfer, transferRequestBody, transferStatus } from './data-transfer.js'
import type { DataTransfer, Send, TransferApplication, TransferApplications } from './data-transfer.js'
import type { Account, AccountAction, AccountPage, Action, Adapter, Blocker, Choices, Deletes, Health, ListsAccounts, ListsAdmins, Option, Outcome, PollsTasks, Preflight, Provider, ProviderOptions, Question, SuggestsAnswers, Suspends, TaskRef } from '../types.js'
import { provide } from '../capabilities.js'
import { clip } from '../kit/text.js'
import { isNotFound, unreadable } from '../kit/errors.js'

export const DEFAULT_BASE_URL = 'https://admin.googleapis.com'
export const DEFAULT_ADMIN_CONSOLE_URL = 'https://admin.google.com/ac/users'
export const USERS_PATH = '/admin/directory/v1/users'
/** How long Google keeps a deleted user restorable in the Admin console. */
export const RESTORE_WINDOW_DAYS = 20
/** users.list accepts at most 500 per page. */
export const PAGE_SIZE = 500
const MAX_ADMIN_PAGES = 20
const DAY_MS = 24 * 60 * 60_000
/** Google's quota errors: 403 userRateLimitExceeded / quotaExceeded and 429 rateLimitExceeded. */
const RATE_LIMIT_REASON = /\((userRateLimitExceeded|rateLimitExceeded|quotaExceeded)\)$/
const NOT_FOUND_REASON = /\((notFound|NOT_FOUND)\)$/

const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['suspend', 'restore'])

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
const TASK_PREFIX = 'google-transfer:'
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
  emails: z.array(z.object({ address: z.string().optional() })).optional().catch(undefined),
})
type GoogleUser = z.infer<typeof userSchema>

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

interface Context {
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

/**
 * Throws ServiceAccountKeyError at once when `serviceAccountKey` is not a service
 * account's JSON key, so a wrong secret stops start-up with a clear line instead of
 * failing every alert later. The message never quotes the key.
 */
export function createGoogleWorkspaceProvider(config: GoogleWorkspaceIntegration, options: ProviderOptions = {}): Provider {
  const key = readKey(config)
  const now = options.now ?? (() => new Date())
  const tokenSource = (scope: string) =>
    createTokenSource({ key, subject: config.adminEmail, scopes: [scope], tokenUrl: config.tokenUrl ?? GOOGLE_TOKEN_URL, timeoutMs: options.timeoutMs, now })
  const tokens = tokenSource(DIRECTORY_USER_SCOPE)
  const securityTokens = tokenSource(DIRECTORY_USER_SECURITY_SCOPE)
  const transferTokens = tokenSource(DATATRANSFER_SCOPE)
  const http = createHttpClient({
    baseUrl: config.baseUrl ?? DEFAULT_BASE_URL,
    headers: { accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeGoogleError,
  })
  const ctx: Context = { http, tokens, securityTokens, transferTokens, service: config.displayName, domain: config.domain, adminEmail: config.adminEmail, now }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'google-workspace',
    adminConsoleUrl: config.adminConsoleUrl ?? DEFAULT_ADMIN_CONSOLE_URL,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => execute(ctx, account, 'suspend', {}),
    restore: (account) => execute(ctx, account, 'restore', {}),
    delete: (account, choices) => execute(ctx, account, 'delete', choices),
    poll: (task) => poll(ctx, task),
    suggest: (account, questionId, query) => suggest(ctx, account, questionId, query),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
    listAdmins: () => listAdmins(ctx),
  } satisfies Adapter & Suspends & Deletes & PollsTasks & SuggestsAnswers & ListsAccounts & ListsAdmins)
}

function readKey(config: GoogleWorkspaceIntegration): ServiceAccountKey {
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
async function call<T = unknown>(ctx: Context, request: HttpRequest, tokens: TokenSource = ctx.tokens): Promise<HttpResponse<T>> {
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

function userPath(userKey: string): string {
  return `${USERS_PATH}/${encodeURIComponent(userKey)}`
}

/** GET users/{userKey}; null when Google has no such user (or it was deleted). */
async function readUser(ctx: Context, userKey: string): Promise<GoogleUser | null> {
  try {
    const response = await call(ctx, { method: 'GET', path: userPath(userKey) })
    return parseUser(response.body, response.status, 'GET users/{userKey}')
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

function parseUser(body: unknown, status: number, call: string): GoogleUser {
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

function who(user: GoogleUser): string {
  const name = displayNameOf(user)
  return name ? `${name} (${user.primaryEmail})` : user.primaryEmail
}

/** Whether this user is the admin the bot acts as, by primary address or alias. */
function isActingAdmin(ctx: Context, user: GoogleUser): boolean {
  const wanted = ctx.adminEmail.toLowerCase()
  return [user.primaryEmail, ...(user.aliases ?? []), ...(user.nonEditableAliases ?? [])].some((email) => email.toLowerCase() === wanted)
}

// --- checkConnection --------------------------------------------------------------------

async function checkConnection(ctx: Context): Promise<Health> {
  try {
    const admin = await readUser(ctx, ctx.adminEmail)
    if (!admin) return { ok: false, problem: { kind: 'permission', detail: `Google has no user ${ctx.adminEmail}; set adminEmail to a super admin` } }
    if (admin.suspended || admin.archived) {
      return { ok: false, problem: { kind: 'permission', detail: `the admin the bot acts as, ${ctx.adminEmail}, is suspended or archived; set adminEmail to an active super admin` } }
    }
    if (admin.isAdmin) return { ok: true, detail: `connected as ${ctx.adminEmail}, a super admin: users can be read, suspended and deleted` }
    if (admin.isDelegatedAdmin) {
      return { ok: true, detail: `connected as ${ctx.adminEmail}, a delegated admin: it can act only on users its admin roles cover, and never on super admins` }
    }
    return { ok: false, problem: { kind: 'permission', detail: `${ctx.adminEmail} is not an admin, so it cannot manage users; set adminEmail to a super admin` } }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

// --- findAccount, listAccounts, listAdmins -------------------------------------------------

async function findAccount(ctx: Context, email: string): Promise<Account | null> {
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

async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const page = await listPage(ctx, { orderBy: 'email', pageToken: cursor })
  return { accounts: page.users.map(toAccount), ...(page.nextPageToken ? { nextCursor: page.nextPageToken } : {}) }
}

/** Super admins (query isAdmin=true): the admins a Google Workspace account must keep at least one of. */
async function listAdmins(ctx: Context): Promise<Account[]> {
  const admins: Account[] = []
  let pageToken: string | undefined
  for (let page = 0; page < MAX_ADMIN_PAGES; page++) {
    const result = await listPage(ctx, { query: 'isAdmin=true', pageToken })
    // Believe the flag, not the search: a loose match must not count as an admin.
    admins.push(...result.users.filter((user) => user.isAdmin === true).map(toAccount))
    if (!result.nextPageToken) return admins
    pageToken = result.nextPageToken
  }
  throw new ProviderError({ kind: 'rejected', detail: `Google kept paging through super admins beyond ${MAX_ADMIN_PAGES} pages` })
}

// --- preflight ------------------------------------------------------------------------------

async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  // Re-read by id: the modal shows Google's state now, and a renamed address still finds the person.
  const user = await readUser(ctx, account.id)
  if (!user) return { kind: 'gone' }
  const current = toAccount(user)
  const blockers = await blockersFor(ctx, user, action)
  if (blockers.length > 0) return { kind: 'blocked', account: current, blockers }
  const handOver = action === 'delete' ? await handOverAvailability(ctx) : undefined
  return {
    kind: 'ready',
    account: current,
    consequences: [...consequences(ctx, user, action), ...(handOver?.kind === 'available' ? [HAND_OVER_CONSEQUENCE] : [])],
    warnings: [...warnings(ctx, user, action), ...(handOver?.kind === 'unavailable' ? [handOverUnavailableWarning(handOver.reason)] : [])],
    reversible: REVERSIBLE.has(action),
    ...(handOver ? { questions: handOverQuestions(handOver) } : {}),
  }
}

type HandOver = { kind: 'available'; applications: TransferApplications } | { kind: 'unavailable'; reason: string }

/** Whether files can be handed over: the data transfer scope is delegated and Google lists a Drive application. */
async function handOverAvailability(ctx: Context): Promise<HandOver> {
  try {
    const applications = await readTransferApplications(transferSend(ctx))
    return applications ? { kind: 'available', applications } : { kind: 'unavailable', reason: 'Google lists no Drive application whose files can be transferred' }
  } catch (error) {
    const problem = toProblem(error)
    if (problem.kind !== 'credentials' && problem.kind !== 'permission') throw error
    const described = describeProblem(problem)
    const hint = described.includes(DATATRANSFER_SCOPE) ? '' : `; the hand-over needs the ${DATATRANSFER_SCOPE} scope granted in ${DELEGATION_PATH}`
    return { kind: 'unavailable', reason: `the Data Transfer API refused the bot (${described}${hint})` }
  }
}

/** Skipping is an explicit answer; without the hand-over on offer it is the only one, so the modal still says what happens. */
function handOverQuestions(handOver: HandOver): Question[] {
  if (handOver.kind === 'unavailable') {
    return [{ id: HAND_OVER_QUESTION, label: 'Hand over their files', hint: 'Unavailable: their Drive files and calendars are deleted with the account.', options: [SKIP_UNAVAILABLE_HAND_OVER], initial: SKIP_UNAVAILABLE_HAND_OVER }]
  }
  const options = [HAND_OVER_DRIVE, ...(handOver.applications.calendar ? [HAND_OVER_DRIVE_CALENDAR] : []), SKIP_HAND_OVER]
  return [
    { id: HAND_OVER_QUESTION, label: 'Hand over their files before deleting', hint: 'The account is deleted only once the transfer has completed.', options, initial: HAND_OVER_DRIVE },
    { id: NEW_OWNER_QUESTION, label: 'New owner of their files', hint: 'Needed unless you skip the hand-over. Only active users can be chosen.', searchable: true, optional: true },
  ]
}

function transferSend(ctx: Context): Send {
  return (request) => call(ctx, request, ctx.transferTokens)
}

/**
 * The admin the bot acts as is never suspended or deleted (that would end the
 * integration), and only a super admin may act on a super admin: checked here from
 * Google's data so the modal says so instead of Google's bare 403.
 */
async function blockersFor(ctx: Context, user: GoogleUser, action: AccountAction): Promise<Blocker[]> {
  if (action === 'restore') return []
  if (isActingAdmin(ctx, user)) return [{ problem: { kind: 'integration-owner', owner: ctx.adminEmail } }]
  if (!user.isAdmin) return []
  const actor = await readUser(ctx, ctx.adminEmail)
  if (!actor || actor.isAdmin) return []
  return [
    {
      problem: {
        kind: 'permission',
        detail: `${user.primaryEmail} is a super admin, and only a super admin can ${action} a super admin; the bot acts as ${ctx.adminEmail}, who is not one. Ask a super admin to do it in the Admin console, or set adminEmail to a super admin.`,
      },
    },
  ]
}

function consequences(ctx: Context, user: GoogleUser, action: AccountAction): string[] {
  const service = ctx.service
  switch (action) {
    case 'suspend':
      return [
        `${who(user)} is suspended in ${service}: they can no longer sign in to Google, nor through Google sign-in to other apps.`,
        SIGN_OUT_CONSEQUENCE,
        'Nothing is deleted: mail, Drive files and calendars are kept, and files they shared stay available to collaborators.',
        'New mail and calendar invitations to them are blocked.',
        'Google still bills the licence of a suspended account.',
        'Restore (un-suspending) brings the account back as it was.',
      ]
    case 'delete':
      return [
        SIGN_OUT_CONSEQUENCE,
        `${who(user)} is deleted from ${service}: they can no longer sign in to Google, nor through Google sign-in to other apps.`,
        'Their mail, Drive files (My Drive), calendars and other Google data are deleted with the account.',
        'Their Google Vault data goes with it, so it can no longer be searched or exported.',
        `An admin can restore the account in the Admin console for ${RESTORE_WINDOW_DAYS} days, unless its address is reused or no licence is free; after that it is gone for good.`,
        'The licence is freed.',
      ]
    default:
      return [`${who(user)} is un-suspended in ${service}: they can sign in again, with their data as it was.`]
  }
}

function warnings(ctx: Context, user: GoogleUser, action: AccountAction): string[] {
  if (action === 'restore') return restoreWarnings(user)
  const list: string[] = []
  if (action === 'suspend' && user.suspended) list.push(`The account is already suspended in ${ctx.service}; nothing will change.`)
  if (user.archived && !user.suspended) {
    list.push('The account is archived (an Archived User licence), so they cannot sign in already; it stays locked if someone unarchives it.')
  }
  if (user.isAdmin) {
    list.push(`${who(user)} is a super admin: their admin access goes with the account. The bot checks that another super admin remains.`)
  } else if (user.isDelegatedAdmin) {
    list.push(`${who(user)} holds delegated admin roles, which go with the account.`)
  }
  list.push(SESSIONS_WARNING)
  if (action === 'delete') list.push(KEEP_DATA_WARNING)
  return list
}

function restoreWarnings(user: GoogleUser): string[] {
  const list: string[] = []
  if (!user.suspended) list.push('The account is not suspended; nothing will change.')
  if (user.suspended && user.suspensionReason && user.suspensionReason !== 'ADMIN') {
    list.push(`Google suspended this account itself (reason ${user.suspensionReason}), not an admin; Google may refuse to un-suspend it.`)
  }
  if (user.archived) list.push('The account is archived: un-suspending does not unarchive it, so they still cannot sign in until an admin does that in the Admin console.')
  return list
}

// --- execute ---------------------------------------------------------------------------------

/**
 * Reads the user fresh and re-checks the blockers before the one write call: the
 * worker runs execute without a new preflight. Failures are thrown as ProviderError;
 * the caller turns them into a failed outcome.
 */
async function execute(ctx: Context, account: Account, action: AccountAction, choices: Choices): Promise<Outcome> {
  const user = await readUser(ctx, account.id)
  if (!user) {
    if (action === 'restore') throw new ProviderError({ kind: 'not-found', detail: `the account was deleted; an admin can restore it in the Admin console within ${RESTORE_WINDOW_DAYS} days of deletion` })
    return { kind: 'already-done', detail: action === 'delete' ? 'already deleted' : 'the account no longer exists' }
  }
  const blocker = (await blockersFor(ctx, user, action))[0]
  if (blocker) throw new ProviderError(blocker.problem)
  switch (action) {
    case 'suspend': {
      // A run that suspended and then stopped before signing them out finishes the job here.
      if (user.suspended) return { kind: 'already-done', detail: `already suspended; ${await signOut(ctx, user)} again` }
      const suspended = await setSuspended(ctx, user, true)
      return suspended.kind === 'done' ? { kind: 'done', detail: await signOut(ctx, user) } : suspended
    }
    case 'restore':
      if (!user.suspended) return { kind: 'already-done', detail: user.archived ? 'not suspended (but archived)' : 'already active' }
      return setSuspended(ctx, user, false)
    default:
      return deleteWithHandOver(ctx, user, choices)
  }
}

async function setSuspended(ctx: Context, user: GoogleUser, suspended: boolean): Promise<Outcome> {
  let response: HttpResponse<unknown>
  try {
    response = await call(ctx, { method: 'PUT', path: userPath(user.id), json: { suspended } })
  } catch (error) {
    if (suspended && isNotFound(error)) return { kind: 'already-done', detail: 'the account no longer exists' }
    throw error
  }
  // Believe the user Google returns: an update it ignored must not be reported as done.
  const updated = parseUser(response.body, response.status, 'PUT users/{userKey}')
  if (updated.suspended !== suspended) {
    return {
      kind: 'failed',
      problem: { kind: 'rejected', status: response.status, detail: `Google accepted the change but still reports the account as ${updated.suspended ? 'suspended' : 'not suspended'}` },
    }
  }
  if (!suspended && updated.archived) return { kind: 'done', detail: 'the account is still archived, so they cannot sign in until an admin unarchives it' }
  return { kind: 'done' }
}

/**
 * Ends their Google web and device sessions; says what happened. Without the security
 * scope delegated the action still goes on (suspending or deleting matters more), and
 * the reply says how to get sessions ended next time. Other failures are thrown: a retry is safe.
 */
async function signOut(ctx: Context, user: GoogleUser): Promise<string> {
  try {
    await call(ctx, { method: 'POST', path: `${userPath(user.id)}/signOut` }, ctx.securityTokens)
    return 'they were signed out of every Google session'
  } catch (error) {
    if (isNotFound(error)) return 'they had no Google session left'
    const problem = toProblem(error)
    if (problem.kind !== 'credentials' && problem.kind !== 'permission') throw error
    return `they were NOT signed out of open Google sessions (${describeProblem(problem)}): grant the service account the ${DIRECTORY_USER_SECURITY_SCOPE} scope in domain-wide delegation, then sign them out in the Admin console`
  }
}

async function deleteUser(ctx: Context, user: GoogleUser): Promise<Outcome> {
  const signedOut = await signOut(ctx, user)
  try {
    await call(ctx, { method: 'DELETE', path: userPath(user.id) })
  } catch (error) {
    // Slack retries and double clicks: a second delete finding nothing is a success.
    if (isNotFound(error)) return { kind: 'already-done', detail: 'already deleted' }
    throw error
  }
  const until = new Date(ctx.now().getTime() + RESTORE_WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10)
  return { kind: 'done', detail: `${signedOut}; an admin can restore the account in the Google Admin console for ${RESTORE_WINDOW_DAYS} days (until ${until})` }
}

// --- the hand-over before a delete -------------------------------------------------------------

/** What the worker stores between polls of a transfer (JSON only). */
const handOverStateSchema = z.object({
  userId: z.string().min(1),
  transferId: z.string().min(1),
  newOwner: z.string().min(1),
  applications: z.array(z.object({ id: z.string().min(1), name: z.string().min(1) })).min(1),
  polls: z.number().int().nonnegative(),
  startedAt: z.string(),
})
type HandOverState = z.infer<typeof handOverStateSchema>

/** Deletes at once only when skipping was chosen; otherwise starts the transfer, and the delete waits for it. */
async function deleteWithHandOver(ctx: Context, user: GoogleUser, choices: Choices): Promise<Outcome> {
  const choice = choices[HAND_OVER_QUESTION]
  if (choice === SKIP_HAND_OVER.value) {
    const deleted = await deleteUser(ctx, user)
    return deleted.kind === 'done' ? withDetail(deleted, SKIPPED_DETAIL) : deleted
  }
  if (choice !== HAND_OVER_DRIVE.value && choice !== HAND_OVER_DRIVE_CALENDAR.value) {
    return keptUser('no choice was made about handing over their files: choose a new owner, or skip the hand-over, in the Delete dialog')
  }
  const newOwnerId = choices[NEW_OWNER_QUESTION]?.trim()
  if (!newOwnerId) return keptUser('the hand-over was chosen without a new owner: choose one, or skip the hand-over')
  const newOwner = await checkNewOwner(ctx, newOwnerId, user)
  if (typeof newOwner === 'string') return keptUser(newOwner)
  const handOver = await handOverAvailability(ctx)
  if (handOver.kind === 'unavailable') return keptUser(`the hand-over is unavailable now: ${handOver.reason}`)
  const { drive, calendar } = handOver.applications
  if (choice === HAND_OVER_DRIVE_CALENDAR.value && !calendar) return keptUser('Google no longer lists a Calendar application to transfer: choose Drive files only, or skip')
  const applications = choice === HAND_OVER_DRIVE_CALENDAR.value && calendar ? [drive, calendar] : [drive]
  const transfer = await startTransfer(transferSend(ctx), transferRequestBody(user.id, newOwner.id, applications, calendar?.id))
  const state: HandOverState = { userId: user.id, transferId: transfer.id, newOwner: who(newOwner), applications, polls: 0, startedAt: ctx.now().toISOString() }
  return settleHandOver(ctx, state, transfer)
}

/** A reason the chosen user cannot receive the files, or the user. */
async function checkNewOwner(ctx: Context, id: string, user: GoogleUser): Promise<GoogleUser | string> {
  if (id === user.id) return 'the chosen new owner is the user being deleted'
  const owner = await readUser(ctx, id)
  if (!owner) return `the chosen new owner (${id}) no longer exists in ${ctx.service}`
  if (owner.suspended || owner.archived) return `the chosen new owner, ${who(owner)}, is suspended or archived: files can only be handed to an active user`
  return owner
}

async function poll(ctx: Context, task: TaskRef): Promise<Outcome> {
  const parsed = handOverStateSchema.safeParse(task.state)
  if (!parsed.success || !task.id.startsWith(TASK_PREFIX)) {
    throw new ProviderError({ kind: 'rejected', detail: `task ${task.id} is not a transfer the Google Workspace adapter started, or its state is unreadable` })
  }
  return settleHandOver(ctx, parsed.data, await readTransfer(transferSend(ctx), parsed.data.transferId))
}

/** Deletes once the transfer completed (re-checking the user first: the worker polls without a preflight), keeps the user if it failed, else polls again. */
async function settleHandOver(ctx: Context, state: HandOverState, transfer: DataTransfer): Promise<Outcome> {
  const status = transferStatus(transfer, state.applications)
  const handedOver = `their ${applicationNames(state.applications)} data was handed over to ${state.newOwner}`
  switch (status.kind) {
    case 'completed': {
      const user = await readUser(ctx, state.userId)
      if (!user) return { kind: 'already-done', detail: `${handedOver}; the account was already deleted` }
      const blocker = (await blockersFor(ctx, user, 'delete'))[0]
      if (blocker) throw new ProviderError(blocker.problem)
      return withDetail(await deleteUser(ctx, user), handedOver)
    }
    case 'failed':
      return {
        kind: 'failed',
        problem: {
          kind: 'conflict',
          detail: `Google's transfer of their ${applicationNames(status.failed)} data to ${state.newOwner} failed (transfer ${state.transferId}), so the user was kept and nothing was deleted. Retry to start a new transfer, or hand the files over in the Admin console and delete the user there`,
        },
      }
    case 'running': {
      const days = (ctx.now().getTime() - Date.parse(state.startedAt)) / DAY_MS
      if (days > MAX_TRANSFER_DAYS) {
        return keptUser(`Google's transfer to ${state.newOwner} (transfer ${state.transferId}) has not completed after ${MAX_TRANSFER_DAYS} days; check it in the Admin console, then retry`)
      }
      return {
        kind: 'pending',
        task: { id: `${TASK_PREFIX}${state.transferId}`, pollAfterMs: Math.min(TRANSFER_POLL_MAX_MS, TRANSFER_POLL_FIRST_MS * 2 ** Math.min(state.polls, 10)), state: { ...state, polls: state.polls + 1 } },
        progress: { done: status.done, total: state.applications.length, label: `transfers to ${state.newOwner} completed (${applicationNames(state.applications)})` },
      }
    }
  }
}

function keptUser(reason: string): Outcome {
  return { kind: 'failed', problem: { kind: 'conflict', detail: `${reason}. Nothing was transferred and the user was not deleted` } }
}

function withDetail(outcome: Outcome, first: string): Outcome {
  if (outcome.kind === 'done') return { kind: 'done', detail: outcome.detail ? `${first}; ${outcome.detail}` : first }
  if (outcome.kind === 'already-done') return { kind: 'already-done', detail: `${first}; ${outcome.detail}` }
  return outcome
}

function applicationNames(applications: readonly TransferApplication[]): string {
  return applications.map((app) => app.name).join(' and ')
}

// --- suggest -------------------------------------------------------------------------------------

/** Active users whose address or name starts with what the actor typed, never the person being deleted. */
async function suggest(ctx: Context, account: Account, questionId: string, query: string): Promise<Option[]> {
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


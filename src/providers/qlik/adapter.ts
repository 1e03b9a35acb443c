/**
 * Qlik Cloud tenant users (REST under {tenantUrl}/api/v1, API key as a bearer token).
 * suspend = PATCH /users/{id} status "disabled", restore = status "active",
 * delete = DELETE /users/{id}, after moving everything the user owns (spaces,
 * apps, scripts, data connections; reload schedules follow their app) to a new
 * owner the actor picks, so that nothing is orphaned. A pending invitation is
 * simply deleted. The user whose key the bot uses is never deleted or disabled.
 */
import { z } from 'zod'
import type { QlikIntegration } from './config.js'
import { createHttpClient } from '../kit/http.js'
import type { HttpClient, QueryValue } from '../kit/http.js'
import { ProviderError, describeProblem, isRetryable, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import type { Account, AccountAction, AccountPage, AccountStatus, Action, Adapter, Choices, Deletes, Health, ListsAccounts, Option, Outcome, Preflight, Provider, ProviderOptions, Question, SuggestsAnswers, Suspends } from '../types.js'
import { provide } from '../capabilities.js'
import { capitalize, clip } from '../kit/text.js'
import { isNotFound, unreadable } from '../kit/errors.js'

/** The question (and Choices key) for the user who receives the deleted user's assets. */
export const NEW_OWNER_QUESTION = 'new-owner'
export const TENANT_ADMIN_ROLE = 'TenantAdmin'
/** Names listed per kind of asset in the modal; the rest is counted. */
export const NAMES_PER_KIND = 10

const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['suspend', 'restore'])

/** Qlik's list endpoints take at most 100 per page. */
const PAGE_LIMIT = 100
/** A runaway `links.next` chain stops here (100 x 100 resources) instead of looping forever. */
const MAX_PAGES = 100
/** Slack cuts option labels at 75 characters. */
const OPTION_LABEL_MAX = 75
/** The conflict reply shows a service detail of up to 600 characters: stay under it. */
const CONFLICT_DETAIL_MAX = 590
const NAMES_IN_CONFLICT = 5

// --- Qlik's answers, as far as the adapter relies on them --------------------

export const userSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
  status: z.string().optional(),
  assignedRoles: z.array(z.object({ name: z.string() })).optional(),
})
type QlikUser = z.infer<typeof userSchema>

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

interface Context {
  http: HttpClient
  service: string
  /** The tenant URL: `links.next` must stay on it (the bearer key is never sent elsewhere). */
  tenant: URL
}

export function createQlikProvider(config: QlikIntegration, options: ProviderOptions = {}): Provider {
  const tenantUrl = config.tenantUrl.replace(/\/+$/, '')
  const http = createHttpClient({
    baseUrl: tenantUrl,
    headers: { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeQlikError,
  })
  const ctx: Context = { http, service: config.displayName, tenant: new URL(tenantUrl) }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'qlik',
    adminConsoleUrl: config.adminConsoleUrl ?? `${tenantUrl}/console/users`,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => setStatus(ctx, account, 'disabled'),
    restore: (account) => setStatus(ctx, account, 'active'),
    delete: (account, choices) => deleteAccount(ctx, account, choices),
    suggest: (account, questionId, query) => suggest(ctx, account, questionId, query),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
  } satisfies Adapter & Suspends & Deletes & ListsAccounts & SuggestsAnswers)
}

/** Qlik error bodies: `{"errors":[{"code","title","detail","status"}],"traceId"}`. */
export function describeQlikError(_status: number, body: unknown): string | undefined {
  const parsed = qlikErrorsSchema.safeParse(body)
  if (!parsed.success) return undefined
  const { errors, traceId, code, title, detail } = parsed.data
  const list = errors && errors.length > 0 ? errors : title || detail ? [{ code, title, detail }] : []
  const text = list.map(describeOneError).filter((line) => line !== '').join('; ')
  if (text === '') return undefined
  return traceId ? `${text} [trace ${traceId}]` : text
}

function describeOneError(error: z.infer<typeof qlikErrorSchema>): string {
  const words = [error.title, error.detail].filter((part): part is string => Boolean(part && part.trim()))
  const text = words.join(': ')
  if (error.code === undefined || error.code === '') return text
  return text ? `${text} (${error.code})` : String(error.code)
}

// --- checkConnection ----------------------------------------------------------

async function checkConnection(ctx: Context): Promise<Health> {
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

async function findAccount(ctx: Context, email: string): Promise<Account | null> {
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
async function readMe(ctx: Context): Promise<QlikUser> {
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
  return new ProviderError({ kind: 'rejected', status: 404, detail: `Qlik answered 404 Not Found when the bot read ${what}${said}; the account was not touched` }, { cause: error })
}

/** One page of a Qlik list; a 404 is a fault of the listing, not a missing account. */
function readPage(ctx: Context, request: { path: string; query?: Record<string, QueryValue> }, what: string) {
  return ctx.http.send({ method: 'GET', path: request.path, query: request.query }).catch((error: unknown) => {
    throw notTheAccount(error, `the list of ${what} (GET ${request.path})`)
  })
}

/** The user as Qlik sees it now; null when it is gone (404, or already marked deleted). */
async function readUser(ctx: Context, id: string): Promise<QlikUser | null> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: userPath(id) })
    const user = parseUser(response.body, response.status, 'GET /api/v1/users/{id}')
    return user.status === 'deleted' ? null : user
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
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
async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
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
async function listAll<T extends z.ZodType>(
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
      throw new ProviderError({ kind: 'rejected', detail: `Qlik listed more than ${MAX_PAGES * PAGE_LIMIT} ${what}; the bot stopped rather than act on a partial list` })
    }
    request = nextRequest(ctx, next, what, seen)
  }
}

function nextRequest(ctx: Context, href: string, what: string, seen: Set<string>): { path: string; query: Record<string, string> } {
  let url: URL
  try {
    url = new URL(href, ctx.tenant)
  } catch {
    throw new ProviderError({ kind: 'rejected', detail: `Qlik answered a list of ${what} with an unreadable next link` })
  }
  if (url.origin !== ctx.tenant.origin) {
    throw new ProviderError({ kind: 'rejected', detail: `Qlik's next link for ${what} points away from the tenant (${url.origin}); the bot did not follow it` })
  }
  if (seen.has(url.href)) throw new ProviderError({ kind: 'rejected', detail: `Qlik's next link for ${what} repeats a page` })
  seen.add(url.href)
  const basePath = ctx.tenant.pathname.replace(/\/+$/, '')
  const path = basePath && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname
  return { path, query: Object.fromEntries(url.searchParams) }
}

// --- what a user owns ---------------------------------------------------------

export type AssetKind = 'space' | 'app' | 'script' | 'data-connection' | 'reload-task'

export interface OwnedAsset {
  kind: AssetKind
  /** The id the reassignment call takes (app id for apps and scripts, qID for connections). */
  id: string
  name: string
  /** Data connections only: in the owner's personal space (no space id). */
  personal?: boolean
  /** Reload schedules only: the app (or script) they reload. */
  appId?: string
}

const KINDS: readonly AssetKind[] = ['space', 'app', 'script', 'data-connection', 'reload-task']
const KIND_NAMES: Record<AssetKind, { one: string; many: string }> = {
  space: { one: 'space', many: 'spaces' },
  app: { one: 'app', many: 'apps' },
  script: { one: 'script', many: 'scripts' },
  'data-connection': { one: 'data connection', many: 'data connections' },
  'reload-task': { one: 'reload schedule', many: 'reload schedules' },
}

/** Everything the user owns that the integration's admin can list, in a fixed order of kinds. */
async function ownedAssets(ctx: Context, userId: string): Promise<OwnedAsset[]> {
  // When one listing fails the others stop paging: nothing would use their answers.
  const stop = new AbortController()
  const list = <T extends z.ZodType>(path: string, query: Record<string, QueryValue>, item: T, what: string) =>
    listAll(ctx, path, query, item, what, { signal: stop.signal }).catch((error: unknown) => {
      stop.abort()
      throw error
    })
  const [spaces, apps, scripts, connections, tasks] = await Promise.all([
    list('/api/v1/spaces', { ownerId: userId, limit: PAGE_LIMIT }, spaceSchema, 'spaces'),
    list('/api/v1/items', itemQuery('app', userId), itemSchema, 'apps'),
    list('/api/v1/items', itemQuery('script', userId), itemSchema, 'scripts'),
    list('/api/v1/data-connections', { userId, noDatafiles: true, limit: PAGE_LIMIT }, connectionSchema, 'data connections'),
    // The reload-tasks list has no owner filter: read them all and keep this user's.
    list('/api/v1/reload-tasks', { limit: PAGE_LIMIT }, reloadTaskSchema, 'reload schedules'),
  ])
  // A filter the service ignored must not make someone else's asset look like theirs.
  const theirs = (ownerId: string | undefined) => ownerId === undefined || ownerId === userId
  const items = (kind: 'app' | 'script', list: z.infer<typeof itemSchema>[]) =>
    list.filter((item) => theirs(item.ownerId)).map((item): OwnedAsset => ({ kind, id: item.resourceId ?? item.id, name: item.name || item.id }))
  const owned = [
    ...spaces.filter((space) => theirs(space.ownerId)).map((space): OwnedAsset => ({ kind: 'space', id: space.id, name: space.name || space.id })),
    ...items('app', apps),
    ...items('script', scripts),
    ...connections
      .filter((connection) => theirs(connection.user))
      .map((connection): OwnedAsset => ({ kind: 'data-connection', id: connection.qID, name: connection.qName || connection.qID, personal: !connection.space })),
  ]
  const theirTasks = tasks.filter((task) => task.userId === userId)
  const appNames = await namesOfApps(ctx, owned, theirTasks.flatMap((task) => (task.appId ? [task.appId] : [])))
  return [
    ...owned,
    ...theirTasks.map((task): OwnedAsset => ({
      kind: 'reload-task',
      id: task.id,
      name: task.appId ? (appNames.get(task.appId) ?? `app ${task.appId}`) : `schedule ${task.id}`,
      ...(task.appId ? { appId: task.appId } : {}),
    })),
  ]
}

function itemQuery(kind: 'app' | 'script', userId: string): Record<string, QueryValue> {
  return { resourceType: kind, ownerId: userId, noActions: true, limit: PAGE_LIMIT }
}

/**
 * Names of the apps reload schedules belong to, so the modal names the app rather
 * than an id. Schedules on apps of others need a lookup (`resourceIds`, at most 100
 * per call); the names are only for reading, so a failed lookup falls back to ids.
 */
async function namesOfApps(ctx: Context, owned: OwnedAsset[], appIds: string[]): Promise<Map<string, string>> {
  const names = new Map(owned.filter((asset) => asset.kind === 'app' || asset.kind === 'script').map((asset) => [asset.id, asset.name]))
  const unknown = [...new Set(appIds.filter((id) => !names.has(id)))]
  for (let start = 0; start < unknown.length; start += PAGE_LIMIT) {
    const ids = unknown.slice(start, start + PAGE_LIMIT)
    try {
      const query = { resourceType: 'app,script', resourceIds: ids.join(','), noActions: true, limit: PAGE_LIMIT }
      const found = await listAll(ctx, '/api/v1/items', query, itemSchema, 'apps')
      for (const item of found) if (item.resourceId && item.name) names.set(item.resourceId, item.name)
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error
    }
  }
  return names
}

// --- preflight ----------------------------------------------------------------

async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  // Re-read the user so the modal shows Qlik's state now, not the alert's.
  const [user, me] = await Promise.all([readUser(ctx, account.id), readMe(ctx)])
  if (!user) return { kind: 'gone' }
  const current = toAccount(user)
  if (action !== 'restore' && me.id === current.id) {
    return { kind: 'blocked', account: current, blockers: [{ problem: integrationOwner(me) }] }
  }
  if (current.status === 'pending' && action !== 'delete') {
    return { kind: 'blocked', account: current, blockers: [{ problem: pendingProblem(action) }] }
  }
  switch (action) {
    case 'delete':
      return current.status === 'pending'
        ? ready(current, 'delete', invitationConsequences(ctx.service, current), [idpWarning(ctx.service)])
        : prepareDelete(ctx, current, me)
    case 'suspend':
      return ready(current, 'suspend', suspendConsequences(ctx.service), suspendWarnings(ctx.service, current))
    default:
      return ready(current, 'restore', restoreConsequences(ctx.service), current.status === 'active' ? [`The user is already active in ${ctx.service}; nothing will change.`] : [])
  }
}

function ready(account: Account, action: AccountAction, consequences: string[], warnings: string[], questions?: Question[]): Preflight {
  return { kind: 'ready', account, consequences, warnings, reversible: REVERSIBLE.has(action), ...(questions ? { questions } : {}) }
}

async function prepareDelete(ctx: Context, account: Account, me: QlikUser): Promise<Preflight> {
  const assets = await ownedAssets(ctx, account.id)
  const consequences = [
    ...assetConsequences(account, assets),
    `The user is deleted from ${ctx.service}: their personal data is removed and their user entitlement (licence) is freed.`,
    'Their API keys are revoked.',
    'Notifications and alerts they own are deleted with them.',
    'This cannot be undone: if they come back, they start as a new user.',
  ]
  const warnings = [...assetWarnings(assets), idpWarning(ctx.service)]
  if (assets.length === 0) return ready(account, 'delete', consequences, warnings)
  return ready(account, 'delete', consequences, warnings, [newOwnerQuestion(assets, account, me)])
}

function assetConsequences(account: Account, assets: OwnedAsset[]): string[] {
  const who = account.displayName ?? account.email
  if (assets.length === 0) return [`${who} owns no spaces, apps, scripts, data connections or reload schedules that the bot can see.`]
  return [
    `${who} owns ${countPhrase(assets)}. Deleting the user without moving them would orphan them: reloads would fail and access would break.`,
    ...KINDS.flatMap((kind) => {
      const ofKind = assets.filter((asset) => asset.kind === kind)
      return ofKind.length > 0 ? [`${capitalize(KIND_NAMES[kind].many)} (${ofKind.length}): ${nameList(ofKind, NAMES_PER_KIND)}.`] : []
    }),
    'Before the user is deleted, each of these is reassigned to the new owner chosen below. If any reassignment fails, the user is not deleted.',
  ]
}

function assetWarnings(assets: OwnedAsset[]): string[] {
  const warnings: string[] = []
  if (assets.some((asset) => asset.kind === 'data-connection')) {
    warnings.push('Data connections move without their credentials: the new owner must enter their own before reloads that use them work again.')
  }
  if (assets.some((asset) => asset.kind === 'app' || asset.kind === 'script')) {
    warnings.push("Taking over an app can raise the new owner's role in its space (shared spaces: Can edit; managed spaces: Can manage). Apps in a personal space move to the new owner's personal space.")
  }
  const ownAppIds = new Set(assets.filter((asset) => asset.kind === 'app' || asset.kind === 'script').map((asset) => asset.id))
  const stranded = assets.filter((asset) => asset.kind === 'reload-task' && !(asset.appId && ownAppIds.has(asset.appId)))
  if (stranded.length > 0) {
    warnings.push(
      `${stranded.length} of their reload schedules ${stranded.length === 1 ? 'belongs' : 'belong'} to apps they do not own (${nameList(stranded, NAMES_PER_KIND)}). Qlik's API cannot change a schedule's owner, so unless Qlik moves them the bot will stop before deleting the user: re-save or delete those schedules in Qlik as another user first.`,
    )
  }
  return warnings
}

function newOwnerQuestion(assets: OwnedAsset[], account: Account, me: QlikUser): Question {
  const kinds = KINDS.filter((kind) => kind !== 'reload-task' && assets.some((asset) => asset.kind === kind))
  const label = kinds.length > 0 ? `New owner for their ${joinWords(kinds.map((kind) => KIND_NAMES[kind].many))}` : 'New owner for their reload schedules'
  const canBeOwner = me.id !== account.id && (me.status === undefined || me.status === 'active')
  return {
    id: NEW_OWNER_QUESTION,
    label,
    hint: 'Everything listed above is reassigned to this user before the delete. Only active users can be chosen.',
    searchable: true,
    ...(canBeOwner ? { initial: userOption(me) } : {}),
  }
}

function invitationConsequences(service: string, account: Account): string[] {
  return [
    `${account.email || 'This person'} has a pending invitation to ${service} and never signed in: the pending invitation is deleted, and its link stops working.`,
    'They own nothing in the tenant, so nothing needs a new owner.',
    'To give them access later, invite them again.',
  ]
}

function suspendConsequences(service: string): string[] {
  return [
    `The user is disabled in ${service} (their status is set to "disabled"): they can no longer sign in.`,
    'Nothing is deleted: their spaces, apps and other content keep them as owner.',
    'Reload schedules they own stop running while they are disabled.',
    'Restore (status "active") brings them back as they were.',
  ]
}

function suspendWarnings(service: string, account: Account): string[] {
  const warnings = account.status === 'suspended' ? [`The user is already disabled in ${service}; nothing will change.`] : []
  return [...warnings, idpWarning(service)]
}

function restoreConsequences(service: string): string[] {
  return [`The user is re-enabled in ${service} (their status is set back to "active"): they can sign in again.`]
}

function idpWarning(service: string): string {
  return `If they are still in ${service}'s identity provider they can sign in again, and ${service} re-creates their user with a licence: remove them from the identity provider first.`
}

function integrationOwner(me: QlikUser): Problem {
  return { kind: 'integration-owner', owner: nameOf(me) }
}

function pendingProblem(action: AccountAction): Problem {
  const what = action === 'restore' ? 'enable' : 'disable'
  return {
    kind: 'conflict',
    detail: `this is a pending invitation (the person never signed in), so there is no user to ${what}; delete the invitation instead`,
  }
}

// --- suggest ------------------------------------------------------------------

async function suggest(ctx: Context, account: Account, questionId: string, query: string): Promise<Option[]> {
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

function userOption(user: QlikUser): Option {
  const label = user.name && user.email ? `${user.name} <${user.email}>` : (user.name ?? user.email ?? user.id)
  return { value: user.id, label: label.length <= OPTION_LABEL_MAX ? label : `${label.slice(0, OPTION_LABEL_MAX - 1)}…` }
}

// --- execute ------------------------------------------------------------------

export function statusPatch(status: 'active' | 'disabled'): unknown {
  return [{ op: 'replace', path: '/status', value: status }]
}

async function setStatus(ctx: Context, account: Account, status: 'active' | 'disabled'): Promise<Outcome> {
  const action: Action = status === 'disabled' ? 'suspend' : 'restore'
  if (account.status === 'pending') return { kind: 'failed', problem: pendingProblem(action) }
  if (status === 'disabled' && account.status === 'suspended') return { kind: 'already-done', detail: 'already disabled' }
  if (status === 'active' && account.status === 'active') return { kind: 'already-done', detail: 'already active' }
  if (status === 'disabled') {
    const me = await readMe(ctx)
    if (me.id === account.id) return { kind: 'failed', problem: integrationOwner(me) }
  }
  try {
    const response = await ctx.http.send({ method: 'PATCH', path: userPath(account.id), json: statusPatch(status) })
    // 207: Qlik applied none or only part of the patch; the body lists why.
    if (response.status === 207) {
      const detail = describeQlikError(207, response.body) ?? 'Qlik accepted only part of the change'
      return { kind: 'failed', problem: { kind: 'rejected', status: 207, detail } }
    }
    return { kind: 'done' }
  } catch (error) {
    // A user that is gone cannot sign in: for disable that is the goal.
    if (status === 'disabled' && isNotFound(error)) return { kind: 'already-done', detail: 'the user no longer exists' }
    throw error
  }
}

async function deleteAccount(ctx: Context, account: Account, choices: Choices): Promise<Outcome> {
  const me = await readMe(ctx)
  if (me.id === account.id) return { kind: 'failed', problem: integrationOwner(me) }
  if (account.status === 'pending') return deleteUser(ctx, account.id, 'the pending invitation was deleted')

  const assets = await ownedAssets(ctx, account.id)
  if (assets.length === 0) return deleteUser(ctx, account.id)

  const who = account.displayName ?? account.email
  const newOwnerId = choices[NEW_OWNER_QUESTION]?.trim()
  if (!newOwnerId) {
    return conflict(`${who} still owns ${countPhrase(assets)}, and no new owner was chosen. Nothing was changed and the user was not deleted: choose a new owner and try again.`)
  }
  const newOwner = await checkNewOwner(ctx, newOwnerId, account)
  if (typeof newOwner === 'string') return conflict(`${newOwner} Nothing was changed and the user was not deleted.`)

  const reasons = new Map<string, string>()
  for (const asset of assets) {
    const reason = await reassign(ctx, asset, newOwner.id, assets)
    if (reason) reasons.set(assetKey(asset), reason)
  }
  // Believe what Qlik lists afterwards, not what it answered: only then is nothing orphaned.
  const left = await ownedAssets(ctx, account.id)
  if (left.length > 0) return conflict(reassignmentReport(who, nameOf(newOwner), assets, left, reasons))
  return deleteUser(ctx, account.id, movedDetail(nameOf(newOwner), assets))
}

/** A reason the new owner cannot take the assets, or the user. */
async function checkNewOwner(ctx: Context, id: string, account: Account): Promise<QlikUser | string> {
  if (id === account.id) return 'The chosen new owner is the user being deleted.'
  const user = await readUser(ctx, id)
  if (!user) return `The chosen new owner (${id}) no longer exists.`
  if (user.status !== 'active') return `The chosen new owner, ${nameOf(user)}, is not an active user (status ${user.status ?? 'unknown'}).`
  return user
}

/** Moves one asset; returns why it could not, or undefined. Retryable failures are thrown so the job retries. */
async function reassign(ctx: Context, asset: OwnedAsset, ownerId: string, all: OwnedAsset[]): Promise<string | undefined> {
  try {
    switch (asset.kind) {
      case 'space':
        await ctx.http.send({ method: 'PATCH', path: `/api/v1/spaces/${encodeURIComponent(asset.id)}`, json: [{ op: 'replace', path: '/ownerId', value: ownerId }] })
        return undefined
      case 'app':
      case 'script':
        await ctx.http.send({ method: 'PUT', path: `/api/v1/apps/${encodeURIComponent(asset.id)}/owner`, json: { ownerId } })
        return undefined
      case 'data-connection':
        return await reassignConnection(ctx, asset, ownerId)
      case 'reload-task':
        // No owner field in the Reload Tasks API; a schedule of an app being moved follows it, others stay.
        return all.some((other) => (other.kind === 'app' || other.kind === 'script') && other.id === asset.appId)
          ? undefined
          : "Qlik's API cannot change a reload schedule's owner: re-save it in Qlik as another user, or delete it"
    }
  } catch (error) {
    // Gone in the meantime: nothing left to orphan.
    if (isNotFound(error)) return undefined
    const problem = toProblem(error)
    if (isRetryable(problem)) throw error
    return describeProblem(problem)
  }
}

async function reassignConnection(ctx: Context, asset: OwnedAsset, ownerId: string): Promise<string | undefined> {
  // An empty spaceId moves a personal connection into the new owner's personal space (the old one goes with the user).
  const connection = asset.personal ? { id: asset.id, ownerId, spaceId: '', spaceType: 'personal' } : { id: asset.id, ownerId }
  const response = await ctx.http.send({ method: 'POST', path: '/api/v1/data-connections/actions/update', json: { connections: [connection] } })
  // 207 Multi-Status: one result per connection. An unreadable body is left to the check that follows.
  const parsed = bulkResultSchema.safeParse(response.body)
  const result = parsed.success ? parsed.data.data?.find((entry) => entry.id === asset.id) : undefined
  if (!result || (result.status >= 200 && result.status < 300) || result.status === 404) return undefined
  return `HTTP ${result.status}${result.error ? `: ${describeOneError(result.error)}` : ''}`
}

async function deleteUser(ctx: Context, id: string, detail?: string): Promise<Outcome> {
  try {
    await ctx.http.send({ method: 'DELETE', path: userPath(id) })
    return detail ? { kind: 'done', detail } : { kind: 'done' }
  } catch (error) {
    // Slack retries and double clicks: a second delete finding nothing is a success.
    if (isNotFound(error)) return { kind: 'already-done', detail: 'already deleted' }
    throw error
  }
}

function conflict(detail: string): Outcome {
  return { kind: 'failed', problem: { kind: 'conflict', detail: clip(detail, CONFLICT_DETAIL_MAX) } }
}

function movedDetail(newOwner: string, assets: OwnedAsset[]): string {
  const followed = assets.some((asset) => asset.kind === 'reload-task') ? '; reload schedules moved with their apps' : ''
  return `before the delete, ${countPhrase(assets)} ${assets.length === 1 ? 'was' : 'were'} reassigned to ${newOwner}${followed}`
}

/** Which assets are still theirs (and why), and which already moved: the user was not deleted. */
function reassignmentReport(who: string, newOwner: string, before: OwnedAsset[], left: OwnedAsset[], reasons: Map<string, string>): string {
  const leftKeys = new Set(left.map(assetKey))
  const moved = before.filter((asset) => !leftKeys.has(assetKey(asset)))
  const shown = left.slice(0, NAMES_IN_CONFLICT).map((asset) => {
    const reason = reasons.get(assetKey(asset)) ?? leftReason(asset, left)
    return `${KIND_NAMES[asset.kind].one} "${clip(asset.name, 40)}" (${clip(reason, 110)})`
  })
  const more = left.length > NAMES_IN_CONFLICT ? ` …and ${left.length - NAMES_IN_CONFLICT} more` : ''
  const movedText = moved.length > 0 ? `Already moved to ${newOwner}: ${summary(moved)}.` : 'Nothing was moved.'
  return `${who} was not deleted, so nothing is orphaned. Still owned by them: ${shown.join('; ')}${more}. ${movedText}`
}

function leftReason(asset: OwnedAsset, left: OwnedAsset[]): string {
  if (asset.kind !== 'reload-task') return 'Qlik still lists them as its owner'
  if (left.some((other) => other.kind !== 'reload-task' && other.id === asset.appId)) return 'its app was not moved'
  return 'Qlik did not move it with its app: re-save it in Qlik as another user, or delete it'
}

// --- wording helpers ----------------------------------------------------------

/** "2 spaces, 1 app and 3 data connections". */
function countPhrase(assets: OwnedAsset[]): string {
  return joinWords(
    KINDS.flatMap((kind) => {
      const count = assets.filter((asset) => asset.kind === kind).length
      return count === 0 ? [] : [`${count} ${count === 1 ? KIND_NAMES[kind].one : KIND_NAMES[kind].many}`]
    }),
  )
}

/** Counts with the first few names: "2 spaces (Finance, Sales), 1 app (Budget)". */
function summary(assets: OwnedAsset[]): string {
  return KINDS.flatMap((kind) => {
    const ofKind = assets.filter((asset) => asset.kind === kind)
    if (ofKind.length === 0) return []
    const noun = ofKind.length === 1 ? KIND_NAMES[kind].one : KIND_NAMES[kind].many
    return [`${ofKind.length} ${noun} (${nameList(ofKind, 3, 30)})`]
  }).join(', ')
}

function nameList(assets: OwnedAsset[], max: number, nameMax = 60): string {
  const names = assets.slice(0, max).map((asset) => clip(asset.name, nameMax))
  return assets.length > max ? `${names.join(', ')} …and ${assets.length - max} more` : names.join(', ')
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

function nameOf(user: QlikUser): string {
  if (user.name && user.email) return `${user.name} (${user.email})`
  return user.name ?? user.email ?? user.id
}

function assetKey(asset: OwnedAsset): string {
  return `${asset.kind}:${asset.id}`
}

function userPath(id: string): string {
  return `/api/v1/users/${encodeURIComponent(id)}`
}


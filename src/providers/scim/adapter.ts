/**
 * The generic adapter for any service with a SCIM 2.0 Users endpoint (RFC 7643/7644):
 * suspend = PATCH active=false, restore = PATCH active=true, delete = DELETE.
 */
import { z } from 'zod'
import type { ScimIntegration } from './config.js'
import { createHttpClient } from '../kit/http.js'
import type { HttpClient } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import { isAdmin } from '../guards.js'
import { otherAddresses } from '../addresses.js'
import type {
  Account,
  AccountAction,
  AccountPage,
  AccountStatus,
  Action,
  Adapter,
  Deletes,
  Health,
  ListsAccounts,
  ListsAdmins,
  Outcome,
  Preflight,
  Provider,
  ProviderOptions,
  Suspends,
} from '../types.js'
import { provide } from '../capabilities.js'
import { isNotFound } from '../kit/errors.js'

export const SCIM_JSON = 'application/scim+json'
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['suspend', 'restore'])

// Lenient where real servers differ (booleans sent as "True"), strict on what the adapter needs (id).
const looseBoolean = z.union([z.boolean(), z.string()])

export const scimUserSchema = z.object({
  id: z.string().min(1),
  userName: z.string().optional(),
  displayName: z.string().optional(),
  name: z.object({ formatted: z.string().optional(), givenName: z.string().optional(), familyName: z.string().optional() }).optional(),
  emails: z.array(z.object({ value: z.string(), primary: looseBoolean.optional() })).optional(),
  active: looseBoolean.optional(),
  roles: z.array(z.object({ value: z.string().optional() })).optional(),
})

export const listResponseSchema = z.object({
  totalResults: z.number().int().nonnegative(),
  // RFC 7644 §3.4.2: Resources may be left out when nothing matched.
  Resources: z.array(scimUserSchema).optional(),
})

type ScimUser = z.infer<typeof scimUserSchema>

export function createScimProvider(config: ScimIntegration, options: ProviderOptions = {}): Provider {
  const http = createHttpClient({
    baseUrl: config.baseUrl,
    headers: {
      authorization: `Bearer ${config.token}`,
      accept: `${SCIM_JSON}, application/json`,
    },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeScimError,
  })
  const service = config.displayName

  return provide({
    id: config.id,
    displayName: service,
    type: 'scim',
    ...(config.adminConsoleUrl ? { adminConsoleUrl: config.adminConsoleUrl } : {}),
    checkConnection: () => checkConnection(http),
    findAccount: (email) => findAccount(http, email),
    preflight: (account, action) => preflight(http, service, account, action),
    suspend: (account) => suspend(http, account),
    restore: (account) => setActive(http, account.id, true),
    delete: (account) => deleteUser(http, account.id),
    listAccounts: (cursor) => listAccounts(http, cursor),
    listAdmins: () => listAdmins(http),
  } satisfies Adapter & Suspends & Deletes & ListsAccounts & ListsAdmins)
}

const PAGE_SIZE = 100

const pageSchema = listResponseSchema.extend({ startIndex: z.number().int().optional(), itemsPerPage: z.number().int().optional() })

/** One page of Users by index (RFC 7644 §3.4.2.4); the cursor is the next startIndex. */
async function listAccounts(http: HttpClient, cursor?: string): Promise<AccountPage> {
  const startIndex = Math.max(1, Number(cursor ?? 1) || 1)
  const response = await http.send({ method: 'GET', path: '/Users', query: { startIndex, count: PAGE_SIZE } })
  const parsed = pageSchema.safeParse(response.body)
  if (!parsed.success)
    throw new ProviderError({ kind: 'rejected', detail: 'the SCIM service answered GET /Users with something that is not a SCIM ListResponse' })
  const users = parsed.data.Resources ?? []
  const next = startIndex + users.length
  return { accounts: users.map(toAccount), ...(users.length > 0 && next <= parsed.data.totalResults ? { nextCursor: String(next) } : {}) }
}

/** Every user whose roles name an admin or owner (SCIM has no admin flag; services that report roles name them). */
async function listAdmins(http: HttpClient): Promise<Account[]> {
  const admins: Account[] = []
  let cursor: string | undefined
  do {
    const page = await listAccounts(http, cursor)
    admins.push(...page.accounts.filter((account) => isAdmin(account) === true))
    cursor = page.nextCursor
  } while (cursor)
  return admins
}

/** SCIM Error bodies carry `detail` (and `scimType` for 400s); RFC 7644 §3.12. */
export function describeScimError(_status: number, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const { detail, scimType } = body as { detail?: unknown; scimType?: unknown }
  const type = typeof scimType === 'string' && scimType !== '' ? scimType : undefined
  if (typeof detail === 'string' && detail !== '') return type ? `${detail} (${type})` : detail
  return type
}

// --- checkConnection ----------------------------------------------------------

async function checkConnection(http: HttpClient): Promise<Health> {
  try {
    const patch = await patchSupport(http)
    // Discovery endpoints may be public (RFC 7644 §4), so only reading /Users proves the token works.
    await http.send({ method: 'GET', path: '/Users', query: { startIndex: 1, count: 1 } })
    if (patch === false) return { ok: true, detail: 'connected, but the service says it does not support PATCH, so suspend and restore may fail' }
    return { ok: true, detail: 'connected; users can be read' }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

/** `patch.supported` from ServiceProviderConfig; undefined when the service does not publish one (404). */
async function patchSupport(http: HttpClient): Promise<boolean | undefined> {
  try {
    const response = await http.send<{ patch?: { supported?: unknown } }>({ method: 'GET', path: '/ServiceProviderConfig' })
    const supported = response.body?.patch?.supported
    return typeof supported === 'boolean' ? supported : undefined
  } catch (error) {
    if (error instanceof ProviderError && error.problem.kind === 'not-found') return undefined
    throw error
  }
}

// --- findAccount --------------------------------------------------------------

async function findAccount(http: HttpClient, email: string): Promise<Account | null> {
  const byUserName = await searchUsers(http, `userName eq ${filterString(email)}`)
  const found = pickUser(byUserName, email)
  if (found) return toAccount(found)
  const byEmail = await searchEmails(http, email)
  const foundByEmail = pickUser(byEmail, email)
  return foundByEmail ? toAccount(foundByEmail) : null
}

/** Servers that only filter on userName (Atlassian, many others) answer 400 here: that means "not found this way". */
async function searchEmails(http: HttpClient, email: string): Promise<ScimUser[]> {
  try {
    return await searchUsers(http, `emails.value eq ${filterString(email)}`)
  } catch (error) {
    if (error instanceof ProviderError && error.problem.kind === 'rejected' && error.problem.status === 400) return []
    throw error
  }
}

async function searchUsers(http: HttpClient, filter: string): Promise<ScimUser[]> {
  const response = await http.send({ method: 'GET', path: '/Users', query: { filter } })
  const parsed = listResponseSchema.safeParse(response.body)
  if (!parsed.success) {
    throw new ProviderError({
      kind: 'rejected',
      status: response.status,
      detail: 'the SCIM service answered GET /Users with something that is not a SCIM ListResponse',
    })
  }
  return parsed.data.Resources ?? []
}

/** A SCIM filter string literal: `"` and `\` escaped with a backslash, as in JSON (RFC 7644 §3.4.2.2). */
export function filterString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * Only a user whose userName or an email is the address (ignoring case): a server that
 * ignores or loosens the filter must not lead the bot to act on someone else.
 */
function pickUser(users: ScimUser[], email: string): ScimUser | undefined {
  const wanted = email.toLowerCase()
  return users.find((user) => user.userName?.toLowerCase() === wanted || user.emails?.some((entry) => entry.value.toLowerCase() === wanted))
}

export function toAccount(user: ScimUser): Account {
  const displayName = displayNameOf(user)
  return {
    id: user.id,
    email: emailOf(user),
    ...otherAddresses(emailOf(user), user.emails?.map((entry) => entry.value) ?? []),
    ...(displayName ? { displayName } : {}),
    status: statusOf(user.active),
    ...(user.roles ? { roles: user.roles.flatMap((role) => (role.value ? [role.value] : [])) } : {}),
  }
}

function emailOf(user: ScimUser): string {
  const primary = user.emails?.find((entry) => isTrue(entry.primary))
  return primary?.value ?? user.emails?.[0]?.value ?? user.userName ?? user.id
}

function displayNameOf(user: ScimUser): string | undefined {
  if (user.displayName) return user.displayName
  if (user.name?.formatted) return user.name.formatted
  const parts = [user.name?.givenName, user.name?.familyName].filter((part): part is string => Boolean(part))
  return parts.length > 0 ? parts.join(' ') : undefined
}

function statusOf(active: boolean | string | undefined): AccountStatus {
  if (active === undefined) return 'active'
  if (typeof active === 'boolean') return active ? 'active' : 'suspended'
  const text = active.toLowerCase()
  return text === 'true' ? 'active' : text === 'false' ? 'suspended' : 'unknown'
}

function isTrue(value: boolean | string | undefined): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true')
}

// --- preflight ----------------------------------------------------------------

async function preflight(http: HttpClient, service: string, account: Account, action: AccountAction): Promise<Preflight> {
  // Re-read the account so the modal shows the service's state now, not the alert's.
  const current = await readAccount(http, account.id)
  if (!current) return { kind: 'gone' }
  return {
    kind: 'ready',
    account: current,
    consequences: consequences(service, action),
    warnings: warnings(service, current, action),
    reversible: REVERSIBLE.has(action),
  }
}

async function readAccount(http: HttpClient, id: string): Promise<Account | null> {
  try {
    const response = await http.send({ method: 'GET', path: userPath(id) })
    const parsed = scimUserSchema.safeParse(response.body)
    if (!parsed.success) {
      throw new ProviderError({
        kind: 'rejected',
        status: response.status,
        detail: 'the SCIM service answered GET /Users/{id} with something that is not a SCIM User',
      })
    }
    return toAccount(parsed.data)
  } catch (error) {
    if (error instanceof ProviderError && error.problem.kind === 'not-found') return null
    throw error
  }
}

function consequences(service: string, action: AccountAction): string[] {
  switch (action) {
    case 'delete':
      return [
        `The account is deleted from ${service} through SCIM.`,
        'It cannot be restored from the bot; re-creating it gives a new, empty account.',
        `What ${service} does with their data (content, files, ownership) depends on ${service}.`,
      ]
    case 'suspend':
      return [
        `The account is deactivated in ${service} (SCIM active is set to false): they can no longer sign in.`,
        'Nothing is deleted.',
        'Restore (re-activating the account) brings it back.',
      ]
    default:
      return [`The account is re-activated in ${service} (SCIM active is set to true): they can sign in again.`]
  }
}

function warnings(service: string, account: Account, action: AccountAction): string[] {
  const list: string[] = []
  if (action === 'suspend' && account.status === 'suspended') list.push(`The account is already suspended in ${service}; nothing will change.`)
  if (action === 'restore' && account.status === 'active') list.push(`The account is already active in ${service}.`)
  if (action !== 'restore') {
    list.push(
      `If an identity provider provisions ${service}, it may re-create or re-activate the account on its next sync unless the person is removed there too.`,
    )
  }
  return list
}

// --- execute ------------------------------------------------------------------

/**
 * Failures other than "already in that state" are thrown as ProviderError, not
 * returned as `failed`: the worker turns any throw into a failed Outcome and decides
 * from the problem kind whether to retry, so throwing keeps one path for every failure.
 */
async function suspend(http: HttpClient, account: Account): Promise<Outcome> {
  if (account.status === 'suspended') return { kind: 'already-done', detail: 'already suspended' }
  return setActive(http, account.id, false)
}

export function activePatch(active: boolean): unknown {
  return { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: active }] }
}

async function setActive(http: HttpClient, id: string, active: boolean): Promise<Outcome> {
  try {
    // 200 with the resource and 204 No Content are both success (RFC 7644 §3.5.2).
    const response = await http.send({ method: 'PATCH', path: userPath(id), json: activePatch(active), contentType: SCIM_JSON })
    return confirmActive(response.body, active)
  } catch (error) {
    // A user that is gone cannot sign in: for suspend that is the goal; restore has nothing to bring back.
    if (!active && isNotFound(error)) return { kind: 'already-done', detail: 'the account no longer exists' }
    throw error
  }
}

/** Some servers answer 200 yet ignore attributes they do not support; believe the resource they return. */
function confirmActive(body: unknown, wanted: boolean): Outcome {
  const parsed = scimUserSchema.safeParse(body)
  if (!parsed.success || parsed.data.active === undefined) return { kind: 'done' }
  const status = statusOf(parsed.data.active)
  if (status === (wanted ? 'active' : 'suspended')) return { kind: 'done' }
  return {
    kind: 'failed',
    problem: { kind: 'rejected', status: 200, detail: `the service accepted the change but still reports the account as ${status}` },
  }
}

async function deleteUser(http: HttpClient, id: string): Promise<Outcome> {
  try {
    await http.send({ method: 'DELETE', path: userPath(id) })
    return { kind: 'done' }
  } catch (error) {
    // Slack retries and double clicks: a second delete finding nothing is a success.
    if (isNotFound(error)) return { kind: 'already-done', detail: 'already deleted' }
    throw error
  }
}

function userPath(id: string): string {
  return `/Users/${encodeURIComponent(id)}`
}

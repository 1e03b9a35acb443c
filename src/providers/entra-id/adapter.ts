/**
 * Microsoft Entra ID through Microsoft Graph (v1.0), signed in as an app registration with
 * application permissions (client credentials, see entra-token.ts).
 *
 * suspend      = PATCH /users/{id} {accountEnabled: false}, then POST /users/{id}/revokeSignInSessions;
 * restore      = PATCH /users/{id} {accountEnabled: true} (Reactivate);
 * delete       = DELETE /users/{id}: a soft delete, restorable for 30 days, then final on Microsoft's schedule;
 * cancel-delete = POST /directory/deletedItems/{id}/restore (Microsoft's "Restore": the user comes back with
 *                groups, licences and app assignments).
 * A deleted user is still found (in deleted items, as suspended) until Microsoft purges it, so Restore and the
 * final date can ask about it. Admins are the members of the directory roles below; app-only permissions cannot
 * change a user who holds a directory role unless the app itself holds one that may (checked before confirming).
 *
 * Sources: learn.microsoft.com/graph/api (user-update, user-revokesigninsessions, user-delete,
 * directory-deleteditems-restore, directory-deleteditems-list, directoryrole-list-members, user-list-memberof,
 * user-list), learn.microsoft.com/entra/identity/role-based-access-control/privileged-roles-permissions
 * ("Who can perform sensitive actions"), learn.microsoft.com/graph/throttling (429 with Retry-After).
 */
import { z } from 'zod'
import type { EntraIdIntegration } from './config.js'
import { otherAddresses } from '../addresses.js'
import { createTokenSource, type TokenSource } from './token.js'
import { createHttpClient } from '../kit/http.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import type { Account, AccountAction, AccountPage, Action, Adapter, CancelsDeletion, Deletes, ExecuteContext, Health, ListsAccounts, ListsAdmins, Outcome, Preflight, Provider, ProviderOptions, Suspends } from '../types.js'
import { provide } from '../capabilities.js'
import { isNotFound, unreadable } from '../kit/errors.js'

/** Microsoft keeps a deleted user, restorable, for 30 days. */
export const RESTORE_DAYS = 30
const DAY_MS = 86_400_000
export const DEFAULT_ADMIN_CONSOLE_URL = 'https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserManagementMenuBlade/~/AllUsers'

/** Suspend and Reactivate undo each other; a delete is undone by Restore (cancel-delete) for 30 days. */
const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['delete', 'suspend', 'restore', 'cancel-delete'])

/** Directory role template ids (the same in every tenant). */
export const ROLE_TEMPLATES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
} as const
/** The roles whose members count as the tenant's admins (the last-admin guard). */
export const ADMIN_ROLE_TEMPLATES: ReadonlySet<string> = new Set([ROLE_TEMPLATES.globalAdministrator, ROLE_TEMPLATES.userAdministrator, ROLE_TEMPLATES.privilegedRoleAdministrator])
/**
 * Roles that may disable, enable, delete and restore a user who holds any directory role ("Who can perform
 * sensitive actions"): an app needs one of them for such a user, User.ReadWrite.All is not enough.
 */
export const ROLES_THAT_MANAGE_ADMINS: ReadonlySet<string> = new Set([ROLE_TEMPLATES.globalAdministrator, ROLE_TEMPLATES.privilegedAuthenticationAdministrator])

/** GET /users pages by at most 999; with signInActivity Microsoft allows at most 500. */
export const USERS_PAGE_SIZE = 500
const USER_FIELDS = ['id', 'userPrincipalName', 'mail', 'otherMails', 'displayName', 'accountEnabled', 'deletedDateTime']
const MEMBER_FIELDS = 'id,appId,userPrincipalName,mail,otherMails,displayName,accountEnabled'
const MAX_ROLE_MEMBER_PAGES = 50

// --- Graph's answers, as far as the adapter relies on them ---------------------

const signInActivitySchema = z.object({
  lastSignInDateTime: z.string().nullish(),
  lastNonInteractiveSignInDateTime: z.string().nullish(),
  lastSuccessfulSignInDateTime: z.string().nullish(),
})

export const userSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  otherMails: z.array(z.string()).nullish(),
  displayName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  deletedDateTime: z.string().nullish(),
  signInActivity: signInActivitySchema.nullish(),
})
type GraphUser = z.infer<typeof userSchema>

export const directoryRoleSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  roleTemplateId: z.string().nullish(),
})
type DirectoryRole = z.infer<typeof directoryRoleSchema>

/** A role member: a user, or a service principal (an app), told apart by `@odata.type`. */
export const roleMemberSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string().min(1),
  appId: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  otherMails: z.array(z.string()).nullish(),
  displayName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
})

const collection = <T extends z.ZodType>(item: T) => z.object({ value: z.array(item), '@odata.nextLink': z.string().nullish() })
export const userPageSchema = collection(userSchema)
export const rolePageSchema = collection(directoryRoleSchema)
export const memberPageSchema = collection(roleMemberSchema)

const errorSchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) })

// --- the provider ----------------------------------------------------------------

interface Context {
  http: HttpClient
  tokens: TokenSource
  graph: URL
  clientId: string
  service: string
  now: () => Date
  /** Whether the tenant's licence lets the bot read signInActivity; learnt from the first listing. */
  signInActivity: 'unknown' | 'available' | 'unavailable'
}

export function createEntraIdProvider(config: EntraIdIntegration, options: ProviderOptions = {}): Provider {
  const graphUrl = config.graphUrl.replace(/\/+$/, '')
  const tokens = createTokenSource({
    loginUrl: config.loginUrl,
    tenantId: config.tenantId,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    scope: `${graphUrl}/.default`,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  })
  const http = createHttpClient({ baseUrl: `${graphUrl}/v1.0`, headers: { accept: 'application/json' }, timeoutMs: options.timeoutMs, pace: options.pace, describeError: describeGraphError })
  const ctx: Context = {
    http: authorized(http, tokens),
    tokens,
    graph: new URL(`${graphUrl}/v1.0`),
    clientId: config.clientId,
    service: config.displayName,
    now: options.now ?? (() => new Date()),
    signInActivity: 'unknown',
  }
  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'entra-id',
    adminConsoleUrl: config.adminConsoleUrl ?? DEFAULT_ADMIN_CONSOLE_URL,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => suspend(ctx, account),
    restore: (account) => reactivate(ctx, account),
    delete: (account, _choices, context) => remove(ctx, account, context),
    cancelDelete: (account) => restoreDeleted(ctx, account),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
    listAdmins: () => listAdmins(ctx),
  } satisfies Adapter & Suspends & Deletes & CancelsDeletion & ListsAccounts & ListsAdmins)
}

/** Every Graph call carries the app's access token; one Graph refuses (401) is not used again. */
function authorized(http: HttpClient, tokens: TokenSource): HttpClient {
  return {
    close: () => http.close(),
    async send<T>(request: HttpRequest): Promise<HttpResponse<T>> {
      const token = await tokens.token()
      try {
        return await http.send<T>({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } })
      } catch (error) {
        if (error instanceof ProviderError && error.problem.kind === 'credentials') tokens.invalidate()
        throw error
      }
    },
  }
}

/** Graph's error body: `{error: {code, message, innerError}}`. */
export function describeGraphError(_status: number, body: unknown): string | undefined {
  const parsed = errorSchema.safeParse(body)
  if (!parsed.success) return undefined
  const { code, message } = parsed.data.error
  if (!message && !code) return undefined
  return code ? `${message ?? 'Graph error'} (${code})` : message
}

// --- checkConnection ----------------------------------------------------------------

async function checkConnection(ctx: Context): Promise<Health> {
  try {
    await ctx.http.send({ method: 'GET', path: '/users', query: { $top: 1, $select: 'id' } })
    const roles = await activatedAdminRoles(ctx, ROLES_THAT_MANAGE_ADMINS)
    const members = await Promise.all(roles.map((role) => roleMembers(ctx, role.id)))
    const held = roles.filter((_, index) => members[index]?.some((member) => member.appId === ctx.clientId)).map(roleName)
    return {
      ok: true,
      detail: held.length > 0
        ? `connected; the app holds ${held.join(', ')}, so it can also suspend and delete admins`
        : 'connected; the app holds no directory role, so it can suspend and delete users but not admins',
    }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

// --- findAccount ----------------------------------------------------------------------

/**
 * The user whose sign-in name, mail or any other address is `email` (ignoring case); a user deleted within 30 days
 * is found too, as suspended, so Restore and the final date can ask about it. Live users win over deleted ones.
 */
async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  const wanted = email.trim()
  const live = pickUser(await searchUsers(ctx, '/users', userFilter(wanted)), wanted)
  if (live) return toAccount(live, await userRoles(ctx, live.id))
  const deleted = (await searchUsers(ctx, '/directory/deletedItems/microsoft.graph.user', deletedUserFilter(wanted))).filter((user) => isAddressOfUser(user, wanted))
  const newest = deleted.sort((a, b) => Date.parse(b.deletedDateTime ?? '') - Date.parse(a.deletedDateTime ?? ''))[0]
  return newest ? toAccount(newest) : null
}

/** OData string literal: a quote is doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

export function userFilter(email: string): string {
  const value = odataString(email)
  return `userPrincipalName eq ${value} or mail eq ${value} or otherMails/any(m:m eq ${value})`
}

/** Microsoft prefixes a deleted user's sign-in name with its id (without dashes), so it is matched by its end. */
export function deletedUserFilter(email: string): string {
  const value = odataString(email)
  return `mail eq ${value} or endsWith(userPrincipalName,${value})`
}

/** `any()` on otherMails and endsWith are advanced queries: they need ConsistencyLevel: eventual and $count. */
async function searchUsers(ctx: Context, path: string, filter: string): Promise<GraphUser[]> {
  const response = await ctx.http.send({
    method: 'GET',
    path,
    query: { $filter: filter, $select: USER_FIELDS.join(','), $count: true, $top: 50 },
    headers: { consistencylevel: 'eventual' },
  })
  return parseUsers(response.body, response.status, `GET ${path}`)
}

/** An exact match only (a loose answer must not lead to someone else); an enabled user wins; two live users are a conflict. */
function pickUser(users: GraphUser[], email: string): GraphUser | undefined {
  const matches = users.filter((user) => isAddressOfUser(user, email))
  const enabled = matches.filter((user) => user.accountEnabled !== false)
  if (enabled.length > 1) {
    const names = enabled.map((user) => user.userPrincipalName ?? user.id).join(', ')
    throw new ProviderError({ kind: 'conflict', detail: `${enabled.length} Entra ID users have the address ${email} (${names}); the bot cannot tell which one to act on: act on the right one in the Entra admin center` })
  }
  return enabled[0] ?? matches[0]
}

function addressesOf(user: GraphUser): string[] {
  const upn = user.userPrincipalName ?? ''
  // A deleted user's sign-in name is `<id without dashes><original name>`.
  const prefix = user.id.replace(/-/g, '')
  const original = user.deletedDateTime && upn.toLowerCase().startsWith(prefix.toLowerCase()) ? upn.slice(prefix.length) : upn
  return [original, user.mail ?? '', ...(user.otherMails ?? [])].filter((address) => address !== '')
}

function isAddressOfUser(user: GraphUser, email: string): boolean {
  const wanted = email.toLowerCase()
  return addressesOf(user).some((address) => address.toLowerCase() === wanted)
}

function toAccount(user: GraphUser, roles?: DirectoryRole[]): Account {
  const [primary = '', ...others] = [user.mail, ...addressesOf(user)].filter((address): address is string => Boolean(address))
  const lastActiveAt = lastSignIn(user)
  return {
    id: user.id,
    email: primary,
    ...otherAddresses(primary, others),
    ...(user.displayName ? { displayName: user.displayName } : {}),
    status: user.deletedDateTime || user.accountEnabled === false ? 'suspended' : 'active',
    ...(roles ? { roles: roles.map(roleName), isAdmin: roles.some((role) => ADMIN_ROLE_TEMPLATES.has(role.roleTemplateId ?? '')) } : {}),
    ...(lastActiveAt ? { lastActiveAt } : {}),
  }
}

/** The last successful sign-in; else the latest attempt Microsoft recorded (interactive or not). */
function lastSignIn(user: GraphUser): string | undefined {
  const activity = user.signInActivity
  if (!activity) return undefined
  if (activity.lastSuccessfulSignInDateTime) return activity.lastSuccessfulSignInDateTime
  const times = [activity.lastSignInDateTime, activity.lastNonInteractiveSignInDateTime].flatMap((date) => (date && !Number.isNaN(Date.parse(date)) ? [Date.parse(date)] : []))
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : undefined
}

// --- reading ---------------------------------------------------------------------------

async function readUser(ctx: Context, id: string): Promise<GraphUser | null> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: userPath(id), query: { $select: USER_FIELDS.join(',') } })
    return parseUser(response.body, response.status, 'GET /users/{id}')
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

async function readDeletedUser(ctx: Context, id: string): Promise<GraphUser | null> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: deletedPath(id) })
    return parseUser(response.body, response.status, 'GET /directory/deletedItems/{id}')
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

/** The directory roles the user holds (GET /users/{id}/memberOf/microsoft.graph.directoryRole). */
async function userRoles(ctx: Context, id: string): Promise<DirectoryRole[]> {
  const response = await ctx.http.send({ method: 'GET', path: `${userPath(id)}/memberOf/microsoft.graph.directoryRole`, query: { $select: 'id,displayName,roleTemplateId' } })
  const parsed = rolePageSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Graph', response.status, 'GET /users/{id}/memberOf/microsoft.graph.directoryRole', 'a list of directory roles')
  return parsed.data.value
}

/** The tenant's activated roles among `templates` (a role nobody ever held is not activated, and has no members). */
async function activatedAdminRoles(ctx: Context, templates: ReadonlySet<string>): Promise<DirectoryRole[]> {
  const response = await ctx.http.send({ method: 'GET', path: '/directoryRoles' })
  const parsed = rolePageSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Graph', response.status, 'GET /directoryRoles', 'a list of directory roles')
  return parsed.data.value.filter((role) => templates.has(role.roleTemplateId ?? ''))
}

type RoleMember = z.infer<typeof roleMemberSchema>

async function roleMembers(ctx: Context, roleId: string): Promise<RoleMember[]> {
  const members: RoleMember[] = []
  let skiptoken: string | undefined
  for (let page = 1; ; page++) {
    const path = `/directoryRoles/${encodeURIComponent(roleId)}/members`
    // accountEnabled is not among the default properties: asked for, so a disabled admin does not count as one left.
    const response = await ctx.http.send({ method: 'GET', path, query: { $select: MEMBER_FIELDS, $skiptoken: skiptoken } })
    const parsed = memberPageSchema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Graph', response.status, 'GET /directoryRoles/{id}/members', 'a list of role members')
    members.push(...parsed.data.value)
    const next = parsed.data['@odata.nextLink']
    if (!next) return members
    if (page >= MAX_ROLE_MEMBER_PAGES) throw new ProviderError({ kind: 'rejected', detail: 'a directory role lists too many members; the bot stopped rather than report a partial list' })
    skiptoken = skiptokenOf(ctx, next, path)
  }
}

const isUserMember = (member: RoleMember) => member['@odata.type'] === undefined || member['@odata.type'] === '#microsoft.graph.user'

/** Who holds the admin roles, and whether the app itself holds a role that may change admins. */
interface RoleHolders {
  /** User id -> the admin roles they hold. */
  admins: Map<string, { member: RoleMember; roles: DirectoryRole[] }>
  globalAdministrators: RoleMember[]
  appMayChangeAdmins: boolean
}

async function roleHolders(ctx: Context): Promise<RoleHolders> {
  const roles = await activatedAdminRoles(ctx, new Set([...ADMIN_ROLE_TEMPLATES, ...ROLES_THAT_MANAGE_ADMINS]))
  const holders: RoleHolders = { admins: new Map(), globalAdministrators: [], appMayChangeAdmins: false }
  for (const role of roles) {
    const members = await roleMembers(ctx, role.id)
    const template = role.roleTemplateId ?? ''
    if (ROLES_THAT_MANAGE_ADMINS.has(template) && members.some((member) => member.appId === ctx.clientId)) holders.appMayChangeAdmins = true
    if (!ADMIN_ROLE_TEMPLATES.has(template)) continue
    for (const member of members.filter(isUserMember)) {
      const held = holders.admins.get(member.id) ?? { member, roles: [] }
      held.roles.push(role)
      holders.admins.set(member.id, held)
      if (template === ROLE_TEMPLATES.globalAdministrator) holders.globalAdministrators.push(member)
    }
  }
  return holders
}

async function listAdmins(ctx: Context): Promise<Account[]> {
  const { admins } = await roleHolders(ctx)
  return [...admins.values()].map(({ member, roles }) => toAccount({ ...member, accountEnabled: member.accountEnabled ?? true }, roles))
}

// --- preflight ---------------------------------------------------------------------------

async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  if (action === 'cancel-delete') return preflightRestore(ctx, account)
  const user = await readUser(ctx, account.id)
  if (!user) {
    const deleted = await readDeletedUser(ctx, account.id)
    if (!deleted) return { kind: 'gone' }
    const current = toAccount(deleted)
    if (action === 'delete') {
      return ready(current, action, [`Already deleted on ${formatDate(deletedOn(deleted, ctx.now()))}: nothing will change. To bring the user back, use Cancel deletion (Restore).`], [])
    }
    return blocked(current, { kind: 'conflict', detail: `the user was deleted on ${formatDate(deletedOn(deleted, ctx.now()))}: restore them first (Cancel deletion on the alert, or the Entra admin center's Deleted users)` })
  }
  const roles = await userRoles(ctx, user.id)
  const current = toAccount(user, roles)
  const blockers = await roleBlockers(ctx, current, roles, action)
  if (blockers.length > 0) return { kind: 'blocked', account: current, blockers: blockers.map((problem) => ({ problem })) }
  return ready(current, action, consequences(ctx, action), warnings(ctx, action, user, roles))
}

function ready(account: Account, action: AccountAction, consequences: string[], warnings: string[]): Preflight {
  return { kind: 'ready', account, consequences, warnings, reversible: REVERSIBLE.has(action) }
}

function blocked(account: Account, problem: Problem): Preflight {
  return { kind: 'blocked', account, blockers: [{ problem }] }
}

/**
 * What Entra ID itself would refuse, said before anyone confirms: the last Global Administrator, and a user who
 * holds a directory role while the app holds none that may change such a user.
 */
async function roleBlockers(ctx: Context, account: Account, roles: DirectoryRole[], action: AccountAction): Promise<Problem[]> {
  if (roles.length === 0 || action === 'cancel-delete') return []
  const holders = await roleHolders(ctx)
  const problems: Problem[] = []
  const isGlobalAdmin = roles.some((role) => role.roleTemplateId === ROLE_TEMPLATES.globalAdministrator)
  const others = (members: RoleMember[]) => members.filter((member) => member.id !== account.id && member.accountEnabled !== false)
  // With no other admin at all the shared last-admin guard already refuses (from listAdmins); this adds Global Administrator's own rule.
  const otherAdmins = others([...holders.admins.values()].map((held) => held.member))
  if ((action === 'delete' || action === 'suspend') && isGlobalAdmin && otherAdmins.length > 0 && others(holders.globalAdministrators).length === 0) {
    problems.push({ kind: 'last-admin' })
  }
  if (!holders.appMayChangeAdmins) problems.push(appLacksRole(account, roles, action))
  return problems
}

export function appLacksRole(account: Account, roles: DirectoryRole[], action: AccountAction): Problem {
  const verb = ACTION_VERBS[action]
  return {
    kind: 'permission',
    detail:
      `${account.email || 'this user'} holds the directory role ${roles.map(roleName).join(', ')}, and Microsoft does not let an app ${verb} a user with an admin role on its application permissions alone (User.ReadWrite.All is not enough): ` +
      'assign the app registration the Privileged Authentication Administrator role (Entra admin center > Roles and administrators), or do it in the Entra admin center',
  }
}

/**
 * Restore: the user must still be in deleted items, and its sign-in name free. Microsoft refuses to restore a user
 * who held an admin role unless the app holds one that may (a deleted user's roles cannot be read): said as a warning.
 */
async function preflightRestore(ctx: Context, account: Account): Promise<Preflight> {
  const deleted = await readDeletedUser(ctx, account.id)
  if (!deleted) {
    const live = await readUser(ctx, account.id)
    if (!live) return { kind: 'gone' }
    return ready(toAccount(live), 'cancel-delete', ['The user is not deleted: nothing will change.'], [])
  }
  const current = toAccount(deleted)
  const until = formatDate(restorableUntil(deleted, ctx.now()))
  const holders = await roleHolders(ctx)
  const warnings = holders.appMayChangeAdmins
    ? []
    : ['The app holds no directory role that may restore an admin: if this user held an admin role, Microsoft refuses the restore (assign the app Privileged Authentication Administrator, or restore them in the Entra admin center).']
  return ready(current, 'cancel-delete', [
    `The user is restored from deleted items (restorable until ${until}): they can sign in again, with the group memberships, licences and app assignments they had.`,
    'Their sign-in name comes back as it was, unless another user took it meanwhile (then the restore is refused).',
  ], warnings)
}

const ACTION_VERBS: Record<Action, string> = {
  suspend: 'disable',
  restore: 'enable',
  delete: 'delete',
  'cancel-delete': 'restore',
  'deprovision-access': 'de-provision',
}

function consequences(ctx: Context, action: AccountAction): string[] {
  switch (action) {
    case 'suspend':
      return [
        'Sign-in is blocked (accountEnabled false): they can no longer sign in to Microsoft 365 or any app that signs in through Entra ID.',
        'Their refresh tokens and browser sessions are revoked (revokeSignInSessions); access tokens already issued last until they expire (about an hour).',
        'Groups, licences and roles are kept, so the user can be reactivated later (Reactivate).',
      ]
    case 'restore':
      return ['Sign-in is allowed again (accountEnabled true), with the groups, licences and roles they had.']
    case 'delete': {
      const until = formatDate(new Date(ctx.now().getTime() + RESTORE_DAYS * DAY_MS))
      return [
        `The user is deleted: they can no longer sign in anywhere through Entra ID, and Microsoft keeps them in deleted items until ${until} (${RESTORE_DAYS} days).`,
        `Until ${until} the alert offers Cancel deletion, which restores the user (Microsoft's Restore) with their groups, licences and app assignments.`,
        'After that Microsoft deletes them for good, with their mailbox and OneDrive on Microsoft 365\'s own retention schedule.',
      ]
    }
    case 'cancel-delete':
      return []
  }
}

function warnings(ctx: Context, action: AccountAction, user: GraphUser, roles: DirectoryRole[]): string[] {
  const list: string[] = []
  if (action === 'suspend' && user.accountEnabled === false) list.push(`Sign-in is already blocked in ${ctx.service}; the bot revokes their sessions again.`)
  if (action === 'restore' && user.accountEnabled !== false) list.push(`The user can already sign in to ${ctx.service}: nothing will change.`)
  if ((action === 'delete' || action === 'suspend') && roles.length > 0) list.push(`They hold directory roles (${roles.map(roleName).join(', ')}): make sure another admin remains for each.`)
  if (action === 'delete' || action === 'suspend') {
    list.push('A user synchronised from on-premises Active Directory (Entra Connect) comes back at the next sync unless they are disabled or removed there too.')
  }
  return list
}

// --- execute ----------------------------------------------------------------------------

/** Reads the live user and their roles, and answers Entra's own refusal for this action, if any. */
async function liveUser(ctx: Context, account: Account, action: AccountAction): Promise<{ user: GraphUser; refusal?: Problem } | null> {
  const user = await readUser(ctx, account.id)
  if (!user) return null
  const roles = await userRoles(ctx, user.id)
  const refusal = (await roleBlockers(ctx, toAccount(user, roles), roles, action))[0]
  return refusal ? { user, refusal } : { user }
}

async function suspend(ctx: Context, account: Account): Promise<Outcome> {
  const found = await liveUser(ctx, account, 'suspend')
  if (!found) throw new ProviderError({ kind: 'not-found', detail: `the user no longer exists in ${ctx.service}` })
  if (found.refusal) return { kind: 'failed', problem: found.refusal }
  const wasDisabled = found.user.accountEnabled === false
  if (!wasDisabled) await ctx.http.send({ method: 'PATCH', path: userPath(account.id), json: { accountEnabled: false } })
  await ctx.http.send({ method: 'POST', path: `${userPath(account.id)}/revokeSignInSessions` })
  const revoked = 'their refresh tokens and sessions were revoked'
  return wasDisabled ? { kind: 'already-done', detail: `sign-in was already blocked; ${revoked} again` } : { kind: 'done', detail: `sign-in is blocked and ${revoked}` }
}

async function reactivate(ctx: Context, account: Account): Promise<Outcome> {
  const found = await liveUser(ctx, account, 'restore')
  if (!found) throw new ProviderError({ kind: 'not-found', detail: `the user no longer exists in ${ctx.service}` })
  if (found.refusal) return { kind: 'failed', problem: found.refusal }
  if (found.user.accountEnabled !== false) return { kind: 'already-done', detail: 'sign-in was already allowed' }
  await ctx.http.send({ method: 'PATCH', path: userPath(account.id), json: { accountEnabled: true } })
  return { kind: 'done', detail: 'sign-in is allowed again' }
}

async function remove(ctx: Context, account: Account, context: ExecuteContext): Promise<Outcome> {
  const found = await liveUser(ctx, account, 'delete')
  if (!found) {
    const deleted = await readDeletedUser(ctx, account.id)
    if (!deleted) throw new ProviderError({ kind: 'not-found', detail: `the user no longer exists in ${ctx.service}` })
    // The bot's own earlier request, whose answer was lost: Microsoft's deletion date gives the final one.
    if (context.resumedSince) return { kind: 'scheduled', until: restorableUntil(deleted, context.resumedSince).toISOString(), cancellable: true }
    return { kind: 'already-done', detail: `already deleted on ${formatDate(deletedOn(deleted, ctx.now()))}; Microsoft keeps it restorable until ${formatDate(restorableUntil(deleted, ctx.now()))}` }
  }
  if (found.refusal) return { kind: 'failed', problem: found.refusal }
  try {
    await ctx.http.send({ method: 'DELETE', path: userPath(account.id) })
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  const deleted = await readDeletedUser(ctx, account.id)
  return { kind: 'scheduled', until: restorableUntil(deleted, ctx.now()).toISOString(), cancellable: true }
}

async function restoreDeleted(ctx: Context, account: Account): Promise<Outcome> {
  const deleted = await readDeletedUser(ctx, account.id)
  if (!deleted) {
    if (await readUser(ctx, account.id)) return { kind: 'already-done', detail: 'the user is not deleted' }
    throw new ProviderError({ kind: 'not-found', detail: `the user is no longer in ${ctx.service}'s deleted items: the deletion is final` })
  }
  try {
    await ctx.http.send({ method: 'POST', path: `${deletedPath(account.id)}/restore` })
  } catch (error) {
    throw restoreProblem(error)
  }
  return { kind: 'done', detail: 'the user is restored with their group memberships, licences and app assignments, and can sign in again' }
}

/** Microsoft's refusals of a restore, said as what to do. */
function restoreProblem(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error
  const { problem } = error
  if (problem.kind === 'permission') {
    return new ProviderError({
      kind: 'permission',
      status: problem.status ?? 403,
      detail: `Microsoft refused the restore (${problem.detail ?? 'insufficient privileges'}): a user who held an admin role can be restored only by an app holding Privileged Authentication Administrator, or in the Entra admin center`,
    }, { cause: error })
  }
  if (problem.kind === 'rejected' && problem.status === 400) {
    return new ProviderError({ kind: 'conflict', detail: `Microsoft refused the restore: ${problem.detail}; another user may hold their sign-in name or address now: free it, then Retry` }, { cause: error })
  }
  return error
}

// --- listing ----------------------------------------------------------------------------

/**
 * Users first, then deleted users (cursor `deleted:<skiptoken>`): reconciliation counts a deleted person as departed.
 * signInActivity needs AuditLog.Read.All and an Entra ID P1 or P2 licence; without it Graph answers 403 and the
 * listing carries on without last sign-ins (no "inactive" findings).
 */
const DELETED_CURSOR = 'deleted:'

async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const deleted = cursor?.startsWith(DELETED_CURSOR) ?? false
  const skiptoken = (deleted ? cursor?.slice(DELETED_CURSOR.length) : cursor) || undefined
  const path = deleted ? '/directory/deletedItems/microsoft.graph.user' : '/users'
  const response = deleted ? await listPage(ctx, path, USER_FIELDS, skiptoken) : await listLiveUsers(ctx, skiptoken)
  const parsed = userPageSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Graph', response.status, `GET ${path}`, 'a page of users')
  const nextLink = parsed.data['@odata.nextLink']
  const next = nextLink ? skiptokenOf(ctx, nextLink, path) : undefined
  if (next !== undefined && next === skiptoken) throw new ProviderError({ kind: 'rejected', detail: `Graph's next link for ${path} repeats the same page` })
  const nextCursor = next !== undefined ? `${deleted ? DELETED_CURSOR : ''}${next}` : deleted ? undefined : DELETED_CURSOR
  return { accounts: parsed.data.value.map((user) => toAccount(user)), ...(nextCursor !== undefined ? { nextCursor } : {}) }
}

async function listLiveUsers(ctx: Context, skiptoken: string | undefined): Promise<HttpResponse<unknown>> {
  if (ctx.signInActivity !== 'unavailable') {
    try {
      const response = await listPage(ctx, '/users', [...USER_FIELDS, 'signInActivity'], skiptoken)
      ctx.signInActivity = 'available'
      return response
    } catch (error) {
      if (!(error instanceof ProviderError && error.problem.kind === 'permission')) throw error
      ctx.signInActivity = 'unavailable'
    }
  }
  return listPage(ctx, '/users', USER_FIELDS, skiptoken)
}

function listPage(ctx: Context, path: string, fields: string[], skiptoken: string | undefined): Promise<HttpResponse<unknown>> {
  return ctx.http.send({ method: 'GET', path, query: { $select: fields.join(','), $top: USERS_PAGE_SIZE, $skiptoken: skiptoken } })
}

/** The `$skiptoken` of an `@odata.nextLink`, which must stay on Graph and on the same list (the token goes nowhere else). */
function skiptokenOf(ctx: Context, link: string, path: string): string {
  let url: URL
  try {
    url = new URL(link)
  } catch {
    throw new ProviderError({ kind: 'rejected', detail: `Graph answered ${path} with an unreadable next link` })
  }
  const token = url.searchParams.get('$skiptoken')
  if (url.origin !== ctx.graph.origin || url.pathname !== `${ctx.graph.pathname}${path}` || !token) {
    throw new ProviderError({ kind: 'rejected', detail: `Graph's next link for ${path} is not a next page of it on ${ctx.graph.origin}; the bot did not follow it` })
  }
  return token
}

// --- small helpers -----------------------------------------------------------------------

function deletedOn(user: GraphUser, fallback: Date): Date {
  const at = Date.parse(user.deletedDateTime ?? '')
  return Number.isNaN(at) ? fallback : new Date(at)
}

/** 30 days from Microsoft's deletion date (the bot's clock when Graph does not say). */
function restorableUntil(user: GraphUser | null, fallback: Date): Date {
  return new Date((user ? deletedOn(user, fallback) : fallback).getTime() + RESTORE_DAYS * DAY_MS)
}

/** "15 March 2025 (UTC)": unambiguous for readers in any locale. */
function formatDate(date: Date): string {
  return `${date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })} (UTC)`
}

function roleName(role: DirectoryRole): string {
  return role.displayName || role.roleTemplateId || role.id
}

function userPath(id: string): string {
  return `/users/${encodeURIComponent(id)}`
}

function deletedPath(id: string): string {
  return `/directory/deletedItems/${encodeURIComponent(id)}`
}

function parseUser(body: unknown, status: number, call: string): GraphUser {
  const parsed = userSchema.safeParse(body)
  if (!parsed.success) throw unreadable('Graph', status, call, 'a user')
  return parsed.data
}

function parseUsers(body: unknown, status: number, call: string): GraphUser[] {
  const parsed = userPageSchema.safeParse(body)
  if (!parsed.success) throw unreadable('Graph', status, call, 'a list of users')
  return parsed.data.value
}


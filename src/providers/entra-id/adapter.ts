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
import { otherAddresses } from '../addresses.js'
import { type TokenSource } from './token.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Account, AccountPage, Action, Health } from '../types.js'
import { nullIfNotFound, unreadable } from '../kit/errors.js'
import { readAllPages } from '../kit/pagination.js'
import {
  deletedPath,
  errorSchema,
  memberPageSchema,
  parseUser,
  parseUsers,
  roleMemberSchema,
  roleName,
  rolePageSchema,
  userPageSchema,
  userPath,
} from './answers.js'
import type { DirectoryRole, GraphUser } from './answers.js'

export const DEFAULT_ADMIN_CONSOLE_URL = 'https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserManagementMenuBlade/~/AllUsers'

/** Suspend and Reactivate undo each other; a delete is undone by Restore (cancel-delete) for 30 days. */
export const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['delete', 'suspend', 'restore', 'cancel-delete'])

/** Directory role template ids (the same in every tenant). */
export const ROLE_TEMPLATES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
} as const
/** The roles whose members count as the tenant's admins (the last-admin guard). */
export const ADMIN_ROLE_TEMPLATES: ReadonlySet<string> = new Set([
  ROLE_TEMPLATES.globalAdministrator,
  ROLE_TEMPLATES.userAdministrator,
  ROLE_TEMPLATES.privilegedRoleAdministrator,
])
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

// --- the provider ----------------------------------------------------------------

export interface Context {
  http: HttpClient
  tokens: TokenSource
  graph: URL
  clientId: string
  service: string
  now: () => Date
  /** Whether the tenant's licence lets the bot read signInActivity; learnt from the first listing. */
  signInActivity: 'unknown' | 'available' | 'unavailable'
}

/** Every Graph call carries the app's access token; one Graph refuses (401) is not used again. */
export function authorized(http: HttpClient, tokens: TokenSource): HttpClient {
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

export async function checkConnection(ctx: Context): Promise<Health> {
  try {
    await ctx.http.send({ method: 'GET', path: '/users', query: { $top: 1, $select: 'id' } })
    const roles = await activatedAdminRoles(ctx, ROLES_THAT_MANAGE_ADMINS)
    const members = await Promise.all(roles.map((role) => roleMembers(ctx, role.id)))
    const held = roles.filter((_, index) => members[index]?.some((member) => member.appId === ctx.clientId)).map(roleName)
    return {
      ok: true,
      detail:
        held.length > 0
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
export async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  const wanted = email.trim()
  const live = pickUser(await searchUsers(ctx, '/users', userFilter(wanted)), wanted)
  if (live) return toAccount(live, await userRoles(ctx, live.id))
  const deleted = (await searchUsers(ctx, '/directory/deletedItems/microsoft.graph.user', deletedUserFilter(wanted))).filter((user) =>
    isAddressOfUser(user, wanted),
  )
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
    throw new ProviderError({
      kind: 'conflict',
      detail: `${enabled.length} Entra ID users have the address ${email} (${names}); the bot cannot tell which one to act on: act on the right one in the Entra admin center`,
    })
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

export function toAccount(user: GraphUser, roles?: DirectoryRole[]): Account {
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
  const times = [activity.lastSignInDateTime, activity.lastNonInteractiveSignInDateTime].flatMap((date) =>
    date && !Number.isNaN(Date.parse(date)) ? [Date.parse(date)] : [],
  )
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : undefined
}

// --- reading ---------------------------------------------------------------------------

export async function readUser(ctx: Context, id: string): Promise<GraphUser | null> {
  return nullIfNotFound(async () => {
    const response = await ctx.http.send({ method: 'GET', path: userPath(id), query: { $select: USER_FIELDS.join(',') } })
    return parseUser(response.body, response.status, 'GET /users/{id}')
  })
}

export async function readDeletedUser(ctx: Context, id: string): Promise<GraphUser | null> {
  return nullIfNotFound(async () => {
    const response = await ctx.http.send({ method: 'GET', path: deletedPath(id) })
    return parseUser(response.body, response.status, 'GET /directory/deletedItems/{id}')
  })
}

/** The directory roles the user holds (GET /users/{id}/memberOf/microsoft.graph.directoryRole). */
export async function userRoles(ctx: Context, id: string): Promise<DirectoryRole[]> {
  const response = await ctx.http.send({
    method: 'GET',
    path: `${userPath(id)}/memberOf/microsoft.graph.directoryRole`,
    query: { $select: 'id,displayName,roleTemplateId' },
  })
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

export type RoleMember = z.infer<typeof roleMemberSchema>

async function roleMembers(ctx: Context, roleId: string): Promise<RoleMember[]> {
  const path = `/directoryRoles/${encodeURIComponent(roleId)}/members`
  return readAllPages(
    async (skiptoken: string | undefined) => {
      // accountEnabled is not among the default properties: asked for, so a disabled admin does not count as one left.
      const response = await ctx.http.send({ method: 'GET', path, query: { $select: MEMBER_FIELDS, $skiptoken: skiptoken } })
      const parsed = memberPageSchema.safeParse(response.body)
      if (!parsed.success) throw unreadable('Graph', response.status, 'GET /directoryRoles/{id}/members', 'a list of role members')
      const next = parsed.data['@odata.nextLink']
      return { items: parsed.data.value, ...(next ? { next: skiptokenOf(ctx, next, path) } : {}) }
    },
    MAX_ROLE_MEMBER_PAGES,
    () => new ProviderError({ kind: 'rejected', detail: 'a directory role lists too many members; the bot stopped rather than report a partial list' }),
  )
}

const isUserMember = (member: RoleMember) => member['@odata.type'] === undefined || member['@odata.type'] === '#microsoft.graph.user'

/** Who holds the admin roles, and whether the app itself holds a role that may change admins. */
interface RoleHolders {
  /** User id -> the admin roles they hold. */
  admins: Map<string, { member: RoleMember; roles: DirectoryRole[] }>
  globalAdministrators: RoleMember[]
  appMayChangeAdmins: boolean
}

export async function roleHolders(ctx: Context): Promise<RoleHolders> {
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

export async function listAdmins(ctx: Context): Promise<Account[]> {
  const { admins } = await roleHolders(ctx)
  return [...admins.values()].map(({ member, roles }) => toAccount({ ...member, accountEnabled: member.accountEnabled ?? true }, roles))
}

// --- listing ----------------------------------------------------------------------------

/**
 * Users first, then deleted users (cursor `deleted:<skiptoken>`): reconciliation counts a deleted person as departed.
 * signInActivity needs AuditLog.Read.All and an Entra ID P1 or P2 licence; without it Graph answers 403 and the
 * listing carries on without last sign-ins (no "inactive" findings).
 */
const DELETED_CURSOR = 'deleted:'

export async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
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
    throw new ProviderError({
      kind: 'rejected',
      detail: `Graph's next link for ${path} is not a next page of it on ${ctx.graph.origin}; the bot did not follow it`,
    })
  }
  return token
}

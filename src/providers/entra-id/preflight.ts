/** What each action would do to an Entra ID user, said before anyone confirms: consequences, warnings, and the roles Entra would refuse. */
import type { Context, RoleMember } from './adapter.js'
import type { DirectoryRole, GraphUser } from './answers.js'
import type { Account, AccountAction, Action, Preflight } from '../types.js'
import { readDeletedUser, readUser, REVERSIBLE, ROLE_TEMPLATES, roleHolders, toAccount, userRoles } from './adapter.js'
import { DAY_MS, deletedOn, formatDate, restorableUntil, RESTORE_DAYS, roleName } from './answers.js'
import type { Problem } from '../problems.js'

// --- preflight ---------------------------------------------------------------------------

export async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  if (action === 'cancel-delete') return preflightRestore(ctx, account)
  const user = await readUser(ctx, account.id)
  if (!user) {
    const deleted = await readDeletedUser(ctx, account.id)
    if (!deleted) return { kind: 'gone' }
    const current = toAccount(deleted)
    if (action === 'delete') {
      return ready(
        current,
        action,
        [`Already deleted on ${formatDate(deletedOn(deleted, ctx.now()))}: nothing will change. To bring the user back, use Cancel deletion (Restore).`],
        [],
      )
    }
    return blocked(current, {
      kind: 'conflict',
      detail: `the user was deleted on ${formatDate(deletedOn(deleted, ctx.now()))}: restore them first (Cancel deletion on the alert, or the Entra admin center's Deleted users)`,
    })
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
export async function roleBlockers(ctx: Context, account: Account, roles: DirectoryRole[], action: AccountAction): Promise<Problem[]> {
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
    : [
        'The app holds no directory role that may restore an admin: if this user held an admin role, Microsoft refuses the restore (assign the app Privileged Authentication Administrator, or restore them in the Entra admin center).',
      ]
  return ready(
    current,
    'cancel-delete',
    [
      `The user is restored from deleted items (restorable until ${until}): they can sign in again, with the group memberships, licences and app assignments they had.`,
      'Their sign-in name comes back as it was, unless another user took it meanwhile (then the restore is refused).',
    ],
    warnings,
  )
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
        "After that Microsoft deletes them for good, with their mailbox and OneDrive on Microsoft 365's own retention schedule.",
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
  if ((action === 'delete' || action === 'suspend') && roles.length > 0)
    list.push(`They hold directory roles (${roles.map(roleName).join(', ')}): make sure another admin remains for each.`)
  if (action === 'delete' || action === 'suspend') {
    list.push(
      'A user synchronised from on-premises Active Directory (Entra Connect) comes back at the next sync unless they are disabled or removed there too.',
    )
  }
  return list
}

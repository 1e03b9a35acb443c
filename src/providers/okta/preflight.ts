/** What each action would do to an Okta user, said before anyone confirms: the modal's consequences, warnings and blockers. */
import type { Context } from './adapter.js'
import type { OktaRole, OktaUser } from './answers.js'
import type { Account, AccountAction, Action, Preflight } from '../types.js'
import { readMe, readRoles, readUser, toAccount } from './adapter.js'
import { nameOf, roleNames } from './answers.js'
import type { Problem } from '../problems.js'

/** Profiles mastered by a directory: its next import can bring the user back. */
const DIRECTORY_PROVIDERS = new Set(['ACTIVE_DIRECTORY', 'LDAP'])

const REVERSIBLE: ReadonlySet<Action> = new Set<Action>(['suspend', 'restore'])

// --- preflight ----------------------------------------------------------------

export async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
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

export const DEACTIVATED_NOT_SUSPENDED: Problem = {
  kind: 'conflict',
  detail:
    'the user is deactivated (DEPROVISIONED), not suspended: unsuspend cannot bring them back, and activating them again (a new activation email, apps provisioned afresh) is done in the Okta Admin Console',
}

export function notSuspendable(status: string): string {
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

export function integrationOwner(me: OktaUser): Problem {
  return { kind: 'integration-owner', owner: nameOf(me) }
}

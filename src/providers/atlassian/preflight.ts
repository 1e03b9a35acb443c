/** What each action would do to an Atlassian account, said before anyone confirms: consequences, warnings, and what Atlassian itself would refuse. */
import type { Context, DirectoryUser, Lifecycle, Permissions, Privilege, Rule } from './adapter.js'
import type { Account, AccountAction, Action, Preflight } from '../types.js'
import {
  DELETION_GRACE_DAYS,
  deletionDate,
  formatDate,
  isManaged,
  lifecycleOf,
  MAX_PRODUCTS_LISTED,
  permissionsSchema,
  PERSONAL_DATA_ERASED_WITHIN_DAYS,
  readUser,
  REVERSIBLE,
  toAccount,
  userPath,
} from './adapter.js'
import type { Problem } from '../problems.js'
import { nullIfNotFound, unreadable } from '../kit/errors.js'

// --- preflight ----------------------------------------------------------------

export async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  const user = await readUser(ctx, account.id)
  if (!user) return { kind: 'gone' }
  const current = toAccount(user, account.email)
  if (!isManaged(user)) return blocked(current, notManagedProblem(current.email))
  const lifecycle = lifecycleOf(user)
  if (action === 'restore' && lifecycle === 'pending-deletion') {
    return blocked(current, {
      kind: 'conflict',
      detail: 'the account is scheduled for deletion, and Atlassian reactivates such an account only by cancelling the deletion: use Cancel deletion instead',
    })
  }
  const permissions = await readPermissions(ctx, account.id)
  if (!permissions) return { kind: 'gone' }
  const rule = permissions[privilegeFor(action)]
  if (rule && !rule.allowed) return blocked(current, restrictionProblem(rule.reason?.key ?? 'unknown', action, current))
  return {
    kind: 'ready',
    account: current,
    consequences: consequences(ctx, action, user),
    warnings: warnings(ctx, action, user, current, rule),
    reversible: REVERSIBLE.has(action),
  }
}

function blocked(account: Account, problem: Problem): Preflight {
  return { kind: 'blocked', account, blockers: [{ problem }] }
}

export function notManagedProblem(email: string): Problem {
  return {
    kind: 'api-prohibited',
    detail:
      `not a managed account: ${email || 'this account'} is not on a domain your organization has verified, so Atlassian lets only its owner deactivate or delete it; ` +
      "the admin can remove the user's access from the organization's directory (Directory > Users > Remove/Suspend access) instead",
  }
}

/** GET /users/{id}/manage; null when the account no longer exists. */
async function readPermissions(ctx: Context, accountId: string): Promise<Permissions | null> {
  return nullIfNotFound(async () => {
    const response = await ctx.http.send({ method: 'GET', path: `${userPath(accountId)}/manage` })
    const parsed = permissionsSchema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Atlassian', response.status, 'GET /users/{account_id}/manage')
    return parsed.data
  })
}

function privilegeFor(action: AccountAction): Privilege {
  return action === 'suspend' || action === 'restore' ? 'lifecycle.enablement' : 'lifecycle.delete'
}

const ACTION_VERBS: Record<Action, string> = {
  suspend: 'deactivate',
  restore: 'reactivate',
  delete: 'delete',
  'cancel-delete': 'cancel the deletion of',
  'deprovision-access': 'de-provision',
}

/** A restricted privilege as the problem the modal explains, with what to do instead. */
export function restrictionProblem(reason: string, action: AccountAction, account: Account): Problem {
  const verb = ACTION_VERBS[action]
  switch (reason) {
    case 'administrative':
      return { kind: 'permission', status: 403, detail: restrictionText(reason, verb) }
    case 'administrative.notMyself':
      // The key acts as the admin who created it: the account is the bot's own way in.
      return { kind: 'integration-owner', owner: account.email || account.id }
    default:
      return { kind: 'api-prohibited', detail: restrictionText(reason, verb) }
  }
}

export function restrictionText(reason: string, verb: string): string {
  switch (reason) {
    case 'administrative':
      return `only an organization admin may ${verb} this account, and the API key does not act as one for it: use a key created by an organization admin`
    case 'administrative.notMyself':
      return `Atlassian does not let an admin ${verb} their own account, and the API key acts as this account`
    case 'authPolicy.saml':
      return `the account is controlled by SAML single sign-on: ${verb} it in the identity provider instead`
    case 'blocked.exportControl':
      return 'the account is blocked under US export control: only Atlassian Support can change it (support.atlassian.com/contact)'
    case 'externalDirectory.scim':
      return 'managed by a SCIM directory: remove them in the identity provider, which then deactivates the account in Atlassian'
    case 'externalDirectory.google':
      return 'managed through Google Workspace: remove or suspend them in Google Workspace, which Atlassian syncs from'
    case 'myselfOnly':
      return `only the person who owns the account may ${verb} it`
    case 'managedAccount':
      return `only an admin of the organization that manages this account may ${verb} it, and that is not the bot's organization: ask that organization's admin, or remove the user's access from your directory instead`
    default:
      return `Atlassian does not allow it (restriction "${reason}"): do it in Atlassian Administration instead`
  }
}

function consequences(ctx: Context, action: AccountAction, user: DirectoryUser): string[] {
  switch (action) {
    case 'suspend':
      return [
        'The Atlassian account is deactivated: they can no longer log in to Jira, Confluence, Bitbucket, Trello or any other Atlassian service, in any organization.',
        'Their roles, group memberships and personal data are kept, so the account can be reactivated later (Reactivate).',
        'Your organization is not billed for the account while it is deactivated.',
      ]
    case 'delete': {
      const final = formatDate(deletionDate(ctx.now()))
      return [
        `The account is deactivated now and deleted for good on ${final}, ${DELETION_GRACE_DAYS} days from now.`,
        `Until ${final} the deletion can be cancelled (Cancel deletion), which also reactivates the account.`,
        productsLine(user),
        `Once the deletion is final, Atlassian erases their personal data (name, email address, profile) within ${PERSONAL_DATA_ERASED_WITHIN_DAYS} days; content they created stays, shown as by a "Former user".`,
        'Roles and group memberships are lost for good: if they may need access again, Suspend (deactivate) instead.',
      ]
    }
    case 'restore':
      return [
        'The account is reactivated: they can log in to Atlassian services again, with the roles and group memberships they had before.',
        'Your organization is billed for the account again.',
      ]
    case 'cancel-delete':
      return [
        'The scheduled deletion is cancelled and the account is reactivated: they can use Atlassian services again.',
        'Your organization is billed for the account again.',
      ]
  }
}

function productsLine(user: DirectoryUser): string {
  const keys = [...new Set((user.productAccess ?? []).flatMap((product) => (product.key ? [product.key] : [])))]
  if (keys.length === 0) return 'They lose access to every product and service of the organization.'
  const shown = keys.slice(0, MAX_PRODUCTS_LISTED).join(', ')
  const more = keys.length > MAX_PRODUCTS_LISTED ? ` and ${keys.length - MAX_PRODUCTS_LISTED} more` : ''
  return `They lose access to every product and service of the organization, including ${shown}${more}.`
}

function warnings(ctx: Context, action: AccountAction, user: DirectoryUser, account: Account, rule: Rule | undefined): string[] {
  const list = stateWarnings(action, lifecycleOf(user))
  if (rule === undefined) list.push(`Atlassian did not say whether the API key may ${ACTION_VERBS[action]} this account; the bot will try.`)
  if (action === 'suspend' || action === 'delete') {
    if (account.roles?.some((role) => role === 'atlassian/org-admin')) {
      list.push('This account is an organization admin: make sure another admin remains.')
    }
    if (account.roles === undefined) list.push(`${ctx.service} did not report platform roles, so the bot cannot check whether this is an admin.`)
    list.push(
      `If ${account.email || 'this person'} is still in your SAML identity provider or Google Workspace, Atlassian re-activates or re-creates the account at their next login: remove them there first.`,
    )
  }
  return list
}

function stateWarnings(action: AccountAction, lifecycle: Lifecycle): string[] {
  if (action === 'suspend' && lifecycle !== 'active') {
    return [`The account is already deactivated${lifecycle === 'pending-deletion' ? ' and scheduled for deletion' : ''}; nothing will change.`]
  }
  if (action === 'delete' && lifecycle === 'pending-deletion') {
    return ['The account is already scheduled for deletion; nothing will change. To keep it, use Cancel deletion instead.']
  }
  if (action === 'restore' && lifecycle === 'active') return ['The account is already active; nothing will change.']
  if (action === 'cancel-delete' && lifecycle !== 'pending-deletion') return ['No deletion is scheduled for this account; nothing will change.']
  return []
}

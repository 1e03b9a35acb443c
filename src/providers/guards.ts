/**
 * The refusals that hold for every service, decided before any write call: the
 * actor's own account, the account that owns the bot's integration, and the last
 * admin (counted from the service's own admin list, read now). Adapters add their
 * own (Atlassian's manage permissions, Treasure Data's roles); these are the same
 * everywhere, so they live here once.
 */
import type { Problem } from './problems.js'
import type { Account, Action, Provider } from './types.js'

export interface GuardContext {
  /** The acting Slack user's email, when Slack told it. */
  actorEmail?: string
  /** The configured owner of the integration's credentials. */
  integrationOwner?: string
}

export interface GuardResult {
  blockers: Problem[]
  warnings: string[]
}

/** Actions that take access away: the ones the guards protect against. */
export const GUARDED_ACTIONS: ReadonlySet<Action> = new Set(['delete', 'suspend'])

export const UNKNOWN_ADMINS_WARNING =
  'This service does not tell the bot who its admins are, so the bot cannot check that this is not the last admin.'
export const UNKNOWN_ACTOR_WARNING = 'Slack did not tell the bot your email address, so it could not check that this is not your own account.'

export async function guardAccount(provider: Provider, account: Account, action: Action, context: GuardContext): Promise<GuardResult> {
  const result: GuardResult = { blockers: [], warnings: [] }
  if (!GUARDED_ACTIONS.has(action)) return result

  if (context.actorEmail === undefined) result.warnings.push(UNKNOWN_ACTOR_WARNING)
  else if (sameEmail(context.actorEmail, account.email)) result.blockers.push({ kind: 'self' })

  if (context.integrationOwner && sameEmail(context.integrationOwner, account.email)) {
    result.blockers.push({ kind: 'integration-owner', owner: context.integrationOwner })
  }

  const admin = isAdmin(account)
  if (admin === false) return result
  if (admin === undefined || !provider.listAdmins) {
    result.warnings.push(UNKNOWN_ADMINS_WARNING)
    return result
  }
  const others = (await provider.listAdmins()).filter((other) => other.status === 'active' && other.id !== account.id)
  if (others.length === 0) result.blockers.push({ kind: 'last-admin' })
  return result
}

/** Whether the account holds admin rights: the adapter's word, else its role names, else unknown. */
export function isAdmin(account: Account): boolean | undefined {
  if (account.isAdmin !== undefined) return account.isAdmin
  if (account.roles === undefined) return undefined
  return account.roles.some((role) => /admin|owner/i.test(role))
}

function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase()
}

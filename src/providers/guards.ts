/**
 * The refusals that hold for every service, decided before any write call: the
 * actor's own account, the account that owns the bot's integration, and the last
 * admin (counted from the service's own admin list, read now). Adapters add their
 * own (Atlassian's manage permissions, Treasure Data's roles); these are the same
 * everywhere, so they live here once.
 */
import { isAddressOf } from './addresses.js'
import type { Problem } from './problems.js'
import type { Account, Action, Provider } from './types.js'

export interface GuardContext {
  /** The acting Slack user's email; absent when Slack did not tell it, and then delete and suspend are refused. */
  actorEmail?: string
  /** The configured owner of the integration's credentials. */
  integrationOwner?: string
}

export interface GuardResult {
  blockers: Problem[]
  warnings: string[]
}

/** Actions that take access away: the ones the guards protect against. */
const GUARDED: ReadonlySet<Action> = new Set(['delete', 'suspend'])

export const UNKNOWN_ADMINS_WARNING = 'This service does not tell the bot who its admins are, so the bot cannot check that this is not the last admin.'

/** Whether the action takes access away: only those are refused for the actor's own account. */
export function takesAccessAway(action: Action): boolean {
  return GUARDED.has(action)
}

export async function guardAccount(provider: Provider, account: Account, action: Action, context: GuardContext): Promise<GuardResult> {
  const result: GuardResult = { blockers: [], warnings: [] }
  if (!takesAccessAway(action)) return result

  // Without the actor's email the own-account guard cannot be checked: refuse rather than risk it.
  if (context.actorEmail === undefined) result.blockers.push({ kind: 'unknown-actor' })
  else if (isAddressOf(account, context.actorEmail)) result.blockers.push({ kind: 'self' })

  if (context.integrationOwner && isAddressOf(account, context.integrationOwner)) {
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

/** The writes on an Atlassian account: deactivate, activate, delete (scheduled, cancellable 14 days) and cancel the deletion; Atlassian refusals read for the action. */
import type { Account, AccountAction, ExecuteContext, Outcome, Write } from '../types.js'
import { DELETION_GRACE_DAYS, deletionDate, isManaged, lifecycleOf, lifecyclePath, readUser } from './adapter.js'
import { reclassify } from './errors.js'
import { notManagedProblem } from './preflight.js'
import type { Context } from './adapter.js'
import { ProviderError } from '../problems.js'

// --- execute ------------------------------------------------------------------

/**
 * Failures are thrown as ProviderError (the caller turns them into failed outcomes and
 * decides on retries); "already in that state" is answered without calling the service.
 */
export function reclassifying(action: AccountAction, write: (account: Account, context: ExecuteContext) => Promise<Outcome>): Write {
  return async (account, _choices, context) => {
    try {
      return await write(account, context)
    } catch (error) {
      throw reclassify(error, action, account)
    }
  }
}

export async function suspend(ctx: Context, account: Account): Promise<Outcome> {
  if (account.status === 'suspended') return { kind: 'already-done', detail: 'the account was already deactivated' }
  // No message: Atlassian then shows its default one to the person.
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'disable'), json: {} })
  return { kind: 'done', detail: 'deactivated: they can no longer log in to Atlassian; their roles and group memberships are kept' }
}

export async function restore(ctx: Context, account: Account): Promise<Outcome> {
  if (account.status === 'active') return { kind: 'already-done', detail: 'the account was already active' }
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'enable') })
  return { kind: 'done', detail: 'reactivated: they can log in again, with the roles and group memberships they had before' }
}

export async function deleteAccount(ctx: Context, account: Account, context: ExecuteContext): Promise<Outcome> {
  const user = await readUser(ctx, account.id)
  if (!user) throw new ProviderError({ kind: 'not-found', detail: 'the account no longer exists in the directory' })
  if (!isManaged(user)) throw new ProviderError(notManagedProblem(user.email ?? account.email))
  // The bot's own earlier request, whose answer was lost: its 14 days count from when it was sent.
  if (lifecycleOf(user) === 'pending-deletion' && context.resumedSince) {
    return { kind: 'scheduled', until: deletionDate(context.resumedSince).toISOString(), cancellable: true }
  }
  if (lifecycleOf(user) === 'pending-deletion') {
    return {
      kind: 'already-done',
      detail: `its deletion was already scheduled: Atlassian deletes it for good ${DELETION_GRACE_DAYS} days after the deletion was requested, and it can be cancelled until then`,
    }
  }
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'delete') })
  return { kind: 'scheduled', until: deletionDate(ctx.now()).toISOString(), cancellable: true }
}

export async function cancelDeletion(ctx: Context, account: Account): Promise<Outcome> {
  const user = await readUser(ctx, account.id)
  if (!user) throw new ProviderError({ kind: 'not-found', detail: 'the account no longer exists; its deletion may already be final' })
  if (lifecycleOf(user) !== 'pending-deletion') return { kind: 'already-done', detail: 'no deletion was scheduled for this account' }
  await ctx.http.send({ method: 'POST', path: lifecyclePath(account.id, 'cancel-delete') })
  return {
    kind: 'done',
    detail: 'the deletion is cancelled and the account is active again: they can use Atlassian services again, and the organization is billed for them again',
  }
}

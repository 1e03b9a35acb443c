/** The writes on an Entra ID user: block sign-in (and revoke sessions), unblock, delete, and restore from deleted items; each re-reads the user first. */
import type { Context } from './adapter.js'
import type { GraphUser } from './answers.js'
import type { Account, AccountAction, ExecuteContext, Outcome } from '../types.js'
import type { Problem } from '../problems.js'
import { readDeletedUser, readUser, toAccount, userRoles } from './adapter.js'
import { deletedOn, deletedPath, formatDate, restorableUntil, userPath } from './answers.js'
import { roleBlockers } from './preflight.js'
import { ProviderError } from '../problems.js'
import { isNotFound } from '../kit/errors.js'

// --- execute ----------------------------------------------------------------------------

/** Reads the live user and their roles, and answers Entra's own refusal for this action, if any. */
async function liveUser(ctx: Context, account: Account, action: AccountAction): Promise<{ user: GraphUser; refusal?: Problem } | null> {
  const user = await readUser(ctx, account.id)
  if (!user) return null
  const roles = await userRoles(ctx, user.id)
  const refusal = (await roleBlockers(ctx, toAccount(user, roles), roles, action))[0]
  return refusal ? { user, refusal } : { user }
}

export async function suspend(ctx: Context, account: Account): Promise<Outcome> {
  const found = await liveUser(ctx, account, 'suspend')
  if (!found) throw new ProviderError({ kind: 'not-found', detail: `the user no longer exists in ${ctx.service}` })
  if (found.refusal) return { kind: 'failed', problem: found.refusal }
  const wasDisabled = found.user.accountEnabled === false
  if (!wasDisabled) await ctx.http.send({ method: 'PATCH', path: userPath(account.id), json: { accountEnabled: false } })
  await ctx.http.send({ method: 'POST', path: `${userPath(account.id)}/revokeSignInSessions` })
  const revoked = 'their refresh tokens and sessions were revoked'
  return wasDisabled
    ? { kind: 'already-done', detail: `sign-in was already blocked; ${revoked} again` }
    : { kind: 'done', detail: `sign-in is blocked and ${revoked}` }
}

export async function reactivate(ctx: Context, account: Account): Promise<Outcome> {
  const found = await liveUser(ctx, account, 'restore')
  if (!found) throw new ProviderError({ kind: 'not-found', detail: `the user no longer exists in ${ctx.service}` })
  if (found.refusal) return { kind: 'failed', problem: found.refusal }
  if (found.user.accountEnabled !== false) return { kind: 'already-done', detail: 'sign-in was already allowed' }
  await ctx.http.send({ method: 'PATCH', path: userPath(account.id), json: { accountEnabled: true } })
  return { kind: 'done', detail: 'sign-in is allowed again' }
}

export async function remove(ctx: Context, account: Account, context: ExecuteContext): Promise<Outcome> {
  const found = await liveUser(ctx, account, 'delete')
  if (!found) {
    const deleted = await readDeletedUser(ctx, account.id)
    if (!deleted) throw new ProviderError({ kind: 'not-found', detail: `the user no longer exists in ${ctx.service}` })
    // The bot's own earlier request, whose answer was lost: Microsoft's deletion date gives the final one.
    if (context.resumedSince) return { kind: 'scheduled', until: restorableUntil(deleted, context.resumedSince).toISOString(), cancellable: true }
    return {
      kind: 'already-done',
      detail: `already deleted on ${formatDate(deletedOn(deleted, ctx.now()))}; Microsoft keeps it restorable until ${formatDate(restorableUntil(deleted, ctx.now()))}`,
    }
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

export async function restoreDeleted(ctx: Context, account: Account): Promise<Outcome> {
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
    return new ProviderError(
      {
        kind: 'permission',
        status: problem.status ?? 403,
        detail: `Microsoft refused the restore (${problem.detail ?? 'insufficient privileges'}): a user who held an admin role can be restored only by an app holding Privileged Authentication Administrator, or in the Entra admin center`,
      },
      { cause: error },
    )
  }
  if (problem.kind === 'rejected' && problem.status === 400) {
    return new ProviderError(
      {
        kind: 'conflict',
        detail: `Microsoft refused the restore: ${problem.detail}; another user may hold their sign-in name or address now: free it, then Retry`,
      },
      { cause: error },
    )
  }
  return error
}

/** The writes on an Okta user (suspend, unsuspend, deactivate and delete), each re-reading the user first. */
import type { Context } from './adapter.js'
import type { Outcome } from '../types.js'
import { readMe, readUser } from './adapter.js'
import { userPath } from './answers.js'
import { DEACTIVATED_NOT_SUSPENDED, integrationOwner, notSuspendable } from './preflight.js'
import { ProviderError } from '../problems.js'
import { isNotFound } from '../kit/errors.js'

// --- execute ------------------------------------------------------------------

const SESSIONS_CLEARED = 'their Okta sessions were cleared and their OAuth tokens revoked'

export async function suspend(ctx: Context, id: string): Promise<Outcome> {
  const [user, me] = await Promise.all([readUser(ctx, id), readMe(ctx)])
  if (!user) return { kind: 'already-done', detail: 'the user no longer exists in Okta' }
  if (user.id === me.id) return { kind: 'failed', problem: integrationOwner(me) }
  if (user.status === 'DEPROVISIONED') return { kind: 'already-done', detail: 'already deactivated in Okta, which stops every sign-in too' }
  if (user.status === 'SUSPENDED') {
    // A run that suspended and then stopped before clearing sessions finishes the job here.
    await clearSessions(ctx, id)
    return { kind: 'already-done', detail: `already suspended; ${SESSIONS_CLEARED} again` }
  }
  if (user.status !== 'ACTIVE') return { kind: 'failed', problem: { kind: 'conflict', detail: notSuspendable(user.status) } }
  const raced = await lifecycle(ctx, id, 'suspend', 'SUSPENDED')
  if (raced === 'gone') return { kind: 'already-done', detail: 'the user no longer exists in Okta' }
  await clearSessions(ctx, id)
  return { kind: 'done', detail: SESSIONS_CLEARED }
}

export async function restore(ctx: Context, id: string): Promise<Outcome> {
  const user = await readUser(ctx, id)
  // Nothing to bring back; the caller reports a missing account as such.
  if (!user) throw new ProviderError({ kind: 'not-found', detail: 'the user no longer exists in Okta' })
  if (user.status === 'DEPROVISIONED') return { kind: 'failed', problem: DEACTIVATED_NOT_SUSPENDED }
  if (user.status !== 'SUSPENDED') return { kind: 'already-done', detail: `not suspended (Okta status ${user.status})` }
  const raced = await lifecycle(ctx, id, 'unsuspend', 'ACTIVE')
  if (raced === 'gone') throw new ProviderError({ kind: 'not-found', detail: 'the user no longer exists in Okta' })
  return raced === 'already' ? { kind: 'already-done', detail: 'already active' } : { kind: 'done' }
}

/**
 * POST /users/{id}/lifecycle/{operation}. Okta answers 400 E0000001 when the user is not in
 * the status the operation needs: if someone else just made the change, that is fine.
 */
async function lifecycle(ctx: Context, id: string, operation: 'suspend' | 'unsuspend', target: string): Promise<'done' | 'already' | 'gone'> {
  try {
    await ctx.http.send({ method: 'POST', path: `${userPath(id)}/lifecycle/${operation}` })
    return 'done'
  } catch (error) {
    if (isNotFound(error)) return 'gone'
    if (!(error instanceof ProviderError) || error.problem.kind !== 'rejected' || error.problem.status !== 400) throw error
    const now = await readUser(ctx, id)
    if (!now) return 'gone'
    if (now.status === target) return 'already'
    throw new ProviderError(
      { kind: 'conflict', detail: `Okta refused to ${operation} the user (status ${now.status}): ${error.problem.detail}` },
      { cause: error },
    )
  }
}

export async function remove(ctx: Context, id: string): Promise<Outcome> {
  const [user, me] = await Promise.all([readUser(ctx, id), readMe(ctx)])
  if (!user) return { kind: 'already-done', detail: 'already deleted' }
  if (user.id === me.id) return { kind: 'failed', problem: integrationOwner(me) }
  const wasDeactivated = user.status === 'DEPROVISIONED'
  if (!wasDeactivated) {
    // Sessions first, while Okta still lists them; then deactivate explicitly rather than
    // rely on the first DELETE doing it, so every step is known and a re-run can resume.
    await clearSessions(ctx, id)
    if ((await deactivate(ctx, id)) === 'gone') return { kind: 'already-done', detail: 'already deleted' }
  }
  return deleteDeactivated(ctx, id, wasDeactivated)
}

/** Okta answers 404 E0000007 to deactivating a user that is already DEPROVISIONED: look before concluding it is gone. */
async function deactivate(ctx: Context, id: string): Promise<'deactivated' | 'gone'> {
  try {
    await ctx.http.send({ method: 'POST', path: `${userPath(id)}/lifecycle/deactivate`, query: { sendEmail: false } })
    return 'deactivated'
  } catch (error) {
    if (!isNotFound(error)) throw error
    const now = await readUser(ctx, id)
    if (!now) return 'gone'
    if (now.status === 'DEPROVISIONED') return 'deactivated'
    throw error
  }
}

/**
 * DELETE only deletes a DEPROVISIONED user; on any other it deactivates instead. So the
 * bot checks afterwards that the user is really gone, and deletes once more if Okta only
 * deactivated (someone re-activated them in between).
 */
async function deleteDeactivated(ctx: Context, id: string, wasDeactivated: boolean): Promise<Outcome> {
  const detail = wasDeactivated
    ? 'the user was already deactivated and is now deleted permanently'
    : `${SESSIONS_CLEARED}; the user was deactivated (deprovisioned from every assigned app), then deleted permanently`
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await ctx.http.send({ method: 'DELETE', path: userPath(id), query: { sendEmail: false } })
    } catch (error) {
      if (isNotFound(error)) return attempt === 1 && wasDeactivated ? { kind: 'already-done', detail: 'already deleted' } : { kind: 'done', detail }
      throw error
    }
    const left = await readUser(ctx, id)
    if (!left) return { kind: 'done', detail }
    if (left.status !== 'DEPROVISIONED' || attempt === 2) {
      return {
        kind: 'failed',
        problem: {
          kind: 'conflict',
          detail: `Okta accepted the delete but still lists the user (status ${left.status}); check them in the Okta Admin Console`,
        },
      }
    }
  }
  return { kind: 'failed', problem: { kind: 'conflict', detail: 'Okta did not delete the user' } }
}

/** DELETE /users/{id}/sessions with oauthTokens=true: Okta sessions end and issued tokens are revoked. */
async function clearSessions(ctx: Context, id: string): Promise<void> {
  try {
    await ctx.http.send({ method: 'DELETE', path: `${userPath(id)}/sessions`, query: { oauthTokens: true } })
  } catch (error) {
    // A user who is gone has no sessions left to clear.
    if (!isNotFound(error)) throw error
  }
}

/** Removing someone from a GitHub organisation (member, outside collaborator, or a pending invitation), re-reading the membership first. */
import type { Context } from './adapter.js'
import type { Invitation } from './answers.js'
import type { Account, Outcome } from '../types.js'
import { INVITATION_ID, invitedAs, membershipOf, orgPath, pendingInvitations, sameLogin, tokenUser } from './adapter.js'
import { isNotFound } from '../kit/errors.js'
import type { Problem } from '../problems.js'

// --- execute ------------------------------------------------------------------------

/**
 * Each removal reads the membership again first, so a re-run after a crash or a double
 * click carries on where it stopped, and one that finds nothing left says so.
 */
export async function removeMember(ctx: Context, account: Account): Promise<Outcome> {
  const invitationId = INVITATION_ID.exec(account.id)?.[1]
  if (invitationId !== undefined) return cancelOnlyInvitation(ctx, Number(invitationId))
  const me = await tokenUser(ctx)
  if (me !== undefined && sameLogin(me, account.id)) return { kind: 'failed', problem: tokenOwner(me) }
  const membership = await membershipOf(ctx, account.id)
  const path = `${orgPath(ctx)}/${membership.kind === 'outside-collaborator' ? 'outside_collaborators' : 'members'}/${encodeURIComponent(account.id)}`
  const cancelled = await cancelInvitations(ctx, await invitationsFor(ctx, account))
  const alsoCancelled = cancelled.length > 0 ? `; the pending invitation to ${cancelled.join(', ')} was cancelled too` : ''
  if (membership.kind === 'none') return { kind: 'already-done', detail: `@${account.id} is no longer in the ${ctx.org} organisation${alsoCancelled}` }
  try {
    await ctx.http.send({ method: 'DELETE', path })
  } catch (error) {
    if (isNotFound(error)) return { kind: 'already-done', detail: `@${account.id} is no longer in the ${ctx.org} organisation${alsoCancelled}` }
    throw error
  }
  const what =
    membership.kind === 'outside-collaborator'
      ? `removed as an outside collaborator from every repository of ${ctx.org}`
      : `removed from the ${ctx.org} organisation (their forks of its private repositories go with it)`
  return { kind: 'done', detail: `@${account.id} was ${what}; their personal GitHub account stays theirs${alsoCancelled}` }
}

async function cancelOnlyInvitation(ctx: Context, id: number): Promise<Outcome> {
  const invitation = (await pendingInvitations(ctx)).find((candidate) => candidate.id === id)
  if (!invitation) {
    return { kind: 'already-done', detail: `the invitation is no longer pending in ${ctx.org} (cancelled already, or accepted: then look the person up again)` }
  }
  const cancelled = await cancelInvitations(ctx, [invitation])
  return cancelled.length > 0
    ? { kind: 'done', detail: `the pending invitation to ${cancelled.join(', ')} was cancelled; they had not joined ${ctx.org}` }
    : { kind: 'already-done', detail: `the invitation is no longer pending in ${ctx.org}` }
}

/** Cancels each invitation; answers who they were sent to, leaving out the ones already gone. */
async function cancelInvitations(ctx: Context, invitations: Invitation[]): Promise<string[]> {
  const cancelled: string[] = []
  for (const invitation of invitations) {
    try {
      await ctx.http.send({ method: 'DELETE', path: `${orgPath(ctx)}/invitations/${invitation.id}` })
      cancelled.push(invitation.email ?? `@${invitation.login ?? invitation.id}`)
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
  return cancelled
}

/** Pending invitations to the account's email or login. */
export async function invitationsFor(ctx: Context, account: Account): Promise<Invitation[]> {
  return (await pendingInvitations(ctx)).filter((invitation) => invitedAs(invitation, account.email, account.id))
}

export function tokenOwner(login: string): Problem {
  return { kind: 'integration-owner', owner: `@${login}, the user whose token the bot uses` }
}

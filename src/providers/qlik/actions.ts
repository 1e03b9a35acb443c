/** The writes on a Qlik user: disable, enable, and the delete that first hands over what they own. */
import type { Context, QlikUser } from './adapter.js'
import type { OwnedAsset } from './ownership.js'
import type { Account, Action, Choices, Outcome } from '../types.js'
import {
  bulkResultSchema,
  CONFLICT_DETAIL_MAX,
  describeOneError,
  describeQlikError,
  nameOf,
  NAMES_IN_CONFLICT,
  NEW_OWNER_QUESTION,
  readMe,
  readUser,
  userPath,
} from './adapter.js'
import { KIND_NAMES, ownedAssets } from './ownership.js'
import { integrationOwner, pendingProblem } from './preflight.js'
import { assetKey, countPhrase, summary } from './wording.js'
import { isNotFound } from '../kit/errors.js'
import { describeProblem, isRetryable, toProblem } from '../problems.js'
import { clip } from '../kit/text.js'

// --- execute ------------------------------------------------------------------

export function statusPatch(status: 'active' | 'disabled'): unknown {
  return [{ op: 'replace', path: '/status', value: status }]
}

export async function setStatus(ctx: Context, account: Account, status: 'active' | 'disabled'): Promise<Outcome> {
  const action: Action = status === 'disabled' ? 'suspend' : 'restore'
  if (account.status === 'pending') return { kind: 'failed', problem: pendingProblem(action) }
  if (status === 'disabled' && account.status === 'suspended') return { kind: 'already-done', detail: 'already disabled' }
  if (status === 'active' && account.status === 'active') return { kind: 'already-done', detail: 'already active' }
  if (status === 'disabled') {
    const me = await readMe(ctx)
    if (me.id === account.id) return { kind: 'failed', problem: integrationOwner(me) }
  }
  try {
    const response = await ctx.http.send({ method: 'PATCH', path: userPath(account.id), json: statusPatch(status) })
    // 207: Qlik applied none or only part of the patch; the body lists why.
    if (response.status === 207) {
      const detail = describeQlikError(207, response.body) ?? 'Qlik accepted only part of the change'
      return { kind: 'failed', problem: { kind: 'rejected', status: 207, detail } }
    }
    return { kind: 'done' }
  } catch (error) {
    // A user that is gone cannot sign in: for disable that is the goal.
    if (status === 'disabled' && isNotFound(error)) return { kind: 'already-done', detail: 'the user no longer exists' }
    throw error
  }
}

export async function deleteAccount(ctx: Context, account: Account, choices: Choices): Promise<Outcome> {
  const me = await readMe(ctx)
  if (me.id === account.id) return { kind: 'failed', problem: integrationOwner(me) }
  if (account.status === 'pending') return deleteUser(ctx, account.id, 'the pending invitation was deleted')

  const assets = await ownedAssets(ctx, account.id)
  if (assets.length === 0) return deleteUser(ctx, account.id)

  const who = account.displayName ?? account.email
  const newOwnerId = choices[NEW_OWNER_QUESTION]?.trim()
  if (!newOwnerId) {
    return conflict(
      `${who} still owns ${countPhrase(assets)}, and no new owner was chosen. Nothing was changed and the user was not deleted: choose a new owner and try again.`,
    )
  }
  const newOwner = await checkNewOwner(ctx, newOwnerId, account)
  if (typeof newOwner === 'string') return conflict(`${newOwner} Nothing was changed and the user was not deleted.`)

  const reasons = new Map<string, string>()
  for (const asset of assets) {
    const reason = await reassign(ctx, asset, newOwner.id, assets)
    if (reason) reasons.set(assetKey(asset), reason)
  }
  // Believe what Qlik lists afterwards, not what it answered: only then is nothing orphaned.
  const left = await ownedAssets(ctx, account.id)
  if (left.length > 0) return conflict(reassignmentReport(who, nameOf(newOwner), assets, left, reasons))
  return deleteUser(ctx, account.id, movedDetail(nameOf(newOwner), assets))
}

/** A reason the new owner cannot take the assets, or the user. */
async function checkNewOwner(ctx: Context, id: string, account: Account): Promise<QlikUser | string> {
  if (id === account.id) return 'The chosen new owner is the user being deleted.'
  const user = await readUser(ctx, id)
  if (!user) return `The chosen new owner (${id}) no longer exists.`
  if (user.status !== 'active') return `The chosen new owner, ${nameOf(user)}, is not an active user (status ${user.status ?? 'unknown'}).`
  return user
}

/** Moves one asset; returns why it could not, or undefined. Retryable failures are thrown so the job retries. */
async function reassign(ctx: Context, asset: OwnedAsset, ownerId: string, all: OwnedAsset[]): Promise<string | undefined> {
  try {
    switch (asset.kind) {
      case 'space':
        await ctx.http.send({
          method: 'PATCH',
          path: `/api/v1/spaces/${encodeURIComponent(asset.id)}`,
          json: [{ op: 'replace', path: '/ownerId', value: ownerId }],
        })
        return undefined
      case 'app':
      case 'script':
        await ctx.http.send({ method: 'PUT', path: `/api/v1/apps/${encodeURIComponent(asset.id)}/owner`, json: { ownerId } })
        return undefined
      case 'data-connection':
        return await reassignConnection(ctx, asset, ownerId)
      case 'reload-task':
        // No owner field in the Reload Tasks API; a schedule of an app being moved follows it, others stay.
        return all.some((other) => (other.kind === 'app' || other.kind === 'script') && other.id === asset.appId)
          ? undefined
          : "Qlik's API cannot change a reload schedule's owner: re-save it in Qlik as another user, or delete it"
    }
  } catch (error) {
    // Gone in the meantime: nothing left to orphan.
    if (isNotFound(error)) return undefined
    const problem = toProblem(error)
    if (isRetryable(problem)) throw error
    return describeProblem(problem)
  }
}

async function reassignConnection(ctx: Context, asset: OwnedAsset, ownerId: string): Promise<string | undefined> {
  // An empty spaceId moves a personal connection into the new owner's personal space (the old one goes with the user).
  const connection = asset.personal ? { id: asset.id, ownerId, spaceId: '', spaceType: 'personal' } : { id: asset.id, ownerId }
  const response = await ctx.http.send({ method: 'POST', path: '/api/v1/data-connections/actions/update', json: { connections: [connection] } })
  // 207 Multi-Status: one result per connection. An unreadable body is left to the check that follows.
  const parsed = bulkResultSchema.safeParse(response.body)
  const result = parsed.success ? parsed.data.data?.find((entry) => entry.id === asset.id) : undefined
  if (!result || (result.status >= 200 && result.status < 300) || result.status === 404) return undefined
  return `HTTP ${result.status}${result.error ? `: ${describeOneError(result.error)}` : ''}`
}

async function deleteUser(ctx: Context, id: string, detail?: string): Promise<Outcome> {
  try {
    await ctx.http.send({ method: 'DELETE', path: userPath(id) })
    return detail ? { kind: 'done', detail } : { kind: 'done' }
  } catch (error) {
    // Slack retries and double clicks: a second delete finding nothing is a success.
    if (isNotFound(error)) return { kind: 'already-done', detail: 'already deleted' }
    throw error
  }
}

function conflict(detail: string): Outcome {
  return { kind: 'failed', problem: { kind: 'conflict', detail: clip(detail, CONFLICT_DETAIL_MAX) } }
}

function movedDetail(newOwner: string, assets: OwnedAsset[]): string {
  const followed = assets.some((asset) => asset.kind === 'reload-task') ? '; reload schedules moved with their apps' : ''
  return `before the delete, ${countPhrase(assets)} ${assets.length === 1 ? 'was' : 'were'} reassigned to ${newOwner}${followed}`
}

/** Which assets are still theirs (and why), and which already moved: the user was not deleted. */
function reassignmentReport(who: string, newOwner: string, before: OwnedAsset[], left: OwnedAsset[], reasons: Map<string, string>): string {
  const leftKeys = new Set(left.map(assetKey))
  const moved = before.filter((asset) => !leftKeys.has(assetKey(asset)))
  const shown = left.slice(0, NAMES_IN_CONFLICT).map((asset) => {
    const reason = reasons.get(assetKey(asset)) ?? leftReason(asset, left)
    return `${KIND_NAMES[asset.kind].one} "${clip(asset.name, 40)}" (${clip(reason, 110)})`
  })
  const more = left.length > NAMES_IN_CONFLICT ? ` …and ${left.length - NAMES_IN_CONFLICT} more` : ''
  const movedText = moved.length > 0 ? `Already moved to ${newOwner}: ${summary(moved)}.` : 'Nothing was moved.'
  return `${who} was not deleted, so nothing is orphaned. Still owned by them: ${shown.join('; ')}${more}. ${movedText}`
}

function leftReason(asset: OwnedAsset, left: OwnedAsset[]): string {
  if (asset.kind !== 'reload-task') return 'Qlik still lists them as its owner'
  if (left.some((other) => other.kind !== 'reload-task' && other.id === asset.appId)) return 'its app was not moved'
  return 'Qlik did not move it with its app: re-save it in Qlik as another user, or delete it'
}

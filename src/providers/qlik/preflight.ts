/** What each action would do to a Qlik user, said before anyone confirms: what they own, what happens to it, and the questions the modal asks. */
import type { Context, QlikUser } from './adapter.js'
import type { OwnedAsset } from './ownership.js'
import type { Account, AccountAction, Preflight, Question } from '../types.js'
import { nameOf, NAMES_PER_KIND, NEW_OWNER_QUESTION, readMe, readUser, REVERSIBLE, toAccount, userOption } from './adapter.js'
import { KIND_NAMES, KINDS, ownedAssets } from './ownership.js'
import { countPhrase, joinWords, nameList } from './wording.js'
import { capitalize } from '../kit/text.js'
import type { Problem } from '../problems.js'

// --- preflight ----------------------------------------------------------------

export async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  // Re-read the user so the modal shows Qlik's state now, not the alert's.
  const [user, me] = await Promise.all([readUser(ctx, account.id), readMe(ctx)])
  if (!user) return { kind: 'gone' }
  const current = toAccount(user)
  if (action !== 'restore' && me.id === current.id) {
    return { kind: 'blocked', account: current, blockers: [{ problem: integrationOwner(me) }] }
  }
  if (current.status === 'pending' && action !== 'delete') {
    return { kind: 'blocked', account: current, blockers: [{ problem: pendingProblem(action) }] }
  }
  switch (action) {
    case 'delete':
      return current.status === 'pending'
        ? ready(current, 'delete', invitationConsequences(ctx.service, current), [idpWarning(ctx.service)])
        : prepareDelete(ctx, current, me)
    case 'suspend':
      return ready(current, 'suspend', suspendConsequences(ctx.service), suspendWarnings(ctx.service, current))
    default:
      return ready(
        current,
        'restore',
        restoreConsequences(ctx.service),
        current.status === 'active' ? [`The user is already active in ${ctx.service}; nothing will change.`] : [],
      )
  }
}

function ready(account: Account, action: AccountAction, consequences: string[], warnings: string[], questions?: Question[]): Preflight {
  return { kind: 'ready', account, consequences, warnings, reversible: REVERSIBLE.has(action), ...(questions ? { questions } : {}) }
}

async function prepareDelete(ctx: Context, account: Account, me: QlikUser): Promise<Preflight> {
  const assets = await ownedAssets(ctx, account.id)
  const consequences = [
    ...assetConsequences(account, assets),
    `The user is deleted from ${ctx.service}: their personal data is removed and their user entitlement (licence) is freed.`,
    'Their API keys are revoked.',
    'Notifications and alerts they own are deleted with them.',
    'This cannot be undone: if they come back, they start as a new user.',
  ]
  const warnings = [...assetWarnings(assets), idpWarning(ctx.service)]
  if (assets.length === 0) return ready(account, 'delete', consequences, warnings)
  return ready(account, 'delete', consequences, warnings, [newOwnerQuestion(assets, account, me)])
}

function assetConsequences(account: Account, assets: OwnedAsset[]): string[] {
  const who = account.displayName ?? account.email
  if (assets.length === 0) return [`${who} owns no spaces, apps, scripts, data connections or reload schedules that the bot can see.`]
  return [
    `${who} owns ${countPhrase(assets)}. Deleting the user without moving them would orphan them: reloads would fail and access would break.`,
    ...KINDS.flatMap((kind) => {
      const ofKind = assets.filter((asset) => asset.kind === kind)
      return ofKind.length > 0 ? [`${capitalize(KIND_NAMES[kind].many)} (${ofKind.length}): ${nameList(ofKind, NAMES_PER_KIND)}.`] : []
    }),
    'Before the user is deleted, each of these is reassigned to the new owner chosen below. If any reassignment fails, the user is not deleted.',
  ]
}

function assetWarnings(assets: OwnedAsset[]): string[] {
  const warnings: string[] = []
  if (assets.some((asset) => asset.kind === 'data-connection')) {
    warnings.push('Data connections move without their credentials: the new owner must enter their own before reloads that use them work again.')
  }
  if (assets.some((asset) => asset.kind === 'app' || asset.kind === 'script')) {
    warnings.push(
      "Taking over an app can raise the new owner's role in its space (shared spaces: Can edit; managed spaces: Can manage). Apps in a personal space move to the new owner's personal space.",
    )
  }
  const ownAppIds = new Set(assets.filter((asset) => asset.kind === 'app' || asset.kind === 'script').map((asset) => asset.id))
  const stranded = assets.filter((asset) => asset.kind === 'reload-task' && !(asset.appId && ownAppIds.has(asset.appId)))
  if (stranded.length > 0) {
    warnings.push(
      `${stranded.length} of their reload schedules ${stranded.length === 1 ? 'belongs' : 'belong'} to apps they do not own (${nameList(stranded, NAMES_PER_KIND)}). Qlik's API cannot change a schedule's owner, so unless Qlik moves them the bot will stop before deleting the user: re-save or delete those schedules in Qlik as another user first.`,
    )
  }
  return warnings
}

function newOwnerQuestion(assets: OwnedAsset[], account: Account, me: QlikUser): Question {
  const kinds = KINDS.filter((kind) => kind !== 'reload-task' && assets.some((asset) => asset.kind === kind))
  const label = kinds.length > 0 ? `New owner for their ${joinWords(kinds.map((kind) => KIND_NAMES[kind].many))}` : 'New owner for their reload schedules'
  const canBeOwner = me.id !== account.id && (me.status === undefined || me.status === 'active')
  return {
    id: NEW_OWNER_QUESTION,
    label,
    hint: 'Everything listed above is reassigned to this user before the delete. Only active users can be chosen.',
    searchable: true,
    ...(canBeOwner ? { initial: userOption(me) } : {}),
  }
}

function invitationConsequences(service: string, account: Account): string[] {
  return [
    `${account.email || 'This person'} has a pending invitation to ${service} and never signed in: the pending invitation is deleted, and its link stops working.`,
    'They own nothing in the tenant, so nothing needs a new owner.',
    'To give them access later, invite them again.',
  ]
}

function suspendConsequences(service: string): string[] {
  return [
    `The user is disabled in ${service} (their status is set to "disabled"): they can no longer sign in.`,
    'Nothing is deleted: their spaces, apps and other content keep them as owner.',
    'Reload schedules they own stop running while they are disabled.',
    'Restore (status "active") brings them back as they were.',
  ]
}

function suspendWarnings(service: string, account: Account): string[] {
  const warnings = account.status === 'suspended' ? [`The user is already disabled in ${service}; nothing will change.`] : []
  return [...warnings, idpWarning(service)]
}

function restoreConsequences(service: string): string[] {
  return [`The user is re-enabled in ${service} (their status is set back to "active"): they can sign in again.`]
}

function idpWarning(service: string): string {
  return `If they are still in ${service}'s identity provider they can sign in again, and ${service} re-creates their user with a licence: remove them from the identity provider first.`
}

export function integrationOwner(me: QlikUser): Problem {
  return { kind: 'integration-owner', owner: nameOf(me) }
}

export function pendingProblem(action: AccountAction): Problem {
  const what = action === 'restore' ? 'enable' : 'disable'
  return {
    kind: 'conflict',
    detail: `this is a pending invitation (the person never signed in), so there is no user to ${what}; delete the invitation instead`,
  }
}

/** What each action would do to a Google Workspace user, said before anyone confirms: consequences, warnings, blockers and the hand-over question. */
import { readTransferApplications } from './data-transfer.js'
import type { Send, TransferApplications } from './data-transfer.js'
import { describeProblem, toProblem } from '../problems.js'
import { DATATRANSFER_SCOPE, DELEGATION_PATH } from './auth.js'
import type { Context, GoogleUser } from './adapter.js'
import {
  call,
  HAND_OVER_CONSEQUENCE,
  HAND_OVER_DRIVE,
  HAND_OVER_DRIVE_CALENDAR,
  HAND_OVER_QUESTION,
  handOverUnavailableWarning,
  isActingAdmin,
  KEEP_DATA_WARNING,
  NEW_OWNER_QUESTION,
  readUser,
  RESTORE_WINDOW_DAYS,
  REVERSIBLE,
  SESSIONS_WARNING,
  SIGN_OUT_CONSEQUENCE,
  SKIP_HAND_OVER,
  SKIP_UNAVAILABLE_HAND_OVER,
  toAccount,
  who,
} from './adapter.js'
import type { Account, AccountAction, Blocker, Preflight, Question } from '../types.js'

// --- preflight ------------------------------------------------------------------------------

export async function preflight(ctx: Context, account: Account, action: AccountAction): Promise<Preflight> {
  // Re-read by id: the modal shows Google's state now, and a renamed address still finds the person.
  const user = await readUser(ctx, account.id)
  if (!user) return { kind: 'gone' }
  const current = toAccount(user)
  const blockers = await blockersFor(ctx, user, action)
  if (blockers.length > 0) return { kind: 'blocked', account: current, blockers }
  const handOver = action === 'delete' ? await handOverAvailability(ctx) : undefined
  return {
    kind: 'ready',
    account: current,
    consequences: [...consequences(ctx, user, action), ...(handOver?.kind === 'available' ? [HAND_OVER_CONSEQUENCE] : [])],
    warnings: [...warnings(ctx, user, action), ...(handOver?.kind === 'unavailable' ? [handOverUnavailableWarning(handOver.reason)] : [])],
    reversible: REVERSIBLE.has(action),
    ...(handOver ? { questions: handOverQuestions(handOver) } : {}),
  }
}

type HandOver = { kind: 'available'; applications: TransferApplications } | { kind: 'unavailable'; reason: string }

/** Whether files can be handed over: the data transfer scope is delegated and Google lists a Drive application. */
export async function handOverAvailability(ctx: Context): Promise<HandOver> {
  try {
    const applications = await readTransferApplications(transferSend(ctx))
    return applications
      ? { kind: 'available', applications }
      : { kind: 'unavailable', reason: 'Google lists no Drive application whose files can be transferred' }
  } catch (error) {
    const problem = toProblem(error)
    if (problem.kind !== 'credentials' && problem.kind !== 'permission') throw error
    const described = describeProblem(problem)
    const hint = described.includes(DATATRANSFER_SCOPE) ? '' : `; the hand-over needs the ${DATATRANSFER_SCOPE} scope granted in ${DELEGATION_PATH}`
    return { kind: 'unavailable', reason: `the Data Transfer API refused the bot (${described}${hint})` }
  }
}

/** Skipping is an explicit answer; without the hand-over on offer it is the only one, so the modal still says what happens. */
function handOverQuestions(handOver: HandOver): Question[] {
  if (handOver.kind === 'unavailable') {
    return [
      {
        id: HAND_OVER_QUESTION,
        label: 'Hand over their files',
        hint: 'Unavailable: their Drive files and calendars are deleted with the account.',
        options: [SKIP_UNAVAILABLE_HAND_OVER],
        initial: SKIP_UNAVAILABLE_HAND_OVER,
      },
    ]
  }
  const options = [HAND_OVER_DRIVE, ...(handOver.applications.calendar ? [HAND_OVER_DRIVE_CALENDAR] : []), SKIP_HAND_OVER]
  return [
    {
      id: HAND_OVER_QUESTION,
      label: 'Hand over their files before deleting',
      hint: 'The account is deleted only once the transfer has completed.',
      options,
      initial: HAND_OVER_DRIVE,
    },
    {
      id: NEW_OWNER_QUESTION,
      label: 'New owner of their files',
      hint: 'Needed unless you skip the hand-over. Only active users can be chosen.',
      searchable: true,
      optional: true,
    },
  ]
}

export function transferSend(ctx: Context): Send {
  return (request) => call(ctx, request, ctx.transferTokens)
}

/**
 * The admin the bot acts as is never suspended or deleted (that would end the
 * integration), and only a super admin may act on a super admin: checked here from
 * Google's data so the modal says so instead of Google's bare 403.
 */
export async function blockersFor(ctx: Context, user: GoogleUser, action: AccountAction): Promise<Blocker[]> {
  if (action === 'restore') return []
  if (isActingAdmin(ctx, user)) return [{ problem: { kind: 'integration-owner', owner: ctx.adminEmail } }]
  if (!user.isAdmin) return []
  const actor = await readUser(ctx, ctx.adminEmail)
  if (!actor || actor.isAdmin) return []
  return [
    {
      problem: {
        kind: 'permission',
        detail: `${user.primaryEmail} is a super admin, and only a super admin can ${action} a super admin; the bot acts as ${ctx.adminEmail}, who is not one. Ask a super admin to do it in the Admin console, or set adminEmail to a super admin.`,
      },
    },
  ]
}

function consequences(ctx: Context, user: GoogleUser, action: AccountAction): string[] {
  const service = ctx.service
  switch (action) {
    case 'suspend':
      return [
        `${who(user)} is suspended in ${service}: they can no longer sign in to Google, nor through Google sign-in to other apps.`,
        SIGN_OUT_CONSEQUENCE,
        'Nothing is deleted: mail, Drive files and calendars are kept, and files they shared stay available to collaborators.',
        'New mail and calendar invitations to them are blocked.',
        'Google still bills the licence of a suspended account.',
        'Restore (un-suspending) brings the account back as it was.',
      ]
    case 'delete':
      return [
        SIGN_OUT_CONSEQUENCE,
        `${who(user)} is deleted from ${service}: they can no longer sign in to Google, nor through Google sign-in to other apps.`,
        'Their mail, Drive files (My Drive), calendars and other Google data are deleted with the account.',
        'Their Google Vault data goes with it, so it can no longer be searched or exported.',
        `An admin can restore the account in the Admin console for ${RESTORE_WINDOW_DAYS} days, unless its address is reused or no licence is free; after that it is gone for good.`,
        'The licence is freed.',
      ]
    default:
      return [`${who(user)} is un-suspended in ${service}: they can sign in again, with their data as it was.`]
  }
}

function warnings(ctx: Context, user: GoogleUser, action: AccountAction): string[] {
  if (action === 'restore') return restoreWarnings(user)
  const list: string[] = []
  if (action === 'suspend' && user.suspended) list.push(`The account is already suspended in ${ctx.service}; nothing will change.`)
  if (user.archived && !user.suspended) {
    list.push('The account is archived (an Archived User licence), so they cannot sign in already; it stays locked if someone unarchives it.')
  }
  if (user.isAdmin) {
    list.push(`${who(user)} is a super admin: their admin access goes with the account. The bot checks that another super admin remains.`)
  } else if (user.isDelegatedAdmin) {
    list.push(`${who(user)} holds delegated admin roles, which go with the account.`)
  }
  list.push(SESSIONS_WARNING)
  if (action === 'delete') list.push(KEEP_DATA_WARNING)
  return list
}

function restoreWarnings(user: GoogleUser): string[] {
  const list: string[] = []
  if (!user.suspended) list.push('The account is not suspended; nothing will change.')
  if (user.suspended && user.suspensionReason && user.suspensionReason !== 'ADMIN') {
    list.push(`Google suspended this account itself (reason ${user.suspensionReason}), not an admin; Google may refuse to un-suspend it.`)
  }
  if (user.archived)
    list.push('The account is archived: un-suspending does not unarchive it, so they still cannot sign in until an admin does that in the Admin console.')
  return list
}

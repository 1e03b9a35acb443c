/** The writes on a Google Workspace user: suspend (then sign out), un-suspend, and the delete that first hands their data over. */
import type { Context, GoogleUser } from './adapter.js'
import type { Account, AccountAction, Choices, Outcome, TaskRef } from '../types.js'
import {
  call,
  DAY_MS,
  HAND_OVER_DRIVE,
  HAND_OVER_DRIVE_CALENDAR,
  HAND_OVER_QUESTION,
  MAX_TRANSFER_DAYS,
  NEW_OWNER_QUESTION,
  parseUser,
  readUser,
  RESTORE_WINDOW_DAYS,
  SKIP_HAND_OVER,
  SKIPPED_DETAIL,
  TASK_PREFIX,
  TRANSFER_POLL_FIRST_MS,
  TRANSFER_POLL_MAX_MS,
  userPath,
  who,
} from './adapter.js'
import { blockersFor, handOverAvailability, transferSend } from './preflight.js'
import { describeProblem, ProviderError, toProblem } from '../problems.js'
import type { HttpResponse } from '../kit/http.js'
import { isNotFound } from '../kit/errors.js'
import { DIRECTORY_USER_SECURITY_SCOPE } from './auth.js'
import { z } from 'zod'
import { readTransfer, startTransfer, transferRequestBody, transferStatus } from './data-transfer.js'
import type { DataTransfer, TransferApplication } from './data-transfer.js'

// --- execute ---------------------------------------------------------------------------------

/**
 * Reads the user fresh and re-checks the blockers before the one write call: the
 * worker runs execute without a new preflight. Failures are thrown as ProviderError;
 * the caller turns them into a failed outcome.
 */
export async function execute(ctx: Context, account: Account, action: AccountAction, choices: Choices): Promise<Outcome> {
  const user = await readUser(ctx, account.id)
  if (!user) {
    if (action === 'restore')
      throw new ProviderError({
        kind: 'not-found',
        detail: `the account was deleted; an admin can restore it in the Admin console within ${RESTORE_WINDOW_DAYS} days of deletion`,
      })
    return { kind: 'already-done', detail: action === 'delete' ? 'already deleted' : 'the account no longer exists' }
  }
  const blocker = (await blockersFor(ctx, user, action))[0]
  if (blocker) throw new ProviderError(blocker.problem)
  switch (action) {
    case 'suspend': {
      // A run that suspended and then stopped before signing them out finishes the job here.
      if (user.suspended) return { kind: 'already-done', detail: `already suspended; ${await signOut(ctx, user)} again` }
      const suspended = await setSuspended(ctx, user, true)
      return suspended.kind === 'done' ? { kind: 'done', detail: await signOut(ctx, user) } : suspended
    }
    case 'restore':
      if (!user.suspended) return { kind: 'already-done', detail: user.archived ? 'not suspended (but archived)' : 'already active' }
      return setSuspended(ctx, user, false)
    default:
      return deleteWithHandOver(ctx, user, choices)
  }
}

async function setSuspended(ctx: Context, user: GoogleUser, suspended: boolean): Promise<Outcome> {
  let response: HttpResponse<unknown>
  try {
    response = await call(ctx, { method: 'PUT', path: userPath(user.id), json: { suspended } })
  } catch (error) {
    if (suspended && isNotFound(error)) return { kind: 'already-done', detail: 'the account no longer exists' }
    throw error
  }
  // Believe the user Google returns: an update it ignored must not be reported as done.
  const updated = parseUser(response.body, response.status, 'PUT users/{userKey}')
  if (updated.suspended !== suspended) {
    return {
      kind: 'failed',
      problem: {
        kind: 'rejected',
        status: response.status,
        detail: `Google accepted the change but still reports the account as ${updated.suspended ? 'suspended' : 'not suspended'}`,
      },
    }
  }
  if (!suspended && updated.archived) return { kind: 'done', detail: 'the account is still archived, so they cannot sign in until an admin unarchives it' }
  return { kind: 'done' }
}

/**
 * Ends their Google web and device sessions; says what happened. Without the security
 * scope delegated the action still goes on (suspending or deleting matters more), and
 * the reply says how to get sessions ended next time. Other failures are thrown: a retry is safe.
 */
async function signOut(ctx: Context, user: GoogleUser): Promise<string> {
  try {
    await call(ctx, { method: 'POST', path: `${userPath(user.id)}/signOut` }, ctx.securityTokens)
    return 'they were signed out of every Google session'
  } catch (error) {
    if (isNotFound(error)) return 'they had no Google session left'
    const problem = toProblem(error)
    if (problem.kind !== 'credentials' && problem.kind !== 'permission') throw error
    return `they were NOT signed out of open Google sessions (${describeProblem(problem)}): grant the service account the ${DIRECTORY_USER_SECURITY_SCOPE} scope in domain-wide delegation, then sign them out in the Admin console`
  }
}

async function deleteUser(ctx: Context, user: GoogleUser): Promise<Outcome> {
  const signedOut = await signOut(ctx, user)
  try {
    await call(ctx, { method: 'DELETE', path: userPath(user.id) })
  } catch (error) {
    // Slack retries and double clicks: a second delete finding nothing is a success.
    if (isNotFound(error)) return { kind: 'already-done', detail: 'already deleted' }
    throw error
  }
  const until = new Date(ctx.now().getTime() + RESTORE_WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10)
  return { kind: 'done', detail: `${signedOut}; an admin can restore the account in the Google Admin console for ${RESTORE_WINDOW_DAYS} days (until ${until})` }
}

// --- the hand-over before a delete -------------------------------------------------------------

/** What the worker stores between polls of a transfer (JSON only). */
const handOverStateSchema = z.object({
  userId: z.string().min(1),
  transferId: z.string().min(1),
  newOwner: z.string().min(1),
  applications: z.array(z.object({ id: z.string().min(1), name: z.string().min(1) })).min(1),
  polls: z.number().int().nonnegative(),
  startedAt: z.string(),
})
type HandOverState = z.infer<typeof handOverStateSchema>

/** Deletes at once only when skipping was chosen; otherwise starts the transfer, and the delete waits for it. */
async function deleteWithHandOver(ctx: Context, user: GoogleUser, choices: Choices): Promise<Outcome> {
  const choice = choices[HAND_OVER_QUESTION]
  if (choice === SKIP_HAND_OVER.value) {
    const deleted = await deleteUser(ctx, user)
    return deleted.kind === 'done' ? withDetail(deleted, SKIPPED_DETAIL) : deleted
  }
  if (choice !== HAND_OVER_DRIVE.value && choice !== HAND_OVER_DRIVE_CALENDAR.value) {
    return keptUser('no choice was made about handing over their files: choose a new owner, or skip the hand-over, in the Delete dialog')
  }
  const newOwnerId = choices[NEW_OWNER_QUESTION]?.trim()
  if (!newOwnerId) return keptUser('the hand-over was chosen without a new owner: choose one, or skip the hand-over')
  const newOwner = await checkNewOwner(ctx, newOwnerId, user)
  if (typeof newOwner === 'string') return keptUser(newOwner)
  const handOver = await handOverAvailability(ctx)
  if (handOver.kind === 'unavailable') return keptUser(`the hand-over is unavailable now: ${handOver.reason}`)
  const { drive, calendar } = handOver.applications
  if (choice === HAND_OVER_DRIVE_CALENDAR.value && !calendar)
    return keptUser('Google no longer lists a Calendar application to transfer: choose Drive files only, or skip')
  const applications = choice === HAND_OVER_DRIVE_CALENDAR.value && calendar ? [drive, calendar] : [drive]
  const transfer = await startTransfer(transferSend(ctx), transferRequestBody(user.id, newOwner.id, applications, calendar?.id))
  const state: HandOverState = { userId: user.id, transferId: transfer.id, newOwner: who(newOwner), applications, polls: 0, startedAt: ctx.now().toISOString() }
  return settleHandOver(ctx, state, transfer)
}

/** A reason the chosen user cannot receive the files, or the user. */
async function checkNewOwner(ctx: Context, id: string, user: GoogleUser): Promise<GoogleUser | string> {
  if (id === user.id) return 'the chosen new owner is the user being deleted'
  const owner = await readUser(ctx, id)
  if (!owner) return `the chosen new owner (${id}) no longer exists in ${ctx.service}`
  if (owner.suspended || owner.archived) return `the chosen new owner, ${who(owner)}, is suspended or archived: files can only be handed to an active user`
  return owner
}

export async function poll(ctx: Context, task: TaskRef): Promise<Outcome> {
  const parsed = handOverStateSchema.safeParse(task.state)
  if (!parsed.success || !task.id.startsWith(TASK_PREFIX)) {
    throw new ProviderError({ kind: 'rejected', detail: `task ${task.id} is not a transfer the Google Workspace adapter started, or its state is unreadable` })
  }
  return settleHandOver(ctx, parsed.data, await readTransfer(transferSend(ctx), parsed.data.transferId))
}

/** Deletes once the transfer completed (re-checking the user first: the worker polls without a preflight), keeps the user if it failed, else polls again. */
async function settleHandOver(ctx: Context, state: HandOverState, transfer: DataTransfer): Promise<Outcome> {
  const status = transferStatus(transfer, state.applications)
  const handedOver = `their ${applicationNames(state.applications)} data was handed over to ${state.newOwner}`
  switch (status.kind) {
    case 'completed': {
      const user = await readUser(ctx, state.userId)
      if (!user) return { kind: 'already-done', detail: `${handedOver}; the account was already deleted` }
      const blocker = (await blockersFor(ctx, user, 'delete'))[0]
      if (blocker) throw new ProviderError(blocker.problem)
      return withDetail(await deleteUser(ctx, user), handedOver)
    }
    case 'failed':
      return {
        kind: 'failed',
        problem: {
          kind: 'conflict',
          detail: `Google's transfer of their ${applicationNames(status.failed)} data to ${state.newOwner} failed (transfer ${state.transferId}), so the user was kept and nothing was deleted. Retry to start a new transfer, or hand the files over in the Admin console and delete the user there`,
        },
      }
    case 'running': {
      const days = (ctx.now().getTime() - Date.parse(state.startedAt)) / DAY_MS
      if (days > MAX_TRANSFER_DAYS) {
        return keptUser(
          `Google's transfer to ${state.newOwner} (transfer ${state.transferId}) has not completed after ${MAX_TRANSFER_DAYS} days; check it in the Admin console, then retry`,
        )
      }
      return {
        kind: 'pending',
        task: {
          id: `${TASK_PREFIX}${state.transferId}`,
          pollAfterMs: Math.min(TRANSFER_POLL_MAX_MS, TRANSFER_POLL_FIRST_MS * 2 ** Math.min(state.polls, 10)),
          state: { ...state, polls: state.polls + 1 },
        },
        progress: {
          done: status.done,
          total: state.applications.length,
          label: `transfers to ${state.newOwner} completed (${applicationNames(state.applications)})`,
        },
      }
    }
  }
}

function keptUser(reason: string): Outcome {
  return { kind: 'failed', problem: { kind: 'conflict', detail: `${reason}. Nothing was transferred and the user was not deleted` } }
}

function withDetail(outcome: Outcome, first: string): Outcome {
  if (outcome.kind === 'done') return { kind: 'done', detail: outcome.detail ? `${first}; ${outcome.detail}` : first }
  if (outcome.kind === 'already-done') return { kind: 'already-done', detail: `${first}; ${outcome.detail}` }
  return outcome
}

function applicationNames(applications: readonly TransferApplication[]): string {
  return applications.map((app) => app.name).join(' and ')
}

/** The writes on a CloudSSO user (status, the multi-step delete) and the task state the worker stores between polls. */
import { z } from 'zod'
import type { Api, Task } from './client.js'
import type { Account, Outcome, Progress } from '../types.js'
import { ASSIGNMENTS_LABEL, DEPROVISION_STRATEGY, MAX_DEPROVISIONING_WAITS, POLL_FIRST_MS, POLL_MAX_MS, STILL_DEPROVISIONING } from './constants.js'
import { codeOf, getUser, requestIdSchema, taskResponseSchema } from './client.js'
import { assignmentRefSchema, count, describeRef, listJoinedGroups, listMfaDevices, listUserAssignments, refOf, scimBlock, scimStatus } from './preflight.js'
import type { AssignmentRef } from './preflight.js'

// --- the task state the worker stores between polls (JSON only) ---------------

/**
 * Every step it leads to is safe to repeat: GetTask only reads, a second
 * DeleteAccessAssignment finds the assignment gone or its task still running,
 * and the last steps re-list groups and devices instead of trusting old lists.
 */
const deleteStateSchema = z.object({
  op: z.literal('delete-user'),
  userId: z.string().min(1),
  /** Assignments confirmed removed. */
  done: z.number().int().nonnegative(),
  /** Assignments whose removal has not started (or was refused while another task ran). */
  queued: z.array(assignmentRefSchema),
  running: z.array(z.object({ taskId: z.string().min(1), assignment: assignmentRefSchema })),
  polls: z.number().int().nonnegative(),
  /** Removals refused so far because CloudSSO was still de-provisioning there (0 in states stored before it was counted). */
  deprovisioningWaits: z.number().int().nonnegative().default(0),
})
type DeleteState = z.infer<typeof deleteStateSchema>

const deprovisionStateSchema = z.object({
  op: z.literal('deprovision'),
  accessConfigurationId: z.string().min(1),
  accessConfigurationName: z.string().optional(),
  targetId: z.string().min(1),
  targetName: z.string().optional(),
  done: z.number().int().nonnegative(),
  running: z.array(z.string().min(1)),
  polls: z.number().int().nonnegative(),
})
export type DeprovisionState = z.infer<typeof deprovisionStateSchema>

export const taskStateSchema = z.discriminatedUnion('op', [deleteStateSchema, deprovisionStateSchema])
export type TaskState = z.infer<typeof taskStateSchema>

// --- execute ------------------------------------------------------------------

export async function setStatus(api: Api, account: Account, wanted: 'Enabled' | 'Disabled'): Promise<Outcome> {
  const user = await getUser(api, account.id)
  if (!user) {
    // Gone cannot sign in: for suspend that is the goal; restore has nothing to bring back.
    if (wanted === 'Disabled') return { kind: 'already-done', detail: 'the user no longer exists in CloudSSO' }
    return { kind: 'failed', problem: { kind: 'not-found', detail: 'the user no longer exists in CloudSSO, so there is nothing to restore' } }
  }
  if (user.Status === wanted) return { kind: 'already-done', detail: wanted === 'Disabled' ? 'already disabled' : 'already enabled' }
  await api.call('UpdateUserStatus', { UserId: user.UserId, NewStatus: wanted }, requestIdSchema)
  return { kind: 'done' }
}

export async function startDelete(api: Api, account: Account): Promise<Outcome> {
  const user = await getUser(api, account.id)
  if (!user) return { kind: 'already-done', detail: 'already deleted' }
  const blocked = scimBlock(user, user.ProvisionType === 'Synchronized' ? await scimStatus(api) : undefined)
  if (blocked) return { kind: 'failed', problem: blocked }
  // Cut access at once: removing assignments can take minutes.
  if (user.Status !== 'Disabled') await api.call('UpdateUserStatus', { UserId: user.UserId, NewStatus: 'Disabled' }, requestIdSchema)
  return advanceDelete(api, { op: 'delete-user', userId: user.UserId, done: 0, queued: [], running: [], polls: 0, deprovisioningWaits: 0 })
}

/**
 * One step of the delete: check the running tasks, start the queued removals, and
 * when nothing is outstanding re-list (so an assignment added meanwhile, or one
 * whose task id was lost, is not missed) and finish once none are left.
 */
export async function advanceDelete(api: Api, initial: DeleteState): Promise<Outcome> {
  const checked = await checkRunning(api, initial)
  if ('kind' in checked) return checked
  let state = checked
  // A few rounds: assignments that turn out to be gone already leave nothing outstanding again.
  for (let round = 0; round < 3; round++) {
    const started = await startQueued(api, state)
    if ('kind' in started) return started
    state = started
    if (state.running.length > 0 || state.queued.length > 0) return pendingDelete(state)
    const remaining = await listUserAssignments(api, state.userId)
    if (remaining.length === 0) return finishDelete(api, state)
    state = { ...state, queued: remaining.map(refOf) }
  }
  return pendingDelete(state)
}

async function checkRunning(api: Api, state: DeleteState): Promise<DeleteState | Outcome> {
  const running: DeleteState['running'] = []
  let done = state.done
  for (const entry of state.running) {
    const task = await getTask(api, entry.taskId)
    // A task CloudSSO no longer knows is treated as finished; the re-list before the last steps catches one that was not.
    if (!task || task.Status === 'Success') done++
    else if (task.Status === 'Failed') return assignmentFailed(entry.assignment, task.FailureReason)
    else running.push(entry)
  }
  return { ...state, done, running }
}

async function startQueued(api: Api, state: DeleteState): Promise<DeleteState | Outcome> {
  const queued: AssignmentRef[] = []
  const running = [...state.running]
  let done = state.done
  let deprovisioningWaits = state.deprovisioningWaits
  for (const assignment of state.queued) {
    const started = await startRemoval(api, state.userId, assignment)
    if (started === 'gone') done++
    else if (started === 'busy') queued.push(assignment)
    else if (started === 'deprovisioning') {
      if (deprovisioningWaits >= MAX_DEPROVISIONING_WAITS) return stillDeprovisioning(assignment)
      deprovisioningWaits++
      queued.push(assignment)
    } else if (started.Status === 'Success') done++
    else if (started.Status === 'Failed') return assignmentFailed(assignment, started.FailureReason)
    else running.push({ taskId: started.TaskId, assignment })
  }
  return { ...state, done, queued, running, deprovisioningWaits }
}

async function startRemoval(api: Api, userId: string, assignment: AssignmentRef): Promise<Task | 'gone' | 'busy' | 'deprovisioning'> {
  try {
    const body = await api.call(
      'DeleteAccessAssignment',
      {
        AccessConfigurationId: assignment.accessConfigurationId,
        TargetType: 'RD-Account',
        TargetId: assignment.targetId,
        PrincipalType: 'User',
        PrincipalId: userId,
        DeprovisionStrategy: DEPROVISION_STRATEGY,
      },
      taskResponseSchema,
    )
    return body.Task
  } catch (error) {
    const code = codeOf(error)
    // Already removed (a repeated step after a restart): nothing left to do for it.
    if (code?.startsWith('EntityNotExists.') && code !== 'EntityNotExists.User') return 'gone'
    // Another task runs on that account (perhaps our own removal, started before a restart): try again next poll.
    if (code === 'OperationConflict.Task') return 'busy'
    // CloudSSO is still de-provisioning on that account, and says so only for a while: Alibaba's Terraform provider waits it out too.
    if (code === STILL_DEPROVISIONING) return 'deprovisioning'
    throw error
  }
}

export async function getTask(api: Api, taskId: string): Promise<Task | undefined> {
  try {
    return (await api.call('GetTask', { TaskId: taskId }, taskResponseSchema)).Task
  } catch (error) {
    if (codeOf(error) === 'EntityNotExists.Task') return undefined
    throw error
  }
}

function assignmentFailed(assignment: AssignmentRef, reason: string | undefined): Outcome {
  const why = reasonText(reason)
  return {
    kind: 'failed',
    problem: {
      kind: failureKind(why),
      detail: `CloudSSO could not remove the access assignment ${describeRef(assignment)}: ${why}. The user is disabled but not deleted; resolve this in the CloudSSO console, then retry the delete.`,
    },
  }
}

function stillDeprovisioning(assignment: AssignmentRef): Outcome {
  return {
    kind: 'failed',
    problem: {
      kind: 'conflict',
      detail: `CloudSSO kept answering that it is still de-provisioning ${describeRef(assignment)} (${STILL_DEPROVISIONING}), so that access assignment was not removed. The user is disabled but not deleted; retry the delete once the de-provisioning has finished in the CloudSSO console.`,
    },
  }
}

/** The FailureReason without its closing full stop, since the detail goes on after it. */
export function reasonText(reason: string | undefined): string {
  return reason?.trim().replace(/\.+$/, '') || 'CloudSSO gave no reason'
}

/** A task that failed because something else holds the resource is a conflict; anything else the service refused. */
export function failureKind(reason: string): 'conflict' | 'rejected' {
  return /conflict|in use|in progress|being|occupied|depend|still/i.test(reason) ? 'conflict' : 'rejected'
}

function pendingDelete(state: DeleteState): Outcome {
  const progress: Progress = { done: state.done, total: state.done + state.running.length + state.queued.length, label: ASSIGNMENTS_LABEL }
  const next: DeleteState = { ...state, polls: state.polls + 1 }
  return { kind: 'pending', task: { id: deleteTaskId(state.userId), pollAfterMs: backoff(state.polls), state: next }, progress }
}

export function backoff(polls: number): number {
  return Math.min(POLL_MAX_MS, POLL_FIRST_MS * 2 ** Math.min(polls, 10))
}

/** Groups, then MFA devices, then the user; lists are read fresh so a repeat after a restart does only what is left. */
async function finishDelete(api: Api, state: DeleteState): Promise<Outcome> {
  const groups = await listJoinedGroups(api, state.userId)
  for (const group of groups) await ignoringGone(api.call('RemoveUserFromGroup', { UserId: state.userId, GroupId: group.GroupId }, requestIdSchema))
  const devices = await listMfaDevices(api, state.userId)
  for (const device of devices) {
    await ignoringGone(api.call('DeleteMFADeviceForUser', { UserId: state.userId, MFADeviceId: device.DeviceId }, requestIdSchema))
  }
  try {
    await api.call('DeleteUser', { UserId: state.userId }, requestIdSchema)
  } catch (error) {
    const code = codeOf(error)
    // An assignment added while we worked: go back to removing assignments.
    if (code?.startsWith('DeletionConflict.User.AccessAssig')) return pendingDelete(state)
    if (code !== 'EntityNotExists.User') throw error
  }
  return { kind: 'done', detail: deleteSummary(state.done, groups.length, devices.length) }
}

async function ignoringGone(call: Promise<unknown>): Promise<void> {
  try {
    await call
  } catch (error) {
    if (!codeOf(error)?.startsWith('EntityNotExists.')) throw error
  }
}

function deleteSummary(assignments: number, groups: number, devices: number): string {
  if (assignments + groups + devices === 0) return 'the user had no access assignments, group memberships or MFA devices'
  const parts = [
    assignments > 0 ? count(assignments, 'access assignment') : undefined,
    groups > 0 ? count(groups, 'group membership') : undefined,
    devices > 0 ? count(devices, 'MFA device') : undefined,
  ].filter((part): part is string => part !== undefined)
  const joined = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]
  return `removed ${joined} before deleting the user`
}

// --- poll ---------------------------------------------------------------------

export const DELETE_ID_PREFIX = 'cloudsso:delete-user:'
export const DEPROVISION_ID_PREFIX = 'cloudsso:deprovision:'

function deleteTaskId(userId: string): string {
  return `${DELETE_ID_PREFIX}${encodeURIComponent(userId)}`
}

export function deprovisionTaskId(state: DeprovisionState): string {
  const parts = [state.accessConfigurationId, state.targetId, state.running.join(',')].map(encodeURIComponent)
  return `${DEPROVISION_ID_PREFIX}${parts.join(':')}`
}

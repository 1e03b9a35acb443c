/**
 * Alibaba Cloud CloudSSO (API 2021-05-15, RPC style, V3 signature): suspend and
 * restore a user (UpdateUserStatus), and delete one in the order the service
 * demands: access assignments first (asynchronous tasks, followed with GetTask),
 * then group memberships and MFA devices, then the user.
 *
 * Every call is POST / with the parameters in the query string and an empty body,
 * as the official SDKs send RPC calls, signed with ACS3-HMAC-SHA256 (acs3-signature.ts).
 */
import { z } from 'zod'
import { ProviderError, toProblem } from '../problems.js'
import type { Account, AccountPage, Deletes, DeprovisionsAccess, Health, Outcome, PollsTasks, Preflight, Provider, Suspends, TaskRef } from '../types.js'
import { isNotFound } from '../kit/errors.js'
import {
  advanceDelete,
  backoff,
  DELETE_ID_PREFIX,
  DEPROVISION_ID_PREFIX,
  deprovisionTaskId,
  failureKind,
  getTask,
  reasonText,
  taskStateSchema,
} from './actions.js'
import type { DeprovisionState, TaskState } from './actions.js'
import { DEPROVISION_LABEL, PAGE_SIZE } from './constants.js'
import { listAssignments, names } from './preflight.js'
import { getUser, toAccount, accessConfigurationSchema, codeOf, deprovisionResponseSchema, directorySchema, listAll, listUsersSchema } from './client.js'
import type { Api, User } from './client.js'

export interface AccessConfigurationTarget {
  accessConfigurationId: string
  /** The resource directory account (RD-Account) id. */
  targetId: string
}

export interface AccessConfigurationUsage extends AccessConfigurationTarget {
  name: string
  description?: string
  targetName?: string
  /** Who still holds an access assignment with this access configuration on that account. */
  assignments: { principalType: string; principalId: string; principalName?: string }[]
}

/** The Provider plus two account-level operations the views do not offer yet. */
export type CloudSsoProvider = Provider & Suspends & Deletes & PollsTasks & DeprovisionsAccess & CloudSsoExtras

export interface CloudSsoExtras {
  /** Removes an access configuration from an RD account (DeprovisionAccessConfiguration); pending tasks go through `poll`. */
  deprovisionAccessConfiguration(target: AccessConfigurationTarget): Promise<Outcome>
  /** The access configuration's name and who still has assignments with it on that account, for a modal. */
  describeAccessConfiguration(target: AccessConfigurationTarget): Promise<AccessConfigurationUsage>
}

// --- the provider -------------------------------------------------------------

/** The confirmation for de-provisioning an access configuration: what it removes, and from whom. */
export function accessPreflight(usage: AccessConfigurationUsage): Preflight {
  const what = `access configuration "${usage.name}" (${usage.accessConfigurationId})`
  const where = usage.targetName ? `account "${usage.targetName}" (${usage.targetId})` : `account ${usage.targetId}`
  const holders = usage.assignments.map((a) => `${a.principalType.toLowerCase()} ${a.principalName ?? a.principalId}`)
  return {
    kind: 'ready',
    account: { id: `${usage.accessConfigurationId}@${usage.targetId}`, email: `${what} on ${where}`, displayName: usage.name, status: 'active' },
    consequences: [
      `The permission set of ${what} is removed from ${where}: everyone still using it there loses that access.`,
      'CloudSSO does this as an asynchronous task; the bot follows it and posts the result.',
    ],
    warnings:
      holders.length === 0
        ? []
        : [
            `Still assigned there to ${holders.length === 1 ? '1 identity' : `${holders.length} identities`}: ${holders.slice(0, 20).join(', ')}${holders.length > 20 ? ` and ${holders.length - 20} more` : ''}. CloudSSO refuses while assignments remain: remove them first.`,
          ],
    reversible: true,
  }
}

// --- checkConnection ----------------------------------------------------------

export async function checkConnection(api: Api): Promise<Health> {
  try {
    const { Directory } = await api.call('GetDirectory', {}, directorySchema)
    const name = Directory.DirectoryName ? `"${Directory.DirectoryName}" (${Directory.DirectoryId})` : Directory.DirectoryId
    return { ok: true, detail: `connected to CloudSSO directory ${name}` }
  } catch (error) {
    if (codeOf(error) === 'EntityNotExists.Directory') {
      return {
        ok: false,
        problem: {
          kind: 'rejected',
          detail: `CloudSSO has no directory ${api.directoryId} in ${api.region}: check directoryId and region in the providers file`,
        },
      }
    }
    return { ok: false, problem: toProblem(error) }
  }
}

// --- findAccount --------------------------------------------------------------

/**
 * ListUsers filters on UserName only, so try the address itself, then its local
 * part; act only on a user whose Email is the address (or, with no Email at all,
 * whose UserName is the whole address): someone else's "alice" must never match.
 */
export async function findAccount(api: Api, email: string): Promise<Account | null> {
  const wanted = email.trim().toLowerCase()
  for (const candidate of userNameCandidates(email)) {
    const users = await listUsersByName(api, candidate)
    for (const user of users.filter((entry) => entry.UserName.toLowerCase() === candidate.toLowerCase())) {
      const confirmed = await confirmEmail(api, user, wanted)
      if (confirmed) return toAccount(confirmed, email)
    }
  }
  return null
}

export function userNameCandidates(email: string): string[] {
  const trimmed = email.trim()
  const local = trimmed.includes('@') ? trimmed.slice(0, trimmed.lastIndexOf('@')) : ''
  return local && local !== trimmed ? [trimmed, local] : [trimmed]
}

async function listUsersByName(api: Api, userName: string): Promise<User[]> {
  return listAll(async (nextToken) => {
    const body = await api.call('ListUsers', { Filter: `UserName eq ${userName}`, MaxResults: PAGE_SIZE, NextToken: nextToken }, listUsersSchema)
    return { items: body.Users ?? [], isTruncated: body.IsTruncated, nextToken: body.NextToken }
  })
}

/**
 * One page of the directory's users (ListUsers, 100 a page, NextToken while IsTruncated).
 * A user without Email is listed under its UserName when that is an address, else with none.
 */
export async function listAccounts(api: Api, cursor?: string): Promise<AccountPage> {
  const body = await api.call('ListUsers', { MaxResults: PAGE_SIZE, NextToken: cursor }, listUsersSchema)
  const nextCursor = body.IsTruncated ? body.NextToken : undefined
  if (nextCursor !== undefined && nextCursor === cursor)
    throw new ProviderError({ kind: 'rejected', detail: 'CloudSSO answered ListUsers with the same NextToken again' })
  const accounts = (body.Users ?? []).map((user) => toAccount(user, user.UserName.includes('@') ? user.UserName : ''))
  return { accounts, ...(nextCursor ? { nextCursor } : {}) }
}

/** ListUsers already carries Email; GetUser is asked only when it does not. */
async function confirmEmail(api: Api, user: User, wanted: string): Promise<User | undefined> {
  const full = user.Email === undefined ? await getUser(api, user.UserId) : user
  if (!full) return undefined
  const email = full.Email?.trim().toLowerCase()
  if (email) return email === wanted ? full : undefined
  return full.UserName.toLowerCase() === wanted ? full : undefined
}

// --- access configurations ----------------------------------------------------

export async function deprovisionAccessConfiguration(api: Api, target: AccessConfigurationTarget): Promise<Outcome> {
  try {
    const body = await api.call(
      'DeprovisionAccessConfiguration',
      { AccessConfigurationId: target.accessConfigurationId, TargetType: 'RD-Account', TargetId: target.targetId },
      deprovisionResponseSchema,
    )
    const tasks = body.Tasks ?? []
    const first = tasks[0]
    const state: DeprovisionState = {
      op: 'deprovision',
      ...target,
      ...(first?.AccessConfigurationName ? { accessConfigurationName: first.AccessConfigurationName } : {}),
      ...(first?.TargetName ? { targetName: first.TargetName } : {}),
      done: 0,
      running: [],
      polls: 0,
    }
    const failed = tasks.find((task) => task.Status === 'Failed')
    if (failed) return deprovisionFailed(state, failed.FailureReason)
    const running = tasks.filter((task) => task.Status !== 'Success').map((task) => task.TaskId)
    return settleDeprovision({ ...state, running, done: tasks.length - running.length })
  } catch (error) {
    const code = codeOf(error)
    if (code?.startsWith('EntityNotExists.AccessConfigurationProvisioning')) {
      return { kind: 'already-done', detail: 'the access configuration is not provisioned on that account' }
    }
    if (code?.startsWith('DeletionConflict.')) return { kind: 'failed', problem: { kind: 'conflict', detail: await stillAssignedDetail(api, target) } }
    return { kind: 'failed', problem: toProblem(error) }
  }
}

export async function advanceDeprovision(api: Api, state: DeprovisionState): Promise<Outcome> {
  const running: string[] = []
  let done = state.done
  for (const taskId of state.running) {
    const task = await getTask(api, taskId)
    if (!task || task.Status === 'Success') done++
    else if (task.Status === 'Failed') return deprovisionFailed(state, task.FailureReason)
    else running.push(taskId)
  }
  return settleDeprovision({ ...state, done, running })
}

function settleDeprovision(state: DeprovisionState): Outcome {
  if (state.running.length === 0) return { kind: 'done', detail: `${describeConfiguration(state)} was de-provisioned from ${describeAccount(state)}` }
  const next: DeprovisionState = { ...state, polls: state.polls + 1 }
  return {
    kind: 'pending',
    task: { id: deprovisionTaskId(state), pollAfterMs: backoff(state.polls), state: next },
    progress: { done: state.done, total: state.done + state.running.length, label: DEPROVISION_LABEL },
  }
}

function deprovisionFailed(state: DeprovisionState, reason: string | undefined): Outcome {
  const why = reasonText(reason)
  return {
    kind: 'failed',
    problem: { kind: failureKind(why), detail: `CloudSSO could not de-provision ${describeConfiguration(state)} from ${describeAccount(state)}: ${why}` },
  }
}

function describeConfiguration(state: { accessConfigurationId: string; accessConfigurationName?: string }): string {
  return state.accessConfigurationName
    ? `access configuration "${state.accessConfigurationName}" (${state.accessConfigurationId})`
    : `access configuration ${state.accessConfigurationId}`
}

function describeAccount(state: { targetId: string; targetName?: string }): string {
  return state.targetName ? `account "${state.targetName}" (${state.targetId})` : `account ${state.targetId}`
}

/** The actionable part of the conflict: who still holds assignments with it there. */
async function stillAssignedDetail(api: Api, target: AccessConfigurationTarget): Promise<string> {
  try {
    const usage = await describeAccessConfiguration(api, target)
    const holders = usage.assignments.map((a) => `${a.principalType.toLowerCase()} ${a.principalName ?? a.principalId}`)
    const what = describeConfiguration({ accessConfigurationId: usage.accessConfigurationId, accessConfigurationName: usage.name })
    const where = describeAccount({ targetId: usage.targetId, targetName: usage.targetName })
    if (holders.length === 0) return `${what} is still in use on ${where}; try again in a minute`
    return `${what} is still assigned on ${where} to ${holders.length === 1 ? '1 identity' : `${holders.length} identities`}: ${names(holders)}. Remove those access assignments first, then de-provision it.`
  } catch {
    return `access configuration ${target.accessConfigurationId} is still assigned on account ${target.targetId}: remove the access assignments that use it there first, then de-provision it.`
  }
}

export async function describeAccessConfiguration(api: Api, target: AccessConfigurationTarget): Promise<AccessConfigurationUsage> {
  const [configuration, assignments] = await Promise.all([
    getAccessConfiguration(api, target.accessConfigurationId),
    listAssignments(api, { AccessConfigurationId: target.accessConfigurationId, TargetType: 'RD-Account', TargetId: target.targetId }),
  ])
  const targetName = assignments.find((a) => a.TargetName)?.TargetName
  return {
    ...target,
    name: configuration.AccessConfigurationName ?? target.accessConfigurationId,
    ...(configuration.Description ? { description: configuration.Description } : {}),
    ...(targetName ? { targetName } : {}),
    assignments: assignments.map((a) => ({
      principalType: a.PrincipalType ?? 'Unknown',
      principalId: a.PrincipalId ?? '',
      ...(a.PrincipalName ? { principalName: a.PrincipalName } : {}),
    })),
  }
}

async function getAccessConfiguration(api: Api, accessConfigurationId: string): Promise<z.infer<typeof accessConfigurationSchema>['AccessConfiguration']> {
  try {
    return (await api.call('GetAccessConfiguration', { AccessConfigurationId: accessConfigurationId }, accessConfigurationSchema)).AccessConfiguration
  } catch (error) {
    if (codeOf(error) === 'EntityNotExists.AccessConfiguration') {
      throw new ProviderError(
        { kind: 'not-found', detail: `CloudSSO has no access configuration ${accessConfigurationId} in this directory` },
        { cause: error },
      )
    }
    throw error
  }
}

// --- polling ------------------------------------------------------------------

export async function poll(api: Api, task: TaskRef): Promise<Outcome> {
  const state = stateOf(task)
  if (state.op === 'deprovision') return advanceDeprovision(api, state)
  try {
    return await advanceDelete(api, state)
  } catch (error) {
    if (isNotFound(error)) return { kind: 'done', detail: 'the user no longer exists in CloudSSO' }
    throw error
  }
}

/**
 * The state stored with the job; without it (a worker that kept only the id) the
 * id alone is enough to carry on: a delete re-lists what is left, a de-provisioning
 * knows its task ids.
 */
function stateOf(task: TaskRef): TaskState {
  const parsed = taskStateSchema.safeParse(task.state)
  if (parsed.success) return parsed.data
  if (task.id.startsWith(DELETE_ID_PREFIX)) {
    const userId = decodeURIComponent(task.id.slice(DELETE_ID_PREFIX.length))
    if (userId) return { op: 'delete-user', userId, done: 0, queued: [], running: [], polls: 0, deprovisioningWaits: 0 }
  }
  if (task.id.startsWith(DEPROVISION_ID_PREFIX)) {
    const [accessConfigurationId, targetId, taskIds] = task.id.slice(DEPROVISION_ID_PREFIX.length).split(':').map(decodeURIComponent)
    if (accessConfigurationId && targetId && taskIds !== undefined) {
      return { op: 'deprovision', accessConfigurationId, targetId, done: 0, running: taskIds.split(',').filter(Boolean), polls: 0 }
    }
  }
  throw new ProviderError({ kind: 'rejected', detail: `task ${task.id} is not one the CloudSSO adapter started, or its state is unreadable` })
}

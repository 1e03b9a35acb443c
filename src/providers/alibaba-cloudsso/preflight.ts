/** What each action would do to a CloudSSO user, said before anyone confirms: the modal's consequences, warnings and blockers. */
import type { Api, Assignment, Params, User } from './client.js'
import type { Account, AccountAction, Preflight } from '../types.js'
import { MAX_NAMES, PAGE_SIZE, SCIM_BLOCK_DETAIL } from './constants.js'
import {
  getUser,
  toAccount,
  groupSchema,
  listAll,
  listAssignmentsSchema,
  listGroupsSchema,
  listMfaSchema,
  mfaDeviceSchema,
  scimStatusSchema,
} from './client.js'
import type { Problem } from '../problems.js'
import { z } from 'zod'

/** An access assignment as the delete's task state keeps it. */
export const assignmentRefSchema = z.object({
  accessConfigurationId: z.string().min(1),
  accessConfigurationName: z.string().optional(),
  targetId: z.string().min(1),
  targetName: z.string().optional(),
})
export type AssignmentRef = z.infer<typeof assignmentRefSchema>

// --- preflight ----------------------------------------------------------------

export async function preflight(api: Api, account: Account, action: AccountAction): Promise<Preflight> {
  // Re-read the user: the modal shows CloudSSO's state now, not the alert's.
  const user = await getUser(api, account.id)
  if (!user) return { kind: 'gone' }
  const current = toAccount(user, account.email)
  const scim = user.ProvisionType === 'Synchronized' ? await scimStatus(api) : undefined
  if (action === 'delete') return preflightDelete(api, user, current, scim)
  return {
    kind: 'ready',
    account: current,
    consequences: action === 'suspend' ? SUSPEND_CONSEQUENCES : RESTORE_CONSEQUENCES,
    warnings: statusWarnings(user, action, scim),
    reversible: true,
  }
}

const SUSPEND_CONSEQUENCES = [
  'The user is disabled in CloudSSO: they can no longer sign in to the CloudSSO user portal or open new sessions in the member accounts.',
  'Nothing is deleted: their access assignments, group memberships and MFA devices stay, so restoring gives back the same access.',
]
const RESTORE_CONSEQUENCES = ['The user is enabled in CloudSSO again: they can sign in and use the access assignments they still have.']
const SESSIONS_WARNING =
  'Sessions they already opened in member accounts are not ended by this: they stay valid until they expire (the session duration of each access configuration).'

function statusWarnings(user: User, action: AccountAction, scim: ScimStatus | undefined): string[] {
  const warnings: string[] = []
  if (action === 'suspend' && user.Status === 'Disabled') warnings.push('The user is already disabled in CloudSSO; nothing will change.')
  if (action === 'restore' && user.Status === 'Enabled') warnings.push('The user is already enabled in CloudSSO; nothing will change.')
  if (action === 'suspend') warnings.push(SESSIONS_WARNING)
  if (action === 'suspend' && scim !== undefined) {
    warnings.push('This user is synchronised from your identity provider by SCIM: disable or remove them there too, or a later sync may enable them again.')
  }
  return warnings
}

type ScimStatus = 'Enabled' | 'Disabled'

export async function scimStatus(api: Api): Promise<ScimStatus> {
  const body = await api.call('GetSCIMSynchronizationStatus', {}, scimStatusSchema)
  return body.SCIMSynchronizationStatus === 'Disabled' ? 'Disabled' : 'Enabled'
}

/** CloudSSO refuses to delete (or change) a SCIM user while SCIM synchronisation is on; status changes stay allowed. */
export function scimBlock(user: User, scim: ScimStatus | undefined): Problem | undefined {
  return user.ProvisionType === 'Synchronized' && scim === 'Enabled' ? { kind: 'api-prohibited', detail: SCIM_BLOCK_DETAIL } : undefined
}

async function preflightDelete(api: Api, user: User, account: Account, scim: ScimStatus | undefined): Promise<Preflight> {
  const blocked = scimBlock(user, scim)
  if (blocked) return { kind: 'blocked', account, blockers: [{ problem: blocked }] }
  const [assignments, groups, devices] = await Promise.all([
    listUserAssignments(api, user.UserId),
    listJoinedGroups(api, user.UserId),
    listMfaDevices(api, user.UserId),
  ])
  const warnings = [SESSIONS_WARNING]
  if (assignments.length > 0) {
    warnings.unshift(
      'Removing access assignments takes a while: the bot reports progress in the thread and deletes the user once CloudSSO has removed them all.',
    )
  }
  if (scim === 'Disabled') {
    warnings.push(
      'This user was synchronised from your identity provider by SCIM. Synchronisation is off now, so CloudSSO lets the bot delete them, but turning it back on re-creates them unless they are removed from the identity provider too.',
    )
  }
  return {
    kind: 'ready',
    account,
    consequences: deleteConsequences(user, assignments, groups, devices, api.directoryId),
    warnings,
    reversible: false,
  }
}

function deleteConsequences(
  user: User,
  assignments: Assignment[],
  groups: z.infer<typeof groupSchema>[],
  devices: z.infer<typeof mfaDeviceSchema>[],
  directoryId: string,
): string[] {
  const list: string[] = []
  if (user.Status !== 'Disabled') list.push('The user is disabled first, so they cannot sign in while the rest runs.')
  if (assignments.length > 0) {
    list.push(`${count(assignments.length, 'access assignment')} ${verb(assignments.length)} removed: ${names(assignments.map((a) => describeRef(refOf(a))))}.`)
    list.push(
      'Where one of them is the last assignment of an access configuration on an account, the access configuration is also de-provisioned from that account.',
    )
  }
  if (groups.length > 0) list.push(`They are removed from ${count(groups.length, 'group')}: ${names(groups.map((g) => g.GroupName ?? g.GroupId))}.`)
  if (devices.length > 0) {
    list.push(`Their ${count(devices.length, 'MFA device')} ${verb(devices.length)} deleted: ${names(devices.map((d) => d.DeviceName ?? d.DeviceId))}.`)
  }
  if (assignments.length + groups.length + devices.length === 0) list.push('They have no access assignments, group memberships or MFA devices.')
  list.push(`The user is deleted from CloudSSO directory ${directoryId}. This cannot be undone: re-creating them gives a new user with no access.`)
  return list
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function verb(n: number): string {
  return n === 1 ? 'is' : 'are'
}

export function names(items: string[]): string {
  const shown = items.slice(0, MAX_NAMES).join(', ')
  return items.length > MAX_NAMES ? `${shown} and ${items.length - MAX_NAMES} more` : shown
}

export function refOf(assignment: Assignment): AssignmentRef {
  return {
    accessConfigurationId: assignment.AccessConfigurationId,
    targetId: assignment.TargetId,
    ...(assignment.AccessConfigurationName ? { accessConfigurationName: assignment.AccessConfigurationName } : {}),
    ...(assignment.TargetName ? { targetName: assignment.TargetName } : {}),
  }
}

export function describeRef(ref: AssignmentRef): string {
  const configuration = ref.accessConfigurationName ? `"${ref.accessConfigurationName}"` : ref.accessConfigurationId
  const account = ref.targetName ? `"${ref.targetName}" (${ref.targetId})` : ref.targetId
  return `${configuration} on account ${account}`
}

export async function listUserAssignments(api: Api, userId: string): Promise<Assignment[]> {
  return listAssignments(api, { PrincipalType: 'User', PrincipalId: userId })
}

export async function listAssignments(api: Api, filter: Params): Promise<Assignment[]> {
  return listAll(async (nextToken) => {
    const body = await api.call('ListAccessAssignments', { ...filter, MaxResults: PAGE_SIZE, NextToken: nextToken }, listAssignmentsSchema)
    return { items: body.AccessAssignments ?? [], isTruncated: body.IsTruncated, nextToken: body.NextToken }
  })
}

export async function listJoinedGroups(api: Api, userId: string): Promise<z.infer<typeof groupSchema>[]> {
  return listAll(async (nextToken) => {
    const body = await api.call('ListJoinedGroupsForUser', { UserId: userId, MaxResults: PAGE_SIZE, NextToken: nextToken }, listGroupsSchema)
    return { items: body.JoinedGroups ?? [], isTruncated: body.IsTruncated, nextToken: body.NextToken }
  })
}

export async function listMfaDevices(api: Api, userId: string): Promise<z.infer<typeof mfaDeviceSchema>[]> {
  return (await api.call('ListMFADevicesForUser', { UserId: userId }, listMfaSchema)).MFADevices ?? []
}

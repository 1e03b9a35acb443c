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
import type { AlibabaCloudSsoIntegration } from './config.js'
import { newNonce, signRequest } from './acs3-signature.js'
import { createHttpClient } from '../kit/http.js'
import type { HttpClient } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import type { Account, AccountAction, AccountPage, AccountStatus, Adapter, Deletes, DeprovisionsAccess, Health, ListsAccounts, Outcome, PollsTasks, Preflight, Progress, Provider, ProviderOptions, Suspends, TaskRef } from '../types.js'
import { provide } from '../capabilities.js'
import { isNotFound } from '../kit/errors.js'
import { readAllPages, type Page } from '../kit/pagination.js'

export const CLOUDSSO_API_VERSION = '2021-05-15'
export const SCIM_BLOCK_DETAIL = 'synchronised from the identity provider by SCIM: remove them there'
export const ASSIGNMENTS_LABEL = 'access assignments removed'
export const DEPROVISION_LABEL = 'de-provisioning tasks finished'
/** The first pending answer asks again after this; each later one doubles it, up to POLL_MAX_MS. */
export const POLL_FIRST_MS = 2_000
export const POLL_MAX_MS = 30_000
const DEPROVISION_STRATEGY = 'DeprovisionForLastAccessAssignmentOnAccount'
/** DeleteAccessAssignment's answer while CloudSSO is still de-provisioning on that account. */
const STILL_DEPROVISIONING = 'DeletionConflict.AccessConfigurationProvisioning.AccessAssignment'
/** Polls that may meet STILL_DEPROVISIONING (about 8 minutes at the longest poll interval) before the delete gives up. */
export const MAX_DEPROVISIONING_WAITS = 16
const PAGE_SIZE = 100
const MAX_PAGES = 50
const MAX_NAMES = 10

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

interface CloudSsoExtras {
  /** Removes an access configuration from an RD account (DeprovisionAccessConfiguration); pending tasks go through `poll`. */
  deprovisionAccessConfiguration(target: AccessConfigurationTarget): Promise<Outcome>
  /** The access configuration's name and who still has assignments with it on that account, for a modal. */
  describeAccessConfiguration(target: AccessConfigurationTarget): Promise<AccessConfigurationUsage>
}

// --- the service's answers, as far as the adapter relies on them -------------

const errorBodySchema = z.object({
  Code: z.string().min(1),
  Message: z.string().optional(),
  RequestId: z.string().optional(),
})

const userSchema = z.object({
  UserId: z.string().min(1),
  UserName: z.string(),
  DisplayName: z.string().optional(),
  FirstName: z.string().optional(),
  LastName: z.string().optional(),
  Email: z.string().optional(),
  Status: z.string().optional(),
  ProvisionType: z.string().optional(),
})
type User = z.infer<typeof userSchema>

const pageFields = { IsTruncated: z.boolean().optional(), NextToken: z.string().optional() }
const listUsersSchema = z.object({ Users: z.array(userSchema).optional(), ...pageFields })
const getUserSchema = z.object({ User: userSchema })

const assignmentSchema = z.object({
  AccessConfigurationId: z.string().min(1),
  AccessConfigurationName: z.string().optional(),
  PrincipalType: z.string().optional(),
  PrincipalId: z.string().optional(),
  PrincipalName: z.string().optional(),
  TargetId: z.string().min(1),
  TargetName: z.string().optional(),
})
type Assignment = z.infer<typeof assignmentSchema>
const listAssignmentsSchema = z.object({ AccessAssignments: z.array(assignmentSchema).optional(), ...pageFields })

const groupSchema = z.object({ GroupId: z.string().min(1), GroupName: z.string().optional() })
const listGroupsSchema = z.object({ JoinedGroups: z.array(groupSchema).optional(), ...pageFields })
const mfaDeviceSchema = z.object({ DeviceId: z.string().min(1), DeviceName: z.string().optional(), DeviceType: z.string().optional() })
const listMfaSchema = z.object({ MFADevices: z.array(mfaDeviceSchema).optional() })

const taskSchema = z.object({
  TaskId: z.string().min(1),
  Status: z.string(),
  FailureReason: z.string().optional(),
  AccessConfigurationName: z.string().optional(),
  TargetName: z.string().optional(),
})
type Task = z.infer<typeof taskSchema>
const taskResponseSchema = z.object({ Task: taskSchema })
const deprovisionResponseSchema = z.object({ Tasks: z.array(taskSchema).optional() })

const requestIdSchema = z.object({ RequestId: z.string().optional() })
const directorySchema = z.object({ Directory: z.object({ DirectoryId: z.string(), DirectoryName: z.string().optional() }) })
const scimStatusSchema = z.object({ SCIMSynchronizationStatus: z.string() })
const accessConfigurationSchema = z.object({
  AccessConfiguration: z.object({
    AccessConfigurationId: z.string(),
    AccessConfigurationName: z.string().optional(),
    Description: z.string().optional(),
  }),
})

// --- the task state the worker stores between polls (JSON only) ---------------

const assignmentRefSchema = z.object({
  accessConfigurationId: z.string().min(1),
  accessConfigurationName: z.string().optional(),
  targetId: z.string().min(1),
  targetName: z.string().optional(),
})
type AssignmentRef = z.infer<typeof assignmentRefSchema>

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
type DeprovisionState = z.infer<typeof deprovisionStateSchema>

const taskStateSchema = z.discriminatedUnion('op', [deleteStateSchema, deprovisionStateSchema])
type TaskState = z.infer<typeof taskStateSchema>

// --- the signed RPC client ----------------------------------------------------

type Params = Record<string, string | number | undefined>

/** A ProviderError that also carries the service's error Code, for the steps that expect some codes. */
export class CloudSsoError extends ProviderError {
  constructor(
    problem: Problem,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(problem, options)
  }
}

interface Api {
  call<T>(action: string, params: Params, schema: z.ZodType<T>): Promise<T>
  readonly directoryId: string
  readonly region: string
}

/** The configured endpoint, or the region's public one (cloudsso.<region>.aliyuncs.com). */
export function cloudSsoEndpoint(config: Pick<AlibabaCloudSsoIntegration, 'region' | 'endpoint'>): URL {
  return new URL(config.endpoint ?? `https://cloudsso.${config.region}.aliyuncs.com`)
}

function createApi(config: AlibabaCloudSsoIntegration, options: ProviderOptions): Api {
  const endpoint = cloudSsoEndpoint(config)
  const basePath = endpoint.pathname.replace(/\/+$/, '')
  const http: HttpClient = createHttpClient({
    baseUrl: `${endpoint.origin}${basePath}`,
    headers: { accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeCloudSsoError,
  })
  const now = options.now ?? (() => new Date())

  async function call<T>(action: string, params: Params, schema: z.ZodType<T>): Promise<T> {
    const query = queryOf({ DirectoryId: config.directoryId, ...params })
    const signed = signRequest({
      method: 'POST',
      host: endpoint.host,
      path: `${basePath}/`,
      query,
      action,
      version: CLOUDSSO_API_VERSION,
      accessKeyId: config.accessKeyId,
      accessKeySecret: config.accessKeySecret,
      date: now(),
      nonce: newNonce(),
    })
    let body: unknown
    let status: number
    try {
      const response = await http.send({ method: 'POST', path: '/', query, headers: signed.headers })
      body = response.body
      status = response.status
    } catch (error) {
      throw error instanceof ProviderError ? remapError(error) : error
    }
    const parsed = schema.safeParse(body)
    if (!parsed.success) {
      throw new CloudSsoError({ kind: 'rejected', status, detail: `CloudSSO answered ${action} with something the bot cannot read` }, undefined)
    }
    return parsed.data
  }

  return { call, directoryId: config.directoryId, region: config.region }
}

function queryOf(params: Params): Record<string, string> {
  const query: Record<string, string> = {}
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query[name] = String(value)
  return query
}

/**
 * `Code: Message (HTTP 404, request id …)`: the code first and the status in it, because
 * the shared client hands adapters only this line, and remapError reads both back.
 */
export function describeCloudSsoError(status: number, body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body)
  if (!parsed.success) return undefined
  const { Code, Message, RequestId } = parsed.data
  const text = Message ? `${Code}: ${Message}` : Code
  return `${text} (HTTP ${status}${RequestId ? `, request id ${RequestId}` : ''})`
}

const CODE_IN_DETAIL = /^([A-Za-z][\w.-]*)(?::| \(HTTP )/
const STATUS_IN_DETAIL = /\(HTTP (\d{3})[,)]/

/** The problem kind follows the service's Code, not the HTTP status alone (InvalidAccessKeyId.NotFound is a 404). */
function remapError(error: ProviderError): CloudSsoError {
  const problem = error.problem
  const detail = 'detail' in problem ? problem.detail : undefined
  const code = detail ? CODE_IN_DETAIL.exec(detail)?.[1] : undefined
  const statusInDetail = detail ? Number(STATUS_IN_DETAIL.exec(detail)?.[1] ?? 0) : 0
  const status = 'status' in problem && typeof problem.status === 'number' ? problem.status : statusInDetail
  return new CloudSsoError(problemForCode(code, status, detail, problem), code, { cause: error })
}

export function problemForCode(code: string | undefined, status: number, detail: string | undefined, fallback: Problem): Problem {
  const text = detail ?? code ?? `HTTP ${status}`
  const optionalDetail = detail === undefined ? {} : { detail }
  if (code) {
    if (/^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken|InvalidAccessKeySecret)/.test(code)) {
      return { kind: 'credentials', status, ...optionalDetail }
    }
    if (/^(Forbidden|NoPermission)/.test(code)) return { kind: 'permission', status, ...optionalDetail }
    if (code === 'EntityNotExists.User') return { kind: 'not-found', ...optionalDetail }
    if (/^Throttling/.test(code)) return { kind: 'rate-limited', retryAfterMs: fallback.kind === 'rate-limited' ? fallback.retryAfterMs : undefined }
    if (/^(ServiceUnavailable|InternalError)/.test(code)) return { kind: 'transient', status, detail: text }
    if (/^(DeletionConflict|OperationConflict)\./.test(code)) return { kind: 'conflict', detail: text }
    if (/^InvalidTimeStamp/.test(code)) return { kind: 'rejected', status, detail: `${text}; check this machine's clock` }
  }
  // Only a missing user means "gone": any other 404 (a wrong directory or action) must not read as "already deleted".
  if (fallback.kind === 'not-found') return { kind: 'rejected', status, detail: text }
  return fallback
}

function codeOf(error: unknown): string | undefined {
  return error instanceof CloudSsoError ? error.code : undefined
}

/** Pages through a list call while IsTruncated. */
async function listAll<T>(page: (nextToken: string | undefined) => Promise<{ items: T[]; isTruncated?: boolean; nextToken?: string }>): Promise<T[]> {
  const readPage = async (token: string | undefined): Promise<Page<T, string>> => {
    const { items, isTruncated, nextToken } = await page(token)
    return isTruncated && nextToken ? { items, next: nextToken } : { items }
  }
  return readAllPages(readPage, MAX_PAGES, () => new CloudSsoError({ kind: 'rejected', detail: `CloudSSO kept returning pages after ${MAX_PAGES}` }, undefined))
}

// --- the provider -------------------------------------------------------------

export function createCloudSsoProvider(config: AlibabaCloudSsoIntegration, options: ProviderOptions = {}): CloudSsoProvider {
  const api = createApi(config, options)
  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'alibaba-cloudsso',
    ...(config.adminConsoleUrl ? { adminConsoleUrl: config.adminConsoleUrl } : {}),
    checkConnection: () => checkConnection(api),
    findAccount: (email) => findAccount(api, email),
    listAccounts: (cursor) => listAccounts(api, cursor),
    preflight: (account, action) => preflight(api, account, action),
    suspend: (account) => setStatus(api, account, 'Disabled'),
    restore: (account) => setStatus(api, account, 'Enabled'),
    delete: (account) => startDelete(api, account),
    poll: (task) => poll(api, task),
    deprovisionAccessConfiguration: (target) => deprovisionAccessConfiguration(api, target),
    describeAccessConfiguration: (target) => describeAccessConfiguration(api, target),
    preflightAccess: async (target) => accessPreflight(await describeAccessConfiguration(api, target)),
    deprovisionAccess: (target) => deprovisionAccessConfiguration(api, target),
  } satisfies Adapter & Suspends & Deletes & PollsTasks & ListsAccounts & DeprovisionsAccess & CloudSsoExtras)
}

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

async function checkConnection(api: Api): Promise<Health> {
  try {
    const { Directory } = await api.call('GetDirectory', {}, directorySchema)
    const name = Directory.DirectoryName ? `"${Directory.DirectoryName}" (${Directory.DirectoryId})` : Directory.DirectoryId
    return { ok: true, detail: `connected to CloudSSO directory ${name}` }
  } catch (error) {
    if (codeOf(error) === 'EntityNotExists.Directory') {
      return {
        ok: false,
        problem: { kind: 'rejected', detail: `CloudSSO has no directory ${api.directoryId} in ${api.region}: check directoryId and region in the providers file` },
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
async function findAccount(api: Api, email: string): Promise<Account | null> {
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
async function listAccounts(api: Api, cursor?: string): Promise<AccountPage> {
  const body = await api.call('ListUsers', { MaxResults: PAGE_SIZE, NextToken: cursor }, listUsersSchema)
  const nextCursor = body.IsTruncated ? body.NextToken : undefined
  if (nextCursor !== undefined && nextCursor === cursor) throw new ProviderError({ kind: 'rejected', detail: 'CloudSSO answered ListUsers with the same NextToken again' })
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

async function getUser(api: Api, userId: string): Promise<User | undefined> {
  try {
    return (await api.call('GetUser', { UserId: userId }, getUserSchema)).User
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

function toAccount(user: User, fallbackEmail: string): Account {
  const names = [user.FirstName, user.LastName].filter((part): part is string => Boolean(part))
  const displayName = user.DisplayName || (names.length > 0 ? names.join(' ') : user.UserName)
  return { id: user.UserId, email: user.Email || fallbackEmail, displayName, status: statusOf(user.Status) }
}

function statusOf(status: string | undefined): AccountStatus {
  if (status === 'Enabled') return 'active'
  if (status === 'Disabled') return 'suspended'
  return 'unknown'
}

// --- preflight ----------------------------------------------------------------

async function preflight(api: Api, account: Account, action: AccountAction): Promise<Preflight> {
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

async function scimStatus(api: Api): Promise<ScimStatus> {
  const body = await api.call('GetSCIMSynchronizationStatus', {}, scimStatusSchema)
  return body.SCIMSynchronizationStatus === 'Disabled' ? 'Disabled' : 'Enabled'
}

/** CloudSSO refuses to delete (or change) a SCIM user while SCIM synchronisation is on; status changes stay allowed. */
function scimBlock(user: User, scim: ScimStatus | undefined): Problem | undefined {
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
    warnings.unshift('Removing access assignments takes a while: the bot reports progress in the thread and deletes the user once CloudSSO has removed them all.')
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
    list.push('Where one of them is the last assignment of an access configuration on an account, the access configuration is also de-provisioned from that account.')
  }
  if (groups.length > 0) list.push(`They are removed from ${count(groups.length, 'group')}: ${names(groups.map((g) => g.GroupName ?? g.GroupId))}.`)
  if (devices.length > 0) {
    list.push(`Their ${count(devices.length, 'MFA device')} ${verb(devices.length)} deleted: ${names(devices.map((d) => d.DeviceName ?? d.DeviceId))}.`)
  }
  if (assignments.length + groups.length + devices.length === 0) list.push('They have no access assignments, group memberships or MFA devices.')
  list.push(`The user is deleted from CloudSSO directory ${directoryId}. This cannot be undone: re-creating them gives a new user with no access.`)
  return list
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function verb(n: number): string {
  return n === 1 ? 'is' : 'are'
}

function names(items: string[]): string {
  const shown = items.slice(0, MAX_NAMES).join(', ')
  return items.length > MAX_NAMES ? `${shown} and ${items.length - MAX_NAMES} more` : shown
}

function refOf(assignment: Assignment): AssignmentRef {
  return {
    accessConfigurationId: assignment.AccessConfigurationId,
    targetId: assignment.TargetId,
    ...(assignment.AccessConfigurationName ? { accessConfigurationName: assignment.AccessConfigurationName } : {}),
    ...(assignment.TargetName ? { targetName: assignment.TargetName } : {}),
  }
}

function describeRef(ref: AssignmentRef): string {
  const configuration = ref.accessConfigurationName ? `"${ref.accessConfigurationName}"` : ref.accessConfigurationId
  const account = ref.targetName ? `"${ref.targetName}" (${ref.targetId})` : ref.targetId
  return `${configuration} on account ${account}`
}

async function listUserAssignments(api: Api, userId: string): Promise<Assignment[]> {
  return listAssignments(api, { PrincipalType: 'User', PrincipalId: userId })
}

async function listAssignments(api: Api, filter: Params): Promise<Assignment[]> {
  return listAll(async (nextToken) => {
    const body = await api.call('ListAccessAssignments', { ...filter, MaxResults: PAGE_SIZE, NextToken: nextToken }, listAssignmentsSchema)
    return { items: body.AccessAssignments ?? [], isTruncated: body.IsTruncated, nextToken: body.NextToken }
  })
}

async function listJoinedGroups(api: Api, userId: string): Promise<z.infer<typeof groupSchema>[]> {
  return listAll(async (nextToken) => {
    const body = await api.call('ListJoinedGroupsForUser', { UserId: userId, MaxResults: PAGE_SIZE, NextToken: nextToken }, listGroupsSchema)
    return { items: body.JoinedGroups ?? [], isTruncated: body.IsTruncated, nextToken: body.NextToken }
  })
}

async function listMfaDevices(api: Api, userId: string): Promise<z.infer<typeof mfaDeviceSchema>[]> {
  return (await api.call('ListMFADevicesForUser', { UserId: userId }, listMfaSchema)).MFADevices ?? []
}

// --- execute ------------------------------------------------------------------

async function setStatus(api: Api, account: Account, wanted: 'Enabled' | 'Disabled'): Promise<Outcome> {
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

async function startDelete(api: Api, account: Account): Promise<Outcome> {
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
async function advanceDelete(api: Api, initial: DeleteState): Promise<Outcome> {
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

async function getTask(api: Api, taskId: string): Promise<Task | undefined> {
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
function reasonText(reason: string | undefined): string {
  return reason?.trim().replace(/\.+$/, '') || 'CloudSSO gave no reason'
}

/** A task that failed because something else holds the resource is a conflict; anything else the service refused. */
function failureKind(reason: string): 'conflict' | 'rejected' {
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

const DELETE_ID_PREFIX = 'cloudsso:delete-user:'
const DEPROVISION_ID_PREFIX = 'cloudsso:deprovision:'

function deleteTaskId(userId: string): string {
  return `${DELETE_ID_PREFIX}${encodeURIComponent(userId)}`
}

function deprovisionTaskId(state: DeprovisionState): string {
  const parts = [state.accessConfigurationId, state.targetId, state.running.join(',')].map(encodeURIComponent)
  return `${DEPROVISION_ID_PREFIX}${parts.join(':')}`
}

async function poll(api: Api, task: TaskRef): Promise<Outcome> {
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

// --- access configurations ----------------------------------------------------

async function deprovisionAccessConfiguration(api: Api, target: AccessConfigurationTarget): Promise<Outcome> {
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

async function advanceDeprovision(api: Api, state: DeprovisionState): Promise<Outcome> {
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

async function describeAccessConfiguration(api: Api, target: AccessConfigurationTarget): Promise<AccessConfigurationUsage> {
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
      throw new ProviderError({ kind: 'not-found', detail: `CloudSSO has no access configuration ${accessConfigurationId} in this directory` }, { cause: error })
    }
    throw error
  }
}

/**
 * An in-memory Alibaba Cloud CloudSSO service (API 2021-05-15, RPC style) on
 * node:http, for the adapter tests, the end-to-end tests and the demo.
 *
 * It checks every request as the API gateway does: the V3 signature recomputed
 * from the request and the known secret (acs3-signature.ts), the payload hash,
 * the date window and nonce reuse, answering with the service's error bodies
 * ({RequestId, HostId, Code, Message, Recommend}). It keeps users, groups, MFA
 * devices, access configurations, RD accounts, access assignments and tasks;
 * asynchronous tasks go InProgress -> Success after a number of GetTask calls,
 * or -> Failed with a FailureReason on demand. DeleteUser refuses while the user
 * still has access assignments, group memberships or MFA devices.
 *
 * Run on its own: `tsx local/cloudsso-sandbox.ts`
 * (CLOUDSSO_SANDBOX_ACCESS_KEY_ID, CLOUDSSO_SANDBOX_ACCESS_KEY_SECRET, CLOUDSSO_SANDBOX_PORT).
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  ACS3_ALGORITHM,
  canonicalRequest,
  isSignedHeader,
  parseAuthorization,
  sha256Hex,
  signature,
  stringToSign,
} from '../src/providers/alibaba-cloudsso/acs3-signature.js'
import { createSandboxServer, listen, readBody, runAsScript, sameSecret, sandboxHandle, scriptOptions, sender, stall, takeFailure } from './sandbox-kit.js'
import type { QueuedFailure, SandboxHandle, SandboxServerOptions, Waits } from './sandbox-kit.js'

export const CLOUDSSO_VERSION = '2021-05-15'
export const CLOUDSSO_SANDBOX_DIRECTORY_ID = 'd-00sandbox0001'
/** The gateway accepts an x-acs-date up to 15 minutes away from its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

export type UserStatus = 'Enabled' | 'Disabled'
export type ProvisionType = 'Manual' | 'Synchronized'

export interface SandboxUser {
  UserId: string
  UserName: string
  DisplayName?: string
  FirstName?: string
  LastName?: string
  Email?: string
  Description?: string
  Status: UserStatus
  ProvisionType: ProvisionType
  CreateTime: string
  UpdateTime: string
}

export interface SandboxGroup {
  GroupId: string
  GroupName: string
  Description?: string
  ProvisionType: ProvisionType
}

export interface SandboxMembership {
  GroupId: string
  UserId: string
  JoinTime: string
}

export interface SandboxMfaDevice {
  DeviceId: string
  DeviceName: string
  DeviceType: string
  UserId: string
  EffectiveTime: string
}

export interface SandboxAccessConfiguration {
  AccessConfigurationId: string
  AccessConfigurationName: string
  Description?: string
  SessionDuration: number
}

export interface SandboxAccount {
  TargetId: string
  TargetName: string
  TargetPath: string
}

export interface SandboxAssignment {
  AccessConfigurationId: string
  TargetId: string
  PrincipalType: 'User' | 'Group'
  PrincipalId: string
  CreateTime: string
  /** The DeleteAccessAssignment task removing it, while that runs. */
  removingTaskId?: string
}

export type TaskType = 'DeleteAccessAssignment' | 'DeprovisionAccessConfiguration'
export type TaskStatus = 'InProgress' | 'Success' | 'Failed'

export interface SandboxTask {
  TaskId: string
  TaskType: TaskType
  Status: TaskStatus
  StartTime: string
  EndTime?: string
  FailureReason?: string
  AccessConfigurationId: string
  TargetId: string
  PrincipalType?: 'User' | 'Group'
  PrincipalId?: string
  /** GetTask calls left before the task ends. */
  pollsLeft: number
  /** Set by failNextTask: the task ends Failed with this reason. */
  failWith?: string
  /** DeleteAccessAssignment with DeprovisionStrategy=DeprovisionForLastAccessAssignmentOnAccount. */
  deprovisionIfLast?: boolean
}

export interface SandboxState {
  users: Map<string, SandboxUser>
  groups: Map<string, SandboxGroup>
  memberships: SandboxMembership[]
  mfaDevices: Map<string, SandboxMfaDevice>
  accessConfigurations: Map<string, SandboxAccessConfiguration>
  accounts: Map<string, SandboxAccount>
  assignments: SandboxAssignment[]
  /** `${AccessConfigurationId}|${TargetId}`: the access configuration is provisioned on that account. */
  provisionings: Set<string>
  tasks: Map<string, SandboxTask>
  scimSynchronization: 'Enabled' | 'Disabled'
}

// --- seeds --------------------------------------------------------------------

export interface SeedUser {
  id: string
  userName: string
  email?: string
  displayName?: string
  firstName?: string
  lastName?: string
  /** Defaults to Enabled. */
  status?: UserStatus
  /** Defaults to Manual. */
  provisionType?: ProvisionType
}

export interface CloudSsoSeed {
  users?: SeedUser[]
  groups?: { id: string; name: string; provisionType?: ProvisionType }[]
  memberships?: { groupId: string; userId: string }[]
  mfaDevices?: { id: string; userId: string; name?: string; type?: string }[]
  accessConfigurations?: { id: string; name: string; description?: string }[]
  accounts?: { id: string; name: string }[]
  /** Each assignment also provisions its access configuration on its account. */
  assignments?: { accessConfigurationId: string; targetId: string; principalId: string; principalType?: 'User' | 'Group' }[]
  /** Provisioned access configurations without any assignment. */
  provisionings?: { accessConfigurationId: string; targetId: string }[]
}

// --- options, recording, failures ----------------------------------------------

export interface CloudSsoSandboxOptions extends SandboxServerOptions {
  accessKeyId: string
  accessKeySecret: string
  directoryId?: string
  directoryName?: string
  region?: string
  seed?: CloudSsoSeed
  scimSynchronization?: 'Enabled' | 'Disabled'
  /**
   * GetTask calls a task takes to end: it answers InProgress until the last of them
   * (default 2; 0 ends it at once). A function decides per task.
   */
  taskPolls?: number | ((task: Pick<SandboxTask, 'TaskType' | 'AccessConfigurationId' | 'TargetId'>) => number)
  /** The gateway's clock, for the x-acs-date window. */
  now?: () => Date
  /** One line per request (action, status, code), for the demo. */
  log?: (line: string) => void
}

export interface RecordedRequest {
  method: string
  /** x-acs-action. */
  action?: string
  version?: string
  /** Decoded query parameters. */
  params: Record<string, string>
  /** Names in the Authorization header's SignedHeaders (the header's value itself is never recorded). */
  signedHeaders: string[]
  signatureValid: boolean
  /** The answer: filled in when the response is sent. */
  status?: number
  code?: string
}

export interface FailureMatch {
  action?: string
  /** Every listed parameter must have this value. */
  params?: Record<string, string>
}

export interface FailureReply {
  /** Leave out to only delay the normal answer. */
  status?: number
  /** The error Code; a default one follows from the status. */
  code?: string
  message?: string
  /** Sent as JSON instead of the error body. */
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
}

export interface TaskFailureMatch {
  taskType?: TaskType
  accessConfigurationId?: string
  targetId?: string
}

export interface CloudSsoSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** The endpoint, e.g. http://127.0.0.1:PORT. */
  url: string
  directoryId: string
  /** Current state; tests may read and change it. */
  state: SandboxState
  /** The next signed request matching `match` gets `reply` instead of (or, with only delayMs, after) its normal answer. */
  failNext(match: FailureMatch, reply: FailureReply): void
  /** The next task created that matches ends Failed with `reason`. */
  failNextTask(match: TaskFailureMatch, reason: string): void
  /**
   * CloudSSO still de-provisioning the access configuration from that account: the next
   * `times` DeleteAccessAssignment calls there answer
   * DeletionConflict.AccessConfigurationProvisioning.AccessAssignment.
   */
  stillDeprovisioning(target: { accessConfigurationId: string; targetId: string }, times: number): void
  /** Ends every running task now, as if enough GetTask calls had come. */
  finishTasks(): void
  /** Adds to the state. */
  seed(seed: CloudSsoSeed): void
  /** Empties the state (nonces, tasks and requests included) and seeds it again. */
  reset(seed?: CloudSsoSeed): void
}

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

interface Context {
  options: CloudSsoSandboxOptions
  directoryId: string
  state: SandboxState
  nonces: Set<string>
  taskFailures: { match: TaskFailureMatch; reason: string }[]
  /** provisioningKey -> DeleteAccessAssignment calls there still refused as de-provisioning. */
  deprovisioning: Map<string, number>
  now: () => Date
  taskPolls: (task: Pick<SandboxTask, 'TaskType' | 'AccessConfigurationId' | 'TargetId'>) => number
  nextId: (prefix: string) => string
}

export async function startCloudSsoSandbox(options: CloudSsoSandboxOptions): Promise<CloudSsoSandbox> {
  const state = emptyState(options.scimSynchronization ?? 'Disabled')
  const requests: RecordedRequest[] = []
  const failures: QueuedFailure<FailureMatch, FailureReply>[] = []
  const waits: Waits = new Set()
  let counter = 0
  const ctx: Context = {
    options,
    directoryId: options.directoryId ?? CLOUDSSO_SANDBOX_DIRECTORY_ID,
    state,
    nonces: new Set(),
    taskFailures: [],
    deprovisioning: new Map(),
    now: options.now ?? (() => new Date()),
    taskPolls: (task) => Math.max(0, typeof options.taskPolls === 'function' ? options.taskPolls(task) : (options.taskPolls ?? 2)),
    nextId: (prefix) => `${prefix}-${(++counter).toString(36).padStart(4, '0')}${randomUUID().slice(0, 8)}`,
  }
  seedState(ctx, options.seed ?? {})

  const server = createSandboxServer(handle, (res, error) => sendError(res, ctx, new ServiceError(500, 'InternalError', `sandbox failure: ${String(error)}`)))

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req, 'throw')
    const url = new URL(req.url ?? '/', 'http://sandbox')
    const params = Object.fromEntries(url.searchParams)
    const recorded = record(req, params)
    requests.push(recorded)
    res.on('finish', () => {
      recorded.status = res.statusCode
      options.log?.(`${recorded.action ?? '?'} -> ${res.statusCode}${recorded.code ? ` ${recorded.code}` : ''}`)
    })
    try {
      verifySignedRequest(ctx, req, url, raw, params)
      recorded.signatureValid = true
      const failure = takeFailure(failures, (match) => failureMatches(match, recorded))
      if (!(await stall(failure, res, waits))) return
      if (failure?.status !== undefined) return sendFailure(res, ctx, failure, recorded)
      send(res, 200, { RequestId: requestId(), ...route(ctx, recorded.action ?? '', params) })
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error
      recorded.code = error.code
      sendError(res, ctx, error)
    }
  }

  const { origin } = await listen(server, options.port, options.host)

  return {
    url: origin,
    directoryId: ctx.directoryId,
    state,
    ...sandboxHandle(server, { requests, failures, waits }),
    failNextTask: (match, reason) => ctx.taskFailures.push({ match, reason }),
    stillDeprovisioning: ({ accessConfigurationId, targetId }, times) => ctx.deprovisioning.set(provisioningKey(accessConfigurationId, targetId), times),
    finishTasks: () => {
      for (const task of state.tasks.values()) if (task.Status === 'InProgress') endTask(ctx, task)
    },
    seed: (seed) => seedState(ctx, seed),
    reset: (seed) => {
      clearState(state, options.scimSynchronization ?? 'Disabled')
      ctx.nonces.clear()
      ctx.taskFailures.length = 0
      ctx.deprovisioning.clear()
      failures.length = 0
      requests.length = 0
      seedState(ctx, seed ?? {})
    },
  }
}

function emptyState(scim: 'Enabled' | 'Disabled'): SandboxState {
  return {
    users: new Map(),
    groups: new Map(),
    memberships: [],
    mfaDevices: new Map(),
    accessConfigurations: new Map(),
    accounts: new Map(),
    assignments: [],
    provisionings: new Set(),
    tasks: new Map(),
    scimSynchronization: scim,
  }
}

/** Empties in place, so references tests hold stay valid. */
function clearState(state: SandboxState, scim: 'Enabled' | 'Disabled'): void {
  state.users.clear()
  state.groups.clear()
  state.memberships.length = 0
  state.mfaDevices.clear()
  state.accessConfigurations.clear()
  state.accounts.clear()
  state.assignments.length = 0
  state.provisionings.clear()
  state.tasks.clear()
  state.scimSynchronization = scim
}

function seedState(ctx: Context, seed: CloudSsoSeed): void {
  const { state } = ctx
  const at = ctx.now().toISOString()
  for (const user of seed.users ?? []) {
    state.users.set(user.id, {
      UserId: user.id,
      UserName: user.userName,
      ...(user.email ? { Email: user.email } : {}),
      ...(user.displayName ? { DisplayName: user.displayName } : {}),
      ...(user.firstName ? { FirstName: user.firstName } : {}),
      ...(user.lastName ? { LastName: user.lastName } : {}),
      Status: user.status ?? 'Enabled',
      ProvisionType: user.provisionType ?? 'Manual',
      CreateTime: at,
      UpdateTime: at,
    })
  }
  for (const group of seed.groups ?? []) {
    state.groups.set(group.id, { GroupId: group.id, GroupName: group.name, ProvisionType: group.provisionType ?? 'Manual' })
  }
  for (const membership of seed.memberships ?? []) state.memberships.push({ GroupId: membership.groupId, UserId: membership.userId, JoinTime: at })
  for (const device of seed.mfaDevices ?? []) {
    state.mfaDevices.set(device.id, {
      DeviceId: device.id,
      UserId: device.userId,
      DeviceName: device.name ?? device.id,
      DeviceType: device.type ?? 'TOTP',
      EffectiveTime: at,
    })
  }
  for (const configuration of seed.accessConfigurations ?? []) {
    state.accessConfigurations.set(configuration.id, {
      AccessConfigurationId: configuration.id,
      AccessConfigurationName: configuration.name,
      ...(configuration.description ? { Description: configuration.description } : {}),
      SessionDuration: 3600,
    })
  }
  for (const account of seed.accounts ?? [])
    state.accounts.set(account.id, { TargetId: account.id, TargetName: account.name, TargetPath: `rd-root/${account.name}` })
  for (const assignment of seed.assignments ?? []) {
    state.assignments.push({
      AccessConfigurationId: assignment.accessConfigurationId,
      TargetId: assignment.targetId,
      PrincipalType: assignment.principalType ?? 'User',
      PrincipalId: assignment.principalId,
      CreateTime: at,
    })
    state.provisionings.add(provisioningKey(assignment.accessConfigurationId, assignment.targetId))
  }
  for (const provisioning of seed.provisionings ?? []) state.provisionings.add(provisioningKey(provisioning.accessConfigurationId, provisioning.targetId))
}

function provisioningKey(accessConfigurationId: string, targetId: string): string {
  return `${accessConfigurationId}|${targetId}`
}

// --- the gateway's checks -----------------------------------------------------

const X_ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const REQUIRED_HEADERS = ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const

/** What Alibaba Cloud's gateway checks before the service sees a request; throws the error the gateway answers. */
function verifySignedRequest(ctx: Context, req: IncomingMessage, url: URL, raw: Buffer, params: Record<string, string>): void {
  const auth = parseAuthorization(header(req, 'authorization'))
  if (!auth || auth.algorithm !== ACS3_ALGORITHM) {
    throw new ServiceError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.')
  }
  for (const name of REQUIRED_HEADERS) {
    if (!header(req, name))
      throw new ServiceError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: header ${name} is missing.`)
  }
  const unsigned = Object.keys(req.headers).filter((name) => isSignedHeader(name) && name !== 'content-type' && !auth.signedHeaders.includes(name))
  if (unsigned.length > 0) {
    throw new ServiceError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: ${unsigned.join(', ')} must be signed.`)
  }
  if (auth.credential !== ctx.options.accessKeyId) throw new ServiceError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
  const hashedPayload = header(req, 'x-acs-content-sha256') ?? ''
  if (sha256Hex(raw) !== hashedPayload) {
    throw new ServiceError(
      400,
      'SignatureDoesNotMatch',
      'Specified signature does not match our calculation: x-acs-content-sha256 is not the hash of the body.',
    )
  }
  const signedHeaders: Record<string, string> = {}
  for (const name of auth.signedHeaders) {
    const value = header(req, name)
    if (value === undefined)
      throw new ServiceError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: signed header ${name} is missing.`)
    signedHeaders[name] = value
  }
  const toSign = stringToSign(canonicalRequest({ method: req.method ?? 'GET', path: url.pathname, query: params, headers: signedHeaders, hashedPayload }))
  if (!sameHex(signature(ctx.options.accessKeySecret, toSign), auth.signature)) {
    throw new ServiceError(400, 'SignatureDoesNotMatch', `Specified signature does not match our calculation. server StringToSign is [${toSign}]`)
  }
  checkDate(ctx, header(req, 'x-acs-date') ?? '')
  const nonce = header(req, 'x-acs-signature-nonce') ?? ''
  if (ctx.nonces.has(nonce)) throw new ServiceError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.')
  ctx.nonces.add(nonce)
  if (header(req, 'x-acs-version') !== CLOUDSSO_VERSION) throw new ServiceError(400, 'InvalidVersion', 'Specified parameter Version is not valid.')
  if (url.pathname !== '/') throw new ServiceError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.')
  if (!params.DirectoryId) throw new ServiceError(400, 'MissingDirectoryId', 'DirectoryId is mandatory for this action.')
  if (params.DirectoryId !== ctx.directoryId) throw new ServiceError(404, 'EntityNotExists.Directory', 'The specified directory does not exist.')
}

function checkDate(ctx: Context, value: string): void {
  if (!X_ACS_DATE.test(value)) throw new ServiceError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.')
  if (Math.abs(ctx.now().getTime() - Date.parse(value)) > MAX_CLOCK_SKEW_MS) {
    throw new ServiceError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.')
  }
}

function sameHex(expected: string, given: string): boolean {
  return sameSecret(expected, given.toLowerCase())
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

// --- the service --------------------------------------------------------------

type Params = Record<string, string>
type Body = Record<string, unknown>

// The official SDK (@alicloud/cloudsso20210515) is not in the npm registry this project uses, so no
// machine-readable source runs in the tests. Each action follows its page of the CloudSSO API reference,
// https://www.alibabacloud.com/help/en/cloudsso/developer-reference/api-cloudsso-2021-05-15-<action in lower case>
// (e.g. …-listusers, …-gettaskstatus), and docs/conformance.md lists the fields checked by hand against the SDK's models.
function route(ctx: Context, action: string, params: Params): Body {
  switch (action) {
    case 'GetDirectory':
      return { Directory: { DirectoryId: ctx.directoryId, DirectoryName: ctx.options.directoryName ?? 'sandbox', Region: ctx.options.region ?? 'cn-shanghai' } }
    case 'GetSCIMSynchronizationStatus':
      return { SCIMSynchronizationStatus: ctx.state.scimSynchronization }
    case 'ListUsers':
      return listUsers(ctx, params)
    case 'GetUser':
      return { User: { ...existingUser(ctx, required(params, 'UserId')) } }
    case 'UpdateUserStatus':
      return updateUserStatus(ctx, params)
    case 'ListAccessAssignments':
      return listAccessAssignments(ctx, params)
    case 'DeleteAccessAssignment':
      return deleteAccessAssignment(ctx, params)
    case 'DeprovisionAccessConfiguration':
      return deprovisionAccessConfiguration(ctx, params)
    case 'GetAccessConfiguration':
      return { AccessConfiguration: { ...existingAccessConfiguration(ctx, required(params, 'AccessConfigurationId')) } }
    case 'GetTask':
      return getTask(ctx, params)
    case 'ListJoinedGroupsForUser':
      return listJoinedGroups(ctx, params)
    case 'RemoveUserFromGroup':
      return removeUserFromGroup(ctx, params)
    case 'ListMFADevicesForUser':
      return listMfaDevices(ctx, params)
    case 'DeleteMFADeviceForUser':
      return deleteMfaDevice(ctx, params)
    case 'DeleteUser':
      return deleteUser(ctx, params)
    default:
      throw new ServiceError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.')
  }
}

function required(params: Params, name: string): string {
  const value = params[name]
  if (value === undefined || value === '') throw new ServiceError(400, `Missing${name}`, `${name} is mandatory for this action.`)
  return value
}

function existingUser(ctx: Context, userId: string): SandboxUser {
  const user = ctx.state.users.get(userId)
  if (!user) throw new ServiceError(404, 'EntityNotExists.User', 'The specified user does not exist.')
  return user
}

function existingAccessConfiguration(ctx: Context, id: string): SandboxAccessConfiguration {
  const configuration = ctx.state.accessConfigurations.get(id)
  if (!configuration) throw new ServiceError(404, 'EntityNotExists.AccessConfiguration', 'The specified access configuration does not exist.')
  return configuration
}

/** MaxResults 1-100 (default 10) and an opaque NextToken, as the List* calls page. */
function page<T>(items: T[], params: Params): { items: T[]; IsTruncated: boolean; NextToken?: string; MaxResults: number; TotalCounts: number } {
  const max = params.MaxResults === undefined ? 10 : Number(params.MaxResults)
  if (!Number.isInteger(max) || max < 1 || max > 100) throw new ServiceError(400, 'InvalidParameter.MaxResults', 'The specified MaxResults is invalid.')
  let start = 0
  if (params.NextToken !== undefined) {
    start = Number(Buffer.from(params.NextToken, 'base64url').toString('utf8'))
    if (!Number.isInteger(start) || start < 0) throw new ServiceError(400, 'InvalidParameter.NextToken', 'The specified NextToken is invalid.')
  }
  const slice = items.slice(start, start + max)
  const end = start + slice.length
  const truncated = end < items.length
  return {
    items: slice,
    IsTruncated: truncated,
    ...(truncated ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}),
    MaxResults: max,
    TotalCounts: items.length,
  }
}

function listBody<T>(key: string, items: T[], params: Params): Body {
  const { items: slice, ...rest } = page(items, params)
  return { [key]: slice, ...rest }
}

const FILTER = /^\s*(\w+)\s+(eq|sw)\s+"?(.*?)"?\s*$/i

function listUsers(ctx: Context, params: Params): Body {
  let users = [...ctx.state.users.values()]
  if (params.Filter !== undefined) {
    const parsed = FILTER.exec(params.Filter)
    // Only UserName can be filtered on, with eq or sw; attribute, operator and value ignore case.
    if (!parsed || parsed[1]?.toLowerCase() !== 'username') {
      throw new ServiceError(400, 'InvalidParameter.Filter', 'The specified Filter is invalid. Only UserName with eq or sw is supported.')
    }
    const operator = parsed[2]?.toLowerCase()
    const value = (parsed[3] ?? '').toLowerCase()
    users = users.filter((user) => (operator === 'eq' ? user.UserName.toLowerCase() === value : user.UserName.toLowerCase().startsWith(value)))
  }
  if (params.Status) users = users.filter((user) => user.Status === params.Status)
  if (params.ProvisionType) users = users.filter((user) => user.ProvisionType === params.ProvisionType)
  return listBody('Users', users, params)
}

function updateUserStatus(ctx: Context, params: Params): Body {
  const user = existingUser(ctx, required(params, 'UserId'))
  const status = required(params, 'NewStatus')
  if (status !== 'Enabled' && status !== 'Disabled') throw new ServiceError(400, 'InvalidParameter.NewStatus', 'The specified NewStatus is invalid.')
  user.Status = status
  user.UpdateTime = ctx.now().toISOString()
  return {}
}

function listAccessAssignments(ctx: Context, params: Params): Body {
  let assignments = ctx.state.assignments
  if (params.AccessConfigurationId) assignments = assignments.filter((a) => a.AccessConfigurationId === params.AccessConfigurationId)
  // As documented, TargetId/TargetType and PrincipalId/PrincipalType filter only as pairs.
  if (params.TargetId && params.TargetType) assignments = assignments.filter((a) => a.TargetId === params.TargetId)
  if (params.PrincipalId && params.PrincipalType) {
    assignments = assignments.filter((a) => a.PrincipalId === params.PrincipalId && a.PrincipalType === params.PrincipalType)
  }
  return listBody(
    'AccessAssignments',
    assignments.map((a) => presentAssignment(ctx, a)),
    params,
  )
}

function presentAssignment(ctx: Context, assignment: SandboxAssignment): Body {
  const account = ctx.state.accounts.get(assignment.TargetId)
  return {
    AccessConfigurationId: assignment.AccessConfigurationId,
    AccessConfigurationName: ctx.state.accessConfigurations.get(assignment.AccessConfigurationId)?.AccessConfigurationName,
    PrincipalType: assignment.PrincipalType,
    PrincipalId: assignment.PrincipalId,
    PrincipalName: principalName(ctx, assignment.PrincipalType, assignment.PrincipalId),
    TargetType: 'RD-Account',
    TargetId: assignment.TargetId,
    TargetName: account?.TargetName,
    TargetPath: account?.TargetPath,
    CreateTime: assignment.CreateTime,
  }
}

function principalName(ctx: Context, type: 'User' | 'Group' | undefined, id: string | undefined): string | undefined {
  if (!id) return undefined
  return type === 'Group' ? ctx.state.groups.get(id)?.GroupName : ctx.state.users.get(id)?.UserName
}

function deleteAccessAssignment(ctx: Context, params: Params): Body {
  const accessConfigurationId = required(params, 'AccessConfigurationId')
  required(params, 'TargetType')
  const targetId = required(params, 'TargetId')
  const principalType = required(params, 'PrincipalType')
  const principalId = required(params, 'PrincipalId')
  const assignment = ctx.state.assignments.find(
    (a) => a.AccessConfigurationId === accessConfigurationId && a.TargetId === targetId && a.PrincipalType === principalType && a.PrincipalId === principalId,
  )
  if (!assignment) throw new ServiceError(404, 'EntityNotExists.AccessAssignment', 'The specified access assignment does not exist.')
  if (assignment.removingTaskId && ctx.state.tasks.get(assignment.removingTaskId)?.Status === 'InProgress') {
    throw new ServiceError(409, 'OperationConflict.Task', 'A task is already running on the specified target. Try again later.')
  }
  const refusals = ctx.deprovisioning.get(provisioningKey(accessConfigurationId, targetId)) ?? 0
  if (refusals > 0) {
    ctx.deprovisioning.set(provisioningKey(accessConfigurationId, targetId), refusals - 1)
    throw new ServiceError(
      409,
      'DeletionConflict.AccessConfigurationProvisioning.AccessAssignment',
      'The access configuration is still being de-provisioned from the specified target. Try again later.',
    )
  }
  const task = createTask(ctx, {
    TaskType: 'DeleteAccessAssignment',
    AccessConfigurationId: accessConfigurationId,
    TargetId: targetId,
    PrincipalType: assignment.PrincipalType,
    PrincipalId: principalId,
    deprovisionIfLast: params.DeprovisionStrategy === 'DeprovisionForLastAccessAssignmentOnAccount',
  })
  assignment.removingTaskId = task.TaskId
  if (task.pollsLeft === 0) endTask(ctx, task)
  return { Task: presentTask(ctx, task) }
}

function deprovisionAccessConfiguration(ctx: Context, params: Params): Body {
  const accessConfigurationId = required(params, 'AccessConfigurationId')
  required(params, 'TargetType')
  const targetId = required(params, 'TargetId')
  existingAccessConfiguration(ctx, accessConfigurationId)
  if (!ctx.state.provisionings.has(provisioningKey(accessConfigurationId, targetId))) {
    throw new ServiceError(404, 'EntityNotExists.AccessConfigurationProvisioning', 'The access configuration is not provisioned on the specified target.')
  }
  if (ctx.state.assignments.some((a) => a.AccessConfigurationId === accessConfigurationId && a.TargetId === targetId)) {
    throw new ServiceError(
      409,
      'DeletionConflict.AccessConfigurationProvisioning.AccessAssignment',
      'The access configuration provisioning is still used by access assignments on the specified target.',
    )
  }
  const task = createTask(ctx, { TaskType: 'DeprovisionAccessConfiguration', AccessConfigurationId: accessConfigurationId, TargetId: targetId })
  if (task.pollsLeft === 0) endTask(ctx, task)
  return { Tasks: [presentTask(ctx, task)] }
}

function createTask(
  ctx: Context,
  fields: Pick<SandboxTask, 'TaskType' | 'AccessConfigurationId' | 'TargetId' | 'PrincipalType' | 'PrincipalId' | 'deprovisionIfLast'>,
): SandboxTask {
  const index = ctx.taskFailures.findIndex(({ match }) => taskMatches(match, fields))
  const failWith = index === -1 ? undefined : ctx.taskFailures.splice(index, 1)[0]?.reason
  const task: SandboxTask = {
    TaskId: ctx.nextId('t'),
    Status: 'InProgress',
    StartTime: ctx.now().toISOString(),
    pollsLeft: ctx.taskPolls(fields),
    ...fields,
    ...(failWith ? { failWith } : {}),
  }
  ctx.state.tasks.set(task.TaskId, task)
  return task
}

function taskMatches(match: TaskFailureMatch, task: Pick<SandboxTask, 'TaskType' | 'AccessConfigurationId' | 'TargetId'>): boolean {
  if (match.taskType && match.taskType !== task.TaskType) return false
  if (match.accessConfigurationId && match.accessConfigurationId !== task.AccessConfigurationId) return false
  return !match.targetId || match.targetId === task.TargetId
}

function getTask(ctx: Context, params: Params): Body {
  const task = ctx.state.tasks.get(required(params, 'TaskId'))
  if (!task) throw new ServiceError(404, 'EntityNotExists.Task', 'The specified task does not exist.')
  if (task.Status === 'InProgress') {
    task.pollsLeft--
    if (task.pollsLeft <= 0) endTask(ctx, task)
  }
  return { Task: presentTask(ctx, task) }
}

/** The task's effect happens when it ends successfully; a failed one changes nothing. */
function endTask(ctx: Context, task: SandboxTask): void {
  const { state } = ctx
  task.EndTime = ctx.now().toISOString()
  const assignment = state.assignments.find((a) => a.removingTaskId === task.TaskId)
  if (task.failWith) {
    task.Status = 'Failed'
    task.FailureReason = task.failWith
    if (assignment) delete assignment.removingTaskId
    return
  }
  task.Status = 'Success'
  const key = provisioningKey(task.AccessConfigurationId, task.TargetId)
  if (task.TaskType === 'DeprovisionAccessConfiguration') {
    state.provisionings.delete(key)
    return
  }
  if (assignment) state.assignments.splice(state.assignments.indexOf(assignment), 1)
  const lastOnAccount = !state.assignments.some((a) => a.AccessConfigurationId === task.AccessConfigurationId && a.TargetId === task.TargetId)
  if (task.deprovisionIfLast && lastOnAccount) state.provisionings.delete(key)
}

function presentTask(ctx: Context, task: SandboxTask): Body {
  const account = ctx.state.accounts.get(task.TargetId)
  return {
    TaskId: task.TaskId,
    TaskType: task.TaskType,
    Status: task.Status,
    StartTime: task.StartTime,
    ...(task.EndTime ? { EndTime: task.EndTime } : {}),
    ...(task.Status === 'Failed' ? { FailureReason: task.FailureReason } : {}),
    AccessConfigurationId: task.AccessConfigurationId,
    AccessConfigurationName: ctx.state.accessConfigurations.get(task.AccessConfigurationId)?.AccessConfigurationName,
    TargetType: 'RD-Account',
    TargetId: task.TargetId,
    TargetName: account?.TargetName,
    TargetPath: account?.TargetPath,
    ...(task.PrincipalId
      ? { PrincipalType: task.PrincipalType, PrincipalId: task.PrincipalId, PrincipalName: principalName(ctx, task.PrincipalType, task.PrincipalId) }
      : {}),
  }
}

function listJoinedGroups(ctx: Context, params: Params): Body {
  const user = existingUser(ctx, required(params, 'UserId'))
  const joined = ctx.state.memberships
    .filter((m) => m.UserId === user.UserId)
    .map((m) => {
      const group = ctx.state.groups.get(m.GroupId)
      return {
        GroupId: m.GroupId,
        GroupName: group?.GroupName,
        Description: group?.Description,
        ProvisionType: group?.ProvisionType,
        JoinTime: m.JoinTime,
        UserId: m.UserId,
      }
    })
  return listBody('JoinedGroups', joined, params)
}

function removeUserFromGroup(ctx: Context, params: Params): Body {
  const user = existingUser(ctx, required(params, 'UserId'))
  const group = ctx.state.groups.get(required(params, 'GroupId'))
  if (!group) throw new ServiceError(404, 'EntityNotExists.Group', 'The specified group does not exist.')
  const index = ctx.state.memberships.findIndex((m) => m.GroupId === group.GroupId && m.UserId === user.UserId)
  if (index === -1) throw new ServiceError(404, 'EntityNotExists.GroupMember', 'The specified user is not a member of the group.')
  if (group.ProvisionType === 'Synchronized' && ctx.state.scimSynchronization === 'Enabled') {
    throw new ServiceError(
      409,
      'OperationConflict.SCIMSynchronization',
      'The group is synchronized by SCIM and cannot be changed while SCIM synchronization is enabled.',
    )
  }
  ctx.state.memberships.splice(index, 1)
  return {}
}

function listMfaDevices(ctx: Context, params: Params): Body {
  const user = existingUser(ctx, required(params, 'UserId'))
  const devices = [...ctx.state.mfaDevices.values()].filter((d) => d.UserId === user.UserId)
  return { MFADevices: devices.map((d) => ({ ...d })), TotalCounts: devices.length }
}

function deleteMfaDevice(ctx: Context, params: Params): Body {
  const user = existingUser(ctx, required(params, 'UserId'))
  const device = ctx.state.mfaDevices.get(required(params, 'MFADeviceId'))
  if (!device || device.UserId !== user.UserId) throw new ServiceError(404, 'EntityNotExists.MFADevice', 'The specified MFA device does not exist.')
  ctx.state.mfaDevices.delete(device.DeviceId)
  return {}
}

/**
 * Refuses while anything still refers to the user. DeletionConflict.User.AccessAssigment
 * (sic) is the code CloudSSO answers; the group and MFA codes are this sandbox's
 * guess (the service's error table could not be read).
 */
function deleteUser(ctx: Context, params: Params): Body {
  const user = existingUser(ctx, required(params, 'UserId'))
  const { state } = ctx
  if (user.ProvisionType === 'Synchronized' && state.scimSynchronization === 'Enabled') {
    throw new ServiceError(
      409,
      'OperationConflict.SCIMSynchronization',
      'The user is synchronized by SCIM and cannot be deleted while SCIM synchronization is enabled.',
    )
  }
  if (state.assignments.some((a) => a.PrincipalType === 'User' && a.PrincipalId === user.UserId)) {
    throw new ServiceError(409, 'DeletionConflict.User.AccessAssigment', 'The user still has access assignments.')
  }
  if (state.memberships.some((m) => m.UserId === user.UserId))
    throw new ServiceError(409, 'DeletionConflict.User.Group', 'The user is still a member of groups.')
  if ([...state.mfaDevices.values()].some((d) => d.UserId === user.UserId)) {
    throw new ServiceError(409, 'DeletionConflict.User.MFADevice', 'The user still has MFA devices.')
  }
  state.users.delete(user.UserId)
  return {}
}

// --- plumbing -----------------------------------------------------------------

function record(req: IncomingMessage, params: Record<string, string>): RecordedRequest {
  const auth = parseAuthorization(header(req, 'authorization'))
  const action = header(req, 'x-acs-action')
  const version = header(req, 'x-acs-version')
  return {
    method: req.method ?? 'GET',
    ...(action ? { action } : {}),
    ...(version ? { version } : {}),
    params,
    signedHeaders: auth?.signedHeaders ?? [],
    signatureValid: false,
  }
}

function failureMatches(match: FailureMatch, req: RecordedRequest): boolean {
  if (match.action && match.action !== req.action) return false
  return Object.entries(match.params ?? {}).every(([name, value]) => req.params[name] === value)
}

function requestId(): string {
  return randomUUID().toUpperCase()
}

const send = sender('application/json;charset=utf-8')

export function errorBody(code: string, message: string, hostId: string): Record<string, string> {
  const id = requestId()
  return {
    RequestId: id,
    HostId: hostId,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=cloudsso&requestId=${id}`,
  }
}

function hostId(ctx: Context): string {
  return `cloudsso.${ctx.options.region ?? 'cn-shanghai'}.aliyuncs.com`
}

function sendError(res: ServerResponse, ctx: Context, error: ServiceError, headers: Record<string, string> = {}): void {
  send(res, error.status, errorBody(error.code, error.message, hostId(ctx)), headers)
}

const DEFAULT_FAILURES: Record<number, [string, string]> = {
  400: ['InvalidParameter', 'The specified parameter is invalid.'],
  403: ['NoPermission', 'You are not authorized to perform this operation.'],
  404: ['EntityNotExists.User', 'The specified user does not exist.'],
  409: ['OperationConflict.Task', 'A task is already running on the specified target. Try again later.'],
  429: ['Throttling.User', 'Request was denied due to user flow control.'],
  500: ['InternalError', 'The request processing has failed due to some unknown error.'],
  503: ['ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'],
}

function sendFailure(res: ServerResponse, ctx: Context, reply: FailureReply, recorded: RecordedRequest): void {
  const status = reply.status ?? 500
  if (reply.body !== undefined) return send(res, status, reply.body, reply.headers)
  const [code, message] = DEFAULT_FAILURES[status] ?? ['InvalidParameter', `Injected failure (HTTP ${status}).`]
  const finalCode = reply.code ?? code
  recorded.code = finalCode
  send(res, status, errorBody(finalCode, reply.message ?? message, hostId(ctx)), reply.headers)
}

// --- run on its own -----------------------------------------------------------

export const DEMO_SEED: CloudSsoSeed = {
  users: [
    { id: 'u-alice0001', userName: 'alice@example.com', email: 'alice@example.com', displayName: 'Alice Admin' },
    { id: 'u-bob00001', userName: 'bob', email: 'bob@example.com', displayName: 'Bob Builder' },
    { id: 'u-carol001', userName: 'carol@example.com', email: 'carol@example.com', displayName: 'Carol (from the IdP)', provisionType: 'Synchronized' },
    { id: 'u-dave0001', userName: 'dave@example.com', email: 'dave@example.com', displayName: 'Dave Departed', status: 'Disabled' },
  ],
  groups: [
    { id: 'g-ops000001', name: 'ops' },
    { id: 'g-audit0001', name: 'auditors' },
  ],
  memberships: [
    { groupId: 'g-ops000001', userId: 'u-alice0001' },
    { groupId: 'g-audit0001', userId: 'u-alice0001' },
  ],
  mfaDevices: [{ id: 'mfa-alice001', userId: 'u-alice0001', name: 'Alice phone' }],
  accessConfigurations: [
    { id: 'ac-admin0001', name: 'Admin' },
    { id: 'ac-readonly1', name: 'ReadOnly' },
  ],
  accounts: [
    { id: '1142405247840001', name: 'prod' },
    { id: '1142405247840002', name: 'staging' },
  ],
  assignments: [
    { accessConfigurationId: 'ac-admin0001', targetId: '1142405247840001', principalId: 'u-alice0001' },
    { accessConfigurationId: 'ac-readonly1', targetId: '1142405247840001', principalId: 'u-alice0001' },
    { accessConfigurationId: 'ac-admin0001', targetId: '1142405247840002', principalId: 'u-alice0001' },
    { accessConfigurationId: 'ac-readonly1', targetId: '1142405247840002', principalId: 'u-bob00001' },
  ],
}

async function main(): Promise<CloudSsoSandbox> {
  const accessKeyId = process.env.CLOUDSSO_SANDBOX_ACCESS_KEY_ID || 'sandbox-access-key-id'
  const accessKeySecret = process.env.CLOUDSSO_SANDBOX_ACCESS_KEY_SECRET || 'sandbox-access-key-secret'
  const sandbox = await startCloudSsoSandbox({
    accessKeyId,
    accessKeySecret,
    seed: DEMO_SEED,
    scimSynchronization: 'Enabled',
    ...scriptOptions('CLOUDSSO_SANDBOX', 4050),
  })
  const secretSource = process.env.CLOUDSSO_SANDBOX_ACCESS_KEY_SECRET ? 'from CLOUDSSO_SANDBOX_ACCESS_KEY_SECRET' : 'the default'
  console.log(`CloudSSO sandbox at ${sandbox.url}, directory ${sandbox.directoryId}, AccessKey ${accessKeyId} (secret: ${secretSource})`)
  for (const user of sandbox.state.users.values()) console.log(`  ${user.UserId}  ${user.UserName}  ${user.Status}  ${user.ProvisionType}`)
  return sandbox
}

await runAsScript(import.meta.url, main)

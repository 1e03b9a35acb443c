/** CloudSSO's answers, as far as the adapter relies on them, and the signed RPC client that asks for them. */
import { z } from 'zod'
import { ProviderError } from '../problems.js'
import type { Problem } from '../problems.js'
import type { AlibabaCloudSsoIntegration } from './config.js'
import type { Account, AccountStatus, ProviderOptions } from '../types.js'
import { isNotFound } from '../kit/errors.js'
import type { HttpClient } from '../kit/http.js'
import { createHttpClient } from '../kit/http.js'
import { newNonce, signRequest } from './acs3-signature.js'
import { CLOUDSSO_API_VERSION, MAX_PAGES } from './constants.js'
import type { Page } from '../kit/pagination.js'
import { readAllPages } from '../kit/pagination.js'

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
export type User = z.infer<typeof userSchema>

const pageFields = { IsTruncated: z.boolean().optional(), NextToken: z.string().optional() }
export const listUsersSchema = z.object({ Users: z.array(userSchema).optional(), ...pageFields })
export const getUserSchema = z.object({ User: userSchema })

const assignmentSchema = z.object({
  AccessConfigurationId: z.string().min(1),
  AccessConfigurationName: z.string().optional(),
  PrincipalType: z.string().optional(),
  PrincipalId: z.string().optional(),
  PrincipalName: z.string().optional(),
  TargetId: z.string().min(1),
  TargetName: z.string().optional(),
})
export type Assignment = z.infer<typeof assignmentSchema>
export const listAssignmentsSchema = z.object({ AccessAssignments: z.array(assignmentSchema).optional(), ...pageFields })

export const groupSchema = z.object({ GroupId: z.string().min(1), GroupName: z.string().optional() })
export const listGroupsSchema = z.object({ JoinedGroups: z.array(groupSchema).optional(), ...pageFields })
export const mfaDeviceSchema = z.object({ DeviceId: z.string().min(1), DeviceName: z.string().optional(), DeviceType: z.string().optional() })
export const listMfaSchema = z.object({ MFADevices: z.array(mfaDeviceSchema).optional() })

const taskSchema = z.object({
  TaskId: z.string().min(1),
  Status: z.string(),
  FailureReason: z.string().optional(),
  AccessConfigurationName: z.string().optional(),
  TargetName: z.string().optional(),
})
export type Task = z.infer<typeof taskSchema>
export const taskResponseSchema = z.object({ Task: taskSchema })
export const deprovisionResponseSchema = z.object({ Tasks: z.array(taskSchema).optional() })

export const requestIdSchema = z.object({ RequestId: z.string().optional() })
export const directorySchema = z.object({ Directory: z.object({ DirectoryId: z.string(), DirectoryName: z.string().optional() }) })
export const scimStatusSchema = z.object({ SCIMSynchronizationStatus: z.string() })
export const accessConfigurationSchema = z.object({
  AccessConfiguration: z.object({
    AccessConfigurationId: z.string(),
    AccessConfigurationName: z.string().optional(),
    Description: z.string().optional(),
  }),
})

// --- the signed RPC client ----------------------------------------------------

export type Params = Record<string, string | number | undefined>

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

export interface Api {
  call<T>(action: string, params: Params, schema: z.ZodType<T>): Promise<T>
  readonly directoryId: string
  readonly region: string
}

/** The configured endpoint, or the region's public one (cloudsso.<region>.aliyuncs.com). */
export function cloudSsoEndpoint(config: Pick<AlibabaCloudSsoIntegration, 'region' | 'endpoint'>): URL {
  return new URL(config.endpoint ?? `https://cloudsso.${config.region}.aliyuncs.com`)
}

export function createApi(config: AlibabaCloudSsoIntegration, options: ProviderOptions): Api {
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

export function codeOf(error: unknown): string | undefined {
  return error instanceof CloudSsoError ? error.code : undefined
}

/** Pages through a list call while IsTruncated. */
export async function listAll<T>(page: (nextToken: string | undefined) => Promise<{ items: T[]; isTruncated?: boolean; nextToken?: string }>): Promise<T[]> {
  const readPage = async (token: string | undefined): Promise<Page<T, string>> => {
    const { items, isTruncated, nextToken } = await page(token)
    return isTruncated && nextToken ? { items, next: nextToken } : { items }
  }
  return readAllPages(readPage, MAX_PAGES, () => new CloudSsoError({ kind: 'rejected', detail: `CloudSSO kept returning pages after ${MAX_PAGES}` }, undefined))
}

// --- users ------------------------------------------------------------------

export async function getUser(api: Api, userId: string): Promise<User | undefined> {
  try {
    return (await api.call('GetUser', { UserId: userId }, getUserSchema)).User
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

export function toAccount(user: User, fallbackEmail: string): Account {
  const names = [user.FirstName, user.LastName].filter((part): part is string => Boolean(part))
  const displayName = user.DisplayName || (names.length > 0 ? names.join(' ') : user.UserName)
  return { id: user.UserId, email: user.Email || fallbackEmail, displayName, status: statusOf(user.Status) }
}

function statusOf(status: string | undefined): AccountStatus {
  if (status === 'Enabled') return 'active'
  if (status === 'Disabled') return 'suspended'
  return 'unknown'
}

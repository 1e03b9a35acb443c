/**
 * Google's service-account flow with domain-wide delegation (RFC 7523 JWT bearer
 * grant), with node:crypto only: an RS256-signed JWT names the service account
 * (`iss`), the admin it acts as (`sub`), the scopes and the token endpoint (`aud`);
 * Google answers with a short-lived access token, cached here until shortly before
 * it expires. Failures at the token endpoint say which part of the set-up is wrong
 * (delegation not granted, admin unknown, key deleted), never the key itself.
 */
import { createPrivateKey, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { z } from 'zod'
import { createHttpClient } from '../kit/http.js'
import { ProviderError } from '../problems.js'
import { cacheToken } from '../kit/token-cache.js'
import type { Problem } from '../problems.js'

export const DIRECTORY_USER_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user'
/** users.signOut (ending a user's Google sessions) needs this scope, not the one above. */
export const DIRECTORY_USER_SECURITY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.security'
/** The Data Transfer API (handing a person's files over before deleting them) needs this scope. */
export const DATATRANSFER_SCOPE = 'https://www.googleapis.com/auth/admin.datatransfer'
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token'
/** Google accepts assertions valid for at most an hour. */
export const ASSERTION_LIFETIME_S = 3600

export const DELEGATION_PATH = 'Security > Access and data control > API controls > Domain-wide delegation'

/** What the bot needs from a service account's JSON key; the private key is a KeyObject, never kept as text. */
export interface ServiceAccountKey {
  clientEmail: string
  /** The numeric OAuth client id a super admin authorizes for domain-wide delegation. */
  clientId?: string
  privateKeyId?: string
  projectId?: string
  tokenUri?: string
  privateKey: KeyObject
}

export class ServiceAccountKeyError extends Error {
  override readonly name = 'ServiceAccountKeyError'
}

// --- reading the key ------------------------------------------------------------

const serviceAccountKeySchema = z.object({
  type: z.literal('service_account'),
  client_email: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected the service account email'),
  private_key: z.string().includes('PRIVATE KEY', { message: 'expected a PEM private key' }),
  client_id: z.string().optional(),
  private_key_id: z.string().optional(),
  project_id: z.string().optional(),
  token_uri: z.string().optional(),
})

/**
 * Reads a service account's JSON key (as downloaded from Google Cloud, or base64 of it).
 * Throws ServiceAccountKeyError saying what the text is instead; the message never
 * quotes the text, since it holds a private key.
 */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  const json = parseKeyJson(text)
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ServiceAccountKeyError('the service account key is not a JSON object')
  }
  const kind = otherCredentialKind(json as Record<string, unknown>)
  if (kind) throw new ServiceAccountKeyError(`the service account key is ${kind}, not a service account key: ${HOW_TO_GET_A_KEY}`)
  const parsed = serviceAccountKeySchema.safeParse(json)
  if (!parsed.success) {
    // Field names only: zod's messages here never carry the values.
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'the key'))].join(', ')
    throw new ServiceAccountKeyError(`the service account key is not a usable service account key (check ${fields}): ${HOW_TO_GET_A_KEY}`)
  }
  const key = parsed.data
  return {
    clientEmail: key.client_email,
    ...(key.client_id ? { clientId: key.client_id } : {}),
    ...(key.private_key_id ? { privateKeyId: key.private_key_id } : {}),
    ...(key.project_id ? { projectId: key.project_id } : {}),
    ...(key.token_uri ? { tokenUri: key.token_uri } : {}),
    privateKey: rsaPrivateKey(key.private_key),
  }
}

const HOW_TO_GET_A_KEY = 'in Google Cloud, open IAM & Admin > Service accounts, pick the account, and add a JSON key under Keys'

function parseKeyJson(text: string): unknown {
  const trimmed = text.trim()
  // Keys are often stored base64-encoded in environment variables to keep the newlines intact.
  const candidates = trimmed.startsWith('{') ? [trimmed] : [trimmed, Buffer.from(trimmed, 'base64').toString('utf8')]
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate) as unknown
    } catch {
      // try the next reading
    }
  }
  throw new ServiceAccountKeyError(
    'the service account key is not valid JSON (nor base64 of JSON); if it was pasted into an environment variable, keep the \\n escapes inside private_key as they are',
  )
}

/** Other Google credential files people paste by mistake, by their telltale fields. */
function otherCredentialKind(json: Record<string, unknown>): string | undefined {
  if ('installed' in json || 'web' in json) return 'an OAuth client secret file'
  if (json.type === 'authorized_user') return "a user's OAuth credentials (authorized_user)"
  if (json.type === 'external_account') return 'a workload identity federation configuration (external_account)'
  if (json.type === 'impersonated_service_account') return 'an impersonated service account configuration'
  if (typeof json.type === 'string' && json.type !== 'service_account') return `a credential of type "${json.type.slice(0, 40)}"`
  return undefined
}

function rsaPrivateKey(pem: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    // The crypto error is left out: it is of no use to the reader and could quote the input.
    throw new ServiceAccountKeyError(`the service account key's private_key cannot be read as a PEM private key: ${HOW_TO_GET_A_KEY}`)
  }
  if (key.asymmetricKeyType !== 'rsa') throw new ServiceAccountKeyError("the service account key's private_key is not an RSA key")
  return key
}

// --- the assertion ----------------------------------------------------------------

export interface AssertionClaims {
  /** The admin the service account acts as (domain-wide delegation). */
  subject: string
  scopes: readonly string[]
  /** The token endpoint the assertion is sent to. */
  audience: string
  now: Date
}

/** The signed JWT for Google's token endpoint (header `alg` RS256, `kid` the key id). */
export function signAssertion(key: ServiceAccountKey, claims: AssertionClaims): string {
  const iat = Math.floor(claims.now.getTime() / 1000)
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) }
  const payload = {
    iss: key.clientEmail,
    sub: claims.subject,
    scope: claims.scopes.join(' '),
    aud: claims.audience,
    iat,
    exp: iat + ASSERTION_LIFETIME_S,
  }
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
  // RSASSA-PKCS1-v1_5 with SHA-256, which is what RS256 means (RFC 7518 §3.3).
  const signature = sign('sha256', Buffer.from(signingInput), key.privateKey)
  return `${signingInput}.${signature.toString('base64url')}`
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

// --- the token source -------------------------------------------------------------

export interface TokenSourceOptions {
  key: ServiceAccountKey
  subject: string
  scopes: readonly string[]
  tokenUrl: string
  timeoutMs?: number
  now?: () => Date
}

export interface TokenSource {
  /** A valid access token: the cached one, or a new one from the token endpoint. */
  accessToken(): Promise<string>
  /** Forgets the cached token (the API refused it), so the next call asks for a new one. */
  invalidate(): void
  close(): Promise<void>
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  // Google sends 3599; absent would mean "unknown", so the token is used once.
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
})

const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() })

export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const now = options.now ?? (() => new Date())
  const http = createHttpClient({
    baseUrl: options.tokenUrl,
    headers: { accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    describeError: (_status, body) => describeTokenError(body, options),
  })
  const cache = cacheToken(async () => {
    const issuedAt = now()
    const assertion = signAssertion(options.key, { subject: options.subject, scopes: options.scopes, audience: options.tokenUrl, now: issuedAt })
    const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString()
    let response
    try {
      response = await http.send({ method: 'POST', path: '', body, contentType: 'application/x-www-form-urlencoded' })
    } catch (error) {
      throw tokenError(error)
    }
    const parsed = tokenResponseSchema.safeParse(response.body)
    if (!parsed.success || (parsed.data.token_type && parsed.data.token_type.toLowerCase() !== 'bearer')) {
      throw new ProviderError({
        kind: 'rejected',
        status: response.status,
        detail: "Google's token endpoint answered with something that is not a bearer access token",
      })
    }
    return { token: parsed.data.access_token, lifetimeMs: (parsed.data.expires_in ?? 0) * 1000, issuedAt }
  }, now)

  return { accessToken: () => cache.token(), invalidate: () => cache.invalidate(), close: () => http.close() }
}

/**
 * The token endpoint says 400 or 401 for every set-up mistake (RFC 6749 §5.2): all of
 * them mean the integration must be fixed, so they are credentials problems. Rate
 * limits, 5xx and timeouts keep their kinds: a retry can help those.
 */
function tokenError(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error
  const problem = error.problem
  const status = problemStatus(problem)
  if ((problem.kind === 'rejected' || problem.kind === 'credentials' || problem.kind === 'permission') && status !== undefined && status < 500) {
    const detail = 'detail' in problem ? problem.detail : undefined
    return new ProviderError({ kind: 'credentials', status, ...(detail ? { detail } : {}) }, { cause: error })
  }
  if (problem.kind === 'not-found') {
    return new ProviderError({ kind: 'rejected', status: 404, detail: 'the token URL answered 404: check tokenUrl in the providers file' }, { cause: error })
  }
  return error
}

function problemStatus(problem: Problem): number | undefined {
  return 'status' in problem && typeof problem.status === 'number' ? problem.status : undefined
}

/** One sentence per OAuth error Google gives for a service-account grant, naming what to fix. */
export function describeTokenError(body: unknown, context: Pick<TokenSourceOptions, 'key' | 'subject' | 'scopes'>): string | undefined {
  const parsed = oauthErrorSchema.safeParse(body)
  if (!parsed.success) return undefined
  const { error, error_description: description = '' } = parsed.data
  const google = description ? `${error}: ${description}` : error
  switch (error) {
    case 'unauthorized_client':
      return (
        `domain-wide delegation is not granted for scope ${context.scopes.join(',')} to client ID ${context.key.clientId ?? 'of ' + context.key.clientEmail} ` +
        `(unauthorized_client); a super admin grants it in the Admin console under ${DELEGATION_PATH}`
      )
    case 'invalid_grant':
      return invalidGrant(description, google, context)
    case 'invalid_client':
      return `Google does not accept the service account ${context.key.clientEmail} or its key (${google}); the account or key may be deleted or disabled: create a new JSON key and re-integrate`
    case 'invalid_scope':
      return `Google refused the scope ${context.scopes.join(',')} (${google})`
    default:
      return google
  }
}

function invalidGrant(description: string, google: string, context: Pick<TokenSourceOptions, 'key' | 'subject'>): string {
  if (/invalid email|user id|not a valid email/i.test(description)) {
    return `the admin the bot acts as, ${context.subject}, is not an active user of this Google Workspace account (${google}); set adminEmail to an existing super admin`
  }
  if (/signature/i.test(description)) {
    return `Google rejected the service account key's signature (${google}); the key was probably deleted or rotated in Google Cloud: create a new JSON key and re-integrate`
  }
  if (/short-lived|timeframe|\biat\b|\bexp\b/i.test(description)) {
    return `Google rejected the token request's times (${google}); check this machine's clock`
  }
  if (/account not found|disabled/i.test(description)) {
    return `the service account ${context.key.clientEmail} no longer exists or is disabled (${google}); re-integrate with an active service account`
  }
  return `Google refused the service account's token request (${google})`
}

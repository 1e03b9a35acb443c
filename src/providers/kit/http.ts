/**
 * The HTTP client every adapter uses: one base URL, fixed headers (auth), a
 * deadline per call, JSON in and out, and every failure turned into a typed
 * `ProviderError` so adapters only deal with the answers they expect.
 */
import { Agent, request } from 'undici'
import type { Problem } from '../problems.js'
import { ProviderError } from '../problems.js'
import { clip } from './text.js'

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export type QueryValue = string | number | boolean | undefined

export interface HttpClientOptions {
  /** May carry a path (https://host/scim/v2): request paths are appended to it. */
  baseUrl: string
  /** Sent with every request (Authorization, Accept). Values of secret-looking headers are redacted from errors. */
  headers?: Record<string, string>
  /** Deadline for one whole call (connect, headers and body). */
  timeoutMs?: number
  /** The integration's flow control: waited for before each request (the deadline starts after it), told every answer. */
  pace?: RequestFlow
  /** Reads the service's error body (parsed JSON, or the raw text) into a one-line detail. */
  describeError?: (status: number, body: unknown) => string | undefined
  /**
   * The service's own reading of its rate limits, for services that refuse with another status
   * than 429 or say how long to wait in their own way (GitHub: a 403 with `x-ratelimit-remaining: 0`
   * or `retry-after`). Undefined: not a rate limit; otherwise the wait, if the answer gave one.
   */
  rateLimit?: (status: number, headers: Record<string, string>, detail: string | undefined) => { retryAfterMs?: number } | undefined
}

/** How one integration's requests are let through: its pace and its rate-limit blocks (store/flow-control.ts). */
export interface RequestFlow {
  /** Waits for the request's turn; throws a rate-limited ProviderError when the wait is too long to hold the caller. */
  beforeSend(): Promise<void>
  /** Hears each answer's status and headers (429s, rate-limit headers); never throws. */
  afterAnswer(status: number, headers: Record<string, string>): Promise<void>
}

/** The bounds of one integration's pace. */
export interface FlowLimits {
  /** The operator's upper bound (`requestsPerSecond`). */
  requestsPerSecond?: number
  /** The adapter's default from the service's published limits, used until something is learned. */
  defaultRequestsPerSecond?: number
}

export interface HttpRequest {
  method: HttpMethod
  /** Relative to the base URL, e.g. `/Users/123`. */
  path: string
  query?: Record<string, QueryValue>
  /** Serialised as JSON; `contentType` defaults to application/json. */
  json?: unknown
  /** A raw body, sent as is. */
  body?: string | Uint8Array
  contentType?: string
  headers?: Record<string, string>
  /** How to read a 2xx body: JSON (the default; unreadable JSON is an error) or text. */
  expect?: 'json' | 'text'
  /**
   * For a GET the service answers with a redirect (Qlik's /users/me): follow it when its
   * Location is on the base URL's origin; one elsewhere is refused unsent, so the
   * credentials never leave the service. Without it every redirect is an error.
   */
  followRedirect?: 'same-origin'
}

export interface HttpResponse<T> {
  status: number
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>
  /** Undefined when the service answered without a body (204, empty 200). */
  body: T | undefined
}

export interface HttpClient {
  send<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>
  /** Closes the client's connections; later sends fail. */
  close(): Promise<void>
}

export const DEFAULT_TIMEOUT_MS = 15_000
/** Redirects followed in one call before giving up (a loop must not hold the worker). */
export const MAX_REDIRECTS = 5
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])
/**
 * Added to the wait Okta's X-Rate-Limit-Reset gives, as Okta's own SDK does: the reset
 * and the Date header come from clocks a fraction of a second apart.
 */
export const OKTA_RESET_MARGIN_MS = 1_000
const MAX_DETAIL = 300
const SECRET_HEADER = /authorization|token|secret|key|cookie|auth|password/i

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const baseHeaders = options.headers ?? {}
  // One agent per client: its own keep-alive pool, closed with the client.
  const agent = new Agent({ connect: { timeout: timeoutMs } })
  const secrets = secretValues(baseHeaders)

  async function send<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const redact = (text: string) => redactSecrets(text, [...secrets, ...secretValues(req.headers ?? {})])
    let url = joinUrl(options.baseUrl, req.path, req.query)
    for (let redirects = 0; ; redirects++) {
      const { status, headers, text } = await exchange(url, req, redact)
      if (status >= 200 && status < 300) return success<T>(status, headers, text, req)
      const next = req.followRedirect ? redirectTarget(status, headers, url, options.baseUrl, redirects, req) : undefined
      if (next !== undefined) {
        url = next
        continue
      }
      const detail = errorDetail(status, text, options.describeError, redact)
      const limited = options.rateLimit?.(status, headers, detail)
      throw new ProviderError(limited ? { kind: 'rate-limited', ...limited } : problemForStatus(status, headers, detail))
    }
  }

  /** One request and its whole answer, paced and within the deadline. */
  async function exchange(
    url: string,
    req: HttpRequest,
    redact: (text: string) => string,
  ): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    await options.pace?.beforeSend()
    const signal = AbortSignal.timeout(timeoutMs)
    let answer: { status: number; headers: Record<string, string>; text: string }
    try {
      const res = await request(url, {
        dispatcher: agent,
        method: req.method,
        headers: mergeHeaders(baseHeaders, contentTypeHeader(req), req.headers ?? {}),
        body: requestBody(req),
        signal,
      })
      answer = { status: res.statusCode, headers: flattenHeaders(res.headers), text: await res.body.text() }
    } catch (error) {
      throw networkError(error, signal.aborted, timeoutMs, req, redact)
    }
    await options.pace?.afterAnswer(answer.status, answer.headers)
    return answer
  }

  return { send, close: () => agent.close() }
}

/**
 * Where a redirect leads, when it is one to follow; undefined for any other answer.
 * Throws, before anything is sent, for a Location on another origin or one redirect too many.
 */
function redirectTarget(
  status: number,
  headers: Record<string, string>,
  from: string,
  baseUrl: string,
  redirects: number,
  req: HttpRequest,
): string | undefined {
  const location = headers.location
  if (!REDIRECT_STATUSES.has(status) || !location) return undefined
  let target: URL
  try {
    target = new URL(location, from)
  } catch {
    throw new ProviderError({ kind: 'rejected', status, detail: `the service redirected ${req.method} ${req.path} to an unreadable location` })
  }
  const origin = new URL(baseUrl).origin
  if (target.origin !== origin) {
    throw new ProviderError({
      kind: 'rejected',
      status,
      detail: `the service redirected ${req.method} ${req.path} away from ${origin} (to ${target.origin}); the bot did not follow it, so its credentials stayed with the service`,
    })
  }
  if (redirects >= MAX_REDIRECTS) {
    throw new ProviderError({ kind: 'rejected', status, detail: `the service redirected ${req.method} ${req.path} more than ${MAX_REDIRECTS} times` })
  }
  return target.href
}

/** Appends `path` to the base URL's own path (new URL(path, base) would drop it). */
export function joinUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const base = baseUrl.replace(/\/+$/, '')
  const suffix = path === '' ? '' : path.startsWith('/') ? path : `/${path}`
  const search = Object.entries(query ?? {})
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    // encodeURIComponent, not URLSearchParams: a space must travel as %20, since not every server reads '+' as one.
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&')
  return search ? `${base}${suffix}?${search}` : `${base}${suffix}`
}

/**
 * Retry-After as milliseconds: delta-seconds ("7") or an HTTP-date. Undefined when
 * absent or unreadable; a date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const trimmed = value?.trim()
  if (!trimmed) return undefined
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  // Every HTTP-date form starts with the day name; Date.parse alone would read "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The wait until a rate-limit window resets, for services that send a reset time
 * instead of Retry-After: epoch seconds (Okta's X-Rate-Limit-Reset) or an ISO 8601
 * time (Atlassian's X-RateLimit-Reset). Measured from the response's Date header when
 * present, so a skewed local clock does not matter.
 */
export function parseRateLimitReset(value: string | undefined, dateHeader?: string, now: number = Date.now()): number | undefined {
  const trimmed = value?.trim()
  if (!trimmed) return undefined
  const reset = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed)
  if (Number.isNaN(reset)) return undefined
  const served = dateHeader ? Date.parse(dateHeader) : Number.NaN
  return Math.max(0, reset - (Number.isNaN(served) ? now : served))
}

/** The Problem for a non-2xx status, with the detail the service gave (if any). */
export function problemForStatus(status: number, headers: Record<string, string>, detail: string | undefined): Problem {
  const fallback = `HTTP ${status}`
  if (status === 401) return { kind: 'credentials', status, ...optional(detail) }
  if (status === 403) return { kind: 'permission', status, ...optional(detail) }
  if (status === 404) return { kind: 'not-found', ...optional(detail) }
  if (status === 409 || status === 412) return { kind: 'conflict', detail: detail ?? fallback }
  if (status === 429) {
    const oktaReset = parseRateLimitReset(headers['x-rate-limit-reset'], headers.date)
    const retryAfterMs =
      parseRetryAfter(headers['retry-after']) ??
      parseRateLimitReset(headers['x-ratelimit-reset'], headers.date) ??
      (oktaReset === undefined ? undefined : oktaReset + OKTA_RESET_MARGIN_MS)
    return { kind: 'rate-limited', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  }
  // 501 means the service does not implement the call: retrying cannot help, unlike other 5xx.
  if (status === 501) return { kind: 'rejected', status, detail: detail ?? 'the service does not implement this request' }
  if (status >= 500) return { kind: 'transient', status, detail: detail ?? fallback }
  if (status >= 300 && status < 400) return { kind: 'rejected', status, detail: `unexpected redirect (${fallback})` }
  return { kind: 'rejected', status, detail: detail ?? fallback }
}

function optional(detail: string | undefined): { detail?: string } {
  return detail === undefined ? {} : { detail }
}

function contentTypeHeader(req: HttpRequest): Record<string, string> {
  if (req.contentType) return { 'content-type': req.contentType }
  return req.json !== undefined ? { 'content-type': 'application/json' } : {}
}

/** Later sets win, whatever the case of the names (Content-Type vs content-type). */
function mergeHeaders(...sets: Record<string, string>[]): Record<string, string> {
  const merged: Record<string, string> = {}
  for (const set of sets) for (const [name, value] of Object.entries(set)) merged[name.toLowerCase()] = value
  return merged
}

function requestBody(req: HttpRequest): string | Uint8Array | undefined {
  return req.json !== undefined ? JSON.stringify(req.json) : req.body
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

function success<T>(status: number, headers: Record<string, string>, text: string, req: HttpRequest): HttpResponse<T> {
  if (text.trim() === '' || req.method === 'HEAD') return { status, headers, body: undefined }
  if (req.expect === 'text') return { status, headers, body: text as T }
  const parsed = parseJson(text)
  if (!parsed.ok) {
    throw new ProviderError({ kind: 'rejected', status, detail: `the service answered ${req.method} ${req.path} with a body that is not JSON` })
  }
  return { status, headers, body: parsed.value as T }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

function errorDetail(status: number, text: string, describe: HttpClientOptions['describeError'], redact: (text: string) => string): string | undefined {
  const parsed = parseJson(text)
  const body = parsed.ok ? parsed.value : text
  const detail = describe?.(status, body) ?? genericDetail(body)
  return detail === undefined || detail.trim() === '' ? undefined : clip(redact(oneLine(detail)), MAX_DETAIL)
}

/** The usual places services put a message, for adapters without their own describeError. */
function genericDetail(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().startsWith('<') ? undefined : body
  if (typeof body !== 'object' || body === null) return undefined
  const record = body as Record<string, unknown>
  for (const key of ['detail', 'message', 'error_description', 'errorMessage', 'error', 'title']) {
    const value = record[key]
    if (typeof value === 'string') return value
    if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string') {
      return (value as { message: string }).message
    }
  }
  return undefined
}

function networkError(error: unknown, timedOut: boolean, timeoutMs: number, req: HttpRequest, redact: (text: string) => string): ProviderError {
  if (timedOut) {
    return new ProviderError({ kind: 'transient', detail: `no answer to ${req.method} ${req.path} within ${timeoutMs} ms` }, { cause: error })
  }
  const reason = error instanceof Error ? describeNetworkFailure(error) : String(error)
  return new ProviderError({ kind: 'transient', detail: clip(redact(`could not reach the service: ${reason}`), MAX_DETAIL) }, { cause: error })
}

/** undici wraps socket errors: the code (ECONNREFUSED, ENOTFOUND) is the useful part. */
function describeNetworkFailure(error: Error): string {
  const cause: NodeJS.ErrnoException | undefined = error.cause instanceof Error ? error.cause : undefined
  const code = cause?.code ?? (error as NodeJS.ErrnoException).code
  return code ? `${code} (${cause?.message ?? error.message})` : error.message
}

function secretValues(headers: Record<string, string>): string[] {
  const values: string[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (!SECRET_HEADER.test(name) || value.length < 4) continue
    values.push(value)
    // "Bearer abc": the credential alone may be echoed back too.
    const credential = /^\S+\s+(\S{4,})$/.exec(value)?.[1]
    if (credential) values.push(credential)
  }
  return values
}

function redactSecrets(text: string, secrets: string[]): string {
  return secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text)
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

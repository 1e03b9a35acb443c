/**
 * What a service's answer says about its rate limit, read from the headers services
 * use: `X-RateLimit-*` (Atlassian, GitHub-style), Okta's `X-Rate-Limit-*`, the IETF
 * `RateLimit` / `RateLimit-Policy` fields (both the structured and the older
 * separate-field drafts), and `Retry-After` on a 429. Pure: the flow control decides
 * what to do with it.
 */
import { parseRateLimitReset, parseRetryAfter } from './http.js'

export interface RateLimitHint {
  /** The allowance is used up: wait this long before the next request. */
  waitMs?: number
  /** The rate the service declares (its limit over its window), in requests a second. */
  requestsPerSecond?: number
}

/** Okta counts its limits per minute; its headers do not name the window. */
const OKTA_WINDOW_SECONDS = 60

export function rateLimitHint(status: number, headers: Record<string, string>, now: number = Date.now()): RateLimitHint {
  const ietf = ietfFields(headers)
  const remaining = numberOf(headers['x-ratelimit-remaining'] ?? headers['x-rate-limit-remaining']) ?? ietf.remaining
  const resetMs =
    parseRateLimitReset(headers['x-ratelimit-reset'] ?? headers['x-rate-limit-reset'], headers.date, now) ??
    (ietf.resetSeconds === undefined ? undefined : ietf.resetSeconds * 1000)
  const retryAfterMs = status === 429 ? parseRetryAfter(headers['retry-after'], now) : undefined
  const waitMs = retryAfterMs ?? (status === 429 || remaining === 0 ? resetMs : undefined)
  const requestsPerSecond = declaredRate(headers, ietf)
  return { ...(waitMs === undefined ? {} : { waitMs }), ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }) }
}

function declaredRate(headers: Record<string, string>, ietf: IetfFields): number | undefined {
  if (ietf.policyLimit !== undefined && ietf.policyWindowSeconds) return ietf.policyLimit / ietf.policyWindowSeconds
  const okta = numberOf(headers['x-rate-limit-limit'])
  return okta ? okta / OKTA_WINDOW_SECONDS : undefined
}

interface IetfFields {
  remaining?: number
  resetSeconds?: number
  policyLimit?: number
  policyWindowSeconds?: number
}

/**
 * `RateLimit: limit=100, remaining=0, reset=30` (draft 7) or `RateLimit: "default";r=0;t=30` (draft 8+),
 * or the separate `RateLimit-Remaining` / `RateLimit-Reset` fields (drafts up to 6);
 * `RateLimit-Policy: 100;w=60` (or `"default";q=100;w=60`).
 */
function ietfFields(headers: Record<string, string>): IetfFields {
  const field = headers.ratelimit ?? ''
  const remaining = numberOf(headers['ratelimit-remaining']) ?? parameter(field, ['remaining', 'r'])
  const resetSeconds = numberOf(headers['ratelimit-reset']) ?? parameter(field, ['reset', 't'])
  const policy = headers['ratelimit-policy'] ?? ''
  const policyLimit = parameter(policy, ['q']) ?? numberOf(/^\s*(\d+)/.exec(policy)?.[1])
  const policyWindowSeconds = parameter(policy, ['w'])
  return {
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetSeconds === undefined ? {} : { resetSeconds }),
    ...(policyLimit === undefined ? {} : { policyLimit }),
    ...(policyWindowSeconds === undefined ? {} : { policyWindowSeconds }),
  }
}

/** The first of `names` given as `name=number` in a structured field. */
function parameter(field: string, names: string[]): number | undefined {
  for (const name of names) {
    const match = new RegExp(`(?:^|[;,\\s])${name}=(\\d+(?:\\.\\d+)?)`).exec(field)
    if (match) return Number(match[1])
  }
  return undefined
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined
  return Number(value)
}

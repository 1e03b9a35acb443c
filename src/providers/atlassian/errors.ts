/** Atlassian's error answers as typed problems: its keyed errors, its reasons for refusing a lifecycle change. */
import { isRecord } from './adapter.js'
import { restrictionProblem, restrictionText } from './preflight.js'
import type { Account, AccountAction } from '../types.js'
import { ProviderError } from '../problems.js'
import { parseRetryAfter } from '../kit/http.js'

// --- errors -----------------------------------------------------------------

/** Prefix that carries a `forbidden.action` reason key through the shared client to `reclassify`. */
const FORBIDDEN_ACTION = 'forbidden.action/'

/**
 * The two error shapes Atlassian uses: user-management `{ key, context }` and the
 * organization API's `{ errors: [{ code, title, detail }] }`; the gateway's `{ message }` otherwise.
 */
export function describeAtlassianError(_status: number, body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  if (typeof body.key === 'string') return describeKeyedError(body.key, body.context)
  if (Array.isArray(body.errors)) return describeOrgErrors(body.errors)
  return typeof body.message === 'string' ? body.message : undefined
}

function describeKeyedError(key: string, context: unknown): string {
  const ctx = isRecord(context) ? context : {}
  if (key === 'conflict.lifecycleErrors') return `not eligible: ${lifecycleErrorMessages(ctx)}`
  if (key === 'forbidden.action') {
    const reason = isRecord(ctx.reason) && typeof ctx.reason.key === 'string' ? ctx.reason.key : 'unknown'
    return `${FORBIDDEN_ACTION}${reason}: ${restrictionText(reason, 'change')}`
  }
  if (key === 'forbidden.targetUnverified') return 'the account has not verified its email address, so Atlassian does not let admins manage it yet'
  if (key === 'accountNotFound') return 'no Atlassian account has this id'
  return typeof ctx.message === 'string' ? `${ctx.message} (${key})` : key
}

/** "User is last billing admin…; …": what Atlassian says makes the account not eligible. */
function lifecycleErrorMessages(ctx: Record<string, unknown>): string {
  const codes = Array.isArray(ctx.errorCodes) ? ctx.errorCodes.filter(isRecord) : []
  const messages = codes.map((entry) =>
    typeof entry.message === 'string'
      ? entry.message
      : typeof entry.code === 'string' || typeof entry.code === 'number'
        ? String(entry.code)
        : 'unknown reason',
  )
  if (messages.length > 0) return messages.join('; ')
  return typeof ctx.message === 'string' ? ctx.message : 'Atlassian gave no reason'
}

function describeOrgErrors(errors: unknown[]): string | undefined {
  const parts = errors.filter(isRecord).map((error) => {
    const text = [error.title, error.detail].filter((part): part is string => typeof part === 'string' && part !== '').join(': ')
    return typeof error.code === 'string' ? `${text || 'error'} (${error.code})` : text
  })
  const joined = parts.filter(Boolean).join('; ')
  return joined === '' ? undefined : joined
}

/**
 * A 403 `forbidden.action` names why Atlassian refused; turn it into the same problem the
 * preflight would have shown. The shared client only passes a detail string, hence the prefix.
 */
export function reclassify(error: unknown, action: AccountAction, account: Account): unknown {
  if (!(error instanceof ProviderError) || error.problem.kind !== 'permission') return error
  const detail = error.problem.detail ?? ''
  if (!detail.startsWith(FORBIDDEN_ACTION)) return error
  const reason = detail.slice(FORBIDDEN_ACTION.length).split(':')[0] ?? 'unknown'
  return new ProviderError(restrictionProblem(reason, action, account), { cause: error })
}

/**
 * Atlassian's rate-limit headers as a wait in milliseconds: Retry-After first, else the
 * time left until X-RateLimit-Reset (an ISO-8601 UTC time on the admin APIs; epoch seconds
 * or a delta in seconds tolerated). Not wired in yet: the shared HTTP client reads only
 * Retry-After and does not hand response headers of a failed call to adapters.
 */
export function rateLimitWaitMs(headers: Record<string, string | undefined>, now: number = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], now)
  if (retryAfter !== undefined) return retryAfter
  const reset = headers['x-ratelimit-reset']?.trim()
  if (!reset) return undefined
  if (/^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset)
    // Large numbers are epoch seconds; small ones a number of seconds to wait.
    return value > 1e9 ? Math.max(0, Math.round(value * 1000 - now)) : Math.round(value * 1000)
  }
  const at = Date.parse(reset)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

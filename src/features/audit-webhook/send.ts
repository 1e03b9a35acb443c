/**
 * One delivery of one audit event: a signed POST to AUDIT_WEBHOOK_URL within the deadline, and what the answer
 * means. No redirect is followed (the signed body goes only where the operator said).
 */
import { request } from 'undici'
import { auditRecord, type StoredAuditEntry } from '../../store/audit.js'
import { parseRetryAfter } from '../../providers/kit/http.js'
import { signedHeaders } from './signature.js'

export interface WebhookTarget {
  url: string
  secret: string
}

export type DeliveryAnswer =
  | { kind: 'delivered'; status: number }
  /** Worth trying again: a timeout, a network error, a redirect, 401, 403, 404, 408, 429 or 5xx. `reason` labels the metric. */
  | { kind: 'failed'; reason: string; detail: string; retryAfterMs?: number }
  /** The receiver refused this event for good (any other 4xx: 400, 410, 413, 422…): trying again would be refused again. */
  | { kind: 'rejected'; reason: string; detail: string }

const LOCATION_MAX = 200

/** What a status means for the event; pure. `location` is a redirect's Location header. */
export function readAnswer(status: number, retryAfter: string | undefined, nowMs: number, location?: string): DeliveryAnswer {
  if (status >= 200 && status < 300) return { kind: 'delivered', status }
  const reason = `http_${status}`
  // A redirect says where the receiver is, not what it thinks of this event: every event would get it. Retried
  // (never followed), the events wait for the operator to correct AUDIT_WEBHOOK_URL instead of all being given up.
  if (status >= 300 && status < 400) {
    const to = location ? ` to ${withoutCredentials(location).slice(0, LOCATION_MAX)}` : ''
    return {
      kind: 'failed',
      reason,
      detail: `the receiver redirected${to} (HTTP ${status}); redirects are not followed: set AUDIT_WEBHOOK_URL to the address that answers`,
    }
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs)
    return { kind: 'failed', reason, detail: 'the receiver answered HTTP 429 (too many requests)', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  }
  if (status === 408 || status >= 500) return { kind: 'failed', reason, detail: `the receiver answered HTTP ${status}` }
  // Likewise a receiver that takes none of the bot's requests (not signed as it expects, no such path) refuses every event.
  if (status === 401 || status === 403 || status === 404) {
    return {
      kind: 'failed',
      reason,
      detail: `the receiver answered HTTP ${status}: check AUDIT_WEBHOOK_URL, and that the receiver verifies with AUDIT_WEBHOOK_SECRET`,
    }
  }
  return { kind: 'rejected', reason, detail: `the receiver refused the event with HTTP ${status}` }
}

/** A URL for logs and status lines: no user, password or query (where receivers put their tokens). */
export function withoutCredentials(url: string): string {
  const relative = !/^[a-z][a-z0-9+.-]*:/i.test(url)
  try {
    const parsed = new URL(url, 'http://relative.invalid')
    return `${relative ? '' : parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`
  } catch {
    return '(an unreadable address)'
  }
}

export async function sendEvent(target: WebhookTarget, entry: StoredAuditEntry, now: Date, timeoutMs: number): Promise<DeliveryAnswer> {
  const body = JSON.stringify(auditRecord(entry))
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const res = await request(target.url, {
      method: 'POST',
      headers: signedHeaders(target.secret, entry.id, body, now),
      body,
      signal,
    })
    await res.body.dump()
    const header = (name: string) => {
      const value = res.headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    return readAnswer(res.statusCode, header('retry-after'), now.getTime(), header('location'))
  } catch (error) {
    if (signal.aborted) return { kind: 'failed', reason: 'timeout', detail: `the receiver did not answer within ${timeoutMs / 1000} s` }
    const code = (error as { code?: string }).code
    return { kind: 'failed', reason: 'network', detail: `could not reach the receiver (${code ?? (error as Error).message})` }
  }
}

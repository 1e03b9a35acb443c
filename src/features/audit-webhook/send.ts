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
  /** Worth trying again: a timeout, a network error, 408, 429 or 5xx. `reason` labels the metric. */
  | { kind: 'failed'; reason: string; detail: string; retryAfterMs?: number }
  /** The receiver refused this event for good (any other 3xx/4xx): trying again would be refused again. */
  | { kind: 'rejected'; reason: string; detail: string }

/** What a status means for the event; pure. */
export function readAnswer(status: number, retryAfter: string | undefined, nowMs: number): DeliveryAnswer {
  if (status >= 200 && status < 300) return { kind: 'delivered', status }
  const reason = `http_${status}`
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs)
    return { kind: 'failed', reason, detail: 'the receiver answered HTTP 429 (too many requests)', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  }
  if (status === 408 || status >= 500) return { kind: 'failed', reason, detail: `the receiver answered HTTP ${status}` }
  return { kind: 'rejected', reason, detail: `the receiver refused the event with HTTP ${status}` }
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
    const retryAfter = res.headers['retry-after']
    return readAnswer(res.statusCode, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, now.getTime())
  } catch (error) {
    if (signal.aborted) return { kind: 'failed', reason: 'timeout', detail: `the receiver did not answer within ${timeoutMs / 1000} s` }
    const code = (error as { code?: string }).code
    return { kind: 'failed', reason: 'network', detail: `could not reach the receiver (${code ?? (error as Error).message})` }
  }
}

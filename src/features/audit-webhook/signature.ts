/**
 * How every webhook request is signed, Slack's request-signing scheme with our own header names: the
 * receiver recomputes HMAC-SHA256 over `v1:<timestamp>:<body>` with the shared secret and compares it to
 * `X-Deprovision-Signature: v1=<hex>`. The timestamp (Unix seconds) is inside the signed text, so a receiver
 * that refuses old timestamps cannot be fed a replayed request.
 */
import { createHmac } from 'node:crypto'

export const SIGNATURE_VERSION = 'v1'

export const WEBHOOK_HEADERS = {
  eventId: 'x-deprovision-event-id',
  timestamp: 'x-deprovision-timestamp',
  signature: 'x-deprovision-signature',
} as const

export function signature(secret: string, timestamp: number, body: string): string {
  const hmac = createHmac('sha256', secret).update(`${SIGNATURE_VERSION}:${timestamp}:${body}`).digest('hex')
  return `${SIGNATURE_VERSION}=${hmac}`
}

/** The headers of one delivery of the event `eventId` (its audit stream id), signed at `now`. */
export function signedHeaders(secret: string, eventId: string, body: string, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000)
  return {
    'content-type': 'application/json',
    [WEBHOOK_HEADERS.eventId]: eventId,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signature(secret, timestamp, body),
  }
}

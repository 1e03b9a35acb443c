/** How the audit webhook is called and retried; pure, so the schedule is tested without waiting for it. */

export interface WebhookPolicy {
  /** Deadline for one request: connecting, and the receiver's answer. */
  timeoutMs: number
  /** The wait after the first failed try; it doubles with every failure up to `maxDelayMs`, and each wait is jittered. */
  baseDelayMs: number
  maxDelayMs: number
  /** The longest wait a 429's Retry-After is honoured for. */
  maxRetryAfterMs: number
  /** An event not delivered this long after it happened is given up (recorded as undelivered). */
  giveUpAfterMs: number
  /** An event a replica read from the audit log and died before queuing is taken over by another after this long. */
  claimIdleMs: number
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  timeoutMs: 10_000,
  baseDelayMs: 5_000,
  maxDelayMs: 3_600_000,
  maxRetryAfterMs: 3_600_000,
  giveUpAfterMs: 24 * 3_600_000,
  claimIdleMs: 60_000,
}

/**
 * The wait before the next try after `failures` failed ones: the receiver's Retry-After (capped), or exponential
 * backoff with "equal jitter" (half fixed, half random), so replicas retrying a recovered receiver do not arrive
 * all at once.
 */
export function retryDelayMs(policy: WebhookPolicy, failures: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs)
  const ceiling = Math.min(policy.baseDelayMs * 2 ** Math.max(0, failures - 1), policy.maxDelayMs)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** When the event entered the audit stream: its id is Redis's clock in ms (`<ms>-<seq>`). */
export function happenedAtMs(eventId: string): number {
  return Number(eventId.split('-')[0])
}

/** Whether a retry `delayMs` from `nowMs` would come after the event's delivery window. */
export function pastWindow(policy: WebhookPolicy, eventId: string, nowMs: number, delayMs: number): boolean {
  return nowMs + delayMs - happenedAtMs(eventId) > policy.giveUpAfterMs
}

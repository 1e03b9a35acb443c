/**
 * One try at delivering one audit event, and what follows: done, try again after a delay (the policy's), or give
 * the event up (refused for good, or its window is over), which is counted, logged with its id and shown on
 * `/deprovision status`. Giving up one event never holds the others.
 */
import type { Logger } from '../../logger.js'
import type { StoredAuditEntry } from '../../store/audit.js'
import type { WebhookHealthStore } from './health-store.js'
import type { WebhookMetrics } from './metrics.js'
import { pastWindow, retryDelayMs, type WebhookPolicy } from './policy.js'
import { sendEvent, type WebhookTarget } from './send.js'

export interface WebhookDeps {
  target: WebhookTarget
  policy: WebhookPolicy
  health: WebhookHealthStore
  metrics: WebhookMetrics
  logger: Logger
  now: () => Date
  /** Jitter's source (tests fix it). */
  random?: () => number
}

export type DeliveryOutcome =
  { kind: 'delivered' } | { kind: 'retry'; delayMs: number; detail: string } | { kind: 'undelivered'; reason: 'rejected' | 'expired' }

/** `failures`: the tries of this event that failed before this one. */
export async function deliverEvent(deps: WebhookDeps, entry: StoredAuditEntry, failures: number): Promise<DeliveryOutcome> {
  const now = deps.now()
  const answer = await sendEvent(deps.target, entry, now, deps.policy.timeoutMs)
  const log = deps.logger.child({ eventId: entry.id, event: entry.event, alertId: entry.alertId, ...(entry.action ? { action: entry.action } : {}) })
  if (answer.kind === 'delivered') {
    deps.metrics.delivered.inc()
    await deps.health.delivered()
    log.debug({ status: answer.status }, 'audit event delivered to the webhook')
    return { kind: 'delivered' }
  }
  deps.metrics.failedAttempts.inc({ reason: answer.reason })
  await deps.health.failed(answer.detail, now)
  if (answer.kind === 'failed') {
    const delayMs = retryDelayMs(deps.policy, failures + 1, answer.retryAfterMs, deps.random)
    if (!pastWindow(deps.policy, entry.id, now.getTime(), delayMs)) {
      log.warn({ reason: answer.reason, detail: answer.detail, retryInMs: delayMs, tries: failures + 1 }, 'audit webhook delivery failed; trying again')
      return { kind: 'retry', delayMs, detail: answer.detail }
    }
  }
  const reason = answer.kind === 'rejected' ? 'rejected' : 'expired'
  deps.metrics.undelivered.inc({ reason })
  await deps.health.undelivered(entry.id)
  log.error({ reason, detail: answer.detail, tries: failures + 1 }, 'audit event given up: not delivered to the webhook')
  return { kind: 'undelivered', reason }
}

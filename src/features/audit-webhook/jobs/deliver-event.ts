/** The delivery queue's job adapted to the use-case: a retry is BullMQ's failed try, delayed as the use-case says. */
import type { Job } from 'bullmq'
import { deliverEvent, type WebhookDeps } from '../deliver.js'
import type { WebhookJob } from '../queue.js'

export class RetryDelivery extends Error {
  override readonly name = 'RetryDelivery'
  constructor(
    readonly delayMs: number,
    detail: string,
  ) {
    super(detail)
  }
}

export async function runWebhookJob(deps: WebhookDeps, job: Job<WebhookJob>): Promise<void> {
  const outcome = await deliverEvent(deps, job.data.entry, job.attemptsMade)
  if (outcome.kind === 'retry') throw new RetryDelivery(outcome.delayMs, outcome.detail)
}

/** BullMQ's backoff: the use-case's delay, or the first step of the policy when something else failed (Redis). */
export function webhookBackoff(deps: WebhookDeps): (attemptsMade: number, type?: string, error?: Error) => number {
  return (_attemptsMade, _type, error) => (error instanceof RetryDelivery ? error.delayMs : deps.policy.baseDelayMs)
}

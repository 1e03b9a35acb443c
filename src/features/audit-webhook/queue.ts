/**
 * The delivery queue: one BullMQ job per audit event, its id the event's stream id, so handing the same event
 * over twice (a replica that crashed before acknowledging it, read again) is a no-op.
 */
import { Queue, type ConnectionOptions } from 'bullmq'
import { QUEUE_PREFIX } from '../../jobs/queues.js'
import type { StoredAuditEntry } from '../../store/audit.js'

export const AUDIT_WEBHOOK_QUEUE = 'audit-webhook'

export interface WebhookJob {
  entry: StoredAuditEntry
}

/** The delay before each retry is the use-case's (policy.ts); the job only carries it to BullMQ. */
export const WEBHOOK_BACKOFF = 'webhook-policy'

/** Tries are bounded by time (WebhookPolicy.giveUpAfterMs), not by count: this only stops a runaway. */
const MAX_TRIES = 10_000

export const webhookJobId = (eventId: string) => `audit.${eventId}`

export class WebhookQueue {
  readonly queue: Queue<WebhookJob>

  constructor(connection: ConnectionOptions, onError: (error: Error) => void) {
    this.queue = new Queue<WebhookJob>(AUDIT_WEBHOOK_QUEUE, {
      connection,
      prefix: QUEUE_PREFIX,
      defaultJobOptions: {
        attempts: MAX_TRIES,
        backoff: { type: WEBHOOK_BACKOFF },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    })
    this.queue.on('error', onError)
  }

  async enqueue(entries: StoredAuditEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.queue.addBulk(entries.map((entry) => ({ name: entry.event, data: { entry }, opts: { jobId: webhookJobId(entry.id) } })))
  }

  /** Events handed over and not yet delivered or given up. */
  async waiting(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active')
    return Object.values(counts).reduce((sum, n) => sum + n, 0)
  }

  close(): Promise<void> {
    return this.queue.close()
  }
}

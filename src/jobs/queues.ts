/**
 * The durable background work, as BullMQ queues: posting alert messages (one at a
 * time, so a burst keeps its order and respects Slack's per-channel limit) and
 * running provider actions. Job ids make enqueueing idempotent.
 */
import { Queue, type ConnectionOptions } from 'bullmq'
import type { AlertAction } from '../providers/types.js'
import { KEY_PREFIX } from '../store/redis.js'

export const QUEUE_PREFIX = `${KEY_PREFIX}bull`
export const POST_ALERT_QUEUE = 'post-alert'
export const ACTION_QUEUE = 'provider-action'

export interface PostAlertJob {
  alertId: string
}

export interface ActionJob {
  alertId: string
  action: AlertAction
  attempt: number
}

export interface RetryPolicy {
  /** Tries per job, the first included. */
  attempts: number
  /** First backoff delay; doubles each time unless the service said how long to wait. */
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 2_000, maxDelayMs: 120_000 }

const KEEP = { removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 }, removeOnFail: { age: 30 * 24 * 3600 } }

export class JobQueues {
  readonly postAlert: Queue<PostAlertJob>
  readonly actions: Queue<ActionJob>

  constructor(
    connection: ConnectionOptions,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.postAlert = new Queue<PostAlertJob>(POST_ALERT_QUEUE, { connection, prefix: QUEUE_PREFIX })
    this.actions = new Queue<ActionJob>(ACTION_QUEUE, { connection, prefix: QUEUE_PREFIX })
  }

  async enqueuePostAlert(alertId: string): Promise<void> {
    await this.postAlert.add('post', { alertId }, { jobId: `post.${alertId}`, ...this.jobOptions() })
  }

  /** One job per (alert, action, attempt): a repeated add with the same id is a no-op in BullMQ. */
  async enqueueAction(job: ActionJob): Promise<void> {
    await this.actions.add(job.action, job, { jobId: actionJobId(job), ...this.jobOptions() })
  }

  async close(): Promise<void> {
    await Promise.all([this.postAlert.close(), this.actions.close()])
  }

  private jobOptions() {
    return { attempts: this.retry.attempts, backoff: { type: 'honour-retry-after' }, ...KEEP }
  }
}

export function actionJobId(job: ActionJob): string {
  return `${job.alertId}.${job.action}.${job.attempt}`
}

/**
 * Starts the BullMQ workers of one replica: alert posting (one at a time), provider
 * actions, and timers. Failed attempts back off exponentially, or as long as the
 * service's Retry-After asked.
 */
import { Worker, type ConnectionOptions } from 'bullmq'
import type { JobContext } from './context.js'
import { advanceOffboard } from './advance-offboard.js'
import { postAlert } from './post-alert.js'
import { ACTION_QUEUE, OFFBOARD_QUEUE, POST_ALERT_QUEUE, QUEUE_PREFIX, TIMER_QUEUE, type ActionJob, type OffboardJob, type PostAlertJob, type RetryPolicy, type TimerJob } from './queues.js'
import { RetryLaterError, runAction } from './run-action.js'
import { runTimer } from './run-timer.js'

export function backoffDelay(policy: RetryPolicy, attemptsMade: number, error?: Error): number {
  if (error instanceof RetryLaterError && error.problem.kind === 'rate-limited' && error.problem.retryAfterMs !== undefined) {
    return Math.max(error.problem.retryAfterMs, policy.baseDelayMs / 4)
  }
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), policy.maxDelayMs)
}

export interface Workers {
  /** Waits for running jobs to finish; `force` hands them back to the queue instead (another replica resumes them). */
  close(force?: boolean): Promise<void>
}

/**
 * `lockMs`: how long a running job stays claimed without its worker renewing the claim, so a job whose
 * process died is taken over by another worker after one to three times this (BullMQ's 30 s when unset).
 */
export function startWorkers(ctx: JobContext, connection: ConnectionOptions, concurrency: number, lockMs?: number): Workers {
  const settings = { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => backoffDelay(ctx.retry, attemptsMade, error) }
  const common = { connection, prefix: QUEUE_PREFIX, settings, ...(lockMs ? { lockDuration: lockMs, stalledInterval: lockMs } : {}) }
  // One poster at a time per process keeps a burst in order and paced by Slack's per-channel limit.
  const timed = <T>(queue: string, work: () => Promise<T>): Promise<T> => {
    const stop = ctx.metrics.jobSeconds.startTimer({ queue })
    return work().finally(() => stop())
  }
  const workers = [
    new Worker<PostAlertJob>(POST_ALERT_QUEUE, (job) => timed(POST_ALERT_QUEUE, () => postAlert(ctx, job)), { ...common, concurrency: 1 }),
    new Worker<ActionJob>(ACTION_QUEUE, (job, token) => timed(ACTION_QUEUE, () => runAction(ctx, job, token)), { ...common, concurrency }),
    new Worker<TimerJob>(TIMER_QUEUE, (job) => timed(TIMER_QUEUE, () => runTimer(ctx, job)), { ...common, concurrency: 2 }),
    new Worker<OffboardJob>(OFFBOARD_QUEUE, (job, token) => timed(OFFBOARD_QUEUE, () => advanceOffboard(ctx, job, token)), { ...common, concurrency: 2 }),
  ]
  for (const worker of workers) {
    worker.on('failed', (job, error) =>
      ctx.logger.warn({ err: error, queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job attempt failed'),
    )
    worker.on('error', (error) => ctx.logger.error({ err: error, queue: worker.name }, 'worker error'))
  }
  return {
    async close(force = false) {
      await Promise.all(workers.map((worker) => worker.close(force)))
    },
  }
}

/**
 * Starts the BullMQ workers of one replica: alert posting (one at a time), provider
 * actions, and timers. Failed attempts back off exponentially, or as long as the
 * refusal's Retry-After asked; an alert post refused with a Retry-After pauses the
 * posting queue that long (pauseQueueWhenRateLimited), and a provider action waiting
 * for its service's rate limit is delayed alone (delayWhenRateLimited), so one
 * service's limit never holds another's work.
 */
import { ErrorCode, type WebAPIRateLimitedError } from '@slack/web-api'
import { DelayedError, RateLimitError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq'
import type { JobContext } from './context.js'
import { advanceOffboard } from '../features/offboarding/jobs/advance-offboard.js'
import { postAlert } from '../features/alerts/jobs/post-alert.js'
import {
  ACTION_QUEUE,
  OFFBOARD_QUEUE,
  POST_ALERT_QUEUE,
  QUEUE_PREFIX,
  TIMER_QUEUE,
  type ActionJob,
  type OffboardJob,
  type PostAlertJob,
  type RetryPolicy,
  type TimerJob,
} from '../jobs/queues.js'
import { failedForGood, RetryLaterError, runAction, settleUnfinished } from '../features/alerts/jobs/run-action.js'
import { reportWaiting } from '../features/alerts/report.js'
import { runTimer } from './run-timer.js'

/** How long a refusal asks to wait: a service's 429 with Retry-After, or Slack's 429 (from a client that rejects rate-limited calls). */
export function retryAfterMsOf(error: unknown): number | undefined {
  if (error instanceof RetryLaterError) return error.problem.kind === 'rate-limited' ? error.problem.retryAfterMs : undefined
  const slack = error as Partial<WebAPIRateLimitedError> | undefined
  return slack?.code === ErrorCode.RateLimitedError && typeof slack.retryAfter === 'number' ? slack.retryAfter * 1_000 : undefined
}

export function backoffDelay(policy: RetryPolicy, attemptsMade: number, error?: Error): number {
  const retryAfterMs = retryAfterMsOf(error)
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, policy.baseDelayMs / 4)
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), policy.maxDelayMs)
}

/** A worker honours a queue-wide pause only when it has a limiter; this one is never reached by itself. */
const PAUSABLE = { limiter: { max: 100_000, duration: 1_000 } }
/** Starts of one job beyond which a 429 uses up an attempt again, so a service that never stops refusing ends in a reply. */
const MAX_RATE_LIMITED_STARTS = 100

/**
 * Slack's 429 on posting alerts pauses the posting queue (every replica) that long and puts the job back at
 * the head of the queue without using an attempt. A burst then waits once, together, instead of each job
 * sleeping its own Retry-After, coming back with the others and being refused again until its attempts run out;
 * and a burst of alerts keeps its order.
 */
export async function pauseQueueWhenRateLimited(queue: Queue, job: Job, work: () => Promise<void>): Promise<void> {
  try {
    await work()
  } catch (error) {
    const retryAfterMs = retryAfterMsOf(error)
    if (retryAfterMs === undefined || job.attemptsStarted > MAX_RATE_LIMITED_STARTS) throw error
    // Retry-After: 0 asks for no pause (and Redis refuses a zero expiry): the job goes back and is taken again.
    if (retryAfterMs > 0) await queue.rateLimit(retryAfterMs)
    throw new RateLimitError()
  }
}

/** A wait at least this long is said in the action's thread and on its alert; shorter ones pass unremarked. */
export const WAIT_NOTICE_MS = 3_000

/**
 * A provider action refused for its service's rate limit (a 429, or its integration blocked by an earlier one)
 * waits alone in the delayed set, at most `maxRateLimitWaitMs`, without using an attempt; the queue, and every
 * other integration's work, goes on. A long wait is said once in the thread and on the alert.
 */
export async function delayWhenRateLimited(ctx: JobContext, job: Job<ActionJob>, token: string | undefined, work: () => Promise<void>): Promise<void> {
  try {
    await work()
  } catch (error) {
    const asked = retryAfterMsOf(error)
    if (asked === undefined || job.attemptsStarted > MAX_RATE_LIMITED_STARTS) throw error
    const { alertId, action, attempt } = job.data
    const waitMs = Math.min(asked, ctx.maxRateLimitWaitMs)
    const until = new Date(ctx.now().getTime() + waitMs)
    const log = ctx.logger.child({ alertId, action, attempt, jobId: job.id })
    log.info({ waitMs, askedMs: asked }, 'waiting for the service rate limit')
    const alert = await ctx.alerts.get(alertId)
    if (alert) ctx.metrics.rateLimitWaitSeconds.inc({ integration: alert.integration }, waitMs / 1000)
    if (alert && waitMs >= WAIT_NOTICE_MS) {
      await reportWaiting(ctx, alert, attempt, until).catch((problem: unknown) => log.warn({ err: problem }, 'could not say the action is waiting'))
    }
    await job.moveToDelayed(Date.now() + waitMs, token)
    throw new DelayedError()
  }
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
  const timed = <T>(queue: string, work: () => Promise<T>): Promise<T> => {
    const stop = ctx.metrics.jobSeconds.startTimer({ queue })
    return work().finally(() => stop())
  }
  const actionWorker = new Worker<ActionJob>(
    ACTION_QUEUE,
    (job, token) =>
      timed(ACTION_QUEUE, () =>
        ctx.leases.holding(job.data, token ?? String(job.id), () => delayWhenRateLimited(ctx, job, token, () => runAction(ctx, job, token))),
      ),
    { ...common, concurrency },
  )
  const workers = [
    // One poster at a time per process keeps a burst in order and paced by Slack's per-channel limit.
    new Worker<PostAlertJob>(
      POST_ALERT_QUEUE,
      (job) => timed(POST_ALERT_QUEUE, () => pauseQueueWhenRateLimited(ctx.queues.postAlert, job, () => postAlert(ctx, job))),
      { ...common, ...PAUSABLE, concurrency: 1 },
    ),
    actionWorker,
    new Worker<TimerJob>(TIMER_QUEUE, (job) => timed(TIMER_QUEUE, () => runTimer(ctx, job)), { ...common, concurrency: 2 }),
    new Worker<OffboardJob>(OFFBOARD_QUEUE, (job, token) => timed(OFFBOARD_QUEUE, () => advanceOffboard(ctx, job, token)), { ...common, concurrency: 2 }),
  ]
  for (const worker of workers) {
    worker.on('failed', (job, error) =>
      ctx.logger.warn({ err: error, queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job attempt failed'),
    )
    worker.on('error', (error) => ctx.logger.error({ err: error, queue: worker.name }, 'worker error'))
  }
  actionWorker.on('failed', (job, error) => {
    if (!job || !failedForGood(job)) return
    settleUnfinished(ctx, job.data, error).catch((problem: unknown) =>
      ctx.logger.error(
        { err: problem, alertId: job.data.alertId, action: job.data.action, jobId: job.id },
        'could not report an action job that failed for good',
      ),
    )
  })
  return {
    async close(force = false) {
      await Promise.all(workers.map((worker) => worker.close(force)))
    },
  }
}

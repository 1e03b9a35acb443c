/**
 * The durable background work, as BullMQ queues: posting alert messages (one at a
 * time, so a burst keeps its order and respects Slack's per-channel limit),
 * running provider actions, and timers (scheduled-deletion reminders and ends,
 * approval expiries, later tries of a result Slack refused, plus the sweep that
 * releases them). Job ids make enqueueing idempotent.
 */
import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq'
import type { MessageRef } from '../domain/alert.js'
import type { Action, Choices, TaskRef } from '../providers/types.js'
import { KEY_PREFIX } from '../store/redis.js'
import type { ReconcileTrigger } from '../domain/reconciliation.js'
import type { Timer } from './timers.js'

export const QUEUE_PREFIX = `${KEY_PREFIX}bull`
export const POST_ALERT_QUEUE = 'post-alert'
export const ACTION_QUEUE = 'provider-action'
export const TIMER_QUEUE = 'timers'
export const RECONCILE_QUEUE = 'reconcile'
export const OFFBOARD_QUEUE = 'offboard'

/** How often due timers are looked for. */
export const SWEEP_EVERY_MS = 60_000

/** The reconciliation queue's jobs: a run (scheduled or asked for), one per integration, and the summary. */
export type ReconcileJob =
  /** Reads the identity provider and starts one job per integration; `runId` is set on the first try. */
  | { kind: 'run'; trigger: ReconcileTrigger; runId?: string; integrations?: string[] }
  | { kind: 'integration'; runId: string; integration: string }
  | { kind: 'summary'; runId: string }

export interface PostAlertJob {
  alertId: string
  /** The message Slack accepted on an earlier try, kept so a retry records it instead of posting again. */
  posted?: MessageRef
}

export interface ActionJob {
  alertId: string
  action: Action
  attempt: number
  /** The actor's answers to the modal's questions. */
  choices: Choices
  /** A `pending` task the job polls instead of acting again. */
  task?: TaskRef
}

/** Moves an offboarding run on (posts its checklist, starts the steps that may start, sums up); `cause` names what changed. */
export interface OffboardJob {
  runId: string
  cause: string
}

/** The housekeeping queue: due timers, the sweep that releases them, and the periodic health check. */
export type TimerJob = Timer | { kind: 'sweep' } | { kind: 'health-check' }

export interface RetryPolicy {
  /** Tries per job, the first included. */
  attempts: number
  /** First backoff delay; doubles each time unless the service said how long to wait. */
  baseDelayMs: number
  maxDelayMs: number
  /** The longest wait between two polls of a pending task, whatever the adapter asks. */
  maxPollDelayMs?: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 2_000, maxDelayMs: 120_000, maxPollDelayMs: 300_000 }

export class JobQueues {
  readonly postAlert: Queue<PostAlertJob>
  readonly actions: Queue<ActionJob>
  readonly timers: Queue<TimerJob>
  readonly reconcile: Queue<ReconcileJob>
  readonly offboard: Queue<OffboardJob>

  /** `onError` hears connection problems (an unheard 'error' event would crash the process). */
  constructor(connection: ConnectionOptions, retry: RetryPolicy = DEFAULT_RETRY, onError: (error: Error) => void = () => undefined) {
    const defaultJobOptions: DefaultJobOptions = {
      attempts: retry.attempts,
      backoff: { type: 'honour-retry-after' },
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    }
    const options = { connection, prefix: QUEUE_PREFIX, defaultJobOptions }
    this.postAlert = new Queue<PostAlertJob>(POST_ALERT_QUEUE, options)
    this.actions = new Queue<ActionJob>(ACTION_QUEUE, options)
    this.timers = new Queue<TimerJob>(TIMER_QUEUE, options)
    this.reconcile = new Queue<ReconcileJob>(RECONCILE_QUEUE, options)
    this.offboard = new Queue<OffboardJob>(OFFBOARD_QUEUE, options)
    for (const queue of this.all()) queue.on('error', onError)
  }

  /** `delayMs`: the caller posts the alert itself, and the job only posts it should that fail (or the caller crash). */
  async enqueuePostAlert(alertId: string, delayMs = 0): Promise<void> {
    await this.postAlert.add('post', { alertId }, { jobId: `post.${alertId}`, ...(delayMs > 0 ? { delay: delayMs } : {}) })
  }

  /**
   * One job per (alert, action, attempt): a repeated add with the same id is a no-op in BullMQ. Time-critical work
   * (Cancel deletion, the identity-provider step of an offboarding: `timeCritical`) goes ahead of everything else.
   */
  async enqueueAction(job: ActionJob, timeCritical = false): Promise<void> {
    await this.actions.add(job.action, job, { jobId: actionJobId(job), priority: actionPriority(job, timeCritical) })
  }

  /** One job per (run, cause): the same step settling twice moves the run on once. */
  async enqueueOffboardAdvance(runId: string, cause: string): Promise<void> {
    await this.offboard.add('advance', { runId, cause }, { jobId: `${runId}.${cause}` })
  }

  /** A reconciliation step; the job id makes a repeated add (a retry, a second replica) a no-op. */
  async enqueueReconcile(job: ReconcileJob, jobId: string): Promise<void> {
    await this.reconcile.add(job.kind, job, { jobId })
  }

  /** The scheduled reconciliation (a cron pattern in UTC), one schedule shared by every replica; undefined removes it. */
  async scheduleReconciliation(pattern: string | undefined): Promise<void> {
    if (!pattern) {
      await this.reconcile.removeJobScheduler('reconcile')
      return
    }
    await this.reconcile.upsertJobScheduler('reconcile', { pattern, tz: 'UTC' }, { name: 'run', data: { kind: 'run', trigger: { kind: 'schedule' } } })
  }

  /** The periodic sweep of due timers; one schedule shared by every replica. */
  async scheduleTimerSweep(): Promise<void> {
    await this.timers.upsertJobScheduler('sweep-timers', { every: SWEEP_EVERY_MS }, { name: 'sweep', data: { kind: 'sweep' } })
  }

  /** The periodic integration health check; one schedule shared by every replica. */
  async scheduleHealthCheck(everyMs: number): Promise<void> {
    await this.timers.upsertJobScheduler('health-check', { every: everyMs }, { name: 'health-check', data: { kind: 'health-check' } })
  }

  /** Jobs waiting or delayed per queue, for the metrics. */
  async depth(): Promise<Record<string, number>> {
    const entries = await Promise.all(
      this.all().map(async (queue) => {
        const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized')
        return [queue.name, Object.values(counts).reduce((sum, n) => sum + n, 0)] as const
      }),
    )
    return Object.fromEntries(entries)
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.close()))
  }

  /** Every queue, so error handling, metrics and closing never miss one. */
  private all(): Queue[] {
    return [this.postAlert, this.actions, this.timers, this.reconcile, this.offboard] as Queue[]
  }
}

/**
 * BullMQ takes jobs of a lower priority number first, and jobs with none before any, so every action job has one;
 * within a priority, jobs keep their order.
 */
export const ACTION_PRIORITY = { timeCritical: 1, bulk: 10 } as const

/** A pending Cancel deletion races the final date: it never waits behind a bulk of deletions. */
export function actionPriority(job: Pick<ActionJob, 'action'>, timeCritical = false): number {
  return timeCritical || job.action === 'cancel-delete' ? ACTION_PRIORITY.timeCritical : ACTION_PRIORITY.bulk
}

export function actionJobId(job: Pick<ActionJob, 'alertId' | 'action' | 'attempt'>): string {
  return `${job.alertId}.${job.action}.${job.attempt}`
}

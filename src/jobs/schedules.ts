/**
 * The repeating schedules (the timer sweep, the health check, reconciliation) are BullMQ job schedulers, kept in
 * Redis. A Redis that lost its data (a restore, a FLUSHALL) would silently stop them, and with the sweep every
 * scheduled deletion and approval expiry; so each worker replica upserts them at start and again every
 * SCHEDULE_CHECK_MS. Upserting an unchanged scheduler keeps its next run, so this is cheap and idempotent.
 */
import type { Logger } from '../logger.js'
import type { JobQueues } from './queues.js'

export const SCHEDULE_CHECK_MS = 5 * 60_000

export interface Schedules {
  healthCheckEveryMs: number
  /** Cron pattern (UTC) of reconciliation; undefined: none (the scheduler is removed). */
  reconcilePattern?: string
}

export async function ensureSchedules(queues: JobQueues, schedules: Schedules): Promise<void> {
  await Promise.all([
    queues.scheduleTimerSweep(),
    queues.scheduleHealthCheck(schedules.healthCheckEveryMs),
    queues.scheduleReconciliation(schedules.reconcilePattern),
  ])
}

/** Upserts the schedules every `everyMs` until the returned function is called; a failure (Redis away) is tried again next time. */
export function keepSchedules(queues: JobQueues, schedules: Schedules, everyMs: number, logger: Logger): () => void {
  const timer = setInterval(() => {
    ensureSchedules(queues, schedules).catch((error: unknown) => logger.warn({ err: error }, 'could not re-create the repeating schedules; trying again later'))
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * The reconciliation worker of one replica. Integrations are compared several at a time:
 * the work is waiting on services, and each job holds one page at a time.
 */
import { Worker, type ConnectionOptions } from 'bullmq'
import { QUEUE_PREFIX, RECONCILE_QUEUE } from '../jobs/queues.js'
import type { ReconcileJob } from '../jobs/queues.js'
import { runReconcileJob, type ReconcileContext } from '../features/reconciliation/jobs/reconcile-run.js'
import { backoffDelay, type Workers } from './worker.js'

/** Integrations compared at once per replica. */
export const RECONCILE_CONCURRENCY = 10

export function startReconcileWorker(ctx: ReconcileContext, connection: ConnectionOptions, concurrency = RECONCILE_CONCURRENCY): Workers {
  const worker = new Worker<ReconcileJob>(
    RECONCILE_QUEUE,
    (job) => {
      const stop = ctx.metrics.jobSeconds.startTimer({ queue: RECONCILE_QUEUE })
      return runReconcileJob(ctx, job).finally(() => stop())
    },
    {
      connection,
      prefix: QUEUE_PREFIX,
      concurrency,
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => backoffDelay(ctx.retry, attemptsMade, error) },
    },
  )
  worker.on('failed', (job, error) =>
    ctx.logger.warn({ err: error, queue: RECONCILE_QUEUE, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job attempt failed'),
  )
  worker.on('error', (error) => ctx.logger.error({ err: error, queue: RECONCILE_QUEUE }, 'worker error'))
  return { close: (force = false) => worker.close(force) }
}

/** Two sets of workers stopped as one. */
export function alongside(first: Workers, second: Workers): Workers {
  return { close: async (force) => void (await Promise.all([first.close(force), second.close(force)])) }
}

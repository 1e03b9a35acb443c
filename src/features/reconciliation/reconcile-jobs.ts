/** Starting a reconciliation run, and its jobs' ids. */
import type { ReconcileTrigger } from '../../domain/reconciliation.js'
import type { ReconcileJob } from '../../jobs/queues.js'
import { newRunId } from './run-store.js'

export const integrationJobId = (runId: string, integration: string) => `reconcile.${runId}.${integration}`
export const summaryJobId = (runId: string) => `reconcile.${runId}.summary`

/** Queues a run now (for `/deprovision scan`, the benchmark); answers its id. */
export async function requestRun(
  queues: { enqueueReconcile(job: ReconcileJob, jobId: string): Promise<void> },
  trigger: ReconcileTrigger,
  now: Date,
  integrations?: string[],
): Promise<string> {
  const runId = newRunId(now)
  await queues.enqueueReconcile({ kind: 'run', trigger, runId, ...(integrations ? { integrations } : {}) }, `reconcile.${runId}`)
  return runId
}

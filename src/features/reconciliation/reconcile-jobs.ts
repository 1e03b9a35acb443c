/** The reconciliation queue's jobs: a run (scheduled or asked for), one per integration, and the summary. */
import { newRunId, type ReconcileTrigger } from './run-store.js'

export type ReconcileJob =
  /** Reads the identity provider and starts one job per integration; `runId` is set on the first try. */
  | { kind: 'run'; trigger: ReconcileTrigger; runId?: string; integrations?: string[] }
  | { kind: 'integration'; runId: string; integration: string }
  | { kind: 'summary'; runId: string }

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

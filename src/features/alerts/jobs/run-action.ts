/**
 * Runs one confirmed action: asks the provider (or polls its pending task), retries
 * what a retry can fix, records the result once per attempt, arms the timers of a
 * scheduled deletion, then reports. A re-run of the same job (a crash, a Slack
 * failure while reporting) finds the attempt settled and only reports; when Slack
 * refuses the report on the job's last attempt, durable timers report it later.
 */
import { DelayedError, type Job } from 'bullmq'
import { REMINDER_DAYS, type Alert, type AlertState, type Request } from '../../../domain/alert.js'
import { describeProblem, isRetryable, toProblem, type Problem } from '../../../providers/problems.js'
import { executeFor, WriteAbandoned } from '../../../providers/run.js'
import type { Outcome } from '../../../providers/types.js'
import { attemptLeaseKey } from '../attempt-lease.js'
import type { AlertJobDeps } from '../deps.js'
import { actionJobId, type ActionJob } from '../../../jobs/queues.js'
import { reportLater, reportOnce, reportProgress, type Unreported } from '../report.js'
import { requestAuditFields } from '../request-audit.js'

const DAY_MS = 24 * 3600 * 1000

/** Thrown to have BullMQ try again later; carries how long the service asked us to wait. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError'
  constructor(readonly problem: Problem) {
    super(describeProblem(problem))
  }
}

export async function runAction(ctx: AlertJobDeps, job: Job<ActionJob>, token?: string): Promise<void> {
  const { alertId, action, attempt } = job.data
  const log = ctx.logger.child({ alertId, action, attempt, jobId: job.id })
  const alert = await ctx.alerts.get(alertId)
  if (!alert) {
    log.warn('alert no longer exists; nothing to run')
    return
  }

  if (alert.state.kind === 'in-progress' && alert.state.request.attempt === attempt) {
    const request = alert.state.request
    const outcome = await actOrPoll(ctx, alert, request, job, token)
    if (outcome === 'abandoned') {
      log.warn('another worker owns this attempt now, or it was settled meanwhile; nothing was written and nothing is reported here')
      return
    }
    if (outcome.kind === 'pending') {
      await job.updateData({ ...job.data, task: outcome.task })
      if (outcome.progress) {
        await reportProgress(ctx, alert, request, outcome.progress).catch((error: unknown) => log.warn({ err: error }, 'could not show progress'))
      }
      log.info({ task: outcome.task.id, pollAfterMs: outcome.task.pollAfterMs }, 'pending at the service; polling later')
      await job.moveToDelayed(Date.now() + Math.min(outcome.task.pollAfterMs, ctx.retry.maxPollDelayMs ?? Infinity), token)
      throw new DelayedError()
    }
    if (outcome.kind === 'failed') ctx.metrics.providerErrors.inc({ integration: alert.integration, problem: outcome.problem.kind })
    if (outcome.kind === 'failed' && isRetryable(outcome.problem) && !isLastAttempt(job)) {
      log.info({ problem: outcome.problem }, 'retryable failure; will try again')
      ctx.metrics.providerRetries.inc({ integration: alert.integration, problem: outcome.problem.kind })
      throw new RetryLaterError(outcome.problem)
    }
    const next = settledState(request, outcome, ctx.now())
    if (await ctx.alerts.settle(alertId, attempt, next)) await recordSettlement(ctx, alert, request, outcome, next)
    log.info({ outcome: outcome.kind }, 'action settled')
  }
  await reportOnce(ctx, alertId, attempt).catch(async (error: unknown) => {
    // The result is settled: once the job has no attempt left, a timer posts it when Slack is back, never acting again.
    if (isLastAttempt(job)) await reportLater(ctx, { alertId, action, attempt }, 1)
    throw error
  })
}

/**
 * An attempt whose job ended, or vanished, without settling it (an unexpected error on its last attempt, a job
 * failed for stalling, a job lost): settles it as unconfirmed and reports that with Retry, instead of leaving the
 * alert "in progress" with no way forward. Does nothing when the attempt was settled (its report is then the report
 * timers' business), has moved on, or is still leased by a worker. Answers whether this call settled it.
 */
export async function settleUnfinished(ctx: AlertJobDeps, unfinished: Unreported, why: unknown): Promise<boolean> {
  const { alertId, action, attempt } = unfinished
  const alert = await ctx.alerts.get(alertId)
  if (alert?.state.kind !== 'in-progress' || alert.state.request.attempt !== attempt) return false
  const outcome = { kind: 'failed', problem: { kind: 'unconfirmed' } } as const
  const next = settledState(alert.state.request, outcome, ctx.now())
  // Not while a worker still holds the attempt (its job failed for stalling, yet it is alive and acting).
  if (!(await ctx.alerts.settle(alertId, attempt, next, 'in-progress', attemptLeaseKey(unfinished)))) return false
  ctx.logger.warn({ alertId, action, attempt, err: why }, 'an action ended without recording its result; reported as unconfirmed')
  await recordSettlement(ctx, alert, alert.state.request, outcome, next)
  await reportOnce(ctx, alertId, attempt).catch(() => reportLater(ctx, unfinished, 1))
  return true
}

/** An in-progress attempt this old whose job is gone, failed or finished is unfinished (younger ones may not be queued yet). */
export const ORPHANED_AFTER_MS = 10 * 60_000
/** In-progress alerts looked at per sweep, oldest first. */
const ORPHAN_SCAN = 100

/**
 * Finds in-progress attempts that no job will ever settle (their job failed for stalling, or was lost) and settles
 * them as unconfirmed, once no worker holds their lease. The timer sweep runs it every minute, on whichever replica
 * takes the sweep.
 */
export async function settleOrphans(ctx: AlertJobDeps): Promise<number> {
  const { alerts } = await ctx.alerts.inState('in-progress', ORPHAN_SCAN)
  let settled = 0
  for (const alert of alerts) {
    if (alert.state.kind !== 'in-progress') continue
    const { action, attempt, at } = alert.state.request
    if (ctx.now().getTime() - Date.parse(at) < ORPHANED_AFTER_MS) break
    const job = await ctx.queues.actions.getJob(actionJobId({ alertId: alert.id, action, attempt }))
    const state = job ? await job.getState() : 'missing'
    if (state !== 'missing' && state !== 'failed' && state !== 'completed' && state !== 'unknown') continue
    if (await settleUnfinished(ctx, { alertId: alert.id, action, attempt }, new Error(`its job is ${state}`))) settled += 1
  }
  return settled
}

/** Whether BullMQ would not run the job again after this attempt failed. */
function isLastAttempt(job: Job<ActionJob>): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
}

/** Whether a job BullMQ reports failed has no attempt left (attemptsMade then counts the one that failed). */
export function failedForGood(job: Job<ActionJob>): boolean {
  return job.attemptsMade >= (job.opts.attempts ?? 1)
}

/** The outcome of acting (or of polling a pending task); 'abandoned' when the job no longer owned its attempt at the write. */
async function actOrPoll(ctx: AlertJobDeps, alert: Alert, request: Request, job: Job<ActionJob>, token: string | undefined): Promise<Outcome | 'abandoned'> {
  const { action, choices, task } = job.data
  const provider = ctx.providers.get(alert.integration)
  if (!provider) return { kind: 'failed', problem: { kind: 'rejected', detail: `integration "${alert.integration}" is no longer configured` } }
  if (!task) {
    const actorEmail = await ctx.actorEmails.of(request.actor)
    const owner = { jobId: job.id ?? actionJobId({ alertId: alert.id, action, attempt: request.attempt }), token, alertId: alert.id, attempt: request.attempt }
    // A re-run of an attempt that already went to write (its answer lost: a timeout, a 5xx, a crash) reports what the service shows.
    const resumedSince = await ctx.alerts.writeStartedAt(alert.id, request.attempt)
    try {
      return await executeFor(provider, alert, action, choices, ctx.providers.guardContext(alert.integration, actorEmail), {
        ...(request.accountId ? { confirmedAccountId: request.accountId } : {}),
        ...(resumedSince ? { resumedSince } : {}),
        serializeAdminChange: ctx.adminLocks.for(alert.integration),
        onBug: (error) => ctx.logger.error({ err: error, alertId: alert.id, action }, 'a bug stopped the action; reported as an internal error'),
        beforeWrite: async () => {
          if (!(await ctx.ownsAttempt(owner))) throw new WriteAbandoned('the job no longer owns its attempt')
        },
      })
    } catch (error) {
      if (error instanceof WriteAbandoned) return 'abandoned'
      throw error
    }
  }
  if (!provider.poll) return { kind: 'failed', problem: { kind: 'rejected', detail: `${provider.displayName} cannot be asked about its task` } }
  try {
    return await provider.poll(task)
  } catch (error) {
    return { kind: 'failed', problem: toProblem(error) }
  }
}

export function settledState(request: Request, outcome: Exclude<Outcome, { kind: 'pending' }>, now: Date): AlertState {
  const at = now.toISOString()
  switch (outcome.kind) {
    case 'done':
      return { kind: 'done', request, at, ...(outcome.detail ? { detail: outcome.detail } : {}) }
    case 'already-done':
      return { kind: 'done', request, alreadyDone: outcome.detail, at }
    case 'scheduled':
      return { kind: 'scheduled', request, until: outcome.until, at }
    case 'failed':
      return { kind: 'failed', request, problem: outcome.problem, at }
  }
}

/** The audit entry, and the timers a scheduled deletion needs (or no longer needs). */
async function recordSettlement(ctx: AlertJobDeps, alert: Alert, request: Request, outcome: Outcome, next: AlertState): Promise<void> {
  ctx.metrics.actions.inc({ integration: alert.integration, action: request.action, outcome: outcome.kind })
  await ctx.audit.append({
    event: outcome.kind === 'failed' ? 'action-failed' : 'action-completed',
    ...requestAuditFields(alert, request),
    outcome: outcome.kind,
    detail: detailOf(outcome),
  })
  if (next.kind === 'scheduled') {
    const until = new Date(next.until)
    const timer = { alertId: alert.id, attempt: request.attempt }
    const remindAt = new Date(until.getTime() - REMINDER_DAYS * DAY_MS)
    if (remindAt > ctx.now()) await ctx.timers.schedule({ kind: 'deletion-reminder', ...timer }, remindAt)
    await ctx.timers.schedule({ kind: 'deletion-final', ...timer }, until)
  }
  if (request.action === 'cancel-delete' && next.kind === 'done') await ctx.timers.cancelFor(alert.id)
}

function detailOf(outcome: Outcome): string | undefined {
  switch (outcome.kind) {
    case 'failed':
      return describeProblem(outcome.problem)
    case 'already-done':
      return outcome.detail
    case 'done':
      return outcome.detail
    case 'scheduled':
      return `final on ${outcome.until}`
    case 'pending':
      return undefined
  }
}

/**
 * Tells Slack what happened: the result in the alert's thread plus the updated
 * alert, once per attempt; a result Slack refused on every attempt of its job is
 * posted later from durable timers; and the progress of a multi-step action as one
 * thread message edited in place.
 */
import { threadOf, type Alert, type AlertState, type Request } from '../../domain/alert.js'
import type { Outcome, Progress } from '../../providers/types.js'
import { alertSurface } from './surface.js'
import { outcomeReply, progressReply, waitingReply } from './views/thread.js'
import type { AlertJobDeps } from './deps.js'
import type { Timer } from '../../jobs/timers.js'
import { requestAuditFields } from './request-audit.js'

const MINUTE_MS = 60_000

/** How long each later try of an unreported result waits (a Slack outage of minutes, then of hours); then it is given up. */
export const REPORT_RETRY_DELAYS_MS = [5 * MINUTE_MS, 15 * MINUTE_MS, 60 * MINUTE_MS, 240 * MINUTE_MS]

type ReportRetry = Extract<Timer, { kind: 'report-retry' }>
/** Which settled result to report: the alert, the action and its attempt. */
export type Unreported = Pick<ReportRetry, 'alertId' | 'action' | 'attempt'>

/** What reporting a settled result needs: the action job has it, and so has a listener whose job could not be queued. */
export type ReportDeps = Pick<AlertJobDeps, 'alerts' | 'providers' | 'mutes' | 'slack' | 'queues'>

/**
 * Posts the settled result of `attempt`, unless it was already posted (a re-run after a Slack failure, a
 * replica's timer). Answers whether this call reported it.
 */
export async function reportOnce(ctx: ReportDeps, alertId: string, attempt: number): Promise<boolean> {
  const alert = await ctx.alerts.get(alertId)
  if (!alert || (await ctx.alerts.reportReached(alertId, attempt, 'reported'))) return false
  const outcome = outcomeOf(alert.state)
  if (!outcome || !('request' in alert.state) || alert.state.request.attempt !== attempt) return false
  const integration = ctx.providers.summary(alert.integration)
  const thread = threadOf(alert)
  if (thread) {
    // The reply is marked once Slack has it, so a re-run after a failed alert update does not post it twice.
    if (!(await ctx.alerts.reportReached(alertId, attempt, 'replied'))) {
      await ctx.slack.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, ...outcomeReply(alert, alert.state.request, outcome, integration) })
      await ctx.alerts.markReportReached(alertId, attempt, 'replied')
    }
    await updateAlert(ctx, alert)
  }
  await advanceRunOf(ctx, alert, `${attempt}`)
  await ctx.alerts.markReportReached(alertId, attempt, 'reported')
  return true
}

/**
 * Arms the durable timer of the `retry`-th later try of a result Slack refused, so it is posted once Slack is
 * back, from any replica, without asking the service again. After the last delay, gives up: the alert message
 * still says "in progress", so the warning and the audit entry are where people learn the result went unposted.
 */
export async function reportLater(ctx: AlertJobDeps, result: Unreported, retry: number): Promise<void> {
  const log = ctx.logger.child({ ...result, retry })
  const delayMs = REPORT_RETRY_DELAYS_MS[retry - 1]
  if (delayMs === undefined) {
    log.warn('gave up reporting the result: Slack refused it every time; the alert message still says in progress')
    await auditUnreported(ctx, result, retry - 1)
    return
  }
  const due = new Date(ctx.now().getTime() + delayMs)
  await ctx.timers.schedule({ kind: 'report-retry', ...result, retry }, due)
  log.info({ due }, 'the result could not be reported; trying again later')
}

/** A `report-retry` timer came due: posts the result (nothing when it was posted meanwhile), or arms the next try. */
export async function retryReport(ctx: AlertJobDeps, timer: ReportRetry): Promise<void> {
  const result: Unreported = { alertId: timer.alertId, action: timer.action, attempt: timer.attempt }
  const log = ctx.logger.child({ ...result, retry: timer.retry })
  try {
    log.info((await reportOnce(ctx, result.alertId, result.attempt)) ? 'result reported late' : 'nothing to report: already reported, or the alert moved on')
  } catch (error) {
    log.warn({ err: error }, 'the later report failed too')
    await reportLater(ctx, result, timer.retry + 1)
  }
}

/** The audit trail of a result that was never posted: the outcome settled, but nobody in Slack was told. */
async function auditUnreported(ctx: AlertJobDeps, result: Unreported, laterTries: number): Promise<void> {
  const alert = await ctx.alerts.get(result.alertId)
  if (!alert || !('request' in alert.state)) return
  await ctx.audit.append({
    event: 'result-unreported',
    ...requestAuditFields(alert, alert.state.request),
    outcome: alert.state.kind,
    detail: `Slack refused the result on every attempt of the job and ${laterTries} later tries; the alert message still says in progress`,
  })
}

/** A step of an offboarding run moved: the run may release its next steps and redraws its checklist. */
export async function advanceRunOf(ctx: Pick<AlertJobDeps, 'queues'>, alert: Pick<Alert, 'id' | 'run'>, cause: string): Promise<void> {
  if (alert.run) await ctx.queues.enqueueOffboardAdvance(alert.run.id, `${alert.id}.${cause}`)
}

export async function updateAlert(ctx: Pick<AlertJobDeps, 'slack' | 'providers' | 'mutes'>, alert: Alert): Promise<void> {
  if (!alert.message) return
  const { channel, ts } = alert.message
  await ctx.slack.chat.update({ channel, ts, ...(await alertSurface(alert, ctx.providers, ctx.mutes)) })
}

/** Shows how far a multi-step action has come: posts one progress message per attempt, then edits it. */
export async function reportProgress(ctx: AlertJobDeps, alert: Alert, request: Request, progress: Progress): Promise<void> {
  const thread = threadOf(alert)
  if (!thread) return
  const { channel, ts } = thread
  const message = progressReply(alert, request, progress)
  const existing = await ctx.alerts.progressMessage(alert.id, request.attempt)
  if (existing) {
    await ctx.slack.chat.update({ channel, ts: existing, ...message })
    return
  }
  const posted = await ctx.slack.chat.postMessage({ channel, thread_ts: ts, ...message })
  if (posted.ts) await ctx.alerts.setProgressMessage(alert.id, request.attempt, posted.ts)
}

/** An attempt waits for its service's rate limit: its alert says "waiting" until when, and its thread says so once. */
export async function reportWaiting(ctx: AlertJobDeps, alert: Alert, attempt: number, until: Date): Promise<void> {
  if (alert.state.kind !== 'in-progress' || alert.state.request.attempt !== attempt) return
  const first = await ctx.alerts.markWaiting(alert.id, attempt, until)
  const thread = threadOf(alert)
  if (!thread) return
  if (first)
    await ctx.slack.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, ...waitingReply(alert, alert.state.request, until.toISOString()) })
  await updateAlert(ctx, { ...alert, waiting: { attempt, until: until.toISOString() } })
}

/** The outcome a settled state records, so a re-run can report without asking the provider again. */
export function outcomeOf(state: AlertState): Outcome | undefined {
  switch (state.kind) {
    case 'done':
      if (state.alreadyDone !== undefined) return { kind: 'already-done', detail: state.alreadyDone }
      return state.detail === undefined ? { kind: 'done' } : { kind: 'done', detail: state.detail }
    case 'scheduled':
      return { kind: 'scheduled', until: state.until, cancellable: true }
    case 'failed':
      return { kind: 'failed', problem: state.problem }
    default:
      return undefined
  }
}

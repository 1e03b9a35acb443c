/**
 * Timer jobs: the sweep that releases due timers, the reminder before a scheduled
 * deletion becomes final, the end of the grace period, a scheduled offboarding's start
 * and its reminder, and the later tries of a
 * result Slack refused. A timer whose alert moved on (the deletion was cancelled,
 * or retried) does nothing.
 */
import type { Job } from 'bullmq'
import { threadOf, type Alert, type AlertState, type Request } from '../domain/alert.js'
import { deletionCancelledElsewhereReply, deletionFinalReply, deletionReminderReply } from '../features/alerts/views/thread.js'
import { expireApproval } from '../features/approval/decisions.js'
import type { JobContext } from './context.js'
import { checkIntegrations } from '../features/health/check.js'
import type { TimerJob } from '../jobs/queues.js'
import { advanceRunOf, retryReport, updateAlert } from '../features/alerts/report.js'
import { settleOrphans } from '../features/alerts/jobs/run-action.js'
import { requestAuditFields } from '../features/alerts/request-audit.js'
import { remindScheduled, startScheduled } from '../features/offboarding/schedule.js'

/** How long to wait before asking the service again about a deletion it does not show final yet. */
const ASK_AGAIN_MS = 3600_000

/**
 * What the service shows at a scheduled deletion's final date: the account gone (final), active again (cancelled
 * in its own console), or still there deactivated (not final yet, or the service could not be asked: ask later).
 */
async function deletionAtItsDate(ctx: JobContext, alert: Alert, request: Request): Promise<'final' | 'cancelled' | 'still-pending'> {
  const provider = ctx.providers.get(alert.integration)
  if (!provider) return 'final'
  try {
    const account = await provider.findAccount(alert.email)
    if (!account || (request.accountId !== undefined && account.id !== request.accountId)) return 'final'
    return account.status === 'active' ? 'cancelled' : 'still-pending'
  } catch (error) {
    ctx.logger.warn({ err: error, alertId: alert.id }, 'could not ask the service whether the deletion is final; asking again later')
    return 'still-pending'
  }
}

/**
 * The minute's sweep: releases the timers due, settles actions no job will finish, and trims audit entries past
 * AUDIT_RETENTION_DAYS; answers how many timers it released.
 */
export async function sweep(ctx: JobContext): Promise<number> {
  const released = await ctx.timers.releaseDue(ctx.now(), ctx.queues.timers)
  if (released > 0) ctx.logger.info({ released }, 'due timers released')
  const orphans = await settleOrphans(ctx)
  if (orphans > 0) ctx.logger.warn({ orphans }, 'in-progress actions without a live job reported as unconfirmed')
  const trimmed = await ctx.audit.trimExpired()
  if (trimmed > 0) ctx.logger.info({ trimmed }, 'audit entries past their retention removed')
  return released
}

export async function runTimer(ctx: JobContext, job: Job<TimerJob>): Promise<void> {
  const timer = job.data
  if (timer.kind === 'health-check') {
    await checkIntegrations(ctx)
    return
  }
  if (timer.kind === 'sweep') {
    await sweep(ctx)
    return
  }
  if (timer.kind === 'approval-expiry') {
    await expireApproval(ctx, timer)
    return
  }
  if (timer.kind === 'report-retry') {
    await retryReport(ctx, timer)
    return
  }
  if (timer.kind === 'offboard-start') {
    const started = await startScheduled(ctx, timer.runId, { by: 'timer' })
    ctx.logger.info({ runId: timer.runId, outcome: started.kind }, 'scheduled offboarding due')
    return
  }
  if (timer.kind === 'offboard-reminder') {
    await remindScheduled(ctx, timer.runId)
    return
  }
  const alert = await ctx.alerts.get(timer.alertId)
  const log = ctx.logger.child({ alertId: timer.alertId, timer: timer.kind, attempt: timer.attempt })
  const thread = alert ? threadOf(alert) : undefined
  if (!alert || !thread) return
  const { channel, ts } = thread
  const scheduled = alert.state.kind === 'scheduled' && alert.state.request.attempt === timer.attempt ? alert.state : undefined

  if (timer.kind === 'deletion-reminder') {
    if (!scheduled) return log.info('reminder skipped: the deletion is no longer scheduled')
    await ctx.slack.chat.postMessage({ channel, thread_ts: ts, ...deletionReminderReply(alert, scheduled.request, scheduled.until) })
    log.info('deletion reminder posted')
    return
  }

  if (!scheduled) return log.info('final step skipped: the deletion is no longer scheduled')
  const verdict = await deletionAtItsDate(ctx, alert, scheduled.request)
  if (verdict === 'still-pending') {
    const check = (timer.check ?? 0) + 1
    await ctx.timers.schedule({ kind: 'deletion-final', alertId: alert.id, attempt: timer.attempt, check }, new Date(ctx.now().getTime() + ASK_AGAIN_MS))
    return log.info('the service does not show the deletion final yet; asking again later')
  }
  if (verdict === 'cancelled') {
    if (!(await ctx.alerts.settle(alert.id, timer.attempt, { kind: 'open' }, 'scheduled'))) return
    await ctx.audit.append({
      event: 'deletion-cancelled-elsewhere',
      ...requestAuditFields(alert, scheduled.request),
      detail: 'at its final date the service showed the account active: the deletion was cancelled outside the bot',
    })
    await ctx.slack.chat.postMessage({ channel, thread_ts: ts, ...deletionCancelledElsewhereReply(alert, scheduled.request) })
    await updateAlert(ctx, { ...alert, state: { kind: 'open' } })
    await advanceRunOf(ctx, alert, `${timer.attempt}.final`)
    return log.info('scheduled deletion was cancelled outside the bot')
  }
  const final: AlertState = { kind: 'done', request: scheduled.request, detail: 'the deletion is final', at: ctx.now().toISOString() }
  if (!(await ctx.alerts.settle(alert.id, timer.attempt, final, 'scheduled'))) return
  await ctx.audit.append({
    event: 'action-completed',
    ...requestAuditFields(alert, scheduled.request),
    outcome: 'done',
    detail: 'the scheduled deletion became final',
  })
  await ctx.slack.chat.postMessage({ channel, thread_ts: ts, ...deletionFinalReply(alert, scheduled.request) })
  await updateAlert(ctx, { ...alert, state: final })
  await advanceRunOf(ctx, alert, `${timer.attempt}.final`)
  log.info('scheduled deletion recorded as final')
}

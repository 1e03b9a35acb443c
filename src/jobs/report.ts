/**
 * Tells Slack what happened: the result in the alert's thread plus the updated
 * alert, once per attempt; and the progress of a multi-step action as one thread
 * message edited in place.
 */
import { threadOf, type Alert, type AlertState, type Request } from '../alerts/alert.js'
import type { Outcome, Progress } from '../providers/types.js'
import { alertSurface } from '../alerts/surface.js'
import { outcomeReply, progressReply } from '../views/thread.js'
import type { JobContext } from './context.js'

/** Posts the settled result of `attempt`, unless it was already posted (a re-run after a Slack failure). */
export async function reportOnce(ctx: JobContext, alertId: string, attempt: number): Promise<void> {
  const alert = await ctx.alerts.get(alertId)
  if (!alert || (await ctx.alerts.wasReported(alertId, attempt))) return
  const outcome = outcomeOf(alert.state)
  if (!outcome || !('request' in alert.state) || alert.state.request.attempt !== attempt) return
  const integration = ctx.providers.summary(alert.integration)
  const thread = threadOf(alert)
  if (thread) {
    await ctx.slack.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, ...outcomeReply(alert, alert.state.request, outcome, integration) })
    await updateAlert(ctx, alert)
  }
  await advanceRunOf(ctx, alert, `${attempt}`)
  await ctx.alerts.markReported(alertId, attempt)
}

/** A step of an offboarding run moved: the run may release its next steps and redraws its checklist. */
export async function advanceRunOf(ctx: JobContext, alert: Pick<Alert, 'id' | 'run'>, cause: string): Promise<void> {
  if (alert.run) await ctx.queues.enqueueOffboardAdvance(alert.run.id, `${alert.id}.${cause}`)
}

export async function updateAlert(ctx: JobContext, alert: Alert): Promise<void> {
  if (!alert.message) return
  const { channel, ts } = alert.message
  await ctx.slack.chat.update({ channel, ts, ...(await alertSurface(alert, ctx.providers, ctx.mutes)) })
}

/** Shows how far a multi-step action has come: posts one progress message per attempt, then edits it. */
export async function reportProgress(ctx: JobContext, alert: Alert, request: Request, progress: Progress): Promise<void> {
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

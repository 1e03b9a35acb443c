/**
 * Offboarding runs planned for a later time (`/deprovision user@corp at …`): two durable
 * timers (the start, and a reminder an hour before), then the start itself, Run now and
 * Cancel. Whichever of the timer, Run now and Cancel comes first decides, once, on any
 * replica (`OffboardStore.decideSchedule`, one Lua step); the others find it decided.
 * A started run goes on exactly as an immediate one (the `offboard` queue's `start`).
 */
import type { Logger } from '../../logger.js'
import type { JobQueues } from '../../jobs/queues.js'
import type { TimerStore } from '../../jobs/timers.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { AuditLog } from '../../store/audit.js'
import type { Run, Schedule } from './plan.js'
import type { OffboardStore } from './store.js'
import { scheduledChecklistMessage, scheduledReminderReply } from './views/offboard.js'
import { auditRefusal } from '../../slack/refusal.js'
import { mention, slackDate } from '../../views/text.js'

/** The reminder in the checklist's thread comes this long before the run starts. */
export const REMINDER_BEFORE_MS = 3600_000

export interface ScheduleDeps {
  offboard: OffboardStore
  timers: TimerStore
  queues: JobQueues
  audit: AuditLog
  logger: Logger
  now?: () => Date
}

/** Arms the run's timers: its start and, when there is still time for it, the reminder. */
export async function armSchedule(deps: ScheduleDeps, run: Run & { schedule: Schedule }): Promise<void> {
  const runAt = new Date(run.schedule.runAt)
  const reminderAt = new Date(runAt.getTime() - REMINDER_BEFORE_MS)
  await deps.timers.schedule({ kind: 'offboard-start', runId: run.id }, runAt)
  if (reminderAt.getTime() > clock(deps).getTime()) await deps.timers.schedule({ kind: 'offboard-reminder', runId: run.id }, reminderAt)
}

export type StartOutcome =
  { kind: 'started' } | { kind: 'already-started'; schedule: Schedule } | { kind: 'cancelled'; schedule: Schedule } | { kind: 'missing' }

/**
 * Starts a scheduled run, at its time (`timer`) or early (`run-now`, by an actor). A start that is already decided
 * queues the run again (the job id makes that a no-op), so a crash between deciding and queueing loses nothing: the
 * timer's job is retried, and after a Run now the start timer is kept until the run is queued, so it still fires.
 */
export async function startScheduled(deps: ScheduleDeps, runId: string, trigger: { by: 'timer' } | { by: 'run-now'; actor: string }): Promise<StartOutcome> {
  const run = await deps.offboard.getRun(runId)
  if (!run?.schedule) return { kind: 'missing' }
  const actor = trigger.by === 'timer' ? run.actor : trigger.actor
  const decision = await deps.offboard.decideSchedule(runId, {
    runAt: run.schedule.runAt,
    status: 'started',
    by: trigger.by,
    actor,
    at: clock(deps).toISOString(),
  })
  if (decision.status === 'missing') return { kind: 'missing' }
  if (decision.schedule.status === 'cancelled') return { kind: 'cancelled', schedule: decision.schedule }
  if (decision.status === 'decided') {
    await deps.audit.append({
      event: 'offboard-started',
      alertId: runId,
      actor,
      email: run.email,
      detail: trigger.by === 'timer' ? `at its scheduled time ${run.schedule.runAt}` : `Run now, ahead of ${run.schedule.runAt}`,
    })
  }
  // Queued before its timers go: whatever fails in between, the start timer (or the timer job's retry) queues it again.
  await deps.queues.enqueueOffboardAdvance(runId, 'start')
  await deps.timers.cancelFor(runId)
  if (decision.status === 'already') return { kind: 'already-started', schedule: decision.schedule }
  deps.logger.info({ runId, by: trigger.by }, 'scheduled offboarding started')
  return { kind: 'started' }
}

export type CancelOutcome =
  { kind: 'cancelled' } | { kind: 'started'; schedule: Schedule } | { kind: 'already-cancelled'; schedule: Schedule } | { kind: 'missing' }

/** Cancels a scheduled run before it starts: its timers go, the person is free for a new run, the checklist says so. */
export async function cancelScheduled(deps: ScheduleDeps & { slack: SlackPort }, runId: string, actor: string): Promise<CancelOutcome> {
  const run = await deps.offboard.getRun(runId)
  if (!run?.schedule) return { kind: 'missing' }
  const cancelled = { runAt: run.schedule.runAt, status: 'cancelled', actor, at: clock(deps).toISOString() } as const
  const decision = await deps.offboard.decideSchedule(runId, cancelled)
  if (decision.status === 'missing') return { kind: 'missing' }
  if (decision.status === 'already') {
    return decision.schedule.status === 'cancelled'
      ? { kind: 'already-cancelled', schedule: decision.schedule }
      : { kind: 'started', schedule: decision.schedule }
  }
  await deps.timers.cancelFor(runId)
  await deps.audit.append({ event: 'offboard-cancelled', alertId: runId, actor, email: run.email, detail: `was to run at ${run.schedule.runAt}` })
  deps.logger.info({ runId, actor }, 'scheduled offboarding cancelled')
  // Read again: the checklist may have been posted since the run was read above.
  const message = (await deps.offboard.getRun(runId))?.message ?? run.message
  if (message) {
    await deps.slack.chat
      .update({ channel: message.channel, ts: message.ts, ...scheduledChecklistMessage({ ...run, schedule: cancelled }) })
      .catch((error: unknown) => deps.logger.warn({ err: error, runId }, 'could not mark the checklist cancelled'))
  }
  return { kind: 'cancelled' }
}

/** An hour before: a reminder in the checklist's thread, only while the run still waits for its time. */
export async function remindScheduled(deps: ScheduleDeps & { slack: SlackPort }, runId: string): Promise<void> {
  const run = await deps.offboard.getRun(runId)
  const log = deps.logger.child({ runId })
  if (run?.schedule?.status !== 'waiting' || !run.message) return log.info('reminder skipped: the run is no longer waiting for its time')
  await deps.slack.chat.postMessage({ channel: run.message.channel, thread_ts: run.message.ts, ...scheduledReminderReply({ ...run, schedule: run.schedule }) })
  log.info('scheduled offboarding reminder posted')
}

/**
 * Tells whoever clicked Cancel (on the checklist or in the App Home) why it did nothing, and audits it; nothing when it
 * cancelled. `time` writes a time: Slack's date (the default) in a message, words in a modal, which cannot show one.
 */
export async function tellCancelRefused(
  deps: Pick<ScheduleDeps, 'audit' | 'logger'>,
  outcome: CancelOutcome,
  context: { runId: string; actor: string; say: (text: string) => Promise<unknown>; time?: (iso: string) => string },
): Promise<void> {
  const time = context.time ?? slackDate
  const refuse = (detail: string) =>
    auditRefusal(deps, { event: 'offboard-refused', alertId: context.runId, actor: context.actor, action: 'cancel scheduled offboarding', detail })
  switch (outcome.kind) {
    case 'cancelled':
      return
    case 'started':
      await context.say(
        `⏳ Too late to cancel: this offboarding already started ${whoDecided(outcome.schedule, time)}. Follow its checklist; a suspended account can be restored from its reply in the thread.`,
      )
      return refuse('already started')
    case 'already-cancelled':
      await context.say(`🚫 This offboarding was already cancelled ${whoDecided(outcome.schedule, time)}.`)
      return refuse('already cancelled')
    case 'missing':
      await context.say('⚠️ This offboarding is no longer stored (runs are kept 90 days).')
      return refuse('run not found')
  }
}

export function whoDecided(schedule: Schedule, time: (iso: string) => string = slackDate): string {
  if (schedule.status === 'waiting') return ''
  if (schedule.status === 'started' && schedule.by === 'timer') return `at its time, ${time(schedule.at)}`
  return `by ${mention(schedule.actor)} ${time(schedule.at)}`
}

const clock = (deps: Pick<ScheduleDeps, 'now'>) => (deps.now ?? (() => new Date()))()

/**
 * Moves an offboarding run on, holding the run's lock so two replicas never do it
 * at once: posts the checklist (first time), opens one alert per step in the
 * checklist's thread, starts the steps that may start (identity provider first),
 * redraws the checklist, and sums up once nothing runs.
 *
 * Runs after the submit and after every step's outcome is reported, so each
 * settled step may release the next ones.
 */
import { DelayedError, type Job } from 'bullmq'
import type { Alert, AlertReport } from '../../../domain/alert.js'
import { isFinished, isQuiet, nextMoves, statusOf, type PlannedStep, type Run } from '../plan.js'
import { checklistMessage, scheduledChecklistMessage, summaryReply, type ChecklistStep } from '../views/offboard.js'
import type { AlertJobDeps } from '../../alerts/deps.js'
import type { OffboardStore } from '../store.js'
import type { OffboardJob } from '../../../jobs/queues.js'
import type { SlackMessage } from '../../../views/blocks.js'

/** How long a job waits before trying again while another replica holds the run. */
const LOCK_RETRY_MS = 250

/** An offboarding run's steps are alerts: the alert path's parts, and the runs' store. */
export type OffboardJobDeps = AlertJobDeps & { offboard: OffboardStore }

export async function advanceOffboard(ctx: OffboardJobDeps, job: Job<OffboardJob>, token?: string): Promise<void> {
  const { runId } = job.data
  const advanced = await ctx.offboard.withLock(runId, () => advance(ctx, runId))
  if (advanced === undefined) {
    await job.moveToDelayed(Date.now() + LOCK_RETRY_MS, token)
    throw new DelayedError()
  }
}

async function advance(ctx: OffboardJobDeps, runId: string): Promise<true> {
  const log = ctx.logger.child({ runId })
  const run = await ctx.offboard.getRun(runId)
  if (!run) {
    log.warn('offboarding run no longer stored; nothing to do')
    return true
  }
  // Planned for later: only the checklist saying when (with Cancel and Run now); the steps start once it is started.
  const { schedule } = run
  if (schedule && schedule.status !== 'started') {
    const planned = scheduledChecklistMessage({ ...run, schedule })
    if (run.message) await ctx.slack.chat.update({ channel: run.message.channel, ts: run.message.ts, ...planned })
    else {
      const message = await postChecklist(ctx, run, planned)
      // A Cancel decided while this was posted found no checklist to mark cancelled: mark it here.
      const after = (await ctx.offboard.getRun(runId))?.schedule
      if (after?.status === 'cancelled' && schedule.status !== 'cancelled')
        await ctx.slack.chat.update({ channel: message.channel, ts: message.ts, ...scheduledChecklistMessage({ ...run, schedule: after }) })
    }
    log.info({ schedule: schedule.status }, 'scheduled offboarding checklist drawn')
    return true
  }
  const message = run.message ?? (await postChecklist(ctx, run, firstChecklist(run)))
  const alerts = await openStepAlerts(ctx, { ...run, message })

  const stateOf = (step: PlannedStep) => alerts.get(step.integration)?.state
  const moves = nextMoves(run, stateOf)
  for (const step of moves.start) await startStep(ctx, run, step, alerts.get(step.integration))
  // A step claimed by an earlier try that crashed before queueing its job: the job id makes this a no-op otherwise.
  for (const step of run.steps) {
    const state = stateOf(step)
    if (state?.kind === 'in-progress' && state.request.attempt === 1 && state.request.actor === run.actor) {
      const alert = alerts.get(step.integration)
      if (alert) await ctx.queues.enqueueAction({ alertId: alert.id, action: step.action, attempt: 1, choices: step.choices }, step.identityProvider)
    }
  }

  const fresh = await readStepAlerts(ctx, alerts)
  const after = nextMoves(run, (step) => fresh.get(step.integration)?.state)
  const steps: ChecklistStep[] = run.steps.map((step) => ({ step, status: statusOf(step, fresh.get(step.integration)?.state, after) }))
  await ctx.slack.chat.update({ channel: message.channel, ts: message.ts, ...checklistMessage(run, steps) })

  const statuses = steps.map(({ status }) => status)
  if (isQuiet(statuses)) {
    const fingerprint = [...fresh.values()].map((alert) => `${alert.id}@${alert.version}`).join(',')
    if (await ctx.offboard.claimSummary(run.id, fingerprint)) {
      await ctx.slack.chat.postMessage({ channel: message.channel, thread_ts: message.ts, ...summaryReply(run, steps) })
    }
  }
  if (isFinished(statuses)) await ctx.offboard.finish(run)
  log.info({ started: moves.start.map((step) => step.integration), statuses: statuses.map((status) => status.kind) }, 'offboarding run advanced')
  return true
}

function firstChecklist(run: Run): SlackMessage {
  const waiting = nextMoves(run, () => undefined)
  return checklistMessage(
    run,
    run.steps.map((step) => ({ step, status: statusOf(step, undefined, waiting) })),
  )
}

async function postChecklist(ctx: OffboardJobDeps, run: Run, checklist: SlackMessage): Promise<NonNullable<Run['message']>> {
  const posted = await ctx.slack.chat.postMessage({ channel: ctx.alertChannelId, ...checklist })
  if (!posted.ts) throw new Error('chat.postMessage answered without a ts')
  const message = { channel: posted.channel ?? ctx.alertChannelId, ts: posted.ts }
  await ctx.offboard.setMessage(run.id, message)
  return (await ctx.offboard.getRun(run.id))?.message ?? message
}

/** One alert per step, found again by its dedup key when an earlier try already opened it. */
async function openStepAlerts(ctx: OffboardJobDeps, run: Run & { message: NonNullable<Run['message']> }): Promise<Map<string, Alert>> {
  const alerts = new Map<string, Alert>()
  for (const step of run.steps) {
    const report: AlertReport = {
      integration: step.integration,
      email: run.email,
      accountId: step.account.id,
      ...(step.account.displayName ? { name: step.account.displayName } : {}),
      reason: `Offboarding requested with /deprovision by <@${run.actor}>`,
      severity: 'high',
      dedup: { origin: 'bot', key: `offboard:${run.id}` },
    }
    const created = await ctx.alerts.create(report, step.service, ctx.now(), { id: run.id, thread: run.message })
    const alert = created.status === 'created' ? created.alert : await ctx.alerts.get(created.alertId)
    if (alert) alerts.set(step.integration, alert)
  }
  return alerts
}

async function readStepAlerts(ctx: OffboardJobDeps, alerts: ReadonlyMap<string, Alert>): Promise<Map<string, Alert>> {
  const fresh = new Map<string, Alert>()
  for (const [integration, alert] of alerts) {
    const current = await ctx.alerts.get(alert.id)
    if (current) fresh.set(integration, current)
  }
  return fresh
}

/** Claims the step's alert (so it runs once, whichever replica gets here) and queues its action. */
async function startStep(ctx: OffboardJobDeps, run: Run, step: PlannedStep, alert: Alert | undefined): Promise<void> {
  if (!alert) return
  const capabilities = ctx.providers.summary(step.integration).capabilities
  const claim = await ctx.alerts.claim(alert, step.action, run.actor, capabilities, ctx.now(), step.account.id)
  if (claim.status !== 'claimed') return
  // The identity provider goes first: the person can sign in everywhere until it is done.
  await ctx.queues.enqueueAction({ alertId: alert.id, action: step.action, attempt: claim.request.attempt, choices: step.choices }, step.identityProvider)
  await ctx.audit.append({
    event: 'action-requested',
    alertId: alert.id,
    actor: run.actor,
    action: step.action,
    integration: step.integration,
    email: run.email,
    detail: `step of offboarding run ${run.id}`,
  })
}

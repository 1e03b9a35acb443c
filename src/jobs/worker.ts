/**
 * The workers: post alert messages, and run confirmed actions through the
 * provider, then report once in the alert's thread. Each step is guarded so a job
 * that runs again (a crash, a Slack failure while reporting) neither repeats the
 * provider call nor posts the result twice.
 */
import type { WebClient } from '@slack/web-api'
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import type { Alert, AlertState, Request } from '../alerts/alert.js'
import type { Logger } from '../logger.js'
import { describeProblem, isRetryable, toProblem, type Problem } from '../providers/problems.js'
import type { ProviderRegistry } from '../providers/registry.js'
import { executeFor } from '../providers/run.js'
import type { Outcome, Provider } from '../providers/types.js'
import type { AlertStore } from '../store/alerts.js'
import type { AuditLog } from '../store/audit.js'
import { alertMessage } from '../views/alert-message.js'
import { outcomeReply } from '../views/thread.js'
import { ACTION_QUEUE, POST_ALERT_QUEUE, QUEUE_PREFIX, type ActionJob, type PostAlertJob, type RetryPolicy } from './queues.js'

export interface WorkerDeps {
  connection: ConnectionOptions
  alerts: AlertStore
  audit: AuditLog
  providers: ProviderRegistry
  slack: WebClient
  alertChannelId: string
  logger: Logger
  retry: RetryPolicy
  concurrency: number
  now?: () => Date
}

/** Thrown to have BullMQ try again later; carries how long the service asked us to wait. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError'
  constructor(readonly problem: Problem) {
    super(describeProblem(problem))
  }
}

export function backoffDelay(policy: RetryPolicy, attemptsMade: number, error?: Error): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), policy.maxDelayMs)
  if (error instanceof RetryLaterError && error.problem.kind === 'rate-limited' && error.problem.retryAfterMs !== undefined) {
    return Math.max(error.problem.retryAfterMs, policy.baseDelayMs / 4)
  }
  return exponential
}

export interface Workers {
  close(): Promise<void>
}

export function startWorkers(deps: WorkerDeps): Workers {
  const settings = { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => backoffDelay(deps.retry, attemptsMade, error) }
  const common = { connection: deps.connection, prefix: QUEUE_PREFIX, settings }
  // One poster at a time per process keeps a burst in order and paced by Slack's per-channel limit.
  const poster = new Worker<PostAlertJob>(POST_ALERT_QUEUE, (job) => postAlert(deps, job), { ...common, concurrency: 1 })
  const runner = new Worker<ActionJob>(ACTION_QUEUE, (job, token) => runAction(deps, job, token), {
    ...common,
    concurrency: deps.concurrency,
  })
  for (const worker of [poster, runner]) {
    worker.on('failed', (job, error) =>
      deps.logger.warn({ err: error, queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, alertId: job?.data.alertId }, 'job attempt failed'),
    )
    worker.on('error', (error) => deps.logger.error({ err: error, queue: worker.name }, 'worker error'))
  }
  return {
    async close() {
      await Promise.all([poster.close(), runner.close()])
    },
  }
}

async function postAlert(deps: WorkerDeps, job: Job<PostAlertJob>): Promise<void> {
  const alert = await deps.alerts.get(job.data.alertId)
  if (!alert || alert.message) return
  const posted = await deps.slack.chat.postMessage({
    channel: deps.alertChannelId,
    ...alertMessage(alert, deps.providers.summary(alert.integration)),
  })
  if (!posted.ts || !posted.channel) throw new Error('chat.postMessage answered without channel and ts')
  await deps.alerts.setMessage(alert.id, { channel: posted.channel, ts: posted.ts })
  deps.logger.info({ alertId: alert.id, integration: alert.integration, channel: posted.channel, ts: posted.ts }, 'alert posted')
}

async function runAction(deps: WorkerDeps, job: Job<ActionJob & { task?: TaskData }>, token?: string): Promise<void> {
  const { alertId, action, attempt } = job.data
  const log = deps.logger.child({ alertId, action, attempt, jobId: job.id })
  const alert = await deps.alerts.get(alertId)
  if (!alert) {
    log.warn('alert no longer exists; nothing to run')
    return
  }
  const provider = deps.providers.get(alert.integration)

  if (alert.state.kind === 'in-progress' && alert.state.request.attempt === attempt) {
    const request = alert.state.request
    const outcome = await runOrPoll(deps, provider, alert, job)
    if (outcome.kind === 'pending') {
      await job.updateData({ ...job.data, task: { id: outcome.task.id } })
      await job.moveToDelayed(Date.now() + outcome.task.pollAfterMs, token)
      throw new DelayedError()
    }
    if (outcome.kind === 'failed' && isRetryable(outcome.problem) && !isLastAttempt(job)) {
      log.info({ problem: outcome.problem }, 'retryable failure; will try again')
      throw new RetryLaterError(outcome.problem)
    }
    const next = settledState(request, outcome, (deps.now ?? (() => new Date()))())
    if (await deps.alerts.settle(alertId, attempt, next)) {
      await deps.audit.append({
        event: outcome.kind === 'failed' ? 'action-failed' : 'action-completed',
        alertId,
        actor: request.actor,
        action,
        integration: alert.integration,
        email: alert.email,
        outcome: outcome.kind,
        detail: outcome.kind === 'failed' ? describeProblem(outcome.problem) : outcome.kind === 'already-done' ? outcome.detail : undefined,
      })
      log.info({ outcome: outcome.kind }, 'action settled')
    }
  }
  await reportOnce(deps, alertId, attempt)
}

interface TaskData {
  id: string
}

async function runOrPoll(deps: WorkerDeps, provider: Provider | undefined, alert: Alert, job: Job<ActionJob & { task?: TaskData }>): Promise<Outcome> {
  if (!provider) return { kind: 'failed', problem: { kind: 'rejected', detail: `integration "${alert.integration}" is no longer configured` } }
  const task = job.data.task
  if (task && provider.poll) {
    try {
      return await provider.poll({ id: task.id, pollAfterMs: 0 })
    } catch (error) {
      return { kind: 'failed', problem: toProblem(error) }
    }
  }
  return executeFor(provider, alert.email, job.data.action)
}

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
}

export function settledState(request: Request, outcome: Exclude<Outcome, { kind: 'pending' }>, now: Date): AlertState {
  const at = now.toISOString()
  switch (outcome.kind) {
    case 'done':
      return { kind: 'done', request, at }
    case 'already-done':
      return { kind: 'done', request, alreadyDone: outcome.detail, at }
    case 'scheduled':
      return { kind: 'scheduled', request, until: outcome.until, at }
    case 'failed':
      return { kind: 'failed', request, problem: outcome.problem, at }
  }
}

/** The outcome a settled state records, so a re-run can report without asking the provider again. */
export function outcomeOf(state: AlertState): Outcome | undefined {
  switch (state.kind) {
    case 'done':
      return state.alreadyDone === undefined ? { kind: 'done' } : { kind: 'already-done', detail: state.alreadyDone }
    case 'scheduled':
      return { kind: 'scheduled', until: state.until, cancellable: true }
    case 'failed':
      return { kind: 'failed', problem: state.problem }
    default:
      return undefined
  }
}

async function reportOnce(deps: WorkerDeps, alertId: string, attempt: number): Promise<void> {
  const alert = await deps.alerts.get(alertId)
  if (!alert || (await deps.alerts.wasReported(alertId, attempt))) return
  const outcome = outcomeOf(alert.state)
  if (!outcome || !('request' in alert.state) || alert.state.request.attempt !== attempt) return
  const integration = deps.providers.summary(alert.integration)
  if (alert.message) {
    const { channel, ts } = alert.message
    await deps.slack.chat.postMessage({ channel, thread_ts: ts, ...outcomeReply(alert, alert.state.request, outcome, integration) })
    await deps.slack.chat.update({ channel, ts, ...alertMessage(alert, integration) })
  }
  await deps.alerts.markReported(alertId, attempt)
}

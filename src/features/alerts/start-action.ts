/**
 * Runs a claimed request: says so in the thread and on the alert, queues the job, audits. The confirmation and
 * an approval both start actions through here, so an approved request runs exactly as a confirmed one.
 */
import type { Alert, Request } from '../../domain/alert.js'
import { requestAuditFields } from './request-audit.js'
import { alertSurface } from './surface.js'
import type { Logger } from '../../logger.js'
import type { Choices } from '../../providers/types.js'
import { reportOnce } from './report.js'
import { inProgressReply } from './views/thread.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { AlertDeps } from './deps.js'

/** `client` retries (the failure report must land); the announcer, which gives up fast, says "in progress". */
export async function startAction(deps: AlertDeps, client: SlackPort, alert: Alert, request: Request, choices: Choices, log: Logger): Promise<void> {
  // "In progress" goes out before the job is queued, so the worker's result always lands after it and is
  // never overwritten by it. The announcer gives up within seconds: a slow Slack must not hold the action back.
  const claimed = { ...alert, state: { kind: 'in-progress', request } } as const
  if (alert.message) {
    const { channel, ts } = alert.message
    await Promise.all([
      deps.announcer.chat.postMessage({ channel, thread_ts: ts, ...inProgressReply(alert, request) }),
      alertSurface(claimed, deps.providers, deps.mutes).then((message) => deps.announcer.chat.update({ channel, ts, ...message })),
    ]).catch((error: unknown) => log.warn({ err: error }, 'could not announce the action in Slack; running it anyway'))
  }

  try {
    await deps.queues.enqueueAction({ alertId: alert.id, action: request.action, attempt: request.attempt, choices })
    log.info({ attempt: request.attempt }, 'action queued')
    await deps.audit.append({
      event: 'action-requested',
      ...requestAuditFields(alert, request),
      ...(Object.keys(choices).length > 0 ? { detail: `choices: ${JSON.stringify(choices)}` } : {}),
    })
  } catch (error) {
    // Nothing ran: the attempt settles as failed, so the alert offers Retry instead of hanging "in progress", and is
    // reported as a job reports any result (through the retrying `client`: the failure must land).
    log.error({ err: error }, 'could not queue the action')
    const problem = { kind: 'transient', detail: 'the job queue was unavailable, so nothing was done' } as const
    await deps.alerts.settle(alert.id, request.attempt, { kind: 'failed', request, problem, at: new Date().toISOString() })
    await reportOnce({ ...deps, slack: client }, alert.id, request.attempt)
  }
}

/**
 * The confirmation modal's submit: claim the alert for this attempt (atomically, so
 * a double submit or a second replica gets "already in progress"), ack, queue the
 * job, then say so in the thread and on the alert.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt'
import { z } from 'zod'
import type { ModalContext } from '../constants.js'
import { ALERT_ACTIONS } from '../providers/types.js'
import { alertMessage } from '../views/alert-message.js'
import { busyModal, noticeModal, notAuthorizedText } from '../views/modals.js'
import { inProgressReply, outcomeReply } from '../views/thread.js'
import { isActor, type HandlerDeps } from './deps.js'

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs

const modalContextSchema = z.object({ alertId: z.string().min(1).max(64), action: z.enum(ALERT_ACTIONS) })

export function confirmAction(deps: HandlerDeps) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const actor = body.user.id
    const context = parseContext(view.private_metadata)
    if (!context) {
      deps.logger.warn({ actor }, 'confirmation with unreadable private_metadata')
      await ack({ response_action: 'update', view: noticeModal('Cannot continue', 'This confirmation is out of date. Open it again from the alert.') })
      return
    }
    const log = deps.logger.child({ alertId: context.alertId, action: context.action, actor })
    if (!isActor(deps, actor)) {
      await ack({ response_action: 'update', view: noticeModal('Not allowed', notAuthorizedText(context.action)) })
      await deps.audit.append({ event: 'action-refused', alertId: context.alertId, actor, action: context.action, detail: 'not an authorized actor' })
      return
    }

    const claim = await deps.alerts.claim(context.alertId, context.action, actor, (deps.now ?? (() => new Date()))())
    if (claim.status !== 'claimed') {
      const alert = await deps.alerts.get(context.alertId)
      await ack({
        response_action: 'update',
        view: alert ? busyModal(context, alert) : noticeModal('Alert not found', 'This alert is no longer stored, so nothing was done.'),
      })
      log.info({ claim: claim.status }, 'confirmation refused: alert not open')
      return
    }
    await ack()

    const { request } = claim
    const alert = await deps.alerts.get(context.alertId)
    const summary = deps.providers.summary(alert?.integration ?? '')
    // "In progress" goes out before the job is queued, so the worker's result always lands after it and is
    // never overwritten by it. The announcer gives up within seconds: a slow Slack must not hold the action back.
    if (alert?.message) {
      const { channel, ts } = alert.message
      await Promise.all([
        deps.announcer.chat.postMessage({ channel, thread_ts: ts, ...inProgressReply(alert, request) }),
        deps.announcer.chat.update({ channel, ts, ...alertMessage(alert, summary) }),
      ]).catch((error: unknown) => log.warn({ err: error }, 'could not announce the action in Slack; running it anyway'))
    }

    try {
      await deps.queues.enqueueAction({ alertId: context.alertId, action: context.action, attempt: request.attempt })
      log.info({ attempt: request.attempt }, 'action queued')
      await deps.audit.append({ event: 'action-requested', alertId: context.alertId, actor, action: context.action })
    } catch (error) {
      // Nothing ran: record the attempt as failed so the alert offers Retry instead of hanging "in progress".
      log.error({ err: error }, 'could not queue the action')
      const problem = { kind: 'transient', detail: 'the job queue was unavailable, so nothing was done' } as const
      const failed = { kind: 'failed', request, problem, at: new Date().toISOString() } as const
      await deps.alerts.settle(context.alertId, request.attempt, failed)
      if (!alert?.message) return
      const { channel, ts } = alert.message
      await client.chat.postMessage({ channel, thread_ts: ts, ...outcomeReply(alert, request, { kind: 'failed', problem }, summary) })
      await client.chat.update({ channel, ts, ...alertMessage({ ...alert, state: failed }, summary) })
    }
  }
}

function parseContext(metadata: string): ModalContext | null {
  try {
    const parsed = modalContextSchema.safeParse(JSON.parse(metadata))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

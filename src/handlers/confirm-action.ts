/**
 * The confirmation modal's submit: claim the alert for this attempt (atomically, so
 * a double submit or a second replica gets "already in progress"), ack, queue the
 * job, then say so in the thread and on the alert.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewStateValue, ViewSubmitAction } from '@slack/bolt'

type ViewStateValues = Record<string, Record<string, ViewStateValue>>
import { ANSWER_ACTION_ID, QUESTION_BLOCK_PREFIX } from '../constants.js'
import type { Choices } from '../providers/types.js'
import { alertSurface } from '../alerts/surface.js'
import { busyModal, noticeModal, notAuthorizedText } from '../views/modals.js'
import { inProgressReply, outcomeReply } from '../views/thread.js'
import { isActor, type HandlerDeps } from './deps.js'
import { parseModalContext } from './modal-context.js'

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs

export function confirmAction(deps: HandlerDeps) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const actor = body.user.id
    const context = parseModalContext(view.private_metadata)
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

    const alert = await deps.alerts.get(context.alertId)
    if (!alert) {
      await ack({ response_action: 'update', view: noticeModal('Alert not found', 'This alert is no longer stored, so nothing was done.') })
      return
    }
    const summary = deps.providers.summary(alert.integration)
    // Read everything the submission carries before claiming: nothing after the claim may throw and strand it.
    const choices = readChoices(view.state?.values)
    const claim = await deps.alerts.claim(alert, context.action, actor, summary.capabilities, (deps.now ?? (() => new Date()))())
    if (claim.status !== 'claimed') {
      await ack({ response_action: 'update', view: busyModal(context, { ...alert, state: claim.status === 'refused' ? claim.state : alert.state }) })
      log.info({ claim: claim.status }, 'confirmation refused: the alert moved on')
      return
    }
    await ack()

    const { request } = claim
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
      await deps.queues.enqueueAction({ alertId: context.alertId, action: context.action, attempt: request.attempt, choices })
      log.info({ attempt: request.attempt }, 'action queued')
      await deps.audit.append({
        event: 'action-requested',
        alertId: context.alertId,
        actor,
        action: context.action,
        integration: alert.integration,
        email: alert.email,
        ...(Object.keys(choices).length > 0 ? { detail: `choices: ${JSON.stringify(choices)}` } : {}),
      })
    } catch (error) {
      // Nothing ran: record the attempt as failed so the alert offers Retry instead of hanging "in progress".
      log.error({ err: error }, 'could not queue the action')
      const problem = { kind: 'transient', detail: 'the job queue was unavailable, so nothing was done' } as const
      const failed = { kind: 'failed', request, problem, at: new Date().toISOString() } as const
      await deps.alerts.settle(context.alertId, request.attempt, failed)
      if (!alert.message) return
      const { channel, ts } = alert.message
      await client.chat.postMessage({ channel, thread_ts: ts, ...outcomeReply(alert, request, { kind: 'failed', problem }, summary) })
      await client.chat.update({ channel, ts, ...(await alertSurface({ ...alert, state: failed }, deps.providers, deps.mutes)) })
    }
  }
}

/** The answers to the adapter's questions: one select per `question:<id>` input block. */
function readChoices(values: ViewStateValues | undefined): Choices {
  const choices: Record<string, string> = {}
  for (const [block, inputs] of Object.entries(values ?? {})) {
    if (!block.startsWith(QUESTION_BLOCK_PREFIX)) continue
    const value = inputs?.[ANSWER_ACTION_ID]?.selected_option?.value
    if (value) choices[block.slice(QUESTION_BLOCK_PREFIX.length)] = value
  }
  return choices
}

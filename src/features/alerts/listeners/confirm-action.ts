/**
 * The confirmation modal's submit: claim the alert for this attempt (atomically, so
 * a double submit or a second replica gets "already in progress"), ack, queue the
 * job, then say so in the thread and on the alert. Where the integration asks for
 * two-person approval, the request is held for approval instead (approval.ts).
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewStateValue, ViewSubmitAction } from '@slack/bolt'

type ViewStateValues = Record<string, Record<string, ViewStateValue>>
import { ANSWER_ACTION_ID, QUESTION_BLOCK_PREFIX } from '../../../constants.js'
import type { Choices } from '../../../providers/types.js'
import { busyModal, noticeModal, notAuthorizedText } from '../views/modals.js'
import { announceApprovalRequest, holdForApproval } from '../../approval/request.js'
import type { AlertDeps } from '../deps.js'
import type { ApprovalRequestDeps } from '../../approval/request.js'
import { isActor } from '../../../slack/actors.js'
import { auditRefusal, NOT_AN_ACTOR } from '../../../slack/refusal.js'
import { parseModalContext } from './modal-context.js'
import { STORE_UNAVAILABLE_TEXT } from '../confirmation.js'
import { startAction } from '../start-action.js'

type ListenerDeps = AlertDeps & ApprovalRequestDeps

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs

export function confirmAction(deps: ListenerDeps) {
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
      await auditRefusal(deps, { event: 'action-refused', alertId: context.alertId, actor, action: context.action, detail: NOT_AN_ACTOR })
      return
    }

    let alert
    try {
      alert = await deps.alerts.get(context.alertId)
    } catch (error) {
      log.error({ err: error }, 'could not read the alert')
      await ack({ response_action: 'update', view: noticeModal('Try again shortly', STORE_UNAVAILABLE_TEXT) })
      return
    }
    if (!alert) {
      await ack({ response_action: 'update', view: noticeModal('Alert not found', 'This alert is no longer stored, so nothing was done.') })
      return
    }
    const summary = deps.providers.summary(alert.integration)
    // Read everything the submission carries before claiming: nothing after the claim may throw and strand it.
    const choices = readChoices(view.state?.values)
    if (deps.approval.required(alert.integration, context.action)) {
      const approval = await holdForApproval(deps, alert, context, actor, choices)
      if (!approval) {
        await ack({ response_action: 'update', view: busyModal(context, (await deps.alerts.get(alert.id)) ?? alert) })
        log.info('approval request refused: the alert moved on')
        return
      }
      await ack()
      await announceApprovalRequest(deps, client, alert, approval, choices, log)
      return
    }
    const claim = await deps.alerts.claim(alert, context.action, actor, summary.capabilities, (deps.now ?? (() => new Date()))(), context.accountId)
    if (claim.status !== 'claimed') {
      await ack({ response_action: 'update', view: busyModal(context, { ...alert, state: claim.status === 'refused' ? claim.state : alert.state }) })
      log.info({ claim: claim.status }, 'confirmation refused: the alert moved on')
      return
    }
    await ack()
    await startAction(deps, client, alert, claim.request, choices, log)
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

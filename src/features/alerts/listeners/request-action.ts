/**
 * Delete / Suspend on an alert, or Retry in its thread: ack, authorize, open a
 * loading modal at once (the trigger_id lives 3 s), then ask the provider what the
 * action would do and turn the modal into the confirmation.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import type { Alert } from '../../../domain/alert.js'
import { REQUEST_ACTION_PATTERN } from '../../../constants.js'
import type { Action } from '../../../providers/types.js'
import { openLoadingModal, showConfirmation, STORE_UNAVAILABLE_TEXT } from '../confirmation.js'
import { notAuthorizedText } from '../views/modals.js'
import type { AlertDeps } from '../deps.js'
import { isActor } from '../../../slack/actors.js'
import { auditRefusal, NOT_AN_ACTOR } from '../../../slack/refusal.js'

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

const MODAL_NOT_OPENED_TEXT = 'Slack could not open the confirmation, so nothing was done. Click the button again.'

export function requestAction(deps: AlertDeps) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack()
    const kind = REQUEST_ACTION_PATTERN.exec(action.action_id)?.[1] as Action | undefined
    const alertId = action.value ?? ''
    const actor = body.user.id
    const log = deps.logger.child({ alertId, action: kind, actor })
    if (!kind) return

    let alert: Alert | null
    try {
      alert = await deps.alerts.get(alertId)
    } catch (error) {
      log.error({ err: error }, 'could not read the alert')
      const channel = channelOf(body)
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: STORE_UNAVAILABLE_TEXT })
      return
    }
    if (!isActor(deps, actor)) {
      const channel = channelOf(body)
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: notAuthorizedText(kind) })
      await auditRefusal(deps, {
        event: 'action-refused',
        alertId,
        actor,
        action: kind,
        detail: NOT_AN_ACTOR,
        ...(alert ? { integration: alert.integration, email: alert.email } : {}),
      })
      return
    }
    if (!alert) {
      log.warn('alert not found')
      const channel = channelOf(body)
      if (channel)
        await client.chat.postEphemeral({
          channel,
          user: actor,
          text: 'This alert is no longer stored (it expired or was removed), so nothing can be done from it.',
        })
      return
    }

    const opened = await openLoadingModal(client, body.trigger_id, { alertId, action: kind }, alert, log)
    if (!opened) {
      const channel = channelOf(body)
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: MODAL_NOT_OPENED_TEXT })
      return
    }
    await showConfirmation(deps, client, opened, alert, kind, actor)
  }
}

/** Where to answer the clicker: the alert's channel, else the one its container names (Bolt types it `any`, so it is checked). */
function channelOf(body: BlockAction): string | undefined {
  const fromContainer: unknown = body.container?.channel_id
  return body.channel?.id ?? (typeof fromContainer === 'string' ? fromContainer : undefined)
}

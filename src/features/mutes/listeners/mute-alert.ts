/**
 * The alert's Mute menu and Unmute buttons (on a muted alert, and in
 * `/deprovision mutes`): ack, authorize, record the mute (or drop it), say who did it
 * on the alert, audit. Muted alerts that arrive later are counted, not posted.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt'
import { alertSurface } from '../../alerts/surface.js'
import { MUTE_DURATIONS, type MuteDuration, type MuteScope } from '../store.js'
import type { AlertDeps } from '../../alerts/deps.js'
import { isActor } from '../../../slack/actors.js'
import { auditRefusal, NOT_AN_ACTOR } from '../../../slack/refusal.js'

type SelectArgs = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs
type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

const REFUSAL = '🔒 Only the security team’s actors may mute or unmute alerts. Ask an admin to add your Slack user ID to ACTORS.'

export function muteAlert(deps: AlertDeps) {
  return async ({ ack, body, action, client }: SelectArgs): Promise<void> => {
    await ack()
    const [alertId = '', scope, duration] = action.selected_option.value.split('|')
    const actor = body.user.id
    const channel = body.channel?.id
    if (!isActor(deps, actor)) {
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: REFUSAL })
      await auditRefusal(deps, { event: 'action-refused', actor, action: 'mute', ...(await refusedAlert(deps, alertId)), detail: NOT_AN_ACTOR })
      return
    }
    const alert = await deps.alerts.get(alertId)
    if (!alert || !isScope(scope) || !isDuration(duration)) return
    const mute = await deps.mutes.mute(
      { scope, integration: alert.integration, ...(scope === 'account' ? { email: alert.email } : {}), by: actor, duration },
      (deps.now ?? (() => new Date()))(),
    )
    await deps.alerts.setMute(alert.id, mute.id)
    await deps.audit.append({ event: 'alert-muted', alertId, actor, integration: alert.integration, email: alert.email, detail: `${scope} ${duration}` })
    deps.logger.info({ alertId, actor, scope, duration }, 'alert muted')
    await refresh(deps, client, alertId)
  }
}

export function unmute(deps: AlertDeps) {
  return async ({ ack, body, action, client, respond }: ButtonArgs): Promise<void> => {
    await ack()
    const [muteId = '', alertId] = (action.value ?? '').split('|')
    const actor = body.user.id
    if (!isActor(deps, actor)) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: REFUSAL })
      await auditRefusal(deps, { event: 'action-refused', actor, action: 'unmute', ...(await refusedAlert(deps, alertId)), detail: NOT_AN_ACTOR })
      return
    }
    const mute = await deps.mutes.unmute(muteId)
    if (alertId) await deps.alerts.setMute(alertId, undefined)
    if (alertId) await refresh(deps, client, alertId)
    // A second click, or a mute that ran out meanwhile: nothing was unmuted, so nobody is named for it.
    if (!mute) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'That mute had already ended: new alerts for it are already posted.' })
      return
    }
    await deps.audit.append({ event: 'alert-unmuted', alertId: alertId ?? '', actor, integration: mute.integration, detail: mute.scope })
    deps.logger.info({ alertId, actor, muteId }, 'mute removed')
    const alert = alertId ? await deps.alerts.get(alertId) : null
    if (alert?.message) {
      await client.chat.postMessage({
        channel: alert.message.channel,
        thread_ts: alert.message.ts,
        text: `🔔 Unmuted by <@${actor}>: new alerts for it are posted again.`,
      })
    } else {
      await respond({ response_type: 'ephemeral', replace_original: false, text: '🔔 Unmuted: new alerts for it are posted again.' })
    }
  }
}

/** The refused alert, as far as it is known (an Unmute in `/deprovision mutes` names none). */
async function refusedAlert(deps: AlertDeps, alertId: string | undefined): Promise<{ alertId?: string; integration?: string; email?: string }> {
  if (!alertId) return {}
  const alert = await deps.alerts.get(alertId).catch(() => null)
  return alert ? { alertId, integration: alert.integration, email: alert.email } : { alertId }
}

async function refresh(deps: AlertDeps, client: SelectArgs['client'], alertId: string): Promise<void> {
  const alert = await deps.alerts.get(alertId)
  if (!alert?.message) return
  await client.chat.update({ channel: alert.message.channel, ts: alert.message.ts, ...(await alertSurface(alert, deps.providers, deps.mutes)) })
}

function isScope(value: string | undefined): value is MuteScope {
  return value === 'account' || value === 'service'
}

function isDuration(value: string | undefined): value is MuteDuration {
  return (MUTE_DURATIONS as readonly string[]).includes(value ?? '')
}

/**
 * A new alert's message in the alert channel: what it says (a broken integration says so on the alert itself,
 * before anyone clicks), posted by the posting job, or at once by a person's own action (postOpenedAlert).
 */
import type { Alert, AlertRoute, MessageRef, MissedRoute } from '../../domain/alert.js'
import type { Logger } from '../../logger.js'
import type { Metrics } from '../../metrics.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { SlackMessage } from '../../views/blocks.js'
import { postRouted } from '../routing/fallback.js'
import { alertSubject } from '../routing/rules.js'
import type { AlertJobDeps } from './deps.js'
import { alertSurface } from './surface.js'

export type PostingDeps = Pick<AlertJobDeps, 'alerts' | 'health' | 'providers' | 'mutes' | 'alertChannelId'> & { metrics: Pick<Metrics, 'routedFallback'> }

/** Where the alert goes: the channel its routing rules chose when it was accepted (older alerts: ALERT_CHANNEL_ID). */
export function channelOf(deps: Pick<PostingDeps, 'alertChannelId'>, alert: Alert): string {
  return alert.route?.channel ?? deps.alertChannelId
}

/** The alert as first posted. */
export async function newAlertMessage(deps: Omit<PostingDeps, 'alerts' | 'alertChannelId'>, alert: Alert): Promise<SlackMessage> {
  const health = (await deps.health.all())[alert.integration]
  // Say a broken integration is broken on the alert itself, before anyone clicks.
  const broken = health && !health.ok ? health.problem : undefined
  return alertSurface(alert, deps.providers, deps.mutes, broken ? { broken } : {})
}

/**
 * Posts the alert to its channel. Should Slack refuse a routed channel for good (routing/fallback.ts), the alert
 * moves to ALERT_CHANNEL_ID first, so its message says where it was meant to go and its updates and thread follow.
 */
export async function postNewAlert(deps: PostingDeps, slack: SlackPort, alert: Alert, log: Logger): Promise<MessageRef> {
  const { posted } = await postRouted(
    { slack, defaultChannel: deps.alertChannelId, metrics: deps.metrics, logger: log },
    { channel: channelOf(deps, alert), ...(alert.route?.rule === undefined ? {} : { rule: alert.route.rule }) },
    alertSubject(alert).kind,
    (missed) => newAlertMessage(deps, missed ? { ...alert, route: rerouted(deps, alert, missed) } : alert),
    (missed) => deps.alerts.setRoute(alert.id, rerouted(deps, alert, missed)),
  )
  return posted
}

/** The alert's route once its routed channel refused it: ALERT_CHANNEL_ID, still notifying its user group. */
function rerouted(deps: Pick<PostingDeps, 'alertChannelId'>, alert: Alert, missed: MissedRoute): AlertRoute {
  return { channel: deps.alertChannelId, ...(alert.route?.mention ? { mention: alert.route.mention } : {}), missed }
}

/**
 * Posts an alert a person just opened (the App Home's Delete / Suspend) and records its message, so the action's
 * "in progress" and result land in its thread without waiting for the posting job. Answers the alert as it is
 * afterwards; should Slack or Redis fail, the alert as it was, and its delayed posting job posts it instead.
 */
export async function postOpenedAlert(deps: PostingDeps, slack: SlackPort, alert: Alert, log: Logger): Promise<Alert> {
  try {
    const posted = await postNewAlert(deps, slack, alert, log)
    const recorded = await deps.alerts.recordMessage(alert.id, posted)
    log.info({ channel: posted.channel, ts: posted.ts }, 'alert posted at once for the person acting on it')
    return { ...alert, message: recorded ?? posted }
  } catch (error) {
    log.warn({ err: error }, 'could not post the opened alert at once; its posting job will')
    return alert
  }
}

/**
 * A new alert's message in the alert channel: what it says (a broken integration says so on the alert itself,
 * before anyone clicks), posted by the posting job, or at once by a person's own action (postOpenedAlert).
 */
import type { Alert, MessageRef } from '../../domain/alert.js'
import type { Logger } from '../../logger.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { SlackMessage } from '../../views/blocks.js'
import type { AlertJobDeps } from './deps.js'
import { alertSurface } from './surface.js'

export type PostingDeps = Pick<AlertJobDeps, 'alerts' | 'health' | 'providers' | 'mutes' | 'alertChannelId'>

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
 * Posts an alert a person just opened (the App Home's Delete / Suspend) and records its message, so the action's
 * "in progress" and result land in its thread without waiting for the posting job. Answers the alert as it is
 * afterwards; should Slack or Redis fail, the alert as it was, and its delayed posting job posts it instead.
 */
export async function postOpenedAlert(deps: PostingDeps, slack: SlackPort, alert: Alert, log: Logger): Promise<Alert> {
  try {
    const answer = await slack.chat.postMessage({ channel: channelOf(deps, alert), ...(await newAlertMessage(deps, alert)) })
    if (!answer.ts || !answer.channel) throw new Error('chat.postMessage answered without channel and ts')
    const posted: MessageRef = { channel: answer.channel, ts: answer.ts }
    const recorded = await deps.alerts.recordMessage(alert.id, posted)
    log.info({ channel: posted.channel, ts: posted.ts }, 'alert posted at once for the person acting on it')
    return { ...alert, message: recorded ?? posted }
  } catch (error) {
    log.warn({ err: error }, 'could not post the opened alert at once; its posting job will')
    return alert
  }
}

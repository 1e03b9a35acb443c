/**
 * Never lose a message to a routed channel Slack will not take it in: the bot is not a member, the channel is gone
 * (or private without the bot), or archived. Those refusals are permanent, so retrying only delays the message until
 * its attempts run out and nobody sees it. It goes to ALERT_CHANNEL_ID at once instead, saying where it was meant to
 * go and how to fix that; ALERT_CHANNEL_ID refusing the same way still fails, as nothing better exists.
 */
import type { MessageRef, MissedRoute } from '../../domain/alert.js'
import type { Logger } from '../../logger.js'
import type { Metrics } from '../../metrics.js'
import { slackErrorCode } from '../../slack/files.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { SlackMessage } from '../../views/blocks.js'
import type { RouteKind } from './rules.js'

const UNPOSTABLE_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived'])

export interface RoutedPostDeps {
  slack: Pick<SlackPort, 'chat'>
  /** ALERT_CHANNEL_ID. */
  defaultChannel: string
  metrics: Pick<Metrics, 'routedFallback'>
  /** Carries the alertId (or runId, integration) the message is about. */
  logger: Logger
}

/**
 * Posts `message()` to `route.channel`; should Slack refuse that channel for good, `beforeFallback` records the
 * new place first (so a retry after a crash posts there too) and `message(missed)` goes to the default channel.
 */
export async function postRouted(
  deps: RoutedPostDeps,
  route: { channel: string; rule?: number },
  kind: RouteKind,
  message: (missed?: MissedRoute) => SlackMessage | Promise<SlackMessage>,
  beforeFallback: (missed: MissedRoute) => Promise<void> = () => Promise.resolve(),
): Promise<{ posted: MessageRef; missed?: MissedRoute }> {
  let missed: MissedRoute | undefined
  try {
    return { posted: await post(deps, route.channel, await message()) }
  } catch (error) {
    const code = slackErrorCode(error)
    if (route.channel === deps.defaultChannel || code === undefined || !UNPOSTABLE_CHANNEL.has(code)) throw error
    missed = { channel: route.channel, ...(route.rule === undefined ? {} : { rule: route.rule }), error: code }
  }
  deps.metrics.routedFallback.inc({ kind, rule: route.rule ?? 'none', error: missed.error })
  deps.logger.warn({ ...missed, kind, fallback: deps.defaultChannel }, 'Slack refused the routed channel for good; posting to ALERT_CHANNEL_ID')
  await beforeFallback(missed)
  return { posted: await post(deps, deps.defaultChannel, await message(missed)), missed }
}

async function post(deps: RoutedPostDeps, channel: string, message: SlackMessage): Promise<MessageRef> {
  const answer = await deps.slack.chat.postMessage({ channel, ...message })
  if (!answer.ts || !answer.channel) throw new Error('chat.postMessage answered without channel and ts')
  return { channel: answer.channel, ts: answer.ts }
}

/**
 * The line a message carries when it was meant for a routed channel Slack refused (the bot is not in it, it is
 * gone or archived) and was posted to ALERT_CHANNEL_ID instead: where it should have gone, why not, and the fix.
 */
import type { MissedRoute } from '../domain/alert.js'
import { context, type ContextBlock, type SlackMessage } from './blocks.js'

const WHY: Record<string, string> = {
  not_in_channel: 'the bot is not a member there',
  channel_not_found: 'Slack does not show the bot that channel: it was deleted, or it is private and the bot is not in it',
  is_archived: 'that channel is archived',
}

export function missedRouteLine(missed: MissedRoute): string {
  const rule = missed.rule === undefined ? '' : ` (routes file rule ${missed.rule})`
  const why = WHY[missed.error] ?? missed.error
  return `↪️ Meant for <#${missed.channel}>${rule}, posted here because ${why}. Invite the bot there (\`/invite @deprovision-bot\`) or fix the routes file.`
}

export function missedRouteBlock(blockId: string, missed: MissedRoute): ContextBlock {
  return context(blockId, [missedRouteLine(missed)])
}

/** `message` with the line at its end, for messages that keep no route of their own (health, reconciliation). */
export function withMissedRoute(message: SlackMessage, missed: MissedRoute | undefined): SlackMessage {
  if (!missed) return message
  return { ...message, blocks: [...message.blocks, missedRouteBlock('missed-route', missed)] }
}

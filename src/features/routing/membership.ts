/**
 * Whether the bot is in every channel messages are routed to (conversations.info). A channel it is not in (or an
 * archived one) refuses every post, which then goes to ALERT_CHANNEL_ID instead (fallback.ts), so each one is named
 * with the rules that send there and the fix. Checked at
 * start-up and by /deprovision status; a problem is warned about, never a reason to stop: Slack may be briefly
 * unreachable, and the other channels still work.
 */
import { slackErrorCode } from '../../slack/files.js'
import type { ChannelReader } from '../../slack/web-api.js'
import { routedChannels, type RoutingTable } from './rules.js'

type ChannelStatus =
  | { kind: 'member' }
  | { kind: 'not-member' }
  /** Slack does not show the bot the channel: it is gone, or private and the bot is not in it. */
  | { kind: 'not-found' }
  /** Archived: Slack refuses every post there (is_archived), member or not. */
  | { kind: 'archived' }
  /** Slack did not answer (down, rate limited), or the app lacks channels:read / groups:read (`missing_scope`). */
  | { kind: 'unchecked'; error: string }

export type MembershipProblem = Exclude<ChannelStatus, { kind: 'member' }> & {
  channel: string
  /** The rules that route there (none: it is ALERT_CHANNEL_ID). */
  rules: number[]
}

export async function checkMembership(slack: ChannelReader, table: RoutingTable): Promise<MembershipProblem[]> {
  const checked = await Promise.all(routedChannels(table).map(async (routed) => ({ ...routed, status: await statusOf(slack, routed.channel) })))
  return checked.flatMap(({ channel, rules, status }) => (status.kind === 'member' ? [] : [{ ...status, channel, rules }]))
}

async function statusOf(slack: ChannelReader, channel: string): Promise<ChannelStatus> {
  try {
    const answer = await slack.conversations.info({ channel })
    if (answer.channel?.is_archived) return { kind: 'archived' }
    return answer.channel?.is_member ? { kind: 'member' } : { kind: 'not-member' }
  } catch (error) {
    const code = slackErrorCode(error)
    if (code === 'channel_not_found') return { kind: 'not-found' }
    return { kind: 'unchecked', error: code ?? (error instanceof Error ? error.message : String(error)) }
  }
}

/** One line for the log and for Slack: which channel, which rules, what is wrong, the fix. */
export function describeMembershipProblem(problem: MembershipProblem, channelRef: (channel: string) => string = (channel) => channel): string {
  const where = `${channelRef(problem.channel)} (${problem.rules.length > 0 ? `routes file rule ${problem.rules.join(', ')}` : 'ALERT_CHANNEL_ID'})`
  switch (problem.kind) {
    case 'not-member':
      return `the bot is not a member of ${where}: messages routed there go to ALERT_CHANNEL_ID instead. Invite it there with /invite @deprovision-bot.`
    case 'not-found':
      return `Slack does not show the bot ${where}: it was deleted, or it is private and the bot is not in it. Check the ID, or invite the bot there with /invite @deprovision-bot.`
    case 'archived':
      return `${where} is archived: messages routed there go to ALERT_CHANNEL_ID instead. Unarchive it, or route to another channel in the routes file.`
    case 'unchecked':
      // Only a missing scope is the app's to fix; Slack being down or rate limited passes, and /deprovision status checks again.
      return problem.error === 'missing_scope'
        ? `could not check that the bot is in ${where}: the app needs the channels:read and groups:read scopes (reinstall it with manifest.yml).`
        : `could not check that the bot is in ${where} (${problem.error}); /deprovision status checks again.`
  }
}

/**
 * Whether the bot is in every channel messages are routed to (conversations.info). A channel it is not in would
 * refuse every post (not_in_channel), so each one is named with the rules that send there and the fix. Checked at
 * start-up and by /deprovision status; a problem is warned about, never a reason to stop: Slack may be briefly
 * unreachable, and the other channels still work.
 */
import type { ChannelReader } from '../../slack/web-api.js'
import { routedChannels, type RoutingTable } from './rules.js'

type ChannelStatus =
  | { kind: 'member' }
  | { kind: 'not-member' }
  /** Slack does not show the bot the channel: it is gone, or private and the bot is not in it. */
  | { kind: 'not-found' }
  /** Slack did not answer, or the app lacks channels:read / groups:read. */
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
    return answer.channel?.is_member ? { kind: 'member' } : { kind: 'not-member' }
  } catch (error) {
    // @slack/web-api throws Slack's `ok: false` answers with the error code in `data.error`.
    const code = (error as { data?: { error?: unknown } }).data?.error
    if (code === 'channel_not_found') return { kind: 'not-found' }
    return { kind: 'unchecked', error: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) }
  }
}

/** One line for the log and for Slack: which channel, which rules, what is wrong, the fix. */
export function describeMembershipProblem(problem: MembershipProblem, channelRef: (channel: string) => string = (channel) => channel): string {
  const where = `${channelRef(problem.channel)} (${problem.rules.length > 0 ? `routes file rule ${problem.rules.join(', ')}` : 'ALERT_CHANNEL_ID'})`
  switch (problem.kind) {
    case 'not-member':
      return `the bot is not a member of ${where}: messages routed there will fail. Invite it there with /invite @deprovision-bot.`
    case 'not-found':
      return `Slack does not show the bot ${where}: it was deleted, or it is private and the bot is not in it. Check the ID, or invite the bot there with /invite @deprovision-bot.`
    case 'unchecked':
      return `could not check that the bot is in ${where} (${problem.error}); the app needs the channels:read and groups:read scopes.`
  }
}

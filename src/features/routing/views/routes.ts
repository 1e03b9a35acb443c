/**
 * `/deprovision routes`: the rules in force, in order, and where a sample message would go; and the routed
 * channels the bot is not in, for `/deprovision status`. Pure Block Kit.
 */
import { context, section, type KnownBlock, type SlackMessage } from '../../../views/blocks.js'
import { inline } from '../../../views/text.js'
import { describeMembershipProblem, type MembershipProblem } from '../membership.js'
import type { Route, RouteMatch, RouteRule, RouteSubject, RoutingTable } from '../rules.js'

/** Rules listed one block each; a longer file is summarised (Slack allows 50 blocks in a message). */
const SHOWN_RULES = 40
const VALUE_MAX = 100

export function routesMessage(table: RoutingTable, sample?: { subject: RouteSubject; route: Route }): SlackMessage {
  const blocks: KnownBlock[] = []
  if (sample) blocks.push(section('routes:sample', sampleLine(table, sample.subject, sample.route)))
  blocks.push(
    section(
      'routes:summary',
      table.rules.length === 0
        ? `🧭 No routes file: every alert, health message and reconciliation summary goes to ${channel(table.defaultChannel)}.`
        : `🧭 *${table.rules.length} routing rule${table.rules.length === 1 ? '' : 's'}*, the first that matches wins; anything no rule matches goes to ${channel(table.defaultChannel)}.`,
    ),
  )
  table.rules.slice(0, SHOWN_RULES).forEach((rule) => blocks.push(section(`routes:rule:${rule.number}`, ruleLine(rule))))
  if (table.rules.length > SHOWN_RULES) blocks.push(context('routes:more', [`…and ${table.rules.length - SHOWN_RULES} more rules (see ROUTES_FILE).`]))
  if (!sample) {
    blocks.push(
      context('routes:try', [
        'Where would an alert go? `/deprovision routes <integration> <severity> <kind>`, e.g. `/deprovision routes okta critical departed`.',
      ]),
    )
  }
  return { text: sample ? sampleLine(table, sample.subject, sample.route) : `${table.rules.length} routing rules.`, blocks }
}

/** The routed channels the bot cannot post to, for /deprovision status (nothing when all is well). */
export function membershipBlocks(problems: readonly MembershipProblem[]): KnownBlock[] {
  const shown = problems.slice(0, MEMBERSHIP_SHOWN)
  const blocks = shown.map((problem, index) => section(`status:routing:${index}`, `⚠️ *Routing*: ${describeMembershipProblem(problem, channel)}`))
  const rest = problems.length - shown.length
  if (rest > 0)
    blocks.push(
      section(
        'status:routing:more',
        `⚠️ *Routing*: and ${rest} more routed channel${rest === 1 ? '' : 's'} the bot cannot post to (the log at start-up lists each).`,
      ),
    )
  return blocks
}

/** The status answer shares Slack's 50 blocks with every integration's line: a few channels, then a count. */
const MEMBERSHIP_SHOWN = 5

function ruleLine(rule: RouteRule): string {
  const target =
    rule.target.kind === 'mute'
      ? '🔕 muted: counted in /metrics and the audit log, not posted'
      : `${channel(rule.target.channel)}${rule.target.mention ? `, notifying user group \`${rule.target.mention}\` on critical alerts` : ''}`
  return `*${rule.number}.* ${matchWords(rule.match)} → ${target}`
}

function matchWords(match: RouteMatch): string {
  const parts = [
    match.integration && `integration ${list(match.integration)}`,
    match.severity && `severity at least ${match.severity}`,
    match.kind && `kind ${list(match.kind)}`,
    match.source && `source ${list(match.source)}`,
  ].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : 'everything'
}

function sampleLine(table: RoutingTable, subject: RouteSubject, route: Route): string {
  const what = [subject.integration && `*${inline(subject.integration, VALUE_MAX)}*`, subject.severity, subject.kind].filter(Boolean).join(' ')
  if (route.kind === 'mute') return `🔕 A ${what} alert matches rule ${route.rule}, which mutes it: counted, not posted.`
  if (route.rule === undefined) return `➡️ A ${what} alert matches no rule: it goes to ${channel(table.defaultChannel)}.`
  const mention = route.mention ? `, notifying user group \`${route.mention}\`` : ''
  return `➡️ A ${what} alert matches rule ${route.rule}: it goes to ${channel(route.channel)}${mention}.`
}

function list(values: readonly string[]): string {
  return values.map((value) => `\`${inline(value, VALUE_MAX)}\``).join(' or ')
}

function channel(id: string): string {
  return `<#${id}>`
}

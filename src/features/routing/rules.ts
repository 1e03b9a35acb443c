/**
 * Alert routing: which channel an alert, a health message or a reconciliation summary goes to. The routes file is
 * an ordered list of rules and the first that matches wins; when none does, ALERT_CHANNEL_ID. Pure: the file is
 * read by routes-file.ts, and the decision is kept on the alert when it is accepted.
 */
import { SEVERITIES, type AlertReport, type Severity } from '../../domain/alert.js'
import { FINDING_KINDS } from '../../domain/reconciliation.js'

/** What a message is about: reconciliation's findings, a detector's alert, an access configuration, or the bot's own news. */
export const ROUTE_KINDS = [...FINDING_KINDS, 'detector', 'access-configuration', 'health', 'reconcile-summary'] as const
export type RouteKind = (typeof ROUTE_KINDS)[number]

/** What a rule asks of a message; an absent field matches anything. */
export interface RouteMatch {
  integration?: readonly string[]
  /** At least this severe. */
  severity?: Severity
  kind?: readonly RouteKind[]
  source?: readonly string[]
}

export interface RouteRule {
  /** Its place in the file, from 1, as operators count it. */
  number: number
  match: RouteMatch
  /** Posted here; the rule either names a channel or mutes. */
  target: { kind: 'channel'; channel: string; mention?: string } | { kind: 'mute' }
}

export interface RoutingTable {
  rules: readonly RouteRule[]
  /** ALERT_CHANNEL_ID: where anything no rule matches goes. */
  defaultChannel: string
}

/** The facts a rule can match. Health messages and summaries have no severity; a summary has no integration. */
export interface RouteSubject {
  kind: RouteKind
  integration?: string
  severity?: Severity
  source?: string
}

export type Route = { kind: 'post'; channel: string; rule?: number; mention?: string } | { kind: 'mute'; rule: number }

/** Without a routes file: everything goes to ALERT_CHANNEL_ID, as before routing existed. */
export function defaultRouting(defaultChannel: string): RoutingTable {
  return { rules: [], defaultChannel }
}

export function routeFor(table: RoutingTable, subject: RouteSubject): Route {
  const rule = matchingRule(table, subject)
  if (!rule) return { kind: 'post', channel: table.defaultChannel }
  if (rule.target.kind === 'mute') return { kind: 'mute', rule: rule.number }
  // A user group is paged for critical alerts only: anything less waits for someone to read the channel.
  const mention = subject.severity === 'critical' ? rule.target.mention : undefined
  return { kind: 'post', channel: rule.target.channel, rule: rule.number, ...(mention ? { mention } : {}) }
}

/** The rule a message matches, or undefined (it goes to the default channel). */
export function matchingRule(table: RoutingTable, subject: RouteSubject): RouteRule | undefined {
  return table.rules.find((candidate) => matches(candidate.match, subject))
}

/** An alert's facts as rules see them: what raised it decides its kind. */
export function alertSubject(alert: Pick<AlertReport, 'integration' | 'severity' | 'source' | 'access' | 'finding'>): RouteSubject {
  return {
    kind: alert.access ? 'access-configuration' : (alert.finding ?? 'detector'),
    integration: alert.integration,
    severity: alert.severity,
    ...(alert.source ? { source: alert.source } : {}),
  }
}

/** Every channel messages may be posted to: the default first, then each rule's, once each. */
export function routedChannels(table: RoutingTable): Array<{ channel: string; rules: number[] }> {
  const channels = new Map<string, number[]>([[table.defaultChannel, []]])
  for (const rule of table.rules) {
    if (rule.target.kind === 'channel') channels.set(rule.target.channel, [...(channels.get(rule.target.channel) ?? []), rule.number])
  }
  return [...channels].map(([channel, rules]) => ({ channel, rules }))
}

/** The providers file's id `typed` means: itself, or the one id equal to it but for case (`Okta` for `okta`). */
export function configuredId(integrations: readonly string[], typed: string): string | undefined {
  if (integrations.includes(typed)) return typed
  const alike = integrations.filter((id) => id.toLowerCase() === typed.toLowerCase())
  return alike.length === 1 ? alike[0] : undefined
}

function matches(match: RouteMatch, subject: RouteSubject): boolean {
  return (
    within(match.integration, subject.integration) &&
    within(match.kind, subject.kind) &&
    within(match.source, subject.source) &&
    (match.severity === undefined || (subject.severity !== undefined && rank(subject.severity) >= rank(match.severity)))
  )
}

function within<T>(wanted: readonly T[] | undefined, value: T | undefined): boolean {
  return wanted === undefined || (value !== undefined && wanted.includes(value))
}

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity)
}

/**
 * The App Home tab: for authorized actors, what needs attention now (active mutes,
 * actions in progress, offboardings planned for later with Cancel, scheduled deletions
 * with their final dates) and the latest
 * audit entries; for everyone else, what the bot is and who to ask. Pure builders,
 * kept within Slack's 100 blocks per view: every list is capped, with "and N more".
 */
import type { types } from '@slack/bolt'
import { HOME_OFFBOARD_CANCEL_ACTION_ID, HOME_UNMUTE_ACTION_ID, homeTabActionId } from '../constants.js'
import type { Action } from '../providers/types.js'
import type { StoredAuditEntry } from '../store/audit.js'
import { actions, blockId, button, context, divider, header, section, type KnownBlock } from './blocks.js'
import type { MuteListItem } from './mutes.js'
import { inline, mention, plainSafe, slackDate, words } from './text.js'

export type HomeView = types.HomeView

/** The App Home's two screens for actors; a service's account list belongs to Services. */
export type HomeTab = 'overview' | 'services'

/** At most this many rows per list: with its heading and "and N more", four lists stay far under 100 blocks. */
export const HOME_LIST_MAX = 10

/** A list as read from the store: the first rows and how many there are in all. */
export interface Listed<T> {
  items: T[]
  total: number
}

export interface ActionInProgress {
  service: string
  email: string
  action: Action
  actor: string
  since: string
  /** Held until a second actor approves it. */
  awaitingApproval?: boolean
  /** Waiting for the service's rate limit until then (its next try). */
  waitingUntil?: string
}

export interface ScheduledDeletion {
  service: string
  email: string
  /** When the deletion becomes final. */
  until: string
  actor: string
}

/** `/deprovision user@corp at …` waiting for its time. */
export interface ScheduledOffboarding {
  runId: string
  email: string
  runAt: string
  actor: string
  steps: Array<{ service: string; action: Action }>
}

export interface HomeOverview {
  mutes: Listed<MuteListItem>
  inProgress: Listed<ActionInProgress>
  offboardings: Listed<ScheduledOffboarding>
  scheduled: Listed<ScheduledDeletion>
  /** Newest first. */
  audit: StoredAuditEntry[]
  /** Integration id to display name, for the audit lines. */
  serviceNames: ReadonlyMap<string, string>
}

const MAIL = 256
const SERVICE = 120

export function homeView(blocks: KnownBlock[]): HomeView {
  return { type: 'home', blocks: blocks.slice(0, 100) }
}

/** The Overview / Services switch at the top of an actor's Home tab. */
export function homeTabs(selected: HomeTab): KnownBlock {
  const tab = (value: HomeTab, text: string) =>
    button({ text, actionId: homeTabActionId(value), value, ...(selected === value ? { style: 'primary' as const } : {}) })
  return actions('home:tabs', [tab('overview', 'Overview'), tab('services', 'Services')])
}

export function overviewHome(overview: HomeOverview): HomeView {
  return homeView([
    homeTabs('overview'),
    header('home:title', 'Deprovision bot'),
    ...listSection('mutes', '🔕 Active mutes', 'No alerts are muted.', overview.mutes, muteRow),
    divider('home:mutes:end'),
    ...listSection('progress', '⏳ Actions in progress', 'No action is running or waiting for approval.', overview.inProgress, progressRow),
    divider('home:progress:end'),
    ...listSection('offboardings', '🗓️ Scheduled offboardings', 'No offboarding is planned for later.', overview.offboardings, offboardingRow),
    divider('home:offboardings:end'),
    ...listSection('scheduled', '🗓️ Scheduled deletions', 'No deletion is scheduled.', overview.scheduled, scheduledRow),
    divider('home:scheduled:end'),
    ...auditSection(overview.audit, overview.serviceNames),
  ])
}

/** For people outside ACTORS: what the bot is, and who may act with it. */
export function outsiderHome(actors: readonly string[]): HomeView {
  const shown = actors.slice(0, 20).map(mention).join(', ')
  const more = actors.length > 20 ? ` and ${actors.length - 20} more` : ''
  const ask = actors.length > 0 ? `Ask one of them: ${shown}${more}.` : 'Nobody is authorized yet: ask your security team to set ACTORS.'
  return homeView([
    header('home:title', 'Deprovision bot'),
    section(
      'home:about',
      "This bot helps the security team remove accounts that should not exist any more: it posts *account alerts* to the alert channel, and authorized people delete or suspend those accounts in the company's SaaS services from Slack, after a confirmation. Every request and result is recorded in an audit log.",
    ),
    section('home:who', `🔒 Only authorized security team members can act with it. ${ask}`),
  ])
}

function listSection<T>(id: string, title: string, empty: string, list: Listed<T>, row: (item: T, index: number) => KnownBlock): KnownBlock[] {
  const blocks: KnownBlock[] = [section(blockId('home', id, 'title'), `*${title}* (${list.total})`)]
  if (list.total === 0) return [...blocks, context(blockId('home', id, 'empty'), [empty])]
  blocks.push(...list.items.slice(0, HOME_LIST_MAX).map(row))
  const hidden = list.total - Math.min(list.items.length, HOME_LIST_MAX)
  if (hidden > 0) blocks.push(context(blockId('home', id, 'more'), [`…and ${hidden} more.`]))
  return blocks
}

function muteRow(mute: MuteListItem, index: number): KnownBlock {
  const service = inline(mute.service, SERVICE)
  const what = mute.scope === 'account' ? `*${inline(mute.email ?? '', MAIL)}* in ${service}` : `every *${service}* alert`
  const until = mute.until ? `until ${slackDate(mute.until)}` : 'until unmuted'
  const kept = mute.suppressed === 1 ? '1 alert kept back' : `${mute.suppressed} alerts kept back`
  return {
    ...section(blockId('home', 'mutes', index), `${what}, ${until}. Muted by ${mention(mute.by)}; ${kept}.`),
    accessory: button({ text: 'Unmute', actionId: HOME_UNMUTE_ACTION_ID, value: mute.id, label: `Unmute ${plainSafe(mute.email ?? mute.service)}` }),
  }
}

function progressRow(item: ActionInProgress, index: number): KnownBlock {
  const what = `*${words(item.action).noun}* of *${inline(item.email, MAIL)}* in ${inline(item.service, SERVICE)}`
  const state = item.awaitingApproval
    ? `awaiting a second person's approval since ${slackDate(item.since)}`
    : item.waitingUntil
      ? `waiting for the service's rate limit, next try at ${slackDate(item.waitingUntil)}`
      : `running since ${slackDate(item.since)}`
  return section(blockId('home', 'progress', index), `${what}: ${state}, requested by ${mention(item.actor)}.`)
}

/** Times are Slack dates, so each viewer reads them in their own time zone. */
function offboardingRow(item: ScheduledOffboarding, index: number): KnownBlock {
  const plan = item.steps.map(({ service, action }) => `${words(action).lower} in ${inline(service, SERVICE)}`).join(', ')
  return {
    ...section(
      blockId('home', 'offboardings', index),
      `*${inline(item.email, MAIL)}* runs *${slackDate(item.runAt)}*: ${plan || 'nothing to do'} (scheduled by ${mention(item.actor)}).`,
    ),
    accessory: button({
      text: 'Cancel',
      actionId: HOME_OFFBOARD_CANCEL_ACTION_ID,
      value: item.runId,
      label: `Cancel the offboarding of ${plainSafe(item.email)}`,
    }),
  }
}

function scheduledRow(item: ScheduledDeletion, index: number): KnownBlock {
  return section(
    blockId('home', 'scheduled', index),
    `*${inline(item.email, MAIL)}* in ${inline(item.service, SERVICE)}: deleted for good on *${slackDate(item.until)}* (requested by ${mention(item.actor)}). Until then the alert offers Cancel deletion.`,
  )
}

function auditSection(entries: StoredAuditEntry[], names: ReadonlyMap<string, string>): KnownBlock[] {
  const title = section('home:audit:title', '*📜 Latest audit entries*')
  if (entries.length === 0) return [title, context('home:audit:empty', ['Nothing recorded yet.'])]
  return [title, ...entries.slice(0, HOME_LIST_MAX).map((entry, index) => context(blockId('home', 'audit', index), [auditLine(entry, names)]))]
}

function auditLine(entry: StoredAuditEntry, names: ReadonlyMap<string, string>): string {
  const parts = [slackDate(entry.at), `*${inline(entry.event, 40)}*`]
  if (entry.actor) parts.push(`by ${mention(entry.actor)}`)
  if (entry.action) parts.push(inline(entry.action, 40))
  if (entry.email) parts.push(inline(entry.email, MAIL))
  if (entry.integration) parts.push(`in ${inline(names.get(entry.integration) ?? entry.integration, SERVICE)}`)
  if (entry.outcome) parts.push(`→ ${inline(entry.outcome, 200)}`)
  if (entry.detail) parts.push(`(${inline(entry.detail, 300)})`)
  return parts.join(' · ')
}

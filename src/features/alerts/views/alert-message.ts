/**
 * The account alert as posted (chat.postMessage) and as updated (chat.update):
 * what was found, about whom, in which service, how severe, when; then either the
 * Delete/Suspend buttons (while the alert accepts a request) or a line saying
 * where the action stands.
 */
import { availableActions, waitingOf, type Alert, type AlertState, type MessageRef, type Severity } from '../../../domain/alert.js'
import { MUTE_ACTION_ID, UNMUTE_ACTION_ID, requestActionId } from '../../../constants.js'
import type { Action } from '../../../providers/types.js'
import {
  actions,
  blockId,
  button,
  context,
  fieldsSection,
  header,
  option,
  plain,
  section,
  type ActionsBlock,
  type Button,
  type KnownBlock,
  type SlackMessage,
  type StaticSelect,
} from '../../../views/blocks.js'
import { awaitingApprovalLine } from '../../approval/views/approval.js'
import { explainProblem, type ProblemContext } from '../../../views/problem.js'
import { missedRouteBlock } from '../../../views/missed-route.js'
import { capitalize, clip, inline, mention, plainSafe, slackDate, truncate, withoutPeriod, words } from '../../../views/text.js'
import type { Problem } from '../../../providers/problems.js'

export interface AlertIntegration {
  capabilities: ReadonlySet<Action>
  adminConsoleUrl?: string
  /** Set while the integration's last health check failed: what is wrong, said before anyone clicks. */
  broken?: Problem
  /** The mute set from this alert, while it holds. */
  mute?: AlertMute
}

export interface AlertMute {
  id: string
  scope: 'account' | 'service'
  by: string
  until?: string
}

/** Budgets for untrusted text in the alert (escaped characters). */
export const ALERT_TEXT = {
  reason: 1500,
  reasonInFallback: 300,
  name: 200,
  email: 256,
  accountId: 200,
  service: 120,
  detail: 600,
} as const

const SEVERITY: Readonly<Record<Severity, { emoji: string; label: string }>> = {
  low: { emoji: '⚪', label: 'Low' },
  medium: { emoji: '🟡', label: 'Medium' },
  high: { emoji: '🟠', label: 'High' },
  critical: { emoji: '🔴', label: 'Critical' },
}

export function alertMessage(alert: Alert, integration: AlertIntegration): SlackMessage {
  const version = `${stateVersion(alert.state)}${integration.mute ? `-m${integration.mute.id}` : ''}${alert.resolved ? '-resolved' : ''}`
  const id = (part: string): string => blockId('alert', alert.id, version, part)
  const severity = SEVERITY[alert.severity]
  const service = inline(alert.integrationName, ALERT_TEXT.service)
  const email = inline(alert.email, ALERT_TEXT.email)
  const reason = clip(alert.reason.trim(), ALERT_TEXT.reason) || '_No reason given._'

  const accountLines = [alert.name ? `*${inline(alert.name, ALERT_TEXT.name)}*` : '', email].filter(Boolean)
  const fields = [
    `*Account*\n${accountLines.join('\n')}`,
    `*Service*\n${service}`,
    `*Severity*\n${severity.emoji} ${severity.label}`,
    `*Detected*\n${slackDate(alert.createdAt)}`,
  ]
  if (alert.accountId) fields.push(`*Account ID in ${service}*\n${inline(alert.accountId, ALERT_TEXT.accountId)}`)

  const blocks: KnownBlock[] = [
    header(id('header'), `${severity.emoji} ${severity.label} account alert`),
    ...(alert.route?.mention ? [section(id('mention'), `📣 ${userGroup(alert.route.mention)}`)] : []),
    ...(alert.route?.missed ? [missedRouteBlock(id('missed-route'), alert.route.missed)] : []),
    section(id('reason'), `*What was found*\n${reason}`),
    fieldsSection(id('account'), fields),
  ]

  const status = statusLine(alert, integration)
  if (status) blocks.push(section(id('status'), status))
  if (alert.resolved) {
    blocks.push(section(id('resolved'), `✅ *Resolved ${slackDate(alert.resolved.at)}:* ${clip(alert.resolved.detail, ALERT_TEXT.detail)} Nothing left to do.`))
  }
  if (integration.broken && alert.state.kind === 'open' && !alert.resolved) {
    const e = explainProblem(integration.broken, {
      serviceName: alert.integrationName,
      ...(integration.adminConsoleUrl ? { adminConsoleUrl: integration.adminConsoleUrl } : {}),
    })
    blocks.push(
      section(
        id('broken'),
        `🔌 *${service} integration is broken:* ${e.headline} Actions will fail until it is re-integrated (\`/deprovision status\` says how).`,
      ),
    )
  }

  const offered = availableActions(alert, integration.capabilities)
  if (!alert.resolved && (alert.state.kind === 'open' || offered.length > 0)) {
    if (alert.state.kind === 'open' && !alert.access && !integration.capabilities.has('delete')) {
      const e = explainProblem({ kind: 'unsupported', action: 'delete' }, problemContext(alert, integration, 'delete'))
      blocks.push(section(id('unsupported'), `${e.headline} ${e.nextStep}`))
    }
    const elements: ActionsBlock['elements'] = offered.map((action) => actionButton(alert, action))
    if (!integration.mute && (alert.state.kind === 'open' || alert.state.kind === 'failed')) elements.push(muteMenu(alert))
    if (elements.length > 0) blocks.push(actions(id('actions'), elements))
  }
  if (integration.mute) {
    const mute = integration.mute
    const what = mute.scope === 'account' ? `this account in ${service}` : `every ${service} alert`
    const until = mute.until ? `until ${slackDate(mute.until)}` : 'until unmuted'
    blocks.push(section(id('muted'), `🔕 *Muted* by ${mention(mute.by)}: ${what}, ${until}. New alerts for it are counted, not posted.`))
    blocks.push(
      actions(id('unmute'), [
        button({ text: 'Unmute', actionId: UNMUTE_ACTION_ID, value: `${mute.id}|${alert.id}`, label: `Unmute ${plainSafe(alert.email)}` }),
      ]),
    )
  }

  blocks.push(context(id('footer'), [`Alert ID: ${inline(alert.id, 100)}`]))

  return { text: fallbackText(alert, integration), blocks }
}

/**
 * A second copy of the alert (two tries of its posting job both reached Slack), edited into a pointer to the copy
 * the bot keeps up to date: no buttons, so every click and thread reply goes to that one.
 */
export function duplicateAlertMessage(alert: Alert, original: MessageRef): SlackMessage {
  const email = inline(alert.email, ALERT_TEXT.email)
  const service = inline(alert.integrationName, ALERT_TEXT.service)
  const postedAt = slackDate(new Date(Number(original.ts) * 1000).toISOString())
  const text = `↩️ Posted twice: the alert about ${email} in ${service} is the message posted ${postedAt}. Act on it there.`
  return {
    text,
    blocks: [
      section(blockId('alert', alert.id, 'duplicate'), text),
      context(blockId('alert', alert.id, 'duplicate', 'footer'), [`Alert ID: ${inline(alert.id, 100)}`]),
    ],
  }
}

/**
 * A short key for the alert's state and attempt. It is part of every block_id, so
 * each update of the message carries new block_ids (as Slack asks) while the same
 * alert in the same state always renders the same ids.
 */
export function stateVersion(state: AlertState): string {
  if (state.kind === 'open') return 'open'
  if (state.kind === 'awaiting-approval') return `approval-${state.approval.id}`
  return `${state.kind}-${state.request.action}-${state.request.attempt}`
}

function actionButton(alert: Alert, action: Action): Button {
  const w = words(action)
  return button({
    text: w.verb,
    actionId: requestActionId(action),
    value: alert.id,
    ...(action === 'delete' ? { style: 'danger' as const } : {}),
    label: `${w.verb} ${plainSafe(alert.email)} ${w.preposition} ${plainSafe(alert.integrationName)}`,
  })
}

const MUTE_CHOICES: ReadonlyArray<{ duration: string; label: string }> = [
  { duration: '1d', label: 'for 1 day' },
  { duration: '7d', label: 'for 7 days' },
  { duration: '30d', label: 'for 30 days' },
  { duration: 'forever', label: 'until unmuted' },
]

/** Mute this account or every alert of the service, for a while or until unmuted. */
function muteMenu(alert: Alert): StaticSelect {
  const group = (scope: 'account' | 'service', title: string) => ({
    label: plain(title, 75),
    options: MUTE_CHOICES.map(({ duration, label }) => option(`${alert.id}|${scope}|${duration}`, `Mute ${label}`)),
  })
  return {
    type: 'static_select',
    action_id: MUTE_ACTION_ID,
    placeholder: plain('Mute…', 150),
    option_groups: [group('account', 'This account'), group('service', `Every ${plainSafe(alert.integrationName)} alert`)],
  }
}

/** Where the action stands, or undefined while nothing was requested. */
function statusLine(alert: Alert, integration: AlertIntegration): string | undefined {
  const state = alert.state
  switch (state.kind) {
    case 'open':
      return undefined
    case 'in-progress': {
      const w = words(state.request.action)
      const approved = state.request.approvedBy ? `, approved by ${mention(state.request.approvedBy)}` : ''
      const waiting = waitingOf(alert)
      if (waiting)
        return `⏳ *${w.progressive}: waiting* for ${inline(alert.integrationName, ALERT_TEXT.service)}'s rate limit, next try at ${slackDate(waiting.until)}. Requested by ${mention(state.request.actor)}${approved}, ${slackDate(state.request.at)}.`
      return `⏳ *${w.progressive}…* requested by ${mention(state.request.actor)}${approved}, ${slackDate(state.request.at)}.`
    }
    case 'awaiting-approval':
      return awaitingApprovalLine(state.approval)
    case 'done': {
      const w = words(state.request.action)
      if (state.alreadyDone !== undefined) {
        const detail = inline(state.alreadyDone, ALERT_TEXT.detail)
        return `✅ *Already ${w.past}:* ${detail || `the account was already ${w.past}`}. Requested by ${mention(state.request.actor)}, ${slackDate(state.at)}.`
      }
      return `✅ *${capitalize(w.past)}* by ${mention(state.request.actor)}, ${slackDate(state.at)}.`
    }
    case 'scheduled': {
      const w = words(state.request.action)
      return `🗓 *${w.noun} scheduled:* final on ${slackDate(state.until)}. Requested by ${mention(state.request.actor)}.`
    }
    case 'failed': {
      const w = words(state.request.action)
      const e = explainProblem(state.problem, problemContext(alert, integration, state.request.action))
      return `⚠️ *${w.verb} failed:* ${withoutPeriod(e.headline)}. Details in the thread.`
    }
  }
}

/** The notification / screen-reader text: who, where, and where the action stands. */
function fallbackText(alert: Alert, integration: AlertIntegration): string {
  const severity = SEVERITY[alert.severity]
  const who = inline(alert.email, ALERT_TEXT.email)
  const service = inline(alert.integrationName, ALERT_TEXT.service)
  const reason = inline(alert.reason, ALERT_TEXT.reasonInFallback)
  // The user group its routing rule names is notified from the text, which is what Slack's notifications show.
  const notify = alert.route?.mention ? `${userGroup(alert.route.mention)} ` : ''
  const lead = `${notify}${severity.emoji} ${severity.label} account alert: ${who} in ${service}${reason ? `: ${reason}` : ''}`
  const state = alert.state
  let status = ''
  switch (state.kind) {
    case 'open':
      break
    case 'in-progress':
      status = `${words(state.request.action).progressive}… (${waitingOf(alert) ? "waiting for the service's rate limit" : 'in progress'})`
      break
    case 'awaiting-approval':
      status = `${words(state.approval.action).verb} awaits approval.`
      break
    case 'done':
      status = state.alreadyDone !== undefined ? `Already ${words(state.request.action).past}.` : `${capitalize(words(state.request.action).past)}.`
      break
    case 'scheduled':
      status = `${words(state.request.action).noun} scheduled.`
      break
    case 'failed': {
      const e = explainProblem(state.problem, problemContext(alert, integration, state.request.action))
      status = `${words(state.request.action).verb} failed: ${withoutPeriod(e.headline)}.`
      break
    }
  }
  const outcome = alert.resolved ? 'Resolved: no longer found.' : status
  return truncate(outcome ? `${lead} — ${outcome}` : lead, 3000)
}

function problemContext(alert: Alert, integration: AlertIntegration, action: Action): ProblemContext {
  return { serviceName: alert.integrationName, action, adminConsoleUrl: integration.adminConsoleUrl }
}

/** Slack's user group mention; the id was checked when the routes file was read. */
function userGroup(id: string): string {
  return `<!subteam^${id}>`
}

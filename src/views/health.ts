/**
 * Integration health as people read it: one channel message when an integration
 * breaks (what is wrong, how to re-integrate) and one when it recovers, and the
 * ephemeral `/deprovision status` list.
 */
import type { Problem } from '../providers/problems.js'
import { describeRedisFinding, type RedisFinding } from '../store/redis-settings.js'
import { context, section, type KnownBlock, type SlackMessage } from './blocks.js'
import { explainProblem } from './problem.js'
import { inline, slackDate } from './text.js'

export interface IntegrationStatus {
  name: string
  health: { ok: true; detail?: string; since: string } | { ok: false; problem: Problem; since: string }
  adminConsoleUrl?: string
  /** What the credentials must allow ("an organization admin API key ..."). */
  credentialsNeeded: string
}

/** Integrations listed in full: one block each keeps the answer under Slack's 50 blocks. */
const SHOWN = 45
const NAME_MAX = 120
const DETAIL_MAX = 500

export function integrationBrokenMessage(status: IntegrationStatus & { health: { ok: false } }): SlackMessage {
  const name = inline(status.name, NAME_MAX)
  const lines = brokenLines(status)
  return {
    text: `🔌 ${status.name} integration is broken: ${lines.headline}`,
    blocks: [
      section('health:broken', `🔌 *${name} integration is broken:* ${lines.headline}\n${lines.why}\n*Next step:* ${lines.next}`),
      context('health:broken:note', ['Actions on this service fail until this is fixed. The bot posts again here when it recovers.']),
    ],
  }
}

export function integrationRecoveredMessage(status: IntegrationStatus): SlackMessage {
  const name = inline(status.name, NAME_MAX)
  return {
    text: `✅ ${status.name} integration works again.`,
    blocks: [section('health:recovered', `✅ *${name} integration works again.* Actions on it can run.`)],
  }
}

/**
 * The ephemeral answer to `/deprovision status`: every integration, healthy or what to do, any Redis setting that
 * risks what the bot keeps, and `more` (other parts of the bot, such as the audit webhook) after them.
 */
export function statusMessage(statuses: IntegrationStatus[], redisFindings: RedisFinding[] = [], more: KnownBlock[] = []): SlackMessage {
  const storage = [...redisFindings.map((finding, index) => section(`status:redis:${index}`, `⚠️ *Redis*: ${describeRedisFinding(finding)}.`)), ...more]
  const shown = SHOWN - more.length
  if (statuses.length === 0)
    return { text: 'No integrations are configured.', blocks: [section('status:none', 'No integrations are configured in the providers file.'), ...storage] }
  const broken = statuses.filter((status) => !status.health.ok).length
  const blocks: KnownBlock[] = [
    section(
      'status:summary',
      broken === 0
        ? `✅ ${statuses.length === 1 ? 'The integration is' : `All ${statuses.length} integrations are`} healthy.`
        : `⚠️ ${broken} of ${statuses.length} integrations need attention.`,
    ),
    ...storage,
  ]
  statuses.slice(0, shown).forEach((status, index) => {
    const name = inline(status.name, NAME_MAX)
    if (status.health.ok) {
      const detail = status.health.detail ? ` ${inline(status.health.detail, DETAIL_MAX)}` : ''
      blocks.push(section(`status:${index}`, `✅ *${name}*: healthy.${detail}`))
      return
    }
    const lines = brokenLines(status as IntegrationStatus & { health: { ok: false } })
    blocks.push(
      section(`status:${index}`, `🔌 *${name}*: ${lines.headline} Since ${slackDate(status.health.since)}.\n${lines.why}\n*Next step:* ${lines.next}`),
    )
  })
  if (statuses.length > shown) blocks.push(context('status:more', [`…and ${statuses.length - shown} more (see /metrics for every integration).`]))
  return { text: broken === 0 ? 'All integrations are healthy.' : `${broken} integrations need attention.`, blocks }
}

function brokenLines(status: IntegrationStatus & { health: { ok: false } }): { headline: string; why: string; next: string } {
  const { adminConsoleUrl } = status
  const e = explainProblem(status.health.problem, {
    serviceName: status.name,
    credentialsNeeded: status.credentialsNeeded,
    ...(adminConsoleUrl ? { adminConsoleUrl } : {}),
  })
  return { headline: e.headline, why: e.why, next: e.nextStep }
}

/** The audit webhook's line in `/deprovision status`: healthy, or failing since when and why; the backlog; events given up. */
import { section, type SectionBlock } from '../../../views/blocks.js'
import { capitalize, inline, slackDate } from '../../../views/text.js'
import type { WebhookHealth } from '../health-store.js'

export interface WebhookStatus {
  health: WebhookHealth
  /** Events not yet delivered (queued, retrying, or not yet read from the audit log). */
  backlog: number
}

const ERROR_MAX = 300

export function webhookStatusSection({ health, backlog }: WebhookStatus): SectionBlock {
  const waiting = backlog === 0 ? 'nothing waiting' : `${backlog} event${backlog === 1 ? '' : 's'} waiting`
  const givenUp =
    health.undelivered > 0
      ? ` ${health.undelivered} event${health.undelivered === 1 ? '' : 's'} could not be delivered (last: \`${inline(health.lastUndeliveredId ?? '?', 40)}\`); the audit log still holds ${health.undelivered === 1 ? 'it' : 'them'}.`
      : ''
  const line = health.failingSince
    ? `⚠️ *Audit webhook*: failing since ${slackDate(health.failingSince)}: ${inline(health.lastError ?? 'unknown error', ERROR_MAX)}. ${capitalize(waiting)}, retrying.`
    : `✅ *Audit webhook*: healthy, ${waiting}.`
  return section('status:audit-webhook', `${line}${givenUp}`)
}

/**
 * /deprovision: `user@corp` offboards that person everywhere (offboard-person.ts);
 * `audit` exports the audit log (audit-command.ts); `status` checks every integration (and the Redis settings and routed channels the bot relies on), `mutes` lists active mutes,
 * `routes` shows the routing rules and where a sample alert would go (all ephemeral);
 * anything else gets the usage with an example. Every answer starts with an ack, so
 * Slack never shows a timeout.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt'
import { z } from 'zod'
import { statusMessage } from '../views/health.js'
import { webhookStatusSection } from '../features/audit-webhook/views/status.js'
import { mutesMessage } from '../views/mutes.js'
import { isActor } from '../slack/actors.js'
import type { HandlerDeps } from './deps.js'
import { isScanRequest, scanCommand } from '../features/reconciliation/listeners/scan-command.js'
import { offboardPerson } from '../features/offboarding/listeners/offboard-person.js'
import { auditRefusal, NOT_AN_ACTOR, type Refusal } from '../slack/refusal.js'
import { parseRouteSample } from '../features/routing/sample.js'
import type { RouteSubject } from '../features/routing/rules.js'
import { routesCommand } from '../features/routing/listeners/routes-command.js'
import { membershipBlocks } from '../features/routing/views/routes.js'
import { unlinkEmail } from '../slack/command-text.js'
import { isAuditRequest } from '../features/audit-export/request.js'
import { AUDIT_USAGE, auditCommand } from '../features/audit-export/listeners/audit-command.js'

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs

const SUBCOMMANDS = ['status', 'mutes', 'help'] as const
const EXAMPLE = '`/deprovision ada@corp.example`'
const SCHEDULED_EXAMPLE = '`/deprovision ada@corp.example at friday 17:00`'

/** What the command's text asks for; pure, so every odd input has a tested answer. */
export type CommandRequest =
  | { kind: (typeof SUBCOMMANDS)[number] }
  | { kind: 'routes'; sample?: RouteSubject }
  /** `when`: the time typed after the email (`at friday 17:00`, `in 2h`), read in the actor's zone by the handler. */
  | { kind: 'offboard'; email: string; when?: string }
  | { kind: 'usage'; problem?: string }

export function parseCommand(text: string | undefined): CommandRequest {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean).map(unlinkEmail)
  const [first] = words
  if (!first) return { kind: 'help' }
  if (first.toLowerCase() === 'routes') {
    const parsed = parseRouteSample(words.slice(1))
    return 'problem' in parsed ? { kind: 'usage', problem: parsed.problem } : { kind: 'routes', ...parsed }
  }
  const subcommand = SUBCOMMANDS.find((name) => name === first.toLowerCase())
  if (subcommand && words.length === 1) return { kind: subcommand }
  const timeFrom = words.findIndex((word, i) => i > 0 && /^(at|in)$/i.test(word))
  const who = timeFrom > 0 ? words.slice(0, timeFrom) : words
  const when = timeFrom > 0 ? words.slice(timeFrom).join(' ') : undefined
  if (who.length > 1 && words.some((word) => word.includes('@'))) return { kind: 'usage', problem: 'One person at a time, please: give a single email.' }
  if (!first.includes('@')) return { kind: 'usage', problem: `“${first.slice(0, 60)}” is not a subcommand or an email address.` }
  if (!z.email().safeParse(first).success) return { kind: 'usage', problem: `“${first.slice(0, 100)}” is not a valid email address.` }
  return { kind: 'offboard', email: first.toLowerCase(), ...(when ? { when } : {}) }
}

export function deprovisionCommand(deps: HandlerDeps & { alertChannelId: string }) {
  return async (args: Args): Promise<void> => {
    const { ack, command, respond } = args
    if (!isActor(deps, command.user_id)) {
      await ack({
        response_type: 'ephemeral',
        text: '🔒 Only the security team’s actors may use /deprovision. Ask an admin to add your Slack user ID to ACTORS.',
      })
      await auditRefusal(deps, { event: 'command-refused', actor: command.user_id, ...askedFor(command.text), detail: NOT_AN_ACTOR })
      return
    }
    if (isScanRequest(command.text)) return scanCommand(deps, { ack, command })
    if (isAuditRequest(command.text)) return auditCommand(deps, args)
    const request = parseCommand(command.text)
    switch (request.kind) {
      case 'offboard':
        await offboardPerson(deps, args, request.email, request.when)
        return
      case 'status': {
        await ack({ response_type: 'ephemeral', text: '⏳ Checking every integration…' })
        const [statuses, redisFindings, webhook, routing] = await Promise.all([
          deps.checkIntegrations(),
          deps.checkRedis(),
          deps.webhookStatus?.(),
          deps.checkRouting(),
        ])
        const more = [...(webhook ? [webhookStatusSection(webhook)] : []), ...membershipBlocks(routing)]
        await respond({ response_type: 'ephemeral', replace_original: true, ...statusMessage(statuses, redisFindings, more) })
        return
      }
      case 'routes':
        await routesCommand(deps, ack, request.sample)
        return
      case 'mutes': {
        await ack()
        const mutes = await deps.mutes.list()
        const items = mutes.map((mute) => ({ ...mute, service: deps.providers.get(mute.integration)?.displayName ?? mute.integration }))
        await respond({ response_type: 'ephemeral', ...mutesMessage(items) })
        return
      }
      case 'help':
      case 'usage':
        await ack({ response_type: 'ephemeral', text: usage(deps.alertChannelId, request.kind === 'usage' ? request.problem : undefined) })
    }
  }
}

/** What a refused command asked for, for its audit entry. */
function askedFor(text: string | undefined): Pick<Refusal, 'action' | 'email' | 'integration'> {
  if (isScanRequest(text)) {
    const integration = (text ?? '').trim().split(/\s+/)[1]
    return { action: '/deprovision scan', ...(integration ? { integration: integration.slice(0, 60) } : {}) }
  }
  if (isAuditRequest(text)) return { action: '/deprovision audit' }
  const request = parseCommand(text)
  return request.kind === 'offboard' ? { action: '/deprovision user@corp', email: request.email } : { action: `/deprovision ${request.kind}` }
}

function usage(alertChannelId: string, problem: string | undefined): string {
  const lines = [
    ...(problem ? [`⚠️ ${problem}`] : []),
    `Usage: ${EXAMPLE} finds that person in every integrated service and offboards them everywhere, identity provider first; ${SCHEDULED_EXAMPLE} (or \`at 2026-12-31 17:00\`, \`in 2h\`, in your Slack time zone) does it then.`,
    '`/deprovision status` checks every integration’s credentials; `/deprovision mutes` lists muted alerts; `/deprovision scan [integration]` compares every integration (or one) with the identity provider now; `/deprovision routes [integration severity kind]` shows where alerts go.',
    AUDIT_USAGE,
    `Account alerts are in <#${alertChannelId}>: each has the buttons its service supports.`,
  ]
  return lines.join('\n')
}

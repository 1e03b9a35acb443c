/**
 * /deprovision: `user@corp` offboards that person everywhere (offboard-person.ts);
 * `status` checks every integration (and the Redis settings the bot relies on) and `mutes` lists active mutes (both ephemeral);
 * anything else gets the usage with an example. Every answer starts with an ack, so
 * Slack never shows a timeout.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt'
import { z } from 'zod'
import { statusMessage } from '../views/health.js'
import { mutesMessage } from '../views/mutes.js'
import { isActor } from '../slack/actors.js'
import type { HandlerDeps } from './deps.js'
import { isScanRequest, scanCommand } from '../features/reconciliation/listeners/scan-command.js'
import { offboardPerson } from '../features/offboarding/listeners/offboard-person.js'
import { auditRefusal, NOT_AN_ACTOR, type Refusal } from '../slack/refusal.js'

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs

const SUBCOMMANDS = ['status', 'mutes', 'help'] as const
const EXAMPLE = '`/deprovision ada@corp.example`'
const SCHEDULED_EXAMPLE = '`/deprovision ada@corp.example at friday 17:00`'

/** What the command's text asks for; pure, so every odd input has a tested answer. */
export type CommandRequest =
  | { kind: (typeof SUBCOMMANDS)[number] }
  /** `when`: the time typed after the email (`at friday 17:00`, `in 2h`), read in the actor's zone by the handler. */
  | { kind: 'offboard'; email: string; when?: string }
  | { kind: 'usage'; problem?: string }

export function parseCommand(text: string | undefined): CommandRequest {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean).map(unlinkEmail)
  const [first] = words
  if (!first) return { kind: 'help' }
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

/** Slack may send an email as a link (`<mailto:ada@corp.example|ada@corp.example>`) when the command escapes links. */
function unlinkEmail(word: string): string {
  return /^<mailto:[^|>]+\|([^>]+)>$/.exec(word)?.[1] ?? /^<mailto:([^|>]+)>$/.exec(word)?.[1] ?? word
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
    const request = parseCommand(command.text)
    switch (request.kind) {
      case 'offboard':
        await offboardPerson(deps, args, request.email, request.when)
        return
      case 'status': {
        await ack({ response_type: 'ephemeral', text: '⏳ Checking every integration…' })
        const [statuses, redisFindings] = await Promise.all([deps.checkIntegrations(), deps.checkRedis()])
        await respond({ response_type: 'ephemeral', replace_original: true, ...statusMessage(statuses, redisFindings) })
        return
      }
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
  const request = parseCommand(text)
  return request.kind === 'offboard' ? { action: '/deprovision user@corp', email: request.email } : { action: `/deprovision ${request.kind}` }
}

function usage(alertChannelId: string, problem: string | undefined): string {
  const lines = [
    ...(problem ? [`⚠️ ${problem}`] : []),
    `Usage: ${EXAMPLE} finds that person in every integrated service and offboards them everywhere, identity provider first; ${SCHEDULED_EXAMPLE} (or \`at 2026-12-31 17:00\`, \`in 2h\`, in your Slack time zone) does it then.`,
    '`/deprovision status` checks every integration’s credentials; `/deprovision mutes` lists muted alerts; `/deprovision scan [integration]` compares every integration (or one) with the identity provider now.',
    `Account alerts are in <#${alertChannelId}>: each has the buttons its service supports.`,
  ]
  return lines.join('\n')
}

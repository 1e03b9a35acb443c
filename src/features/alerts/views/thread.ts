/**
 * Replies in the alert's thread: one when an action starts, one with its outcome.
 * A failure says what happened, why and what to do next, with a Retry button when
 * a retry can succeed once that is done.
 */
import { REMINDER_DAYS, type Alert, type Request } from '../../../domain/alert.js'
import { requestActionId } from '../../../constants.js'
import type { Problem } from '../../../providers/problems.js'
import type { Outcome, Progress } from '../../../providers/types.js'
import { actions, blockId, button, context, section, type KnownBlock, type SlackMessage } from '../../../views/blocks.js'
import { explainProblem, problemBlocks, type ProblemContext } from '../../../views/problem.js'
import { capitalize, duration, inline, mention, plainSafe, slackDate, withoutPeriod, words } from '../../../views/text.js'

type ThreadAlert = Pick<Alert, 'id' | 'email' | 'integrationName'>

export interface ThreadIntegration {
  adminConsoleUrl?: string
}

const EMAIL_MAX = 256
const SERVICE_MAX = 120
const DETAIL_MAX = 600

export function inProgressReply(alert: ThreadAlert, request: Request): SlackMessage {
  const w = words(request.action)
  const { email, service } = names(alert)
  const who = requestedBy(request)
  const line = `⏳ ${w.progressive} ${email} ${w.preposition} ${service}, ${who}.`
  return {
    text: line,
    blocks: [
      section(id(alert, request, 'progress'), `⏳ *${w.progressive} ${email} ${w.preposition} ${service}*, ${who}.`),
      context(id(alert, request, 'progress:note'), ['The result will be posted in this thread.']),
    ],
  }
}

/** Said once when an action waits for its service's rate limit, so the thread is not silent meanwhile. */
export function waitingReply(alert: ThreadAlert, request: Request, until: string): SlackMessage {
  const w = words(request.action)
  const { email, service } = names(alert)
  const line = `⏳ ${w.progressive} ${email} is waiting for ${service}'s rate limit, next try at ${slackDate(until)}.`
  return {
    text: line,
    blocks: [
      section(id(alert, request, 'waiting'), `⏳ *${w.progressive} ${email} is waiting for ${service}'s rate limit*, next try at ${slackDate(until)}.`),
      context(id(alert, request, 'waiting:note'), [
        'The service asked the bot to slow down. Nothing is lost: the action runs then, and the result follows in this thread.',
      ]),
    ],
  }
}

export function outcomeReply(alert: ThreadAlert, request: Request, outcome: Outcome, integration: ThreadIntegration): SlackMessage {
  const w = words(request.action)
  const { email, service } = names(alert)
  const by = `${capitalize(requestedBy(request))}.`
  const part = (name: string): string => id(alert, request, `${outcome.kind}:${name}`)

  switch (outcome.kind) {
    case 'done': {
      const detail = outcome.detail ? ` ${capitalize(withoutPeriod(inline(outcome.detail, DETAIL_MAX)))}.` : ''
      const line = `✅ ${email} was ${w.past} ${w.preposition} ${service}.${detail}`
      return { text: line, blocks: [section(part('result'), `✅ *${email} was ${w.past} ${w.preposition} ${service}.*${detail} ${by}`)] }
    }
    case 'already-done': {
      const detail = withoutPeriod(inline(outcome.detail, DETAIL_MAX)) || `${email} was already ${w.past}`
      const line = `✅ Already ${w.past}: ${detail}. Nothing else to do.`
      return { text: line, blocks: [section(part('result'), `✅ *Already ${w.past}:* ${detail}. Nothing else to do. ${by}`)] }
    }
    case 'scheduled': {
      const noun = w.noun.toLowerCase()
      const cancel = outcome.cancellable
        ? `Until then it can be cancelled with *Cancel deletion* on the alert; the bot reminds this thread ${REMINDER_DAYS} days before it becomes final.`
        : `It cannot be cancelled.`
      const line = `🗓 ${email} is scheduled for ${noun} ${w.preposition} ${service}: final on ${slackDate(outcome.until)}.`
      return {
        text: line,
        blocks: [
          section(part('result'), `🗓 *${email} is scheduled for ${noun} ${w.preposition} ${service}:* final on ${slackDate(outcome.until)}. ${by}`),
          context(part('note'), [cancel]),
        ],
      }
    }
    case 'pending': {
      if (outcome.progress) return progressReply(alert, request, outcome.progress)
      const line = `⏳ ${service} is still ${w.progressive.toLowerCase()} ${email}.`
      return {
        text: line,
        blocks: [
          section(part('result'), `⏳ *${service} is still ${w.progressive.toLowerCase()} ${email}.* It accepted the request and is working on it. ${by}`),
          context(part('note'), [`The bot checks again in ${duration(outcome.task.pollAfterMs)} and posts the result here.`]),
        ],
      }
    }
    case 'failed':
      return failedReply(alert, request, outcome.problem, integration)
  }
}

/** One message per attempt, edited in place as a multi-step action advances ("3 of 5 access assignments removed"). */
export function progressReply(alert: ThreadAlert, request: Request, progress: Progress): SlackMessage {
  const w = words(request.action)
  const { email, service } = names(alert)
  const label = inline(progress.label, DETAIL_MAX)
  const line = `⏳ ${w.progressive} ${email} in ${service}: ${progress.done} of ${progress.total} ${label}.`
  return {
    text: line,
    blocks: [
      section(id(alert, request, 'progress:steps'), `⏳ *${w.progressive} ${email} in ${service}:* ${progress.done} of ${progress.total} ${label}.`),
      context(id(alert, request, 'progress:steps:note'), ['This message is updated as the service works; the result follows in this thread.']),
    ],
  }
}

/** Sent REMINDER_DAYS before a scheduled deletion becomes final, with the button that cancels it. */
export function deletionReminderReply(alert: ThreadAlert, request: Request, until: string): SlackMessage {
  const { email, service } = names(alert)
  const line = `⏰ The deletion of ${email} in ${service} becomes final on ${slackDate(until)}.`
  return {
    text: line,
    blocks: [
      section(
        id(alert, request, 'reminder'),
        `⏰ *The deletion of ${email} in ${service} becomes final on ${slackDate(until)}.* If it was a mistake, cancel it before then.`,
      ),
      actions(id(alert, request, 'reminder:actions'), [
        button({
          text: words('cancel-delete').verb,
          actionId: requestActionId('cancel-delete'),
          value: alert.id,
          label: `Cancel the deletion of ${plainSafe(alert.email)} in ${plainSafe(alert.integrationName)}`,
        }),
      ]),
    ],
  }
}

export function deletionFinalReply(alert: ThreadAlert, request: Request): SlackMessage {
  const { email, service } = names(alert)
  const line = `🗑 The deletion of ${email} in ${service} is final: it can no longer be cancelled.`
  return { text: line, blocks: [section(id(alert, request, 'final'), `🗑 *The deletion of ${email} in ${service} is final.* It can no longer be cancelled.`)] }
}

export function deletionCancelledElsewhereReply(alert: ThreadAlert, request: Request): SlackMessage {
  const { email, service } = names(alert)
  const line = `↩️ The scheduled deletion of ${email} in ${service} did not become final: it was cancelled in ${service} itself, and the account is active again.`
  return {
    text: line,
    blocks: [
      section(
        id(alert, request, 'cancelled-elsewhere'),
        `↩️ *The scheduled deletion of ${email} in ${service} did not become final.* It was cancelled in ${service} itself (not through the bot), and the account is active again. The alert is open again if it still needs to go.`,
      ),
    ],
  }
}

function failedReply(alert: ThreadAlert, request: Request, problem: Problem, integration: ThreadIntegration): SlackMessage {
  const w = words(request.action)
  const { email, service } = names(alert)
  const ctx: ProblemContext = { serviceName: alert.integrationName, action: request.action, adminConsoleUrl: integration.adminConsoleUrl }
  const e = explainProblem(problem, ctx)
  const attempt = request.attempt > 1 ? ` (attempt ${request.attempt})` : ''
  const part = (name: string): string => id(alert, request, `failed:${name}`)

  const blocks: KnownBlock[] = [
    section(part('intro'), `⚠️ *${w.verb} failed* for ${email} in ${service}${attempt}. Requested by ${mention(request.actor)}.`),
    ...problemBlocks(problem, ctx, { blockIdPrefix: part('problem') }),
  ]
  if (e.retryable) {
    blocks.push(
      actions(part('actions'), [
        button({
          text: 'Retry',
          actionId: requestActionId(request.action),
          value: alert.id,
          style: 'primary',
          label: `Retry: ${w.lower} ${plainSafe(alert.email)} ${w.preposition} ${plainSafe(alert.integrationName)}`,
        }),
      ]),
    )
  }
  return { text: `⚠️ ${w.verb} failed for ${email} in ${service}: ${withoutPeriod(e.headline)}.`, blocks }
}

/** "requested by @a", and "approved by @b" when a second person approved it. */
function requestedBy(request: Request): string {
  return `requested by ${mention(request.actor)}${request.approvedBy ? `, approved by ${mention(request.approvedBy)}` : ''}`
}

function names(alert: ThreadAlert): { email: string; service: string } {
  return { email: inline(alert.email, EMAIL_MAX), service: inline(alert.integrationName, SERVICE_MAX) }
}

/** Block ids unique per reply: the alert, the attempt and what the block says. */
function id(alert: ThreadAlert, request: Request, part: string): string {
  return blockId('thread', alert.id, request.action, request.attempt, part)
}

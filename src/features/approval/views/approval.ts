/**
 * Two-person approval in the alert's thread: the "awaiting approval" message with
 * Approve and Reject, that message once decided (or expired), the decision as a
 * thread reply, the alert's status line while it waits, and the ephemeral refusals.
 */
import type { Alert, PendingApproval } from '../../../domain/alert.js'
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../../constants.js'
import type { Problem } from '../../../providers/problems.js'
import type { Choices } from '../../../providers/types.js'
import type { ApprovalDecision } from '../store.js'
import { actions, blockId, button, context, section, type SlackMessage } from '../../../views/blocks.js'
import { explainProblem, type ProblemContext } from '../../../views/problem.js'
import { duration, inline, mention, plainSafe, slackDate, words } from '../../../views/text.js'

type ApprovalAlert = Pick<Alert, 'id' | 'email' | 'integrationName'>

const EMAIL_MAX = 256
const SERVICE_MAX = 120
const ANSWER_MAX = 200
/** Answers shown in full; a modal asks a handful of questions at most. */
const MAX_ANSWERS = 9

/** Posted in the thread when a confirmation needs a second actor: what was asked, by whom, until when; Approve and Reject. */
export function approvalRequestMessage(alert: ApprovalAlert, approval: PendingApproval, choices: Choices): SlackMessage {
  const w = words(approval.action)
  const { email, service } = names(alert)
  const id = (part: string) => blockId('approval', approval.id, 'pending', part)
  const what = `${w.lower} ${email} ${w.preposition} ${service}`
  const answers = Object.entries(choices)
    .slice(0, MAX_ANSWERS)
    .map(([question, answer]) => `${inline(question, ANSWER_MAX)}: ${inline(answer, ANSWER_MAX)}`)
  return {
    text: `🛂 Awaiting approval: ${mention(approval.requester)} asks to ${what}.`,
    blocks: [
      section(
        id('request'),
        `🛂 *Awaiting approval:* ${mention(approval.requester)} asks to *${what}*. Nothing is done until another authorized person approves.`,
      ),
      ...(answers.length > 0 ? [context(id('answers'), [`Answers given in the confirmation: ${answers.join('; ')}`])] : []),
      context(id('expiry'), [
        `Anyone in ACTORS except ${mention(approval.requester)} may approve or reject. Without a decision it expires ${slackDate(approval.expiresAt)}.`,
      ]),
      actions(id('actions'), [
        button({
          text: 'Approve',
          actionId: APPROVE_ACTION_ID,
          value: approval.id,
          style: 'primary',
          label: `Approve: ${plainSafe(`${w.lower} ${alert.email}`)}`,
        }),
        button({ text: 'Reject', actionId: REJECT_ACTION_ID, value: approval.id, style: 'danger', label: `Reject: ${plainSafe(`${w.lower} ${alert.email}`)}` }),
      ]),
    ],
  }
}

/** The "awaiting approval" message once decided: the request and its end, without buttons. */
export function approvalClosedMessage(alert: ApprovalAlert, approval: PendingApproval, decision: ApprovalDecision): SlackMessage {
  const w = words(approval.action)
  const { email, service } = names(alert)
  const line = `${mention(approval.requester)} asked to ${w.lower} ${email} ${w.preposition} ${service}, ${slackDate(approval.at)}`
  const end = decisionLine(decision, approval)
  return {
    text: `🛂 ${line}: ${end.plain}`,
    blocks: [section(blockId('approval', approval.id, decision.kind, 'request'), `🛂 ${line}.\n${end.mrkdwn}`)],
  }
}

/**
 * A request that ended without running, as its own thread reply (naming who rejected it and who asked). An approved
 * request needs none: the "in progress" reply that follows names both people.
 */
export function approvalDecisionReply(
  alert: ApprovalAlert,
  approval: PendingApproval,
  decision: Exclude<ApprovalDecision, { kind: 'approved' }>,
): SlackMessage {
  const w = words(approval.action)
  const { email, service } = names(alert)
  const request = `${mention(approval.requester)}’s request to ${w.lower} ${email} ${w.preposition} ${service}`
  const id = blockId('approval', approval.id, decision.kind, 'reply')
  switch (decision.kind) {
    case 'rejected': {
      const line = `🚫 ${mention(decision.by)} rejected ${request}. Nothing was done; the alert is open again.`
      return { text: line, blocks: [section(id, line)] }
    }
    case 'expired': {
      const line = `⌛ ${request} expired after ${waitedFor(approval)} without approval. Nothing was done; the alert is open again.`
      return { text: line, blocks: [section(id, line)] }
    }
  }
}

/** The alert's status line while a request waits for approval. */
export function awaitingApprovalLine(approval: PendingApproval): string {
  const w = words(approval.action)
  return `🛂 *${w.verb} awaits approval:* requested by ${mention(approval.requester)}, ${slackDate(approval.at)}. Another authorized person approves or rejects it in the thread; it expires ${slackDate(approval.expiresAt)}.`
}

/** The ephemeral answer to the requester who presses Approve or Reject on their own request. */
export function ownRequestRefusal(approval: PendingApproval, pressed: 'approve' | 'reject'): string {
  const w = words(approval.action)
  return `✋ You asked to ${w.lower} this account, so you cannot ${pressed} it yourself: two people must agree. Ask another member of the security team (anyone in ACTORS) to ${pressed === 'approve' ? 'approve it' : 'decide'}.`
}

/**
 * The ephemeral answer to an approver who may not approve because of their own account: it is theirs, or the bot
 * could not check that it is not (Slack did not say who they are, the service did not answer).
 */
export function ownAccountRefusal(problem: Problem, ctx: ProblemContext): string {
  if (problem.kind === 'self') return '🚫 This request is about your own account, so you cannot approve it. Ask another member of the security team.'
  const e = explainProblem(problem, ctx)
  return `🚫 Not approved: ${e.headline} ${e.why} ${e.nextStep}`
}

/** The ephemeral answer to a press on a request that was already decided (or that expired). */
export function alreadyDecidedText(decision: ApprovalDecision | undefined): string {
  if (!decision) return 'This request no longer awaits approval, so nothing was changed.'
  const end = decisionLine(decision)
  return `This request no longer awaits approval: ${end.plain} Nothing was changed.`
}

function decisionLine(decision: ApprovalDecision, approval?: PendingApproval): { mrkdwn: string; plain: string } {
  switch (decision.kind) {
    case 'approved':
      return { mrkdwn: `✅ *Approved* by ${mention(decision.by)}, ${slackDate(decision.at)}.`, plain: `approved by ${mention(decision.by)}.` }
    case 'rejected':
      return { mrkdwn: `🚫 *Rejected* by ${mention(decision.by)}, ${slackDate(decision.at)}.`, plain: `rejected by ${mention(decision.by)}.` }
    case 'expired': {
      const waited = approval ? ` after ${waitedFor(approval)}` : ''
      return { mrkdwn: `⌛ *Expired*${waited} without a decision, ${slackDate(decision.at)}.`, plain: `it expired${waited} without a decision.` }
    }
  }
}

/** How long a request could wait for a decision (the configured time, however late the expiry ran). */
function waitedFor(approval: PendingApproval): string {
  return duration(Date.parse(approval.expiresAt) - Date.parse(approval.at))
}

function names(alert: ApprovalAlert): { email: string; service: string } {
  return { email: inline(alert.email, EMAIL_MAX), service: inline(alert.integrationName, SERVICE_MAX) }
}

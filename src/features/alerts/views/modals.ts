/**
 * The confirmation modal and its other faces. A click opens `loadingModal` at
 * once (the trigger_id lives 3 seconds); when preflight returns, the handler
 * updates it to `confirmModal` (ready / blocked / gone) or `problemModal` (the
 * preflight itself failed). `busyModal` answers a click on an alert that is
 * already being handled. Only the ready confirmation has a submit button and the
 * CONFIRM_CALLBACK_ID; every view carries the ModalContext as private_metadata.
 */
import type { Alert } from '../../../domain/alert.js'
import { ANSWER_ACTION_ID, CONFIRM_CALLBACK_ID, QUESTION_BLOCK_PREFIX, type ModalContext } from '../../../constants.js'
import type { Problem } from '../../../providers/problems.js'
import type { Account, AccountStatus, Action, Option, Preflight, Question } from '../../../providers/types.js'
import {
  blockId,
  context,
  divider,
  fieldsSection,
  LIMITS,
  option,
  plain,
  section,
  selectInput,
  type InputBlock,
  type KnownBlock,
  type ModalView,
} from '../../../views/blocks.js'
import { awaitingApprovalLine } from '../../approval/views/approval.js'
import { problemBlocks, type ProblemContext } from '../../../views/problem.js'
import { clip, inline, link, mention, oneLine, slackDate, truncate, words } from '../../../views/text.js'

type AlertRef = Pick<Alert, 'email' | 'integrationName'>

export interface ModalIntegration {
  adminConsoleUrl?: string
}

/** Budgets for untrusted text in modals (escaped characters). */
const MODAL_TEXT = {
  email: 256,
  name: 200,
  service: 120,
  accountId: 200,
  roles: 1000,
  item: 500,
  detail: 600,
  /** Room left in a 3,000-character section for a bullet list. */
  list: 2800,
} as const

/** Blockers shown in full; the rest are counted. Three blocks each keeps the modal far under 100 blocks. */
const MAX_BLOCKERS = 20

export function loadingModal(ctx: ModalContext, alert: AlertRef): ModalView {
  const service = inline(alert.integrationName, MODAL_TEXT.service)
  const email = inline(alert.email, MODAL_TEXT.email)
  return baseModal(ctx, {
    blocks: [
      section('loading', `⏳ Checking ${service} for *${email}*…`),
      context('loading:note', [
        `The bot asks ${service} what ${words(ctx.action).progressive.toLowerCase()} this account would do. Nothing changes until you confirm.`,
      ]),
    ],
    close: 'Cancel',
  })
}

export function confirmModal(ctx: ModalContext, alert: AlertRef, preflight: Preflight, integration: ModalIntegration): ModalView {
  switch (preflight.kind) {
    case 'ready':
      return readyModal(ctx, alert, preflight)
    case 'blocked':
      return blockedModal(ctx, alert, preflight, integration)
    case 'gone':
      return goneModal(ctx, alert)
  }
}

/** The preflight itself failed (expired credentials, the service down): what happened and what to do. */
export function problemModal(ctx: ModalContext, alert: AlertRef, problem: Problem, integration: ModalIntegration): ModalView {
  const w = words(ctx.action)
  const service = inline(alert.integrationName, MODAL_TEXT.service)
  const email = inline(alert.email, MODAL_TEXT.email)
  return baseModal(ctx, {
    blocks: [
      section('problem:intro', `⚠️ The bot could not check *${email}* in ${service}, so it has not ${w.past} anything.`),
      ...problemBlocks(problem, problemContext(alert, ctx.action, integration), { blockIdPrefix: 'problem' }),
    ],
    close: 'Close',
  })
}

/** The alert already has an action in progress, scheduled or done: who asked for what, and when. */
export function busyModal(ctx: ModalContext, alert: AlertRef & Pick<Alert, 'state'>): ModalView {
  const service = inline(alert.integrationName, MODAL_TEXT.service)
  const email = inline(alert.email, MODAL_TEXT.email)
  const state = alert.state
  switch (state.kind) {
    case 'in-progress': {
      const w = words(state.request.action)
      const other = state.request.action === ctx.action ? '' : `\nYou cannot ${words(ctx.action).lower} it while that runs.`
      return baseModal(ctx, {
        title: 'Already in progress',
        blocks: [
          section(
            'busy',
            `⏳ *${w.progressive} ${email} ${w.preposition} ${service} is already in progress*, requested by ${mention(state.request.actor)}, ${slackDate(state.request.at)}.${other}`,
          ),
          context('busy:note', ['The result will be posted in the alert’s thread.']),
        ],
        close: 'Close',
      })
    }
    case 'awaiting-approval':
      return baseModal(ctx, { title: 'Awaiting approval', blocks: [section('busy', awaitingApprovalLine(state.approval))], close: 'Close' })
    case 'done': {
      const w = words(state.request.action)
      const text =
        state.alreadyDone !== undefined
          ? `✅ *${email} was already ${w.past} ${w.preposition} ${service}:* ${inline(state.alreadyDone, MODAL_TEXT.detail) || 'no details given'}. Requested by ${mention(state.request.actor)}, ${slackDate(state.at)}.`
          : `✅ *${email} was ${w.past} ${w.preposition} ${service}* by ${mention(state.request.actor)}, ${slackDate(state.at)}.`
      return baseModal(ctx, {
        title: 'Already done',
        blocks: [section('busy', `${text}\nNothing else to do.`)],
        close: 'Close',
      })
    }
    case 'scheduled': {
      const w = words(state.request.action)
      return baseModal(ctx, {
        title: 'Already scheduled',
        blocks: [
          section(
            'busy',
            `🗓 *${w.noun} of ${email} ${w.preposition} ${service} is scheduled:* final on ${slackDate(state.until)}. Requested by ${mention(state.request.actor)}, ${slackDate(state.at)}.\nNothing else to do until then.`,
          ),
        ],
        close: 'Close',
      })
    }
    case 'open':
    case 'failed':
      return baseModal(ctx, {
        title: 'Try again',
        blocks: [
          section('busy', `Nothing is in progress for *${email}* any more. Close this and press *${words(ctx.action).verb}* on the alert to try again.`),
        ],
        close: 'Close',
      })
  }
}

/**
 * A modal that only tells something (an out-of-date confirmation, a refusal):
 * a title (cut to 24 characters) and one mrkdwn text, closed with "Close". The
 * text is written by the caller; escape anything untrusted with `escapeMrkdwn`.
 */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: plain(title, LIMITS.modalTitle),
    close: plain('Close', LIMITS.modalButton),
    blocks: [section('notice', text.trim() || title)],
  }
}

/** The ephemeral refusal for a user who is not in ACTORS. */
export function notAuthorizedText(action: Action, userId?: string): string {
  const id = userId ? ` (\`${inline(userId, 32)}\`)` : ''
  return `🔒 You are not allowed to ${words(action).lower} accounts with this bot. Ask a member of the security team or an admin to add your Slack user ID${id} to ACTORS.`
}

function readyModal(ctx: ModalContext, alert: AlertRef, preflight: Extract<Preflight, { kind: 'ready' }>): ModalView {
  const w = words(ctx.action)
  const service = inline(alert.integrationName, MODAL_TEXT.service)
  const account = preflight.account
  const consequences = preflight.consequences.length > 0 ? preflight.consequences : [`The account is ${w.past} ${w.preposition} ${alert.integrationName}.`]
  const warnings = [...mismatchWarning(alert, account), ...preflight.warnings]

  const blocks: KnownBlock[] = [
    section('confirm:intro', `You are about to *${w.lower}* this account ${w.preposition} *${service}*:`),
    accountFields('confirm:account', account),
    divider('confirm:divider'),
    section('confirm:consequences', `*What will happen*\n${bulletList(consequences, '•')}`),
  ]
  if (warnings.length > 0) blocks.push(section('confirm:warnings', `*Watch out*\n${bulletList(warnings, '⚠️')}`))
  for (const question of preflight.questions ?? []) blocks.push(questionInput(question))
  blocks.push(
    section('confirm:undo', preflight.reversible ? `↩️ *This can be undone:* the account can be restored later.` : `🛑 *This cannot be undone.*`),
    context('confirm:note', ['The bot does this in the background and posts the result in the alert’s thread.']),
  )

  return baseModal(ctx, {
    blocks,
    submit: w.verb,
    close: 'Cancel',
    callbackId: CONFIRM_CALLBACK_ID,
  })
}

/** A question the adapter asks, as an input the actor must answer before confirming (Slack enforces required ones). */
function questionInput(question: Question): InputBlock {
  const toOption = ({ value, label }: Option) => option(value, label)
  return selectInput({
    blockId: `${QUESTION_BLOCK_PREFIX}${question.id}`,
    actionId: ANSWER_ACTION_ID,
    label: question.label,
    ...(question.hint ? { hint: question.hint } : {}),
    ...(question.optional ? { optional: true } : {}),
    ...(question.options && !question.searchable ? { options: question.options.map(toOption) } : {}),
    ...(question.initial ? { initial: toOption(question.initial) } : {}),
  })
}

function blockedModal(ctx: ModalContext, alert: AlertRef, preflight: Extract<Preflight, { kind: 'blocked' }>, integration: ModalIntegration): ModalView {
  const w = words(ctx.action)
  const service = inline(alert.integrationName, MODAL_TEXT.service)
  const email = inline(preflight.account?.email ?? alert.email, MODAL_TEXT.email)
  const shown = preflight.blockers.slice(0, MAX_BLOCKERS)
  const hidden = preflight.blockers.length - shown.length

  const blocks: KnownBlock[] = [
    section(
      'blocked:intro',
      `🚫 *${email}* cannot be ${w.past} ${w.preposition} ${service} yet.${preflight.blockers.length > 1 ? ` ${preflight.blockers.length} things stop it:` : ''}`,
    ),
  ]
  if (preflight.account) blocks.push(accountFields('blocked:account', preflight.account))
  shown.forEach((blocker, i) => {
    blocks.push(divider(blockId('blocked', i, 'divider')))
    blocks.push(...problemBlocks(blocker.problem, problemContext(alert, ctx.action, integration), { blockIdPrefix: blockId('blocked', i) }))
  })
  if (hidden > 0) blocks.push(context('blocked:more', [`…and ${hidden} more.`]))
  if (preflight.blockers.length === 0) {
    const consoleLink = link(integration.adminConsoleUrl, `the ${truncate(oneLine(alert.integrationName), MODAL_TEXT.service)} admin console`)
    blocks.push(section('blocked:none', `${service} gave no reason. Check the account in ${consoleLink}.`))
  }

  return baseModal(ctx, { blocks, close: 'Close' })
}

function goneModal(ctx: ModalContext, alert: AlertRef): ModalView {
  const w = words(ctx.action)
  const service = inline(alert.integrationName, MODAL_TEXT.service)
  const email = inline(alert.email, MODAL_TEXT.email)
  return baseModal(ctx, {
    blocks: [
      section(
        'gone',
        `ℹ️ *${email}* no longer exists in ${service}, so there is nothing to ${w.lower}.\nIt was most likely removed already. Nothing else to do.`,
      ),
    ],
    close: 'Close',
  })
}

function accountFields(id: string, account: Account): KnownBlock {
  const fields = [`*Email*\n${inline(account.email, MODAL_TEXT.email) || '—'}`]
  if (account.displayName) fields.push(`*Name*\n${inline(account.displayName, MODAL_TEXT.name)}`)
  fields.push(`*Status*\n${STATUS[account.status]}`)
  if (account.roles) fields.push(`*Roles*\n${account.roles.length > 0 ? clip(account.roles.map((r) => r.trim()).join(', '), MODAL_TEXT.roles) : 'none'}`)
  fields.push(`*Account ID*\n${inline(account.id, MODAL_TEXT.accountId) || '—'}`)
  if (account.matchedBy) fields.push(`*Matched by*\n${clip(account.matchedBy, MODAL_TEXT.item)}`)
  return fieldsSection(id, fields)
}

const STATUS: Readonly<Record<AccountStatus, string>> = {
  active: '🟢 Active',
  suspended: '⏸️ Suspended',
  pending: '✉️ Invited, not yet joined',
  unknown: 'Unknown',
}

/** A warning when the service's account is not the email the alert named. */
function mismatchWarning(alert: AlertRef, account: Account): string[] {
  if (account.email.trim().toLowerCase() === alert.email.trim().toLowerCase()) return []
  return [`The alert named ${alert.email}, but the service's account is ${account.email}. Check it is the right person.`]
}

/** Untrusted items as one bulleted list that fits a section, counting what did not fit. */
function bulletList(items: readonly string[], bullet: string): string {
  const lines: string[] = []
  let length = 0
  for (const [i, item] of items.entries()) {
    const line = `${bullet} ${clip(item.trim(), MODAL_TEXT.item)}`
    const rest = items.length - i
    if (length + line.length + 1 > MODAL_TEXT.list - 40) {
      lines.push(`…and ${rest} more.`)
      break
    }
    lines.push(line)
    length += line.length + 1
  }
  return lines.join('\n')
}

function problemContext(alert: AlertRef, action: Action, integration: ModalIntegration): ProblemContext {
  return { serviceName: alert.integrationName, action, adminConsoleUrl: integration.adminConsoleUrl }
}

interface ModalSpec {
  blocks: KnownBlock[]
  title?: string
  submit?: string
  close: string
  callbackId?: string
}

function baseModal(ctx: ModalContext, spec: ModalSpec): ModalView {
  const view: ModalView = {
    type: 'modal',
    title: plain(spec.title ?? words(ctx.action).title, LIMITS.modalTitle),
    close: plain(spec.close, LIMITS.modalButton),
    private_metadata: modalMetadata(ctx),
    blocks: spec.blocks.slice(0, LIMITS.modalBlocks),
  }
  if (spec.submit) view.submit = plain(spec.submit, LIMITS.modalButton)
  if (spec.callbackId) view.callback_id = spec.callbackId
  return view
}

/** The ModalContext as private_metadata: only its own fields, never anything else. */
export function modalMetadata(ctx: ModalContext): string {
  const { alertId, action, accountId } = ctx
  return JSON.stringify({ alertId, action, ...(accountId ? { accountId } : {}) } satisfies ModalContext)
}

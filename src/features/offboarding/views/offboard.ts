/**
 * `/deprovision user@corp`: the modal that fills in as each service answers, the
 * checklist message edited in place as each step completes, and the summary in its
 * thread. Pure builders; the handler and the job decide when each is shown.
 */
import {
  OFFBOARD_ANSWER_ACTION_ID,
  OFFBOARD_CALLBACK_ID,
  OFFBOARD_CANCEL_ACTION_ID,
  OFFBOARD_DECISION_ACTION_ID,
  OFFBOARD_RUN_NOW_ACTION_ID,
  offboardDecisionBlockId,
  offboardQuestionBlockId,
} from '../../../constants.js'
import {
  defaultDecision,
  isSettled,
  offeredActions,
  questionsFor,
  type Decision,
  type Draft,
  type PlannedStep,
  type Row,
  type Run,
  type Schedule,
  type StepStatus,
} from '../plan.js'
import { wallClockWords, type WhenProblem } from '../when.js'
import type { Problem } from '../../../providers/problems.js'
import type { Account, Action } from '../../../providers/types.js'
import {
  actions,
  blockId,
  button,
  context,
  divider,
  header,
  LIMITS,
  option,
  plain,
  section,
  selectInput,
  type KnownBlock,
  type ModalView,
  type SlackMessage,
} from '../../../views/blocks.js'
import { explainProblem } from '../../../views/problem.js'
import { capitalize, clip, duration, inline, mention, plainSafe, slackDate, withoutPeriod, words } from '../../../views/text.js'

const EMAIL_MAX = 256
const SERVICE_MAX = 120
const DETAIL_MAX = 300
/** Rows shown in full in the modal: a found row takes up to six blocks, so 14 stay under 100. */
const MAX_MODAL_ROWS = 14
/** Lines in the checklist message (one block each, under Slack's 50). */
const MAX_CHECKLIST_LINES = 40

const DECISION_LABELS: Readonly<Record<Decision, string>> = { suspend: 'Suspend', delete: 'Delete', skip: 'Skip' }

export function offboardUsage(subcommandHelp: string): string {
  return `Usage: \`/deprovision user@corp.example\` finds that person in every integrated service and offboards them everywhere, identity provider first. ${subcommandHelp}`
}

/** The modal as it stands: rows still looking, rows found with their choices; Submit once every row is known. */
export function offboardModal(draft: Draft): ModalView {
  const email = inline(draft.email, EMAIL_MAX)
  const known = draft.rows.filter((row) => isSettled(row.lookup)).length
  const identity = draft.rows.filter((row) => row.identityProvider).map((row) => inline(row.service, SERVICE_MAX))
  const shown = draft.rows.slice(0, MAX_MODAL_ROWS)
  const blocks: KnownBlock[] = [
    section('offboard:intro', `Offboard *${email}* from every integrated service.`),
    context('offboard:progress', [
      known < draft.rows.length
        ? `⏳ ${known} of ${draft.rows.length} services answered…`
        : `All ${draft.rows.length} services answered. Nothing changes until you press Offboard.`,
      ...(identity.length > 0
        ? [`🔑 ${identity.join(', ')} (identity provider) is done first, so the person cannot sign in again and be re-created by SSO.`]
        : []),
    ]),
    ...(draft.runAt
      ? [
          section(
            'offboard:runs-at',
            `🗓 *Runs ${wallClockWords(draft.runAt, draft.runZone ?? 'UTC')}, your time*, not now. Until then its checklist in the alert channel offers Cancel and Run now; each account is looked up again when it runs.`,
          ),
        ]
      : []),
  ]
  for (const row of shown) blocks.push(divider(blockId('offboard', row.integration, 'divider')), ...rowBlocks(row))
  if (draft.rows.length > shown.length)
    blocks.push(context('offboard:more', [`…and ${draft.rows.length - shown.length} more services, not shown: offboard those from their alerts or consoles.`]))
  const ready = known === draft.rows.length && draft.rows.some((row) => offeredActions(row).length > 0)
  const view: ModalView = {
    type: 'modal',
    callback_id: OFFBOARD_CALLBACK_ID,
    title: plain('Offboard person', LIMITS.modalTitle),
    close: plain(ready ? 'Cancel' : 'Close', LIMITS.modalButton),
    private_metadata: JSON.stringify({ draftId: draft.id }),
    blocks: blocks.slice(0, LIMITS.modalBlocks),
  }
  if (ready) view.submit = plain('Offboard', LIMITS.modalButton)
  return view
}

function rowBlocks(row: Row): KnownBlock[] {
  const id = (part: string) => blockId('offboard', row.integration, part)
  const name = `*${inline(row.service, SERVICE_MAX)}*${row.identityProvider ? ' · identity provider' : ''}`
  const { lookup } = row
  switch (lookup.kind) {
    case 'looking':
      return [section(id('row'), `${name}\n⏳ Looking…`)]
    case 'not-found':
      return [section(id('row'), `${name}\n➖ No account with this email.`)]
    case 'timed-out':
      return [section(id('row'), `${name}\n⏱ No answer within ${duration(lookup.afterMs)}: left out. Check it in its console, or run the command again later.`)]
    case 'failed': {
      const explained = explainProblem(lookup.problem, {
        serviceName: row.service,
        action: 'suspend',
        ...(row.adminConsoleUrl ? { adminConsoleUrl: row.adminConsoleUrl } : {}),
      })
      return [section(id('row'), `${name}\n⚠️ Could not look the person up: ${explained.headline} ${explained.nextStep}`)]
    }
    case 'found': {
      const blocks: KnownBlock[] = [section(id('row'), `${name}\n${accountLine(lookup.account)}`)]
      const notes = lookup.reviews.map((review) => {
        const verb = words(review.action).verb
        if (review.preflight.kind !== 'ready') {
          return `🚫 *${verb} not possible:* ${review.preflight.kind === 'blocked' ? blockerLine(row, review.action, review.preflight.blockers[0]?.problem) : 'the account no longer exists.'}`
        }
        if (row.needsApproval?.includes(review.action))
          return `✋ *${verb} needs a second person’s approval:* not offered here; ${words(review.action).lower} it from its alert afterwards.`
        return `*${verb}:* ${clip(review.preflight.consequences.join(' ') || `the account is ${words(review.action).past}.`, DETAIL_MAX)}`
      })
      if (notes.length > 0) blocks.push(context(id('notes'), notes))
      const offered = offeredActions(row)
      if (offered.length === 0) return [...blocks, context(id('none'), ['Nothing the bot can do here: see why above.'])]
      const choices: Decision[] = [...offered, 'skip']
      const initial = defaultDecision(row)
      blocks.push(
        selectInput({
          blockId: offboardDecisionBlockId(row.integration),
          actionId: OFFBOARD_DECISION_ACTION_ID,
          label: `${row.service}: what to do`,
          options: choices.map((choice) => option(choice, DECISION_LABELS[choice])),
          initial: option(initial, DECISION_LABELS[initial]),
        }),
      )
      for (const action of offered) {
        for (const question of questionsFor(lookup, action)) {
          blocks.push(
            selectInput({
              blockId: offboardQuestionBlockId(row.integration, action, question.id),
              actionId: OFFBOARD_ANSWER_ACTION_ID,
              label: `${row.service}: ${question.label} (if you choose ${words(action).verb})`,
              ...(question.hint ? { hint: question.hint } : {}),
              optional: true,
              ...(question.options && !question.searchable ? { options: question.options.map(({ value, label }) => option(value, label)) } : {}),
              ...(question.initial ? { initial: option(question.initial.value, question.initial.label) } : {}),
            }),
          )
        }
      }
      return blocks
    }
  }
}

function accountLine(account: Account): string {
  const parts = [STATUS_WORDS[account.status]]
  if (account.roles && account.roles.length > 0) parts.push(inline(account.roles.join(', '), 200))
  else if (account.isAdmin) parts.push('admin')
  if (account.displayName) parts.push(inline(account.displayName, 120))
  if (account.matchedBy) parts.push(`matched by ${inline(account.matchedBy, 200)}`)
  return parts.join(' · ')
}

const STATUS_WORDS: Readonly<Record<Account['status'], string>> = {
  active: '🟢 Active',
  suspended: '⏸️ Suspended',
  pending: '✉️ Invited, not yet joined',
  unknown: 'Status unknown',
}

function blockerLine(row: Pick<Row, 'service' | 'adminConsoleUrl'>, action: Action, problem: Problem | undefined): string {
  if (!problem) return `${inline(row.service, SERVICE_MAX)} gave no reason.`
  return explainProblem(problem, { serviceName: row.service, action, ...(row.adminConsoleUrl ? { adminConsoleUrl: row.adminConsoleUrl } : {}) }).headline
}

/**
 * What the actor sees instead of a second run for the same person (one running, or one scheduled for later). `time`
 * writes a time: Slack's date in a message, words in a modal.
 */
export function alreadyRunningText(
  run: Pick<Run, 'email' | 'actor' | 'createdAt' | 'schedule'>,
  permalink: string | undefined,
  time: (iso: string) => string = slackDate,
): string {
  const where = permalink ? `<${permalink}|its checklist>` : 'its checklist in the alert channel'
  if (run.schedule?.status === 'waiting') {
    return `🗓 Offboarding of *${inline(run.email, EMAIL_MAX)}* is already scheduled for ${time(run.schedule.runAt)}, by ${mention(run.actor)}. Follow ${where} (Cancel or Run now are there) instead of planning a second one.`
  }
  return `⏳ Offboarding of *${inline(run.email, EMAIL_MAX)}* is already running, started by ${mention(run.actor)} ${time(run.createdAt)}. Follow ${where} instead of starting a second one.`
}

export interface ChecklistStep {
  step: PlannedStep
  status: StepStatus
}

/** The run's one message in the alert channel: a line per service, edited in place as each step moves. */
export function checklistMessage(run: Pick<Run, 'email' | 'actor' | 'untouched'>, steps: readonly ChecklistStep[]): SlackMessage {
  const email = inline(run.email, EMAIL_MAX)
  const lines = [...steps.map(stepLine), ...run.untouched.map(untouchedLine)]
  const shown = lines.slice(0, MAX_CHECKLIST_LINES)
  const finished = steps.every(({ status }) => ['done', 'scheduled', 'failed'].includes(status.kind))
  const blocks: KnownBlock[] = [
    header('offboard:header', `Offboarding ${plainSafe(run.email)}`),
    context('offboard:by', [
      `Requested by ${mention(run.actor)} with /deprovision. ${finished ? 'Every step has its outcome; details in the thread.' : 'This list updates as each service answers; details in the thread.'}`,
    ]),
    ...shown.map((line, i) => section(blockId('offboard', 'line', i), line)),
  ]
  if (lines.length > shown.length) blocks.push(context('offboard:more', [`…and ${lines.length - shown.length} more; see the thread.`]))
  return { text: `Offboarding ${email}: ${counts(steps)}`, blocks }
}

function stepLine({ step, status }: ChecklistStep): string {
  const service = `*${inline(step.service, SERVICE_MAX)}*`
  const w = words(step.action)
  switch (status.kind) {
    case 'waiting':
      return status.for === 'identity-provider'
        ? `⏸️ ${service}: ${w.lower} waits until the identity provider is done.`
        : `🕓 ${service}: ${w.lower}, about to start.`
    case 'blocked':
      return `⛔ ${service}: not started, because the ${inline(status.by, SERVICE_MAX)} step failed. Retry that step in the thread; this one starts once it is through.`
    case 'in-progress':
      return `⏳ ${service}: ${w.progressive.toLowerCase()}…`
    case 'awaiting-approval':
      return `✋ ${service}: ${words(status.approval.action).lower} awaits a second person's approval in the thread.`
    case 'done':
      return `✅ ${service}: ${status.alreadyDone !== undefined ? `already ${w.past}` : w.past}.`
    case 'scheduled':
      return `🗓 ${service}: ${w.noun.toLowerCase()} scheduled, final on ${slackDate(status.until)}.`
    case 'failed': {
      const explained = explainProblem(status.problem, { serviceName: step.service, action: status.request.action })
      return `❌ ${service}: ${w.lower} failed. ${withoutPeriod(explained.headline)}. See the thread for the next step.`
    }
  }
}

function untouchedLine(row: Run['untouched'][number]): string {
  const service = `*${inline(row.service, SERVICE_MAX)}*`
  if (row.skipped) return `⏭️ ${service}: skipped.`
  switch (row.lookup.kind) {
    case 'not-found':
      return `➖ ${service}: no account.`
    case 'timed-out':
      return `⏱ ${service}: did not answer in time; not checked.`
    case 'failed':
      return `⚠️ ${service}: could not be checked. ${withoutPeriod(explainProblem(row.lookup.problem, { serviceName: row.service, action: 'suspend' }).headline)}.`
    default:
      return `➖ ${service}: nothing to do.`
  }
}

function counts(steps: readonly ChecklistStep[]): string {
  const tally = (kinds: readonly string[]) => steps.filter(({ status }) => kinds.includes(status.kind)).length
  return `${tally(['done'])} done, ${tally(['scheduled'])} scheduled, ${tally(['failed'])} failed, ${tally(['waiting', 'in-progress', 'blocked'])} to go`
}

/** The thread's summary once nothing runs: done, scheduled (and until when), failed with next steps, untouched. */
export function summaryReply(run: Pick<Run, 'email' | 'untouched'>, steps: readonly ChecklistStep[]): SlackMessage {
  const email = inline(run.email, EMAIL_MAX)
  const named = (list: readonly ChecklistStep[]) => list.map(({ step }) => inline(step.service, SERVICE_MAX)).join(', ')
  const of = (kind: StepStatus['kind']) => steps.filter(({ status }) => status.kind === kind)
  const lines: string[] = []
  const done = of('done')
  if (done.length > 0) lines.push(`✅ *Done (${done.length}):* ${named(done)}.`)
  const scheduled = of('scheduled')
  if (scheduled.length > 0) {
    lines.push(
      `🗓 *Scheduled (${scheduled.length}):* ${scheduled.map(({ step, status }) => `${inline(step.service, SERVICE_MAX)} (final on ${status.kind === 'scheduled' ? slackDate(status.until) : '?'})`).join(', ')}.`,
    )
  }
  for (const { step, status } of of('failed')) {
    if (status.kind !== 'failed') continue
    const explained = explainProblem(status.problem, { serviceName: step.service, action: status.request.action })
    lines.push(
      `❌ *${inline(step.service, SERVICE_MAX)} failed:* ${explained.headline} *Next:* ${explained.nextStep}${explained.retryable ? ' Then press Retry on its reply above.' : ''}`,
    )
  }
  const blocked = of('blocked')
  if (blocked.length > 0) lines.push(`⛔ *Not started (${blocked.length}):* ${named(blocked)}, held back until the identity provider step is through.`)
  const skipped = run.untouched.filter((row) => row.skipped)
  if (skipped.length > 0) lines.push(`⏭️ *Skipped:* ${skipped.map((row) => inline(row.service, SERVICE_MAX)).join(', ')}.`)
  const notFound = run.untouched.filter((row) => !row.skipped && row.lookup.kind === 'not-found')
  if (notFound.length > 0) lines.push(`➖ *No account in:* ${notFound.map((row) => inline(row.service, SERVICE_MAX)).join(', ')}.`)
  const unchecked = run.untouched.filter((row) => !row.skipped && (row.lookup.kind === 'failed' || row.lookup.kind === 'timed-out'))
  if (unchecked.length > 0)
    lines.push(`⚠️ *Not checked:* ${unchecked.map((row) => inline(row.service, SERVICE_MAX)).join(', ')}: check those by hand, or run the command again.`)
  const title = blocked.length > 0 || of('failed').length > 0 ? `Offboarding of ${email} needs attention` : `Offboarding of ${email} is complete`
  return {
    text: `${title}: ${counts(steps)}.`,
    blocks: [
      section('offboard:summary:title', `*${capitalize(title)}.*`),
      ...lines.slice(0, 40).map((line, i) => section(blockId('offboard', 'summary', i), line)),
    ],
  }
}

/** Why the time typed after the email was refused, and what to type instead. */
export function whenRefusedText(problem: WhenProblem): string {
  const examples = 'Examples: `at 2026-12-31 17:00`, `at friday 5pm`, `at tomorrow 09:00`, `at 17:00` (today), `in 2h`, `in 2h30m`, `in 3d`.'
  switch (problem.kind) {
    case 'unreadable':
      return `⚠️ “${inline(problem.text, 80)}” is not a time the bot reads. ${examples}`
    case 'no-time':
      return `⚠️ ${problem.date} has no time of day, and could mean any hour: add one, e.g. \`at ${problem.date} 09:00\`. Nothing was scheduled.`
    case 'unknown-zone':
      return `⚠️ Your Slack time zone (${inline(problem.zone, 64)}) is not one the bot knows, so it cannot tell when you mean. Nothing was scheduled.`
    case 'no-such-date':
      return `⚠️ ${problem.local} is not a date and time on the calendar. ${examples}`
    case 'skipped':
      return `⚠️ ${problem.local} does not exist in your time zone (${inline(problem.zone, 64)}): the clocks skip that hour when summer time starts. Choose a time outside the change.`
    case 'ambiguous':
      return `⚠️ ${problem.local} happens twice in your time zone (${inline(problem.zone, 64)}): the clocks go back that night. Choose a time outside the change.`
    case 'past':
      return `⚠️ ${wallClockWords(problem.at, problem.zone)} is in the past. Give a time ahead (\`at tomorrow 09:00\`), or run \`/deprovision\` with just the email to offboard now.`
    case 'too-far':
      return `⚠️ ${wallClockWords(problem.at, problem.zone)} is more than ${problem.maxDays} days ahead. Schedule it closer to the date.`
  }
}

/** The checklist of a run planned for later, before it starts: what it will do and when, with Cancel and Run now; or that it was cancelled. */
export function scheduledChecklistMessage(
  run: Pick<Run, 'id' | 'email' | 'actor' | 'steps' | 'untouched'> & { schedule: Exclude<Schedule, { status: 'started' }> },
): SlackMessage {
  const email = inline(run.email, EMAIL_MAX)
  const { schedule } = run
  const plan = [...run.steps.map(({ service, action }) => `🗓 *${inline(service, SERVICE_MAX)}*: ${words(action).lower}.`), ...run.untouched.map(untouchedLine)]
  const shown = plan.slice(0, MAX_CHECKLIST_LINES)
  const when =
    schedule.status === 'waiting'
      ? `🗓 *Runs ${slackDate(schedule.runAt)}*, identity provider first; each account is looked up again then. A reminder comes in the thread an hour before.`
      : `🚫 *Cancelled* by ${mention(schedule.actor)} ${slackDate(schedule.at)}: nothing was done. It was to run ${slackDate(schedule.runAt)}.`
  const blocks: KnownBlock[] = [
    header('offboard:header', `Offboarding ${plainSafe(run.email)}`),
    context('offboard:by', [`Scheduled by ${mention(run.actor)} with /deprovision.`]),
    section('offboard:when', when),
    ...shown.map((line, i) => section(blockId('offboard', 'line', i), line)),
  ]
  if (plan.length > shown.length) blocks.push(context('offboard:more', [`…and ${plan.length - shown.length} more.`]))
  if (schedule.status === 'waiting') {
    blocks.push(
      actions('offboard:schedule', [
        button({ text: 'Run now', actionId: OFFBOARD_RUN_NOW_ACTION_ID, value: run.id, style: 'primary', label: `Offboard ${plainSafe(run.email)} now` }),
        button({ text: 'Cancel', actionId: OFFBOARD_CANCEL_ACTION_ID, value: run.id, label: `Cancel the offboarding of ${plainSafe(run.email)}` }),
      ]),
    )
  }
  const text = schedule.status === 'waiting' ? `Offboarding ${email} is scheduled for ${slackDate(schedule.runAt)}` : `Offboarding ${email} was cancelled`
  return { text, blocks }
}

/** In the checklist's thread an hour before a scheduled run starts. */
export function scheduledReminderReply(run: Pick<Run, 'email' | 'actor'> & { schedule: Pick<Schedule, 'runAt'> }): SlackMessage {
  const text = `⏰ ${mention(run.actor)} offboarding of *${inline(run.email, EMAIL_MAX)}* starts ${slackDate(run.schedule.runAt)}, in about an hour. Cancel or Run now on the checklist above.`
  return { text, blocks: [section('offboard:reminder', text)] }
}

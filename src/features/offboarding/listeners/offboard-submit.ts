/**
 * The offboarding modal's submit: check the choices against the stored draft (never
 * against what the modal carries), start the run unless one is already running for
 * the person, and queue it. The job posts the checklist and starts the steps.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewStateValue, ViewSubmitAction } from '@slack/bolt'
import { z } from 'zod'
import {
  OFFBOARD_ANSWER_ACTION_ID,
  OFFBOARD_DECISION_ACTION_ID,
  offboardDecisionBlockId,
  offboardQuestionBlockId,
  parseOffboardDecisionBlockId,
  parseOffboardQuestionBlockId,
} from '../../../constants.js'
import { decide, type Run, type Submitted } from '../plan.js'
import { newRunId } from '../store.js'
import { noticeModal } from '../../alerts/views/modals.js'
import { alreadyRunningText } from '../views/offboard.js'
import type { OffboardingDeps } from '../deps.js'
import { isActor } from '../../../slack/actors.js'
import { permalinkOf } from '../../../slack/permalink.js'
import { auditRefusal, NOT_AN_ACTOR } from '../../../slack/refusal.js'
import { STORE_UNAVAILABLE_TEXT } from '../../alerts/confirmation.js'
import { armSchedule } from '../schedule.js'
import { wallClockWords } from '../when.js'

/** The answer goes in the submission's ack (3 s in all, Redis reads included): the link is left out rather than risk it. */
const PERMALINK_WITHIN_MS = 1_000

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs
type ViewStateValues = Record<string, Record<string, ViewStateValue>>

const metadataSchema = z.object({ draftId: z.string().min(1).max(64) })

export function submitOffboarding(deps: OffboardingDeps) {
  return async ({ ack, body, view }: Args): Promise<void> => {
    const actor = body.user.id
    const metadata = readMetadata(view.private_metadata)
    const log = deps.logger.child({ command: 'offboard', actor, draftId: metadata?.draftId })
    const refused = { event: 'offboard-refused', actor, action: 'offboard', ...(metadata ? { alertId: metadata.draftId } : {}) } as const
    if (!isActor(deps, actor)) {
      await ack({
        response_action: 'update',
        view: noticeModal('Not allowed', '🔒 Only the security team’s actors may offboard people. Ask an admin to add your Slack user ID to ACTORS.'),
      })
      await auditRefusal(deps, { ...refused, detail: NOT_AN_ACTOR })
      return
    }
    let draft
    try {
      draft = metadata ? await deps.offboard.getDraft(metadata.draftId) : null
    } catch (error) {
      log.error({ err: error }, 'could not read the offboarding draft')
      await ack({ response_action: 'update', view: noticeModal('Try again shortly', STORE_UNAVAILABLE_TEXT) })
      return
    }
    if (draft && draft.actor !== actor) {
      await ack({
        response_action: 'update',
        view: noticeModal('Not allowed', '🔒 This offboarding form was opened by someone else. Run `/deprovision` with the email yourself.'),
      })
      await auditRefusal(deps, { ...refused, email: draft.email, detail: `the form was opened by ${draft.actor}, not by the submitter` })
      return
    }
    if (!draft) {
      await ack({
        response_action: 'update',
        view: noticeModal('Out of date', 'This offboarding form is out of date (it expires after two hours). Run `/deprovision` with the email again.'),
      })
      return
    }

    const decided = decide(draft, readSubmitted(view.state?.values))
    if (!decided.ok) {
      const errors = Object.fromEntries(
        decided.errors.map((error) => [
          error.question ? offboardQuestionBlockId(error.integration, error.question.action, error.question.id) : offboardDecisionBlockId(error.integration),
          error.message,
        ]),
      )
      await ack({ response_action: 'errors', errors })
      return
    }

    const now = (deps.now ?? (() => new Date()))()
    // The form may have stayed open past the time it was opened for.
    if (draft.runAt && Date.parse(draft.runAt) <= now.getTime()) {
      await ack({
        response_action: 'update',
        view: noticeModal(
          'Time has passed',
          `🕓 ${wallClockWords(draft.runAt, draft.runZone ?? 'UTC')} passed while this form was open, so nothing was scheduled. Run \`/deprovision\` again with a new time.`,
        ),
      })
      await auditRefusal(deps, { ...refused, email: draft.email, detail: `the scheduled time ${draft.runAt} passed while the form was open` })
      return
    }
    const run: Run = {
      id: newRunId(),
      email: draft.email,
      actor,
      createdAt: now.toISOString(),
      steps: decided.steps,
      untouched: decided.untouched,
      ...(draft.runAt ? { schedule: { runAt: draft.runAt, status: 'waiting' } } : {}),
    }
    let begun
    try {
      begun = await deps.offboard.begin(run, now)
    } catch (error) {
      log.error({ err: error }, 'could not start the offboarding run')
      await ack({ response_action: 'update', view: noticeModal('Try again shortly', STORE_UNAVAILABLE_TEXT) })
      return
    }
    if (begun.status === 'running') {
      const running = await deps.offboard.getRun(begun.runId)
      // A modal cannot show Slack's dates: words, in the zone the form was read in (UTC for one to run now).
      const time = (iso: string) => wallClockWords(iso, draft.runZone ?? 'UTC')
      const text = running
        ? alreadyRunningText(running, await permalinkOf(deps.announcer, running.message, PERMALINK_WITHIN_MS), time)
        : 'Offboarding of this person is already running.'
      await ack({ response_action: 'update', view: noticeModal('Already running', text) })
      return
    }
    const { schedule } = run
    try {
      if (schedule) await armSchedule(deps, { ...run, schedule })
      // A scheduled run's first job only posts its checklist, with Cancel and Run now.
      await deps.queues.enqueueOffboardAdvance(run.id, schedule ? 'scheduled' : 'start')
    } catch (error) {
      log.error({ err: error }, 'could not queue the offboarding run')
      if (schedule) {
        await deps.offboard.decideSchedule(run.id, { runAt: schedule.runAt, status: 'cancelled', actor, at: now.toISOString() }).catch(() => undefined)
        await deps.timers.cancelFor(run.id).catch(() => undefined)
      } else await deps.offboard.finish(run).catch(() => undefined)
      await ack({
        response_action: 'update',
        view: noticeModal('Nothing was done', '⚠️ The bot’s job queue is unavailable, so nothing was started. Try again in a minute.'),
      })
      return
    }
    await ack()
    const plan = run.steps.map((step) => `${step.action} in ${step.integration}`).join(', ')
    log.info({ runId: run.id, steps: plan, ...(schedule ? { runAt: schedule.runAt } : {}) }, schedule ? 'offboarding scheduled' : 'offboarding started')
    await deps.audit.append({
      event: schedule ? 'offboard-scheduled' : 'offboard-requested',
      alertId: run.id,
      actor,
      email: run.email,
      detail: schedule ? `${plan} at ${schedule.runAt}` : plan,
    })
  }
}

function readMetadata(metadata: string | undefined): z.infer<typeof metadataSchema> | null {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(metadata ?? ''))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** The decision select and the question answers, per integration. */
function readSubmitted(values: ViewStateValues | undefined): Submitted {
  const decisions: Record<string, string> = {}
  const answers: Record<string, Record<string, Record<string, string>>> = {}
  for (const [block, inputs] of Object.entries(values ?? {})) {
    const integration = parseOffboardDecisionBlockId(block)
    const decided = inputs?.[OFFBOARD_DECISION_ACTION_ID]?.selected_option?.value
    if (integration && decided) decisions[integration] = decided
    const question = parseOffboardQuestionBlockId(block)
    const answer = inputs?.[OFFBOARD_ANSWER_ACTION_ID]?.selected_option?.value
    if (question && answer) {
      const forIntegration = (answers[question.integration] ??= {})
      ;(forIntegration[question.action] ??= {})[question.questionId] = answer
    }
  }
  return { decisions, answers }
}

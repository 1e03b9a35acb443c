/**
 * `/deprovision user@corp`: open the modal at once (the trigger_id lives 3 s), then
 * look the person up in every integration in parallel and fill the modal in as each
 * answers. With a time after the email (`at friday 17:00`), the same modal says when it
 * will run. The modal's submit is in offboard-submit.ts.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt'
import { lookingRow, lookUpEverywhere, type LookupTarget } from '../lookup.js'
import { OFFBOARD_ACTIONS, type Draft } from '../plan.js'
import { comparableEmail } from '../../../providers/addresses.js'
import { newDraftId } from '../store.js'
import { noticeModal } from '../../alerts/views/modals.js'
import { alreadyRunningText, offboardModal, whenRefusedText } from '../views/offboard.js'
import { parseWhen } from '../when.js'
import { auditRefusal } from '../../../slack/refusal.js'
import { permalinkOf } from '../../../slack/permalink.js'
import { STORE_UNAVAILABLE_TEXT } from '../../alerts/confirmation.js'
import type { OffboardingDeps } from '../deps.js'

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs

/** `when`: the time typed after the email, for a run planned for later (read in the actor's Slack time zone). */
export async function offboardPerson(deps: OffboardingDeps, { ack, command, client, respond }: Args, email: string, when?: string): Promise<void> {
  await ack()
  const actor = command.user_id
  const log = deps.logger.child({ command: 'offboard', actor })
  const now = (deps.now ?? (() => new Date()))()

  let running
  try {
    running = await deps.offboard.activeRun(email)
  } catch (error) {
    log.error({ err: error }, 'could not read offboarding runs')
    await respond({ response_type: 'ephemeral', text: STORE_UNAVAILABLE_TEXT })
    return
  }
  if (running) {
    await respond({ response_type: 'ephemeral', text: alreadyRunningText(running, await permalinkOf(deps.announcer, running.message)) })
    return
  }

  // Identity providers first, in the modal as in the run.
  const targets: LookupTarget[] = deps.providers
    .all()
    .map((provider) => ({
      provider,
      identityProvider: deps.providers.isIdentityProvider(provider.id),
      needsApproval: OFFBOARD_ACTIONS.filter((action) => deps.approval.required(provider.id, action)),
      guard: {},
    }))
    .sort((a, b) => Number(b.identityProvider) - Number(a.identityProvider))
  if (targets.length === 0) {
    await respond({ response_type: 'ephemeral', text: 'No integration is configured, so there is nowhere to look. Add integrations to the providers file.' })
    return
  }
  const draft: Draft = { id: newDraftId(), email, actor, createdAt: now.toISOString(), rows: targets.map(lookingRow) }
  const opened = await client.views.open({ trigger_id: command.trigger_id, view: offboardModal(draft) })
  const viewId = opened.view?.id
  if (!viewId) throw new Error('views.open answered without a view id')
  const show = (view: ReturnType<typeof offboardModal>) =>
    client.views.update({ view_id: viewId, view }).catch((error: unknown) => log.info({ err: error }, 'could not update the offboarding modal (closed?)'))

  // Unknown (Slack did not say): every row's guards then refuse Suspend and Delete, so nothing can be submitted.
  const [actorEmail, runAt] = await Promise.all([deps.actorEmails.of(actor), when ? scheduledTime(deps, actor, when, now) : undefined])
  if (runAt?.ok === false) {
    await show(noticeModal('Cannot schedule', runAt.reason))
    await auditRefusal(deps, { event: 'offboard-refused', alertId: draft.id, actor, action: `/deprovision user@corp ${when}`, email, detail: runAt.reason })
    return
  }
  if (runAt) Object.assign(draft, { runAt: runAt.at, runZone: runAt.zone })
  if (actorEmail && comparableEmail(actorEmail) === comparableEmail(email)) {
    await show(noticeModal('Not allowed', `🚫 *${email}* is your own account. Nobody may offboard themselves: ask another member of the security team.`))
    await auditRefusal(deps, {
      event: 'offboard-refused',
      alertId: draft.id,
      actor,
      action: '/deprovision user@corp',
      email,
      detail: 'the actor’s own account',
    })
    return
  }
  try {
    await deps.offboard.createDraft(draft)
  } catch (error) {
    log.error({ err: error }, 'could not store the offboarding draft')
    await show(noticeModal('Try again shortly', STORE_UNAVAILABLE_TEXT))
    return
  }

  // Each row is stored, then the modal redrawn from the store: updates go out one at a time, each with every row known so far.
  let redraw = Promise.resolve()
  const guarded = targets.map((target) => ({ ...target, guard: deps.providers.guardContext(target.provider.id, actorEmail) }))
  await lookUpEverywhere(guarded, email, deps.preflightTimeoutMs, async (row) => {
    await deps.offboard.setRow(draft.id, row)
    redraw = redraw
      .then(async () => {
        const current = await deps.offboard.getDraft(draft.id)
        if (current) await show(offboardModal(current))
      })
      .catch((error: unknown) => log.warn({ err: error }, 'could not redraw the offboarding modal'))
  })
  await redraw
  log.info({ draftId: draft.id }, 'offboarding lookups finished')
}

/** The time typed, in the actor's Slack zone; refused (with the reason) when Slack does not tell the zone rather than guessed. */
async function scheduledTime(
  deps: OffboardingDeps,
  actor: string,
  when: string,
  now: Date,
): Promise<{ ok: true; at: string; zone: string } | { ok: false; reason: string }> {
  const zone = await deps.actorEmails.timeZoneOf(actor)
  if (!zone) {
    return {
      ok: false,
      reason: '⚠️ Slack did not tell your time zone, so the bot cannot tell when you mean and scheduled nothing. Try again in a moment.',
    }
  }
  const parsed = parseWhen(when, now, zone)
  return parsed.ok ? { ok: true, at: parsed.at.toISOString(), zone } : { ok: false, reason: whenRefusedText(parsed.problem) }
}

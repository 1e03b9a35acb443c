/**
 * Cancel and Run now on a scheduled offboarding's checklist: ack, only ACTORS (others
 * are told and audited), then the use-case in schedule.ts decides once, whichever of
 * the timer, Run now and Cancel comes first. A click that comes too late is told what
 * happened instead, and audited.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import { isActor } from '../../../slack/actors.js'
import { auditRefusal, NOT_AN_ACTOR } from '../../../slack/refusal.js'
import type { OffboardingDeps } from '../deps.js'
import { cancelScheduled, startScheduled, tellCancelRefused, whoDecided } from '../schedule.js'

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

export function cancelScheduledRun(deps: OffboardingDeps) {
  return async ({ ack, body, action, client, respond }: Args): Promise<void> => {
    await ack()
    const actor = body.user.id
    const runId = action.value ?? ''
    if (!isActor(deps, actor)) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: '🔒 Only the security team’s actors may cancel an offboarding. Ask an admin to add your Slack user ID to ACTORS.',
      })
      await auditRefusal(deps, { event: 'offboard-refused', alertId: runId, actor, action: 'cancel scheduled offboarding', detail: NOT_AN_ACTOR })
      return
    }
    let outcome
    try {
      outcome = await cancelScheduled({ ...deps, slack: client }, runId, actor)
    } catch (error) {
      deps.logger.error({ err: error, runId, action: 'cancel' }, 'could not cancel the scheduled offboarding')
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: '⚠️ The bot’s store is unavailable, so the offboarding may not be cancelled. Press Cancel again in a minute.',
      })
      return
    }
    await tellCancelRefused(deps, outcome, { runId, actor, say: (text) => respond({ response_type: 'ephemeral', replace_original: false, text }) })
  }
}

export function runScheduledNow(deps: OffboardingDeps) {
  return async ({ ack, body, action, respond }: Args): Promise<void> => {
    await ack()
    const actor = body.user.id
    const runId = action.value ?? ''
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text })
    const refuse = (detail: string) => auditRefusal(deps, { event: 'offboard-refused', alertId: runId, actor, action: 'run scheduled offboarding now', detail })
    if (!isActor(deps, actor)) {
      await say('🔒 Only the security team’s actors may start an offboarding. Ask an admin to add your Slack user ID to ACTORS.')
      await refuse(NOT_AN_ACTOR)
      return
    }
    let outcome
    try {
      outcome = await startScheduled(deps, runId, { by: 'run-now', actor })
    } catch (error) {
      deps.logger.error({ err: error, runId, action: 'run-now' }, 'could not start the scheduled offboarding now')
      await say('⚠️ The bot’s store or job queue is unavailable, so it may not have started. Press Run now again in a minute; otherwise it starts at its time.')
      return
    }
    switch (outcome.kind) {
      case 'started':
        return
      case 'already-started':
        await say(`⏳ This offboarding already started ${whoDecided(outcome.schedule)}: follow the checklist.`)
        return refuse('already started')
      case 'cancelled':
        await say(
          `🚫 This offboarding was cancelled ${whoDecided(outcome.schedule)}, so nothing was started. Run \`/deprovision\` with the email again to start a new one.`,
        )
        return refuse('already cancelled')
      case 'missing':
        await say('⚠️ This offboarding is no longer stored (runs are kept 90 days), so nothing was started.')
        return refuse('run not found')
    }
  }
}

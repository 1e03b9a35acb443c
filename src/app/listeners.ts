/** Wires every Slack entry point to its handler; the handlers themselves stay testable on their own. */
import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt'
import {
  ANSWER_ACTION_ID,
  APPROVE_ACTION_ID,
  CONFIRM_CALLBACK_ID,
  MUTE_ACTION_ID,
  OFFBOARD_ANSWER_ACTION_ID,
  OFFBOARD_CALLBACK_ID,
  OFFBOARD_CANCEL_ACTION_ID,
  OFFBOARD_RUN_NOW_ACTION_ID,
  REJECT_ACTION_ID,
  REQUEST_ACTION_PATTERN,
  UNMUTE_ACTION_ID,
} from '../constants.js'
import { muteAlert, unmute } from '../features/mutes/listeners/mute-alert.js'
import { decideApproval } from '../features/approval/listeners/approval.js'
import { confirmAction } from '../features/alerts/listeners/confirm-action.js'
import { deprovisionCommand } from './deprovision-command.js'
import { submitOffboarding } from '../features/offboarding/listeners/offboard-submit.js'
import { cancelScheduledRun, runScheduledNow } from '../features/offboarding/listeners/scheduled-run.js'
import type { HandlerDeps } from './deps.js'
import { requestAction } from '../features/alerts/listeners/request-action.js'
import { suggestOffboardingOptions, suggestOptions } from '../features/alerts/listeners/suggest-options.js'

export function registerHandlers(app: App, deps: HandlerDeps & { alertChannelId: string }): void {
  app.action<BlockAction<ButtonAction>>(REQUEST_ACTION_PATTERN, requestAction(deps))
  app.view({ type: 'view_submission', callback_id: CONFIRM_CALLBACK_ID }, confirmAction(deps))
  app.action<BlockAction<StaticSelectAction>>(MUTE_ACTION_ID, muteAlert(deps))
  app.action<BlockAction<ButtonAction>>(UNMUTE_ACTION_ID, unmute(deps))
  app.action<BlockAction<ButtonAction>>(APPROVE_ACTION_ID, decideApproval(deps, 'approve'))
  app.action<BlockAction<ButtonAction>>(REJECT_ACTION_ID, decideApproval(deps, 'reject'))
  app.options({ type: 'block_suggestion', action_id: ANSWER_ACTION_ID }, suggestOptions(deps))
  app.command('/deprovision', deprovisionCommand(deps))
  app.view({ type: 'view_submission', callback_id: OFFBOARD_CALLBACK_ID }, submitOffboarding(deps))
  app.options({ type: 'block_suggestion', action_id: OFFBOARD_ANSWER_ACTION_ID }, suggestOffboardingOptions(deps))
  app.action<BlockAction<ButtonAction>>(OFFBOARD_CANCEL_ACTION_ID, cancelScheduledRun(deps))
  app.action<BlockAction<ButtonAction>>(OFFBOARD_RUN_NOW_ACTION_ID, runScheduledNow(deps))
}

/** Wires every Slack entry point to its handler; the handlers themselves stay testable on their own. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt'
import { ANSWER_ACTION_ID, CONFIRM_CALLBACK_ID, REQUEST_ACTION_PATTERN } from '../constants.js'
import { confirmAction } from './confirm-action.js'
import { deprovisionCommand } from './deprovision-command.js'
import type { HandlerDeps } from './deps.js'
import { requestAction } from './request-action.js'
import { suggestOptions } from './suggest-options.js'

export function registerHandlers(app: App, deps: HandlerDeps & { alertChannelId: string }): void {
  app.action<BlockAction<ButtonAction>>(REQUEST_ACTION_PATTERN, requestAction(deps))
  app.view({ type: 'view_submission', callback_id: CONFIRM_CALLBACK_ID }, confirmAction(deps))
  app.options({ type: 'block_suggestion', action_id: ANSWER_ACTION_ID }, suggestOptions(deps))
  app.command('/deprovision', deprovisionCommand(deps))
}

/**
 * Options for a searchable question in the confirmation modal (a new owner among
 * the service's users), asked of the adapter as the actor types. Slack waits 3 s
 * for them, so the adapter gets a little less, and a failure shows no options
 * rather than an error.
 */
import type { AllMiddlewareArgs, BlockSuggestion, SlackOptionsMiddlewareArgs } from '@slack/bolt'
import { QUESTION_BLOCK_PREFIX } from '../constants.js'
import { option } from '../views/blocks.js'
import type { HandlerDeps } from './deps.js'
import { parseModalContext } from './modal-context.js'
import { withTimeout } from './request-action.js'

const SUGGEST_TIMEOUT_MS = 2_500

type Args = SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs

export function suggestOptions(deps: HandlerDeps) {
  return async ({ ack, body }: Args): Promise<void> => {
    const suggestion = body as BlockSuggestion
    const questionId = suggestion.block_id.startsWith(QUESTION_BLOCK_PREFIX) ? suggestion.block_id.slice(QUESTION_BLOCK_PREFIX.length) : ''
    const context = parseModalContext(suggestion.view?.private_metadata)
    const alert = context ? await deps.alerts.get(context.alertId) : null
    const provider = alert ? deps.providers.get(alert.integration) : undefined
    if (!questionId || !context?.accountId || !alert || !provider?.suggest || !deps.actors.has(suggestion.user.id)) {
      await ack({ options: [] })
      return
    }
    try {
      const account = { id: context.accountId, email: alert.email, status: 'unknown' as const }
      const found = await withTimeout(provider.suggest(account, questionId, suggestion.value), SUGGEST_TIMEOUT_MS, provider.displayName)
      await ack({ options: found.slice(0, 100).map(({ value, label }) => option(value, label)) })
    } catch (error) {
      deps.logger.warn({ err: error, alertId: alert.id, questionId }, 'suggestions failed')
      await ack({ options: [] })
    }
  }
}

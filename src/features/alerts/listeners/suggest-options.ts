/**
 * Options for a searchable question (a new owner among the service's users), asked
 * of the adapter as the actor types: in an alert's confirmation modal, and per row
 * of the `/deprovision user@corp` modal. Slack waits 3 s for them, so the adapter
 * gets a little less, and a failure shows no options rather than an error.
 */
import type { AllMiddlewareArgs, BlockSuggestion, SlackOptionsMiddlewareArgs } from '@slack/bolt'
import { z } from 'zod'
import { parseOffboardQuestionBlockId, QUESTION_BLOCK_PREFIX } from '../../../constants.js'
import type { Account, Provider } from '../../../providers/types.js'
import { option } from '../../../views/blocks.js'
import type { AlertDeps } from '../deps.js'
import type { OffboardStore } from '../../offboarding/store.js'
import { parseModalContext } from './modal-context.js'
import { withTimeout } from '../confirmation.js'
import { isActor } from '../../../slack/actors.js'

type ListenerDeps = AlertDeps & { offboard: OffboardStore }

const SUGGEST_TIMEOUT_MS = 2_500

type Args = SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs

/** What a suggestion needs: the adapter, the account the question is about, and which question. */
interface Asked {
  provider: Provider
  account: Account
  questionId: string
}

export function suggestOptions(deps: ListenerDeps) {
  return suggestWith(deps, async (suggestion) => {
    const questionId = suggestion.block_id.startsWith(QUESTION_BLOCK_PREFIX) ? suggestion.block_id.slice(QUESTION_BLOCK_PREFIX.length) : ''
    const context = parseModalContext(suggestion.view?.private_metadata)
    const alert = context ? await deps.alerts.get(context.alertId) : null
    const provider = alert ? deps.providers.get(alert.integration) : undefined
    if (!questionId || !context?.accountId || !alert || !provider) return undefined
    return { provider, questionId, account: { id: context.accountId, email: alert.email, status: 'unknown' } }
  })
}

const offboardMetadata = z.object({ draftId: z.string().min(1).max(64) })

/** The account comes from the stored draft, never from the modal. */
export function suggestOffboardingOptions(deps: ListenerDeps) {
  return suggestWith(deps, async (suggestion) => {
    const question = parseOffboardQuestionBlockId(suggestion.block_id)
    let metadata: unknown
    try {
      metadata = JSON.parse(suggestion.view?.private_metadata ?? '')
    } catch {
      return undefined
    }
    const parsed = offboardMetadata.safeParse(metadata)
    const draft = parsed.success ? await deps.offboard.getDraft(parsed.data.draftId) : null
    const lookup = draft?.rows.find((row) => row.integration === question?.integration)?.lookup
    const provider = question ? deps.providers.get(question.integration) : undefined
    if (!question || !provider || lookup?.kind !== 'found' || draft?.actor !== suggestion.user.id) return undefined
    return { provider, questionId: question.questionId, account: lookup.account }
  })
}

function suggestWith(deps: ListenerDeps, ask: (suggestion: BlockSuggestion) => Promise<Asked | undefined>) {
  return async ({ ack, body }: Args): Promise<void> => {
    const suggestion = body
    const asked = isActor(deps, suggestion.user.id) ? await ask(suggestion) : undefined
    if (!asked?.provider.suggest) {
      await ack({ options: [] })
      return
    }
    try {
      const found = await withTimeout(asked.provider.suggest(asked.account, asked.questionId, suggestion.value), SUGGEST_TIMEOUT_MS, asked.provider.displayName)
      await ack({ options: found.slice(0, 100).map(({ value, label }) => option(value, label)) })
    } catch (error) {
      deps.logger.warn({ err: error, integration: asked.provider.id, questionId: asked.questionId }, 'suggestions failed')
      await ack({ options: [] })
    }
  }
}

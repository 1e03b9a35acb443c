/**
 * Delete / Suspend on an alert, or Retry in its thread: ack, authorize, open a
 * loading modal at once (the trigger_id lives 3 s), then ask the provider what the
 * action would do and turn the modal into the confirmation.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import type { WebClient } from '@slack/web-api'
import { acceptsRequest, type Alert } from '../../../domain/alert.js'
import { REQUEST_ACTION_PATTERN, type ModalContext } from '../../../constants.js'
import type { Logger } from '../../../logger.js'
import { describeProblem, toProblem, ProviderError } from '../../../providers/problems.js'
import { preflightFor } from '../../../providers/run.js'
import type { Action } from '../../../providers/types.js'
import { busyModal, confirmModal, loadingModal, notAuthorizedText, problemModal } from '../views/modals.js'
import { isActor, type HandlerDeps } from '../../../slack/deps.js'

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

export const STORE_UNAVAILABLE_TEXT = 'The bot cannot reach its store (Redis) right now, so nothing was done. Try again in a minute.'
const MODAL_NOT_OPENED_TEXT = 'Slack could not open the confirmation, so nothing was done. Click the button again.'

export function requestAction(deps: HandlerDeps) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack()
    const kind = REQUEST_ACTION_PATTERN.exec(action.action_id)?.[1] as Action | undefined
    const alertId = action.value ?? ''
    const actor = body.user.id
    const log = deps.logger.child({ alertId, action: kind, actor })
    if (!kind) return

    let alert: Alert | null
    try {
      alert = await deps.alerts.get(alertId)
    } catch (error) {
      log.error({ err: error }, 'could not read the alert')
      const channel = channelOf(body)
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: STORE_UNAVAILABLE_TEXT })
      return
    }
    if (!isActor(deps, actor)) {
      log.warn('refused: actor not in ACTORS')
      await deps.audit.append({ event: 'action-refused', alertId, actor, action: kind, detail: 'not an authorized actor', ...(alert ? { integration: alert.integration, email: alert.email } : {}) })
      const channel = channelOf(body)
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: notAuthorizedText(kind) })
      return
    }
    if (!alert) {
      log.warn('alert not found')
      const channel = body.channel?.id
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: 'This alert is no longer stored (it expired or was removed), so nothing can be done from it.' })
      return
    }

    const opened = await openLoadingModal(client, body.trigger_id, { alertId, action: kind }, alert, log)
    if (!opened) {
      const channel = channelOf(body)
      if (channel) await client.chat.postEphemeral({ channel, user: actor, text: MODAL_NOT_OPENED_TEXT })
      return
    }
    await showConfirmation(deps, client, opened, alert, kind, actor)
  }
}

/** The loading modal Slack opened, to be turned into the confirmation. */
export interface OpenedModal {
  viewId: string
  hash?: string
}

/**
 * Opens the loading modal at once, before any slow work (the trigger_id lives 3 s). Undefined when Slack would
 * not open it. Every entry point that leads to the confirmation (an alert's buttons, the App Home's account list)
 * opens it here.
 */
export async function openLoadingModal(
  client: WebClient,
  triggerId: string,
  context: ModalContext,
  subject: Pick<Alert, 'email' | 'integrationName'>,
  log: Logger,
): Promise<OpenedModal | undefined> {
  const opened = await client.views.open({ trigger_id: triggerId, view: loadingModal(context, subject) }).catch((error: unknown) => {
    log.warn({ err: error }, 'Slack did not open the confirmation')
    return undefined
  })
  const viewId = opened?.view?.id
  return viewId ? { viewId, ...(opened.view?.hash ? { hash: opened.view.hash } : {}) } : undefined
}

/** Turns the loading modal into the confirmation of `action` on `alert` (or says why it cannot be requested now). */
export async function showConfirmation(deps: HandlerDeps, client: WebClient, opened: OpenedModal, alert: Alert, action: Action, actor: string): Promise<void> {
  const context: ModalContext = { alertId: alert.id, action }
  const capabilities = deps.providers.summary(alert.integration).capabilities
  const accepted = acceptsRequest(alert, capabilities, action)
  const view = accepted ? await confirmationView(deps, context, alert, { id: actor, email: await deps.actorEmails.of(actor) }) : busyModal(context, alert)
  await client.views.update({ view_id: opened.viewId, ...(opened.hash ? { hash: opened.hash } : {}), view })
}

async function confirmationView(deps: HandlerDeps, context: ModalContext, alert: Alert, actor: { id: string; email: string | undefined }) {
  const provider = deps.providers.get(alert.integration)
  const summary = deps.providers.summary(alert.integration)
  if (!provider) {
    return problemModal(context, alert, { kind: 'rejected', detail: `integration "${alert.integration}" is no longer configured` }, summary)
  }
  try {
    const guard = deps.providers.guardContext(alert.integration, actor.email)
    const preflight = await withTimeout(preflightFor(provider, alert, context.action, guard), deps.preflightTimeoutMs, provider.displayName)
    if (preflight.kind === 'blocked') {
      await deps.audit.append({
        event: 'action-refused',
        alertId: alert.id,
        actor: actor.id,
        action: context.action,
        integration: alert.integration,
        email: alert.email,
        detail: preflight.blockers.map((blocker) => describeProblem(blocker.problem)).join('; '),
      })
    }
    const account = preflight.kind === 'gone' ? undefined : preflight.account
    return confirmModal(account ? { ...context, accountId: account.id } : context, alert, preflight, summary)
  } catch (error) {
    deps.logger.warn({ err: error, alertId: alert.id, action: context.action }, 'preflight failed')
    return problemModal(context, alert, toProblem(error), summary)
  }
}

export function withTimeout<T>(work: Promise<T>, ms: number, service: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProviderError({ kind: 'transient', detail: `${service} did not answer within ${Math.round(ms / 1000)} s` })),
      ms,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/** Where to answer the clicker: the alert's channel, else the one its container names (Bolt types it `any`, so it is checked). */
function channelOf(body: BlockAction): string | undefined {
  const fromContainer: unknown = body.container?.channel_id
  return body.channel?.id ?? (typeof fromContainer === 'string' ? fromContainer : undefined)
}

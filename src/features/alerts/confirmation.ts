/**
 * The confirmation modal, from whichever button leads to it (an alert's, the App Home's account list): the loading
 * modal opened at once, then the fresh preflight turned into the confirmation, a blocker or the problem explained.
 */
import { acceptsRequest, type Alert } from '../../domain/alert.js'
import type { ModalContext } from '../../constants.js'
import type { Logger } from '../../logger.js'
import { describeProblem, toProblem, ProviderError } from '../../providers/problems.js'
import { preflightFor } from '../../providers/run.js'
import type { Action } from '../../providers/types.js'
import { auditRefusal } from '../../slack/refusal.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { AlertDeps } from './deps.js'
import { busyModal, confirmModal, loadingModal, problemModal } from './views/modals.js'

type ConfirmationDeps = Pick<AlertDeps, 'providers' | 'actorEmails' | 'audit' | 'logger' | 'preflightTimeoutMs'>

export const STORE_UNAVAILABLE_TEXT = 'The bot cannot reach its store (Redis) right now, so nothing was done. Try again in a minute.'

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
  slack: SlackPort,
  triggerId: string,
  context: ModalContext,
  subject: Pick<Alert, 'email' | 'integrationName'>,
  log: Logger,
): Promise<OpenedModal | undefined> {
  const opened = await slack.views.open({ trigger_id: triggerId, view: loadingModal(context, subject) }).catch((error: unknown) => {
    log.warn({ err: error }, 'Slack did not open the confirmation')
    return undefined
  })
  const viewId = opened?.view?.id
  return viewId ? { viewId, ...(opened.view?.hash ? { hash: opened.view.hash } : {}) } : undefined
}

/** Turns the loading modal into the confirmation of `action` on `alert` (or says why it cannot be requested now). */
export async function showConfirmation(
  deps: ConfirmationDeps,
  slack: SlackPort,
  opened: OpenedModal,
  alert: Alert,
  action: Action,
  actor: string,
): Promise<void> {
  const context: ModalContext = { alertId: alert.id, action }
  const capabilities = deps.providers.summary(alert.integration).capabilities
  const accepted = acceptsRequest(alert, capabilities, action)
  const view = accepted ? await confirmationView(deps, context, alert, { id: actor, email: await deps.actorEmails.of(actor) }) : busyModal(context, alert)
  await slack.views.update({ view_id: opened.viewId, ...(opened.hash ? { hash: opened.hash } : {}), view })
}

async function confirmationView(deps: ConfirmationDeps, context: ModalContext, alert: Alert, actor: { id: string; email: string | undefined }) {
  const provider = deps.providers.get(alert.integration)
  const summary = deps.providers.summary(alert.integration)
  if (!provider) {
    return problemModal(context, alert, { kind: 'rejected', detail: `integration "${alert.integration}" is no longer configured` }, summary)
  }
  try {
    const guard = deps.providers.guardContext(alert.integration, actor.email)
    const preflight = await withTimeout(preflightFor(provider, alert, context.action, guard), deps.preflightTimeoutMs, provider.displayName)
    if (preflight.kind === 'blocked') {
      await auditRefusal(deps, {
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
    timer = setTimeout(() => reject(new ProviderError({ kind: 'transient', detail: `${service} did not answer within ${Math.round(ms / 1000)} s` })), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

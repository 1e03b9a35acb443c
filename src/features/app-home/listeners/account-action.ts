/**
 * Delete / Suspend on an account in the App Home's account list. The same path as an
 * alert's buttons: ack, authorize, open the loading modal at once (the trigger_id lives
 * 3 s), then find the account's alert, or open one through the same ingest core as
 * POST /alerts (with its dedup) and post it at once, so every action has one thread and
 * one audit trail, and turn the modal into the same confirmation, with the same guards.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import { z } from 'zod'
import { availableActions, threadOf, type Alert, type AlertReport } from '../../../domain/alert.js'
import { acceptAlert } from '../../alerts/ingest.js'
import { postOpenedAlert } from '../../alerts/posting.js'
import { HOME_ACCOUNT_ACTION_PATTERN } from '../../../constants.js'
import type { Logger } from '../../../logger.js'
import type { Action, Provider } from '../../../providers/types.js'
import type { HomeAccountRef } from '../../../views/home-services.js'
import { noticeModal, notAuthorizedText } from '../../alerts/views/modals.js'
import type { AppHomeDeps } from '../home-data.js'
import { isActor } from '../../../slack/actors.js'
import { auditRefusal } from '../../../slack/refusal.js'
import { openLoadingModal, showConfirmation, STORE_UNAVAILABLE_TEXT } from '../../alerts/confirmation.js'

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

const refSchema = z.object({
  integration: z.string().min(1).max(128),
  accountId: z.string().min(1).max(256),
  email: z.string().trim().min(3).max(320),
  name: z.string().max(100).optional(),
})

/** A newly opened alert is posted here at once; its posting job only posts it after this long, should that fail. */
const POST_JOB_DELAY_MS = 15_000

/** The states in which an alert still stands for the account: acting on it again goes to its thread. */
const ONGOING: ReadonlySet<Alert['state']['kind']> = new Set(['in-progress', 'awaiting-approval', 'scheduled'])

export function requestAccountAction(deps: AppHomeDeps) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack()
    const kind = HOME_ACCOUNT_ACTION_PATTERN.exec(action.action_id)?.[1] as Action | undefined
    const ref = parseRef(action.value)
    const actor = body.user.id
    const log = deps.logger.child({ action: kind, actor, integration: ref?.integration })
    if (!kind || !ref) {
      log.warn('App Home account button with an unreadable value')
      return
    }
    const provider = deps.providers.get(ref.integration)
    if (!isActor(deps, actor)) {
      // The refusal opens first: the trigger_id does not outlive a slow audit write.
      await client.views.open({ trigger_id: body.trigger_id, view: noticeModal('Not allowed', notAuthorizedText(kind)) }).catch(() => undefined)
      await auditRefusal(deps, {
        event: 'action-refused',
        actor,
        action: kind,
        integration: ref.integration,
        email: ref.email,
        detail: 'not an authorized actor (App Home)',
      })
      return
    }
    const subject = { email: ref.email, integrationName: provider?.displayName ?? ref.integration }
    // Nowhere in the Home tab to say Slack would not open it: the person sees nothing happen and clicks again.
    const opened = await openLoadingModal(client, body.trigger_id, { alertId: '', action: kind }, subject, log)
    if (!opened) return
    const notice = (title: string, text: string) => client.views.update({ view_id: opened.viewId, view: noticeModal(title, text) })
    if (!provider) {
      await notice('Not configured', `The integration "${ref.integration}" is no longer configured, so nothing can be done from here.`)
      return
    }
    let alert: Alert
    try {
      alert = await alertForAccount(deps, provider, ref, log)
    } catch (error) {
      log.error({ err: error }, 'could not find or open the account alert')
      await notice('Try again shortly', STORE_UNAVAILABLE_TEXT)
      return
    }
    await showConfirmation(deps, client, opened, alert, kind, actor)
  }
}

function parseRef(value: string | undefined): HomeAccountRef | undefined {
  try {
    const parsed = refSchema.safeParse(JSON.parse(value ?? ''))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** The account's alert that still stands, or a new one opened through the ingest core (mutes do not hold back a person acting). */
async function alertForAccount(deps: AppHomeDeps, provider: Provider, ref: HomeAccountRef, log: Logger): Promise<Alert> {
  const existing = await deps.alerts.latestForAccount(ref.integration, ref.email)
  if (existing && stillStands(existing, deps.providers.summary(ref.integration).capabilities)) {
    log.info({ alertId: existing.id }, "acting from the App Home on the account's open alert")
    return existing
  }
  const report: AlertReport = {
    integration: ref.integration,
    email: ref.email,
    accountId: ref.accountId,
    ...(ref.name ? { name: ref.name } : {}),
    reason: `Opened from the App Home's list of ${provider.displayName} accounts, to act on this account.`,
    severity: 'medium',
    // Two clicks at once open one alert; a re-created account (a new id) gets its own.
    dedup: { origin: 'bot', key: `app-home:${ref.accountId}` },
  }
  const accepted = await acceptAlert(deps, report, provider.displayName, { ignoreMutes: true, postJobDelayMs: POST_JOB_DELAY_MS })
  if (accepted.status === 'muted') throw new Error('a mute held back an alert opened by a person')
  log.info({ alertId: accepted.alertId, status: accepted.status }, 'alert opened from the App Home')
  const alert = await deps.alerts.get(accepted.alertId)
  if (!alert) throw new Error(`alert ${accepted.alertId} vanished right after it was opened`)
  // Posted here, not by a worker, so "in progress" and the result land in its thread; a second click's duplicate
  // finds it posted (or being posted: it then has no thread, and its confirmation reads the alert again).
  return accepted.status === 'posted' && !threadOf(alert) ? postOpenedAlert(deps, deps.announcer, alert, log.child({ alertId: alert.id })) : alert
}

function stillStands(alert: Alert, capabilities: ReadonlySet<Action>): boolean {
  return !alert.resolved && (ONGOING.has(alert.state.kind) || availableActions(alert, capabilities).length > 0)
}

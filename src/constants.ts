/**
 * Every Slack action and callback id in one place, so views (which emit them) and
 * handlers (which listen for them) cannot drift apart.
 */
import type { AlertAction } from './providers/types.js'

/** Delete/Suspend on an alert, and Retry in its thread: each opens the confirmation modal. Value: the alert id. */
export function requestActionId(action: AlertAction): string {
  return `alert_action:${action}`
}
export const REQUEST_ACTION_PATTERN = /^alert_action:(delete|suspend)$/

/** The confirmation modal; its private_metadata is `ModalContext` as JSON. */
export const CONFIRM_CALLBACK_ID = 'confirm_action'

/** What the confirmation modal carries between opening and submit (kept well under 3,000 characters). */
export interface ModalContext {
  alertId: string
  action: AlertAction
}

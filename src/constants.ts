/**
 * Every Slack action and callback id in one place, so views (which emit them) and
 * handlers (which listen for them) cannot drift apart.
 */
import type { Action } from './providers/types.js'

/** Delete/Suspend on an alert, and Retry in its thread: each opens the confirmation modal. Value: the alert id. */
export function requestActionId(action: Action): string {
  return `alert_action:${action}`
}
export const REQUEST_ACTION_PATTERN = /^alert_action:(delete|suspend|restore|cancel-delete|deprovision-access)$/

/** The alert's Mute menu; each option's value is `<alertId>|<scope>|<duration>`. */
export const MUTE_ACTION_ID = 'alert_mute'
/** Unmute, on a muted alert or in the mutes list; value: the mute id (and `|<alertId>` on an alert). */
export const UNMUTE_ACTION_ID = 'alert_unmute'

/** Approve / Reject on an "awaiting approval" thread message; value: the approval id. */
export const APPROVE_ACTION_ID = 'approval_approve'
export const REJECT_ACTION_ID = 'approval_reject'

/** App Home: the Overview / Services tabs, one action id per tab (action ids are unique within a block). */
export function homeTabActionId(tab: 'overview' | 'services'): string {
  return `home_tab:${tab}`
}
export const HOME_TAB_ACTION_PATTERN = /^home_tab:(overview|services)$/
/** Opens a service's account list in the App Home; value: the integration id. */
export const HOME_OPEN_SERVICE_ACTION_ID = 'home_open_service'
/** App Home account list: Previous / Next page, and the search box (dispatches on Enter). */
export function homePageActionId(direction: 'previous' | 'next'): string {
  return `home_page:${direction}`
}
export const HOME_PAGE_ACTION_PATTERN = /^home_page:(previous|next)$/
export const HOME_SEARCH_ACTION_ID = 'home_search'
/** Unmute in the App Home (value: the mute id); the Home tab is refreshed instead of answering in a channel. */
export const HOME_UNMUTE_ACTION_ID = 'home_unmute'
/** Delete / Suspend on an account in the App Home's account list; value: `HomeAccountRef` as JSON. */
export function homeAccountActionId(action: Action): string {
  return `home_account:${action}`
}
export const HOME_ACCOUNT_ACTION_PATTERN = /^home_account:(delete|suspend)$/

/** The confirmation modal; its private_metadata is `ModalContext` as JSON. */
export const CONFIRM_CALLBACK_ID = 'confirm_action'

/** What the confirmation modal carries between opening and submit (kept well under 3,000 characters). */
export interface ModalContext {
  alertId: string
  action: Action
  /** The service's id of the account the preflight found, for searchable questions. */
  accountId?: string
}

/** A question in the confirmation modal is an input block `question:<id>` holding one select `answer`. */
export const QUESTION_BLOCK_PREFIX = 'question:'
export const ANSWER_ACTION_ID = 'answer'

/** The `/deprovision user@corp` modal; its private_metadata is `{ "draftId": … }`. */
export const OFFBOARD_CALLBACK_ID = 'offboard_person'
/** Per integration in that modal: the Suspend / Delete / Skip select, and the answers to its preflight questions. */
export const OFFBOARD_DECISION_ACTION_ID = 'offboard_decision'
export const OFFBOARD_ANSWER_ACTION_ID = 'offboard_answer'

/** On a scheduled offboarding's checklist (value: the run id): cancel it, or start it at once. */
export const OFFBOARD_CANCEL_ACTION_ID = 'offboard_cancel'
export const OFFBOARD_RUN_NOW_ACTION_ID = 'offboard_run_now'
/** Cancel on a scheduled offboarding listed in the App Home (value: the run id); the Home is refreshed after. */
export const HOME_OFFBOARD_CANCEL_ACTION_ID = 'home_offboard_cancel'

export function offboardDecisionBlockId(integration: string): string {
  return `offboard:${integration}:decision`
}

export function offboardQuestionBlockId(integration: string, action: string, questionId: string): string {
  return `offboard:${integration}:${action}:q:${questionId}`
}

/** Reads a question's block id back (integration ids and actions hold no ':'). */
export function parseOffboardQuestionBlockId(blockId: string): { integration: string; action: string; questionId: string } | null {
  const match = /^offboard:([^:]+):([^:]+):q:(.+)$/.exec(blockId)
  return match ? { integration: match[1]!, action: match[2]!, questionId: match[3]! } : null
}

export function parseOffboardDecisionBlockId(blockId: string): string | null {
  return /^offboard:([^:]+):decision$/.exec(blockId)?.[1] ?? null
}

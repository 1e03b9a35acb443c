/**
 * An account alert and its life: open until someone acts, in progress while the
 * worker runs, then resolved (done, already done, scheduled) or failed (and open
 * to a retry). Pure types and transitions; storage is in store/alerts.ts.
 */
import { ACTIONS, type AccessTarget, type Action } from '../providers/types.js'
import type { Problem } from '../providers/problems.js'
import type { FindingKind } from './reconciliation.js'

/** From least to most severe: routing rules match "at least" a severity by this order. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

/**
 * An alert's deduplication key and who chose it. A detector's key (POST /alerts) and the bot's own (App Home,
 * reconciliation, offboarding) are kept apart by the code path that makes them, never by the key's text, so a
 * detector's key can neither match nor hold back an alert the bot opens.
 */
export interface Dedup {
  origin: 'detector' | 'bot'
  key: string
}

/** What a detector reported. */
export interface AlertReport {
  integration: string
  /** The account's email; for an access alert, a readable line naming the access configuration and account. */
  email: string
  /** Set when the alert names an access configuration still provisioned on an account, not a person. */
  access?: AccessTarget
  accountId?: string
  name?: string
  reason: string
  severity: Severity
  dedup?: Dedup
  /** The detector that sent it (POST /alerts `source`), which routing rules may match. */
  source?: string
  /** Set when reconciliation raised it: what it found. */
  finding?: FindingKind
}

/** Where the alert's Slack message is, once posted. */
export interface MessageRef {
  channel: string
  ts: string
}

/** Where the alert was routed when it was accepted: kept, so every later post about it goes to the same place. */
export interface AlertRoute {
  channel: string
  /** The routes file's rule (1-based) that chose the channel; absent when none matched (ALERT_CHANNEL_ID). */
  rule?: number
  /** A user group (`S…`) notified in the message: set only on critical alerts whose rule names one. */
  mention?: string
  /** Slack refused the routed channel for good, so the alert went to ALERT_CHANNEL_ID (`channel`) instead. */
  missed?: MissedRoute
}

/** A routed channel Slack would never take a post in, and why (`not_in_channel`, `channel_not_found`, `is_archived`). */
export interface MissedRoute {
  channel: string
  /** The routes file's rule that chose it. */
  rule?: number
  error: string
}

/** The problem an alert reported went away by itself: when that was seen, and how. */
export interface Resolution {
  at: string
  detail: string
}

/** Who asked for an action and which attempt it is (a Retry is a new attempt). */
export interface Request {
  action: Action
  actor: string
  attempt: number
  at: string
  /** The second actor who approved it, when the integration asks for approval (two-person rule). */
  approvedBy?: string
  /** The service's id of the account the person confirmed: the job acts on that account only, never on another found by the same email. */
  accountId?: string
}

/** A request held until a second actor approves it: nothing runs meanwhile. */
export interface PendingApproval {
  id: string
  action: Action
  requester: string
  at: string
  expiresAt: string
  /** The service's id of the account the requester confirmed; the approved action acts on that account only. */
  accountId?: string
}

export type AlertState =
  | { kind: 'open' }
  | { kind: 'in-progress'; request: Request }
  /** `previous`: where the alert stood before the request, and returns to if it is rejected or expires. */
  | { kind: 'awaiting-approval'; approval: PendingApproval; previous: AlertState }
  | { kind: 'done'; request: Request; alreadyDone?: string; detail?: string; at: string }
  | { kind: 'scheduled'; request: Request; until: string; at: string }
  | { kind: 'failed'; request: Request; problem: Problem; at: string }

/** Days before a scheduled deletion becomes final that the thread is reminded (the reminder timer, its wording). */
export const REMINDER_DAYS = 4

/** An alert that is one step of an offboarding run: its replies go in the run's checklist thread. */
export interface RunRef {
  id: string
  thread: MessageRef
}

export interface Alert extends AlertReport {
  id: string
  createdAt: string
  /** The integration's display name, frozen at ingest so the message never changes under it. */
  integrationName: string
  message?: MessageRef
  /** Absent on alerts stored before routing existed: they go to ALERT_CHANNEL_ID. */
  route?: AlertRoute
  /** Set on the steps of `/deprovision user@corp`, which have no message of their own. */
  run?: RunRef
  /** The mute set from this alert's menu, while it may still hold. */
  muteId?: string
  /** Set when the problem went away before anyone acted (a later reconciliation no longer found it). */
  resolved?: Resolution
  state: AlertState
  /** Bumped by every state change; a claim succeeds only on the version it was decided on. */
  version: number
  /** Set while an attempt waits for its service's rate limit: shown instead of a silent "in progress". */
  waiting?: Waiting
}

/** An attempt held by its service's rate limit until `until` (its next try). */
export interface Waiting {
  attempt: number
  until: string
}

/** The wait of the alert's in-progress attempt, if it is waiting. */
export function waitingOf(alert: Pick<Alert, 'state' | 'waiting'>): Waiting | undefined {
  return alert.state.kind === 'in-progress' && alert.waiting?.attempt === alert.state.request.attempt ? alert.waiting : undefined
}

/** Where the alert's replies go: its own message's thread, or its offboarding run's. */
export function threadOf(alert: Pick<Alert, 'message' | 'run'>): MessageRef | undefined {
  return alert.message ?? alert.run?.thread
}

/**
 * What may be requested next, given where the alert stands and what the service
 * can do: an open alert offers Delete and Suspend; a suspended account can be
 * reactivated (or deleted); a scheduled deletion can be cancelled; a failed
 * action can be tried again. Buttons and claims both follow this one rule.
 */
export function availableActions(alert: Pick<Alert, 'state' | 'access' | 'resolved'>, capabilities: ReadonlySet<Action>): Action[] {
  if (alert.resolved) return []
  const offer = (...actions: Action[]) => ACTIONS.filter((action) => actions.includes(action) && capabilities.has(action))
  const state = alert.state
  if (alert.access) return state.kind === 'open' || state.kind === 'failed' ? offer('deprovision-access') : []
  switch (state.kind) {
    case 'open':
      return offer('delete', 'suspend')
    case 'in-progress':
    case 'awaiting-approval':
      return []
    case 'failed':
      return offer('delete', 'suspend', state.request.action)
    case 'scheduled':
      return offer('cancel-delete')
    case 'done':
      switch (state.request.action) {
        case 'delete':
          return []
        case 'suspend':
          return offer('restore', 'delete')
        case 'restore':
        case 'cancel-delete':
        case 'deprovision-access':
          return offer('delete', 'suspend')
      }
  }
}

/** Whether anything at all may be requested (the modal shows "busy" otherwise). */
export function acceptsRequest(alert: Pick<Alert, 'state' | 'access' | 'resolved'>, capabilities: ReadonlySet<Action>, action: Action): boolean {
  return availableActions(alert, capabilities).includes(action)
}

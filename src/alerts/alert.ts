/**
 * An account alert and its life: open until someone acts, in progress while the
 * worker runs, then resolved (done, already done, scheduled) or failed (and open
 * to a retry). Pure types and transitions; storage is in store/alerts.ts.
 */
import type { AlertAction } from '../providers/types.js'
import type { Problem } from '../providers/problems.js'

export type Severity = 'low' | 'medium' | 'high' | 'critical'

/** What a detector reported. */
export interface AlertReport {
  integration: string
  email: string
  accountId?: string
  name?: string
  reason: string
  severity: Severity
  dedupKey?: string
}

/** Where the alert's Slack message is, once posted. */
export interface MessageRef {
  channel: string
  ts: string
}

/** Who asked for an action and which attempt it is (a Retry is a new attempt). */
export interface Request {
  action: AlertAction
  actor: string
  attempt: number
  at: string
}

export type AlertState =
  | { kind: 'open' }
  | { kind: 'in-progress'; request: Request }
  | { kind: 'done'; request: Request; alreadyDone?: string; at: string }
  | { kind: 'scheduled'; request: Request; until: string; at: string }
  | { kind: 'failed'; request: Request; problem: Problem; at: string }

export interface Alert extends AlertReport {
  id: string
  createdAt: string
  /** The integration's display name, frozen at ingest so the message never changes under it. */
  integrationName: string
  message?: MessageRef
  state: AlertState
}

/** States from which a new action may be requested. */
export function acceptsRequest(state: AlertState): boolean {
  return state.kind === 'open' || state.kind === 'failed'
}

/**
 * Offboarding one person everywhere (`/deprovision user@corp`): what the lookups
 * found, what the actor decided, and which steps may start now. Pure: storage is
 * in store/offboard.ts, Slack in views/offboard.ts, the work in jobs/advance-offboard.ts.
 *
 * Each step runs as an alert of its own (one attempt, one job, one audit trail,
 * Retry in the thread), whose thread is the run's checklist message.
 */
import type { AlertState, MessageRef } from '../../domain/alert.js'
import type { Problem } from '../../providers/problems.js'
import type { Account, Choices, Preflight, Question } from '../../providers/types.js'

export const OFFBOARD_ACTIONS = ['suspend', 'delete'] as const
export type OffboardAction = (typeof OFFBOARD_ACTIONS)[number]
export type Decision = OffboardAction | 'skip'

/** What one action would do to the account found (the adapter's preflight, guards included). */
export interface Review {
  action: OffboardAction
  preflight: Preflight
}

export type Lookup =
  | { kind: 'looking' }
  | { kind: 'not-found' }
  | { kind: 'failed'; problem: Problem }
  | { kind: 'timed-out'; afterMs: number }
  | { kind: 'found'; account: Account; reviews: Review[] }

/** One integration's line in the modal. */
export interface Row {
  integration: string
  service: string
  identityProvider: boolean
  adminConsoleUrl?: string
  /** Actions this integration holds for a second person's approval: offered from the alert, never in a run. */
  needsApproval?: OffboardAction[]
  lookup: Lookup
}

/** The modal between the command and its submit: stored, so the submit trusts nothing the modal carries. */
export interface Draft {
  id: string
  email: string
  actor: string
  createdAt: string
  /** When the run is to start (`/deprovision user@corp at …`); absent: at once. */
  runAt?: string
  /** The actor's time zone that `runAt` was read in: the modal writes the time as their clocks show it. */
  runZone?: string
  rows: Row[]
}

export interface PlannedStep {
  integration: string
  service: string
  identityProvider: boolean
  action: OffboardAction
  account: Account
  choices: Choices
}

export interface Run {
  id: string
  email: string
  actor: string
  createdAt: string
  steps: PlannedStep[]
  /** Rows with nothing to do: not found, lookup failed or timed out, skipped by the actor. */
  untouched: Array<Row & { skipped?: boolean }>
  /** The checklist message; step replies go in its thread. */
  message?: MessageRef
  /** A run planned for a later time: it starts at `runAt` (or on Run now) unless cancelled first. */
  schedule?: Schedule
}

/** Where a scheduled run stands: waiting for its time, started (at its time or early), or cancelled. */
export type Schedule = { runAt: string } & (
  { status: 'waiting' } | { status: 'started'; by: 'timer' | 'run-now'; actor: string; at: string } | { status: 'cancelled'; actor: string; at: string }
)

export function isSettled(lookup: Lookup): boolean {
  return lookup.kind !== 'looking'
}

/** The actions the actor may pick for a found account: those whose preflight is ready and that need no approval. */
export function offeredActions(row: Pick<Row, 'lookup' | 'needsApproval'>): OffboardAction[] {
  const { lookup } = row
  if (lookup.kind !== 'found') return []
  return lookup.reviews.filter((review) => review.preflight.kind === 'ready' && !row.needsApproval?.includes(review.action)).map((review) => review.action)
}

/** Suspend when it can be done (reversible, and what the issue asks by default), else Skip. */
export function defaultDecision(row: Pick<Row, 'lookup' | 'needsApproval'>): Decision {
  return offeredActions(row).includes('suspend') ? 'suspend' : 'skip'
}

export function questionsFor(lookup: Lookup, action: OffboardAction): Question[] {
  if (lookup.kind !== 'found') return []
  const preflight = lookup.reviews.find((review) => review.action === action)?.preflight
  return preflight?.kind === 'ready' ? (preflight.questions ?? []) : []
}

/** What the submit carried, per row: the decision and the answers to that row's questions. */
export interface Submitted {
  decisions: Readonly<Record<string, string | undefined>>
  answers: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>
}

/** Where an answer is missing or a decision is not offered: the input's block id and what to say. */
export type Decided =
  | { ok: true; steps: PlannedStep[]; untouched: Run['untouched'] }
  | { ok: false; errors: Array<{ integration: string; question?: { action: OffboardAction; id: string }; message: string }> }

/**
 * Checks the submit against the stored draft: only offered actions, every required
 * question answered for the action chosen, at least one step.
 */
export function decide(draft: Draft, submitted: Submitted): Decided {
  const steps: PlannedStep[] = []
  const untouched: Run['untouched'] = []
  const errors: Extract<Decided, { ok: false }>['errors'] = []
  for (const row of draft.rows) {
    const { lookup } = row
    if (lookup.kind !== 'found') {
      untouched.push(row)
      continue
    }
    const decision = submitted.decisions[row.integration] ?? defaultDecision(row)
    if (decision === 'skip') {
      untouched.push({ ...row, skipped: true })
      continue
    }
    const action = OFFBOARD_ACTIONS.find((candidate) => candidate === decision)
    if (!action || !offeredActions(row).includes(action)) {
      errors.push({ integration: row.integration, message: `${row.service} cannot do that for this account. Choose another action or Skip.` })
      continue
    }
    const given = submitted.answers[row.integration]?.[action] ?? {}
    const choices: Record<string, string> = {}
    for (const question of questionsFor(lookup, action)) {
      const answer = given[question.id]
      if (answer) choices[question.id] = answer
      else if (!question.optional) {
        errors.push({
          integration: row.integration,
          question: { action, id: question.id },
          message: `Answer this to ${action} in ${row.service}, or choose another action.`,
        })
      }
    }
    steps.push({ integration: row.integration, service: row.service, identityProvider: row.identityProvider, action, account: lookup.account, choices })
  }
  if (errors.length > 0) return { ok: false, errors }
  if (steps.length === 0) {
    const first = draft.rows.find((row) => offeredActions(row).length > 0)
    const message = first ? 'Choose Suspend or Delete for at least one service, or Cancel.' : 'No account was found to act on. Cancel to close.'
    return { ok: false, errors: [{ integration: first?.integration ?? '', message }] }
  }
  return { ok: true, steps, untouched }
}

/** Where a step stands, read from its alert. */
export type StepStatus = { kind: 'waiting'; for: 'identity-provider' | 'start' } | { kind: 'blocked'; by: string } | Exclude<AlertState, { kind: 'open' }>

export interface Moves {
  /** Steps to start now. */
  start: PlannedStep[]
  /** Why the other services wait, when they do: the identity-provider step that is not through. */
  holdingBack?: { service: string; failed: boolean }
}

/**
 * Identity provider first: its steps start at once; every other step starts only
 * when each identity-provider step is done or scheduled. A failed one holds the
 * others until a Retry in the thread gets it through.
 */
export function nextMoves(run: Pick<Run, 'steps'>, stateOf: (step: PlannedStep) => AlertState | undefined): Moves {
  const notStarted = (step: PlannedStep) => (stateOf(step)?.kind ?? 'open') === 'open'
  const identity = run.steps.filter((step) => step.identityProvider)
  const pending = identity.find((step) => !['done', 'scheduled'].includes(stateOf(step)?.kind ?? 'open'))
  const start = identity.filter(notStarted)
  if (!pending) return { start: [...start, ...run.steps.filter((step) => !step.identityProvider && notStarted(step))] }
  return { start, holdingBack: { service: pending.service, failed: stateOf(pending)?.kind === 'failed' } }
}

export function statusOf(step: PlannedStep, state: AlertState | undefined, moves: Moves): StepStatus {
  if (state && state.kind !== 'open') return state
  if (!step.identityProvider && moves.holdingBack) {
    return moves.holdingBack.failed ? { kind: 'blocked', by: moves.holdingBack.service } : { kind: 'waiting', for: 'identity-provider' }
  }
  return { kind: 'waiting', for: 'start' }
}

/** Nothing waits to start and nothing runs: time for a summary (steps held back by a failed identity provider wait for a Retry). */
export function isQuiet(statuses: readonly StepStatus[]): boolean {
  return statuses.every((status) => ['done', 'scheduled', 'failed', 'blocked', 'awaiting-approval'].includes(status.kind))
}

/** Every step has its outcome: the run no longer stands in the way of a new one for the same person. */
export function isFinished(statuses: readonly StepStatus[]): boolean {
  return statuses.every((status) => ['done', 'scheduled', 'failed'].includes(status.kind))
}

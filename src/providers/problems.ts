/**
 * What can go wrong when the bot talks to a service, as data. Every failure an
 * adapter reports is one of these kinds; `views/problem.ts` turns each kind into
 * one actionable reply, and the worker decides from the kind whether a retry can help.
 */
export type Problem =
  /** The service cannot do this action through its API at all. */
  | { kind: 'unsupported'; action: string }
  /** The service refuses this action for this account through its API (a protected user, a service rule). */
  | { kind: 'api-prohibited'; detail: string }
  /** The account owns the credentials the bot itself uses for this service. */
  | { kind: 'integration-owner'; owner: string }
  /** The account is the last admin left. */
  | { kind: 'last-admin' }
  /** The account is the acting user's own. */
  | { kind: 'self' }
  /** Slack did not tell the bot the acting user's email, so the own-account guard could not be checked: refused, never guessed. */
  | { kind: 'unknown-actor' }
  /** 401: the key or token is wrong, revoked or expired. */
  | { kind: 'credentials'; status: number; detail?: string }
  /** 403, or the bot's own role check: the credentials are valid but not allowed to do this. No status when decided before any call. */
  | { kind: 'permission'; status?: number; detail?: string }
  /** The account does not exist (any more). Treated as done where the goal was its removal. */
  | { kind: 'not-found'; detail?: string }
  /** 429: too many requests; `retryAfterMs` when the service said how long to wait. */
  | { kind: 'rate-limited'; retryAfterMs?: number }
  /** 5xx, timeout, connection refused: may succeed later. */
  | { kind: 'transient'; status?: number; detail: string }
  /** 409 and friends: something must be resolved first (owned assets, a pending task, a changed resource). */
  | { kind: 'conflict'; detail: string }
  /** The service rejected the request as malformed, or answered something the adapter cannot read. */
  | { kind: 'rejected'; status?: number; detail: string }
  /** The bot's job failed for good before it recorded the service's answer: the action may or may not have been done. */
  | { kind: 'unconfirmed' }
  /** The service now holds another account for the confirmed email than the one the person confirmed; nothing was done. */
  | { kind: 'account-changed'; confirmedId: string; foundId: string }

export type ProblemKind = Problem['kind']

/** Kinds a later attempt of the same call can fix without anyone changing anything. */
const RETRYABLE: ReadonlySet<ProblemKind> = new Set(['rate-limited', 'transient'])

export function isRetryable(problem: Problem): boolean {
  return RETRYABLE.has(problem.kind)
}

/** Thrown by adapters; carries the typed problem, never a bare string. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError'
  constructor(
    readonly problem: Problem,
    options?: { cause?: unknown },
  ) {
    super(describeProblem(problem), options)
  }
}

/** A one-line description for logs and audit entries (the Slack wording lives in views). */
export function describeProblem(problem: Problem): string {
  switch (problem.kind) {
    case 'unsupported':
      return `action ${problem.action} is not supported by this service's API`
    case 'api-prohibited':
      return `the service refuses this action through its API: ${problem.detail}`
    case 'integration-owner':
      return `the account owns the bot's integration (${problem.owner})`
    case 'last-admin':
      return 'the account is the last admin'
    case 'self':
      return "the account is the actor's own"
    case 'unknown-actor':
      return "Slack did not give the actor's email, so the own-account guard could not be checked"
    case 'credentials':
      return `credentials rejected (HTTP ${problem.status})${suffix(problem.detail)}`
    case 'permission':
      return `permission denied${problem.status ? ` (HTTP ${problem.status})` : ''}${suffix(problem.detail)}`
    case 'not-found':
      return `account not found${suffix(problem.detail)}`
    case 'rate-limited':
      return problem.retryAfterMs === undefined
        ? 'rate limited'
        : `rate limited, retry after ${Math.ceil(problem.retryAfterMs / 1000)} s`
    case 'transient':
      return `temporary failure${problem.status ? ` (HTTP ${problem.status})` : ''}: ${problem.detail}`
    case 'conflict':
      return `conflict: ${problem.detail}`
    case 'rejected':
      return `request rejected${problem.status ? ` (HTTP ${problem.status})` : ''}: ${problem.detail}`
    case 'unconfirmed':
      return 'the bot stopped before it recorded the result; the action may or may not have been done'
    case 'account-changed':
      return `the account changed since it was confirmed: confirmed ${problem.confirmedId}, the service now holds ${problem.foundId} for this email`
  }
}

function suffix(detail: string | undefined): string {
  return detail ? `: ${detail}` : ''
}

/** Any thrown value as a Problem: a ProviderError keeps its own, anything else is a bug or a network fault. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProviderError) return error.problem
  const message = error instanceof Error ? error.message : String(error)
  return { kind: 'transient', detail: message }
}

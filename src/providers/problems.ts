/**
 * What can go wrong when the bot acts on a service, as data, in one vocabulary: what the service answered or
 * cannot do (`ServiceProblem`), apart from the bot's own refusals and failures (`BotProblem`). Every failure an
 * adapter reports is one of these kinds; `views/problem.ts` (`explainProblem`) turns each kind into one
 * actionable reply, and the worker decides from the kind whether a retry can help.
 */
export type Problem = ServiceProblem | BotProblem

/** What the service answered, or cannot do. */
export type ServiceProblem =
  /** The service cannot do this action through its API at all. */
  | { kind: 'unsupported'; action: string }
  /** The service refuses this action for this account through its API (a protected user, a service rule). */
  | { kind: 'api-prohibited'; detail: string }
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

/** The bot's own refusals (the guards every service shares) and its own failures, whatever the service. */
export type BotProblem =
  /** The account owns the credentials the bot itself uses for this service. */
  | { kind: 'integration-owner'; owner: string }
  /** The account is the last admin left. */
  | { kind: 'last-admin' }
  /** The account is the acting user's own. */
  | { kind: 'self' }
  /** Slack did not tell the bot the acting user's email, so the own-account guard could not be checked: refused, never guessed. */
  | { kind: 'unknown-actor' }
  /** The service now holds another account for the confirmed email than the one the person confirmed; nothing was done. */
  | { kind: 'account-changed'; confirmedId: string; foundId: string }
  /** The bot's job failed for good before it recorded the service's answer: the action may or may not have been done. */
  | { kind: 'unconfirmed' }
  /** A mistake in the bot's own code: trying again runs the same mistake. Its stack goes to the log, not to people. */
  | { kind: 'internal'; detail: string }

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

/** A one-line description for logs and audit entries; what people read is `explainProblem` in views/problem.ts. */
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
      return problem.retryAfterMs === undefined ? 'rate limited' : `rate limited, retry after ${Math.ceil(problem.retryAfterMs / 1000)} s`
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
    case 'internal':
      return `internal error in the bot: ${problem.detail}`
  }
}

function suffix(detail: string | undefined): string {
  return detail ? `: ${detail}` : ''
}

/** What JavaScript throws on a mistake in the bot's own code, never on a fault outside it. */
const BUGS = [TypeError, ReferenceError, RangeError, SyntaxError] as const

/** Whether a thrown value is a mistake in the bot's own code (to be logged with its stack), not a fault outside it. */
export function isBug(error: unknown): error is Error {
  return BUGS.some((kind) => error instanceof kind)
}

/**
 * Any thrown value as a Problem: a ProviderError keeps its own (the HTTP client turns network errors and
 * timeouts into `transient` ones); a bug is `internal`, which no retry fixes; anything else is a fault outside
 * the bot's code (Redis, the queue) that a later try may get past.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProviderError) return error.problem
  const message = error instanceof Error ? error.message : String(error)
  if (isBug(error)) return { kind: 'internal', detail: message }
  return { kind: 'transient', detail: message }
}

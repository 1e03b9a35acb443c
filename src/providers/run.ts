/**
 * The two things the bot asks of an adapter for an alert, with the account looked
 * up fresh each time (state may have changed since the alert, or since the modal).
 * An alert names either a person (by email) or an access configuration on an account.
 */
import { writeFor } from './capabilities.js'
import { guardAccount, isAdmin, takesAccessAway, type GuardContext } from './guards.js'
import { isBug, ProviderError, toProblem } from './problems.js'
import type { AccessTarget, Account, AccountHint, Action, Choices, ExecuteContext, Outcome, Preflight, Provider } from './types.js'

export interface Subject {
  email: string
  /** The alert's account id, a hint for services that cannot always find a person by email. */
  accountId?: string
  access?: AccessTarget
}

/** What the confirmation modal shows, guards included. Throws ProviderError when the service cannot be asked. */
export async function preflightFor(provider: Provider, subject: Subject, action: Action, guard: GuardContext = {}): Promise<Preflight> {
  if (!provider.capabilities.has(action)) return unsupported(action)
  if (subject.access) {
    if (action !== 'deprovision-access' || !provider.preflightAccess) return unsupported(action)
    return provider.preflightAccess(subject.access)
  }
  const account = await provider.findAccount(subject.email, hintOf(subject))
  if (!account) return { kind: 'gone' }
  return preflightAccount(provider, account, action, guard)
}

/** The preflight of an account already found: the adapter's view and the guards', merged. */
export async function preflightAccount(provider: Provider, account: Account, action: Action, guard: GuardContext = {}): Promise<Preflight> {
  if (!provider.capabilities.has(action) || action === 'deprovision-access') return unsupported(action, account)
  const [preflight, guarded] = await Promise.all([provider.preflight(account, action), guardAccount(provider, account, action, guard)])
  if (guarded.blockers.length > 0) {
    const adapterBlockers = preflight.kind === 'blocked' ? preflight.blockers : []
    return { kind: 'blocked', account, blockers: [...guarded.blockers.map((problem) => ({ problem })), ...adapterBlockers] }
  }
  return preflight.kind === 'ready' ? { ...preflight, warnings: [...preflight.warnings, ...guarded.warnings] } : preflight
}

/** Runs `work` holding what serialises admin changes on one integration; `work` calls `stillHeld` right before writing. */
export type Serialize = <T>(work: (stillHeld: () => Promise<void>) => Promise<T>) => Promise<T>

export interface ExecuteOptions {
  /** The service's id of the account the person confirmed: only that account is acted on, never another found by the same email. */
  confirmedAccountId?: string
  /** Serialises "read the admins, then write" on the integration, for actions that can remove an admin. */
  serializeAdminChange?: Serialize
  /** Called right before the write; throws `WriteAbandoned` when the write must not be made at all. */
  beforeWrite?: () => Promise<void>
  /** An earlier try of this request went to write at this time and lost the answer: report what the service shows. */
  resumedSince?: Date
  /** Told of a bug in the bot's code, to log with its stack; the outcome says only `internal`. */
  onBug?: (error: Error) => void
}

/** Thrown by `beforeWrite` when the caller no longer may act (another worker owns the attempt): no write, no outcome. */
export class WriteAbandoned extends Error {
  override readonly name = 'WriteAbandoned'
}

/**
 * Runs the action; never throws (except `WriteAbandoned`): every failure becomes an Outcome the worker can report.
 * The guards run again here: the account may have changed since the modal (a new admin role, a re-created account).
 */
export async function executeFor(
  provider: Provider,
  subject: Subject,
  action: Action,
  choices: Choices = {},
  guard: GuardContext = {},
  options: ExecuteOptions = {},
): Promise<Outcome> {
  const beforeWrite = options.beforeWrite ?? (async () => undefined)
  try {
    if (!provider.capabilities.has(action)) return { kind: 'failed', problem: { kind: 'unsupported', action } }
    if (subject.access) {
      if (action !== 'deprovision-access' || !provider.deprovisionAccess) return { kind: 'failed', problem: { kind: 'unsupported', action } }
      await beforeWrite()
      return await provider.deprovisionAccess(subject.access)
    }
    const account = await provider.findAccount(subject.email, hintOf(subject))
    if (!account) return goneOutcome(action, provider.displayName, options.resumedSince)
    const { confirmedAccountId } = options
    if (confirmedAccountId !== undefined && account.id !== confirmedAccountId) {
      return { kind: 'failed', problem: { kind: 'account-changed', confirmedId: confirmedAccountId, foundId: account.id } }
    }
    const attempt = async (stillHeld: () => Promise<void>): Promise<Outcome> => {
      const blocker = (await guardAccount(provider, account, action, guard)).blockers[0]
      if (blocker) return { kind: 'failed', problem: blocker }
      await stillHeld()
      await beforeWrite()
      const { resumedSince } = options
      const outcome = await act(provider, account, action, choices, resumedSince ? { resumedSince } : {})
      return resumedSince ? asResumed(outcome, provider.displayName) : outcome
    }
    const serialize = mayRemoveAdmin(provider, account, action) ? options.serializeAdminChange : undefined
    return await (serialize ? serialize(attempt) : attempt(async () => undefined))
  } catch (error) {
    if (error instanceof WriteAbandoned) throw error
    if (error instanceof ProviderError && error.problem.kind === 'not-found' && !subject.access)
      return goneOutcome(action, provider.displayName, options.resumedSince)
    if (isBug(error)) options.onBug?.(error)
    return { kind: 'failed', problem: toProblem(error) }
  }
}

/**
 * Calls the adapter's write for the action: the one place an action the integration does not offer is refused
 * (an adapter without the capability, or one the integration's `actions` leaves out).
 */
export async function act(provider: Provider, account: Account, action: Action, choices: Choices = {}, context: ExecuteContext = {}): Promise<Outcome> {
  const write = provider.capabilities.has(action) && action !== 'deprovision-access' ? writeFor(provider, action) : undefined
  if (!write) return { kind: 'failed', problem: { kind: 'unsupported', action } }
  return write(account, choices, context)
}

/**
 * On a re-run whose first write may have landed, "already in the requested state" is most likely that write's
 * result: reported as done (its answer was lost), with the consequences of a first success, not as someone else's.
 */
function asResumed(outcome: Outcome, service: string): Outcome {
  if (outcome.kind !== 'already-done') return outcome
  return { kind: 'done', detail: `${service} shows it done; its answer to the bot's first request was lost` }
}

/** Whether the last-admin guard counts the admins for this action (the account is an admin the service can list). */
function mayRemoveAdmin(provider: Provider, account: Account, action: Action): boolean {
  return takesAccessAway(action) && isAdmin(account) === true && provider.listAdmins !== undefined
}

/**
 * The account is gone: what a delete wanted (nothing left to do), but nothing to suspend, reactivate or cancel,
 * which is a failure to report, not "already reactivated".
 */
function goneOutcome(action: Action, service: string, resumedSince?: Date): Outcome {
  if (action === 'delete' && resumedSince) return { kind: 'done', detail: `${service} shows the account gone; its answer to the bot's first request was lost` }
  if (action === 'delete') return { kind: 'already-done', detail: `no account with this email exists in ${service} any more` }
  return { kind: 'failed', problem: { kind: 'not-found', detail: `the account no longer exists in ${service}` } }
}

function hintOf(subject: Subject): AccountHint {
  return subject.accountId ? { accountId: subject.accountId } : {}
}

function unsupported(action: Action, account?: Account): Preflight {
  return { kind: 'blocked', ...(account ? { account } : {}), blockers: [{ problem: { kind: 'unsupported', action } }] }
}

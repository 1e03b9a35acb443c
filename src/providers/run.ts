/**
 * The two things the bot asks of an adapter for an alert, with the account looked
 * up fresh each time (state may have changed since the alert, or since the modal).
 * An alert names either a person (by email) or an access configuration on an account.
 */
import { guardAccount, type GuardContext } from './guards.js'
import { ProviderError, toProblem } from './problems.js'
import type { AccessTarget, Account, Action, Choices, Outcome, Preflight, Provider } from './types.js'

export interface Subject {
  email: string
  access?: AccessTarget
}

/** What the confirmation modal shows, guards included. Throws ProviderError when the service cannot be asked. */
export async function preflightFor(provider: Provider, subject: Subject, action: Action, guard: GuardContext = {}): Promise<Preflight> {
  if (!provider.capabilities.has(action)) {
    return { kind: 'blocked', blockers: [{ problem: { kind: 'unsupported', action } }] }
  }
  if (subject.access) {
    if (action !== 'deprovision-access' || !provider.preflightAccess) return unsupported(action)
    return provider.preflightAccess(subject.access)
  }
  if (action === 'deprovision-access') return unsupported(action)
  const account = await provider.findAccount(subject.email)
  if (!account) return { kind: 'gone' }
  return preflightAccount(provider, account, action, guard)
}

/** The preflight of an account already found: the adapter's view and the guards', merged. */
export async function preflightAccount(provider: Provider, account: Account, action: Action, guard: GuardContext = {}): Promise<Preflight> {
  if (!provider.capabilities.has(action)) return unsupported(action)
  const [preflight, guarded] = await Promise.all([provider.preflight(account, action), guardAccount(provider, account, action, guard)])
  if (guarded.blockers.length > 0) {
    const adapterBlockers = preflight.kind === 'blocked' ? preflight.blockers : []
    return { kind: 'blocked', account, blockers: [...guarded.blockers.map((problem) => ({ problem })), ...adapterBlockers] }
  }
  return preflight.kind === 'ready' ? { ...preflight, warnings: [...preflight.warnings, ...guarded.warnings] } : preflight
}

/**
 * Runs the action; never throws: every failure becomes an Outcome the worker can report.
 * The guards run again here: the account may have changed since the modal (a new admin role).
 */
export async function executeFor(provider: Provider, subject: Subject, action: Action, choices: Choices = {}, guard: GuardContext = {}): Promise<Outcome> {
  try {
    if (!provider.capabilities.has(action)) return { kind: 'failed', problem: { kind: 'unsupported', action } }
    if (subject.access) {
      if (action !== 'deprovision-access' || !provider.deprovisionAccess) return { kind: 'failed', problem: { kind: 'unsupported', action } }
      return await provider.deprovisionAccess(subject.access)
    }
    const account = await provider.findAccount(subject.email)
    if (!account) return { kind: 'already-done', detail: goneDetail(action, provider.displayName) }
    const blocker = (await guardAccount(provider, account, action, guard)).blockers[0]
    if (blocker) return { kind: 'failed', problem: blocker }
    return await provider.execute(account, action, choices)
  } catch (error) {
    if (error instanceof ProviderError && error.problem.kind === 'not-found' && !subject.access) {
      return { kind: 'already-done', detail: goneDetail(action, provider.displayName) }
    }
    return { kind: 'failed', problem: toProblem(error) }
  }
}

function unsupported(action: Action): Preflight {
  return { kind: 'blocked', blockers: [{ problem: { kind: 'unsupported', action } }] }
}

function goneDetail(action: Action, service: string): string {
  return action === 'delete'
    ? `no account with this email exists in ${service} any more`
    : `the account no longer exists in ${service}`
}

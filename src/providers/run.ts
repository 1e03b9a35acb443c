/**
 * The two things the bot asks of an adapter for an alert, with the account looked
 * up fresh each time (state may have changed since the alert, or since the modal).
 */
import { ProviderError, toProblem } from './problems.js'
import type { Action, Choices, Outcome, Preflight, Provider } from './types.js'

/** What the confirmation modal shows. Throws ProviderError when the service cannot be asked. */
export async function preflightFor(provider: Provider, email: string, action: Action): Promise<Preflight> {
  if (!provider.capabilities.has(action)) {
    return { kind: 'blocked', blockers: [{ problem: { kind: 'unsupported', action } }] }
  }
  const account = await provider.findAccount(email)
  if (!account) return { kind: 'gone' }
  return provider.preflight(account, action)
}

/** Runs the action; never throws: every failure becomes an Outcome the worker can report. */
export async function executeFor(provider: Provider, email: string, action: Action, choices: Choices = {}): Promise<Outcome> {
  try {
    if (!provider.capabilities.has(action)) return { kind: 'failed', problem: { kind: 'unsupported', action } }
    const account = await provider.findAccount(email)
    if (!account) return { kind: 'already-done', detail: goneDetail(action, provider.displayName) }
    return await provider.execute(account, action, choices)
  } catch (error) {
    if (error instanceof ProviderError && error.problem.kind === 'not-found') {
      return { kind: 'already-done', detail: goneDetail(action, provider.displayName) }
    }
    return { kind: 'failed', problem: toProblem(error) }
  }
}

function goneDetail(action: Action, service: string): string {
  return action === 'delete'
    ? `no account with this email exists in ${service} any more`
    : `the account no longer exists in ${service}`
}

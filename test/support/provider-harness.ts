/**
 * Helpers the adapter tests share: reading the Problem a provider call failed with,
 * looking a seeded account up (forgetting the requests that took), and narrowing a
 * preflight to its ready case.
 */
import { ProviderError } from '../../src/providers/problems.js'
import type { Problem } from '../../src/providers/problems.js'
import type { Account, Preflight, Provider } from '../../src/providers/types.js'

/** What a call rejected with; the test fails when it resolved. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (error: unknown) => error,
  )
}

/** The Problem a provider call failed with; the test fails when it resolved or threw anything else. */
export async function problemOf(promise: Promise<unknown>): Promise<Problem> {
  const error = await caught(promise)
  if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  return error.problem
}

/** A seeded account as findAccount returns it, with the requests the lookup made forgotten. */
export async function seededAccount(provider: Provider, sandbox: { requests: unknown[] }, email: string): Promise<Account> {
  const found = await provider.findAccount(email)
  if (!found) throw new Error(`seed account ${email} not found`)
  sandbox.requests.length = 0
  return found
}

/** The preflight, which the test expects to be ready. */
export function ready(preflight: Preflight): Extract<Preflight, { kind: 'ready' }> {
  if (preflight.kind !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(preflight)}`)
  return preflight
}

/**
 * Looks a person up in every integration at once, each within its own time limit,
 * reporting every row the moment it is known: a slow service says so when its time
 * is up and never holds the others back.
 */
import { toProblem, ProviderError } from '../../providers/problems.js'
import { preflightAccount } from '../../providers/run.js'
import type { GuardContext } from '../../providers/guards.js'
import type { Provider } from '../../providers/types.js'
import { OFFBOARD_ACTIONS, type Lookup, type OffboardAction, type Review, type Row } from './plan.js'

export interface LookupTarget {
  provider: Provider
  identityProvider: boolean
  needsApproval: OffboardAction[]
  guard: GuardContext
}

export function lookingRow(target: LookupTarget): Row {
  const { provider } = target
  return {
    integration: provider.id,
    service: provider.displayName,
    identityProvider: target.identityProvider,
    ...(target.needsApproval.length > 0 ? { needsApproval: target.needsApproval } : {}),
    ...(provider.adminConsoleUrl ? { adminConsoleUrl: provider.adminConsoleUrl } : {}),
    lookup: { kind: 'looking' },
  }
}

/** Resolves when every row is known; `onRow` hears each one as it arrives. */
export async function lookUpEverywhere(
  targets: readonly LookupTarget[],
  email: string,
  timeoutMs: number,
  onRow: (row: Row) => Promise<void> | void,
): Promise<Row[]> {
  return Promise.all(
    targets.map(async (target) => {
      const row = { ...lookingRow(target), lookup: await lookUpOne(target, email, timeoutMs) }
      await onRow(row)
      return row
    }),
  )
}

async function lookUpOne(target: LookupTarget, email: string, timeoutMs: number): Promise<Lookup> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<Lookup>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed-out', afterMs: timeoutMs }), timeoutMs)
  })
  try {
    return await Promise.race([find(target, email), timedOut])
  } finally {
    clearTimeout(timer)
  }
}

async function find({ provider, guard }: LookupTarget, email: string): Promise<Lookup> {
  try {
    const account = await provider.findAccount(email)
    if (!account) return { kind: 'not-found' }
    const actions = OFFBOARD_ACTIONS.filter((action) => provider.capabilities.has(action))
    const reviews: Review[] = await Promise.all(
      actions.map(async (action) => ({ action, preflight: await preflightAccount(provider, account, action, guard) })),
    )
    return { kind: 'found', account, reviews }
  } catch (error) {
    return { kind: 'failed', problem: error instanceof ProviderError ? error.problem : toProblem(error) }
  }
}

/**
 * Which actions an adapter offers follows from which capabilities it implements: one rule, so an
 * adapter never declares an action it cannot do, nor forgets one it can.
 */
import { ACTIONS, type AccountAction, type Action, type Provider, type ProviderAdapter, type Write } from './types.js'

/** The method that writes each account action. */
const WRITES = { delete: 'delete', suspend: 'suspend', restore: 'restore', 'cancel-delete': 'cancelDelete' } as const satisfies Record<
  AccountAction,
  keyof ProviderAdapter
>

/** The adapter's write for an account action, absent when it does not implement it. */
export function writeFor(adapter: ProviderAdapter, action: AccountAction): Write | undefined {
  return adapter[WRITES[action]]
}

export function capabilitiesOf(adapter: ProviderAdapter): ReadonlySet<Action> {
  return new Set(
    ACTIONS.filter((action) => (action === 'deprovision-access' ? adapter.deprovisionAccess !== undefined : writeFor(adapter, action) !== undefined)),
  )
}

/** The adapter as the bot uses it, its actions derived from its capabilities. */
export function provide<A extends ProviderAdapter>(adapter: A): A & Provider {
  return { ...adapter, capabilities: capabilitiesOf(adapter) }
}

/** An integration configured to offer fewer actions than its service supports: the others' methods are left out. */
export function limitActions(provider: Provider, allowed: readonly Action[] | undefined): Provider {
  if (!allowed) return provider
  const limited: ProviderAdapter = { ...provider }
  for (const action of ACTIONS) {
    if (allowed.includes(action)) continue
    if (action === 'deprovision-access') {
      delete limited.deprovisionAccess
      delete limited.preflightAccess
    } else {
      delete limited[WRITES[action]]
    }
  }
  return provide(limited)
}

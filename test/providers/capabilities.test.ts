import { describe, expect, it } from 'vitest'
import { limitActions, provide } from '../../src/providers/capabilities.js'
import { act, preflightFor } from '../../src/providers/run.js'
import type { Account, Adapter, Outcome } from '../../src/providers/types.js'

const account: Account = { id: 'u-1', email: 'ann@example.com', status: 'active' }

/** An adapter that can only delete, recording every write it is asked for. */
function deleteOnly(writes: string[]): Adapter & { delete: () => Promise<Outcome> } {
  return {
    id: 'hr',
    displayName: 'HR',
    type: 'scim',
    checkConnection: async () => ({ ok: true }),
    findAccount: async () => account,
    preflight: async () => ({ kind: 'ready', account, consequences: [], warnings: [], reversible: false }),
    delete: async () => {
      writes.push('delete')
      return { kind: 'done' }
    },
  }
}

describe('capabilities', () => {
  it('offers exactly the actions whose capability the adapter implements', () => {
    expect([...provide(deleteOnly([])).capabilities]).toEqual(['delete'])
  })

  it('refuses an action the adapter does not implement, once, without asking the adapter', async () => {
    const writes: string[] = []
    const provider = provide(deleteOnly(writes))

    expect(await act(provider, account, 'suspend')).toEqual({ kind: 'failed', problem: { kind: 'unsupported', action: 'suspend' } })
    expect(await preflightFor(provider, { email: account.email }, 'suspend')).toEqual({
      kind: 'blocked',
      blockers: [{ problem: { kind: 'unsupported', action: 'suspend' } }],
    })
    expect(writes).toEqual([])
  })

  it('leaves out an action the integration is configured not to offer, so it is never written', async () => {
    const writes: string[] = []
    const provider = limitActions(provide(deleteOnly(writes)), ['suspend'])

    expect([...provider.capabilities]).toEqual([])
    expect(await act(provider, account, 'delete')).toEqual({ kind: 'failed', problem: { kind: 'unsupported', action: 'delete' } })
    expect(writes).toEqual([])
  })
})

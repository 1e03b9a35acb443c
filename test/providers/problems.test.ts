import { describe, expect, it } from 'vitest'
import { provide } from '../../src/providers/capabilities.js'
import { isRetryable, ProviderError, toProblem } from '../../src/providers/problems.js'
import { executeFor } from '../../src/providers/run.js'
import type { Account } from '../../src/providers/types.js'

const account: Account = { id: 'u-1', email: 'ann@example.com', status: 'active' }

describe('problems: the service’s apart from the bot’s own', () => {
  it('takes a bug in the bot for an internal problem that no retry fixes, not for a service fault', () => {
    const problem = toProblem(new TypeError("Cannot read properties of undefined (reading 'id')"))

    expect(problem).toEqual({ kind: 'internal', detail: "Cannot read properties of undefined (reading 'id')" })
    expect(isRetryable(problem)).toBe(false)
  })

  it('keeps what the service answered, and faults outside the bot’s code retryable', () => {
    expect(toProblem(new ProviderError({ kind: 'transient', detail: 'could not reach the service: ECONNRESET' }))).toEqual({
      kind: 'transient',
      detail: 'could not reach the service: ECONNRESET',
    })
    expect(isRetryable(toProblem(new Error("Stream isn't writeable and enableOfflineQueue options is false")))).toBe(true)
  })

  it('reports an action that met a bug as failed for good, and hands the error, stack and all, to be logged', async () => {
    const bugs: Error[] = []
    const provider = provide({
      id: 'hr',
      displayName: 'HR',
      type: 'scim',
      checkConnection: async () => ({ ok: true }),
      findAccount: async () => account,
      preflight: async () => ({ kind: 'ready', account, consequences: [], warnings: [], reversible: false }),
      delete: async () => {
        const user = undefined as unknown as { id: string }
        return { kind: 'done', detail: user.id }
      },
    })

    const outcome = await executeFor(
      provider,
      { email: account.email },
      'delete',
      {},
      { actorEmail: 'sec@example.com' },
      { onBug: (error) => bugs.push(error) },
    )

    expect(outcome).toMatchObject({ kind: 'failed', problem: { kind: 'internal' } })
    expect(bugs).toHaveLength(1)
    expect(bugs[0]).toBeInstanceOf(TypeError)
    expect(bugs[0]?.stack).toContain('problems.test.ts')
  })
})

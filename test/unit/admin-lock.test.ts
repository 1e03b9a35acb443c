/**
 * The per-integration lease around "read the admins, then write": one holder at a time across replicas, released
 * on every path, and a holder that lost its lease is told so before it writes.
 */
import { describe, expect, it } from 'vitest'
import { ProviderError } from '../../src/providers/problems.js'
import { AdminLocks } from '../../src/store/admin-lock.js'
import { useRedis } from '../support/redis.js'

const { redis, connect } = useRedis()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('AdminLocks', () => {
  it('lets one holder at a time work on an integration, even from two replicas', async () => {
    const connections = [connect(), connect()]
    const replicas = connections.map((connection) => new AdminLocks(connection))
    const events: string[] = []
    await Promise.all(
      replicas.map((locks, n) =>
        locks.for('okta')(async () => {
          events.push(`start ${n}`)
          await sleep(100)
          events.push(`end ${n}`)
        }),
      ),
    )
    expect(events).toHaveLength(4)
    expect(events[1]).toMatch(/^end/)
    expect(events[0]!.slice(-1)).toBe(events[1]!.slice(-1))
  })

  it('does not hold other integrations back', async () => {
    const locks = new AdminLocks(redis())
    const order: string[] = []
    await Promise.all([
      locks.for('okta')(async () => {
        await sleep(200)
        order.push('okta')
      }),
      locks.for('google')(async () => {
        order.push('google')
      }),
    ])
    expect(order).toEqual(['google', 'okta'])
  })

  it('releases the lease when the work throws', async () => {
    const locks = new AdminLocks(redis(), { waitMs: 300 })
    await expect(locks.for('scim')(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await expect(locks.for('scim')(async () => 'next')).resolves.toBe('next')
  })

  it('tells a holder whose lease was lost, before it writes, and lets nobody write on a lost lease', async () => {
    const locks = new AdminLocks(redis())
    const attempt = locks.for('atlassian')(async (stillHeld) => {
      await redis().del(...(await redis().keys('*lock:admins:atlassian*')))
      await stillHeld()
      return 'wrote'
    })
    await expect(attempt).rejects.toBeInstanceOf(ProviderError)
  })

  it('gives up with a retryable problem when another holder keeps the lease past the wait', async () => {
    const locks = new AdminLocks(redis(), { waitMs: 200 })
    const holding = locks.for('qlik')(() => sleep(600))
    await sleep(20)
    await expect(locks.for('qlik')(async () => 'never')).rejects.toMatchObject({ problem: { kind: 'transient' } })
    await holding
  })
})

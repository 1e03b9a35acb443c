/**
 * One lease per integration around "read the admins, then write": two deletions racing on the last two admins
 * would otherwise both read "another admin remains" and both go. The lease (redis-semaphore's mutex, shared by
 * every replica) is renewed while held and released on every path; just before the write the holder renews it
 * once more, atomically checking it still holds it, and makes no write when it does not.
 */
import type { Redis } from 'ioredis'
import { Mutex } from 'redis-semaphore'
import { ProviderError } from '../providers/problems.js'
import type { Serialize } from '../providers/run.js'
import { KEY_PREFIX } from './redis.js'

export interface AdminLockOptions {
  /** How long a lease lasts unless renewed (a holder that dies frees it after this). */
  leaseMs?: number
  /** How long an action waits for another one on the same integration before it gives up (and is retried). */
  waitMs?: number
}

const lockKey = (integration: string) => `${KEY_PREFIX}lock:admins:${integration}`

export class AdminLocks {
  private readonly leaseMs: number
  private readonly waitMs: number

  constructor(
    private readonly redis: Redis,
    options: AdminLockOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 10_000
    this.waitMs = options.waitMs ?? 60_000
  }

  /** Runs `work` holding the integration's lease; `work` calls `stillHeld` right before its write. */
  for(integration: string): Serialize {
    return async (work) => {
      const mutex = new Mutex(this.redis, lockKey(integration), {
        lockTimeout: this.leaseMs,
        acquireTimeout: this.waitMs,
        retryInterval: 50,
        refreshInterval: Math.round(this.leaseMs / 3),
        // A lost lease is noticed by `stillHeld` before the write; the default would throw from a timer.
        onLockLost: () => undefined,
      })
      if (!(await mutex.tryAcquire())) {
        throw new ProviderError({ kind: 'transient', detail: 'another action on this service’s admins took too long, so nothing was done yet' })
      }
      try {
        return await work(() => this.renew(integration, mutex))
      } finally {
        await mutex.release().catch(() => undefined)
      }
    }
  }

  /** Renews the lease if this holder still has it (one atomic compare-and-expire in Redis); throws otherwise. */
  private async renew(integration: string, held: Mutex): Promise<void> {
    const check = new Mutex(this.redis, lockKey(integration), {
      identifier: held.identifier,
      acquiredExternally: true,
      lockTimeout: this.leaseMs,
      refreshInterval: 0,
    })
    if (!held.isAcquired || !(await check.tryAcquire())) {
      throw new ProviderError({ kind: 'transient', detail: 'the bot lost its lock on this service’s admins before writing, so nothing was done' })
    }
  }
}

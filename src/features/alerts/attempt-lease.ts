/**
 * A lease a worker holds on an action attempt while it acts on it: "I am still working on this". BullMQ's own job
 * lock cannot say it: a job fails for stalling precisely when its lock lapsed, yet the worker may still be alive and
 * about to write to the service. The lease is refreshed by the worker's own timer and dies with it (it expires), so
 * the minute's sweep settles an attempt as unconfirmed only once no worker holds it (`AlertStore.settle` checks the
 * lease in the same script). Its value is the holder's BullMQ job token, so a holder can tell its lease from another's.
 */
import type { Redis } from 'ioredis'
import type { Logger } from '../../logger.js'
import { KEY_PREFIX } from '../../store/redis.js'
import { actionJobId, type ActionJob } from '../../jobs/queues.js'

export type AttemptRef = Pick<ActionJob, 'alertId' | 'action' | 'attempt'>

/** The Redis key of an attempt's lease (one per attempt, whatever job runs it). */
export function attemptLeaseKey(attempt: AttemptRef): string {
  return `${KEY_PREFIX}attempt-lease:${actionJobId(attempt)}`
}

/** The lease's lifetime without a refresh; like BullMQ's job lock, so a dead worker's lease lapses when its lock does. */
export const ATTEMPT_LEASE_MS = 30_000

/** KEYS: lease, ARGV: holder, ms. Extends the lease only while this holder still has it. */
const REFRESH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`

/** KEYS: lease, ARGV: holder. Ends the lease only if this holder still has it (a later run may have taken it). */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`

export class AttemptLeases {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly leaseMs: number = ATTEMPT_LEASE_MS,
  ) {}

  /**
   * Runs `work` holding the attempt's lease as `holder`, refreshing it three times per lifetime, and ends it after.
   * A refresh that fails (Redis away) is only logged: the lease then lapses, which is the safe direction.
   */
  async holding<T>(attempt: AttemptRef, holder: string, work: () => Promise<T>): Promise<T> {
    const key = attemptLeaseKey(attempt)
    await this.redis.set(key, holder, 'PX', this.leaseMs)
    const refresh = setInterval(
      () => {
        this.redis
          .eval(REFRESH, 1, key, holder, this.leaseMs)
          .catch((error: unknown) => this.logger.warn({ err: error, ...attempt }, 'could not refresh the attempt lease'))
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    )
    try {
      return await work()
    } finally {
      clearInterval(refresh)
      await this.redis
        .eval(RELEASE, 1, key, holder)
        .catch((error: unknown) => this.logger.warn({ err: error, ...attempt }, 'could not end the attempt lease; it lapses by itself'))
    }
  }
}

/**
 * How many alerts POST /alerts takes in a minute, every replica together: a counter per clock minute in Redis.
 * A detector gone wrong (a loop re-reporting every account) is refused with a time to retry, instead of filling
 * Redis and the channel.
 */
import type { Redis } from 'ioredis'
import { KEY_PREFIX } from '../../store/redis.js'

const MINUTE_MS = 60_000
const counterKey = (minute: number) => `${KEY_PREFIX}ingest:minute:${minute}`

/** KEYS: this minute's counter; ARGV: expiry (ms). Counts one request; the counter outlives its minute, then goes. */
const COUNT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`

export type IngestAdmission = { admitted: true } | { admitted: false; retryAfterSeconds: number }

export class IngestLimit {
  constructor(
    private readonly redis: Redis,
    private readonly maxPerMinute: number,
  ) {}

  /** Counts a request at `now`; refused past the minute's maximum, with the seconds until the next minute. */
  async admit(now: Date): Promise<IngestAdmission> {
    const minute = Math.floor(now.getTime() / MINUTE_MS)
    const count = Number(await this.redis.eval(COUNT, 1, counterKey(minute), 2 * MINUTE_MS))
    if (count <= this.maxPerMinute) return { admitted: true }
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(((minute + 1) * MINUTE_MS - now.getTime()) / 1000)) }
  }
}

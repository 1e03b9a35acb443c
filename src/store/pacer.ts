/**
 * Paces the requests to one integration at its configured rate, across every
 * replica: each request takes the next free send time from one Redis key (spaced
 * 1/rate apart, by Redis's clock) and waits for it. A burst (a thousand deletions
 * queued at once) then reaches the service at the rate it accepts instead of being
 * refused with 429s and paused for whole seconds. BullMQ's own limiter is per
 * queue, and every integration shares the action queue, so it cannot do this.
 */
import type { Redis } from 'ioredis'
import { KEY_PREFIX } from './redis.js'

/** Waits until the next request may go. */
export type Pace = () => Promise<void>

// Returns how many milliseconds the caller waits for its send time, which it reserves.
const RESERVE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + interval, 'PX', math.ceil(at + interval - now) + 1000)
return at - now
`

const pacerKey = (integration: string) => `${KEY_PREFIX}pace:${integration}`

export class Pacer {
  /** `onUnavailable` hears a Redis failure: the request then goes unpaced (the service's 429s are still honoured). */
  constructor(
    private readonly redis: Redis,
    private readonly onUnavailable: (error: unknown) => void = () => undefined,
  ) {}

  /** How long the next request to `integration`, at `requestsPerSecond`, must wait; reserves its turn. */
  async reserve(integration: string, requestsPerSecond: number): Promise<number> {
    return (await this.redis.eval(RESERVE, 1, pacerKey(integration), String(1000 / requestsPerSecond))) as number
  }

  /** The pace of one integration's requests. */
  paceFor(integration: string, requestsPerSecond: number): Pace {
    return async () => {
      let waitMs: number
      try {
        waitMs = await this.reserve(integration, requestsPerSecond)
      } catch (error) {
        this.onUnavailable(error)
        return
      }
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs))
    }
  }
}

/**
 * The sandboxes' rate limits, as a client sees them: N requests pass, the next is
 * refused with how long to wait, and the allowance comes back all at once (a fixed
 * window) or a little at a time (a token bucket).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { rateLimiter, retryAfterSeconds } from '../../local/sandbox-kit.js'

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

const take = (limiter: () => number | undefined, count: number) => Array.from({ length: count }, () => limiter())

describe('a fixed window of 3 requests per second', () => {
  it('refuses the fourth request with the time left in the window, then allows 3 again once the window has closed', () => {
    const limiter = rateLimiter({ requests: 3, windowMs: 1_000 })
    expect(take(limiter, 3)).toEqual([undefined, undefined, undefined])
    vi.advanceTimersByTime(400)
    expect(limiter()).toBe(600)
    vi.advanceTimersByTime(600)
    expect(take(limiter, 4)).toEqual([undefined, undefined, undefined, 1_000])
  })
})

describe('a token bucket of 4 requests per second', () => {
  it('allows a burst of 4, then one more each quarter second, and charges nothing for a refusal', () => {
    const limiter = rateLimiter({ requests: 4, windowMs: 1_000, model: 'token-bucket' })
    expect(take(limiter, 4)).toEqual([undefined, undefined, undefined, undefined])
    expect(limiter()).toBe(250)
    expect(limiter()).toBe(250)
    vi.advanceTimersByTime(250)
    expect(take(limiter, 2)).toEqual([undefined, 250])
  })

  it('never holds more than its size, however long it was idle', () => {
    const limiter = rateLimiter({ requests: 4, windowMs: 1_000, model: 'token-bucket' })
    vi.advanceTimersByTime(60_000)
    expect(take(limiter, 5).filter((wait) => wait === undefined)).toHaveLength(4)
  })
})

describe('Retry-After', () => {
  it('is whole seconds, at least 1, as HTTP defines it', () => {
    expect(retryAfterSeconds(1)).toBe('1')
    expect(retryAfterSeconds(1_000)).toBe('1')
    expect(retryAfterSeconds(1_001)).toBe('2')
  })
})

/**
 * Per-integration flow control, shared by every replica through one Redis hash per
 * integration: when the next request may go (spaced 1/pace apart, by Redis's clock),
 * until when the service asked us to stop ("blocked until", from Retry-After or a
 * reset header, capped at MAX_RATE_LIMIT_WAIT_SECONDS), and the pace learned from
 * what the service said. Nothing is configured for it: the pace starts at the
 * adapter's published limit (or unpaced) and, while requests queue behind that
 * figure, goes 25% faster every half second until the service first says no (a
 * tenant may allow more than published). A declared rate in the headers is taken
 * as it is; a 429 sets the pace to what the service let through in the window
 * that refused it; after a quiet minute the pace probes 5% higher. `requestsPerSecond`
 * stays an upper bound. One integration's block
 * or pace never touches another's: the action queue itself is never paused.
 */
import type { Redis } from 'ioredis'
import type { FlowLimits, RequestFlow } from '../providers/kit/http.js'
import { rateLimitHint } from '../providers/kit/rate-limit-headers.js'
import { ProviderError } from '../providers/problems.js'
import { KEY_PREFIX } from './redis.js'

/** A wait up to this long is waited in place; a longer one hands the worker back (the job is delayed). */
export const HOLD_IN_PLACE_MS = 2_000
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 900_000
/** How long an idle integration keeps what was learned about it. */
const STATE_TTL_MS = 24 * 3600_000

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// ARGV: cap (req/s, 0 = none), adapter default (0 = none), longest wait held in place, ttl.
// Answers {waitMs, 0} with a reserved turn, {waitMs, 1} when blocked, {waitMs, 2} when the turn is too far to hold.
const RESERVE = `${NOW}
local f = redis.call('HMGET', KEYS[1], 'next', 'blocked', 'rate', 'probed', 'known')
local blocked = tonumber(f[2] or '0')
if blocked > now then return {blocked - now, 1} end
local rate = tonumber(f[3] or '0')
local cap = tonumber(ARGV[1])
local default = tonumber(ARGV[2])
local at = math.max(now, tonumber(f[1] or '0'))
local probed = tonumber(f[4] or '0')
if f[5] then
  -- A limit the service showed (a 429 or a declared rate): after a quiet minute try 5% more, so a raised limit is found again.
  if rate > 0 and now - probed >= 60000 then
    rate = rate * 1.05
    redis.call('HSET', KEYS[1], 'rate', rate, 'probed', now)
  end
elseif at > now and math.max(rate, default) > 0 and (cap == 0 or math.max(rate, default) < cap) then
  -- Only the adapter's default so far, and requests queue behind it: a tenant may allow more than the published
  -- figure, so go 25% faster every half second until the service first says no (then the 429 sets the pace).
  if probed == 0 then
    redis.call('HSET', KEYS[1], 'probed', now)
  elseif now - probed >= 500 then
    rate = (rate > 0 and rate or default) * 1.25
    redis.call('HSET', KEYS[1], 'rate', rate, 'probed', now)
  end
end
local pace = rate > 0 and rate or default
if cap > 0 and (pace == 0 or cap < pace) then pace = cap end
if pace == 0 then return {0, 0} end
if at - now > tonumber(ARGV[3]) then return {at - now, 2} end
redis.call('HSET', KEYS[1], 'next', at + 1000 / pace)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {at - now, 0}
`

// Counts an answered request in a ring of 50 slots of 100 ms (the last 5 seconds), and in 'run': those since the last block ended.
const ANSWERED = `${NOW}
local slot = math.floor(now / 100)
local i = slot % 50
if tonumber(redis.call('HGET', KEYS[1], 's' .. i) or '-1') ~= slot then
  redis.call('HSET', KEYS[1], 's' .. i, slot, 'c' .. i, 1)
else
  redis.call('HINCRBY', KEYS[1], 'c' .. i, 1)
end
redis.call('HINCRBY', KEYS[1], 'run', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
`

// ARGV: wait (ms, capped), declared rate (0 = none), refused (1 for a 429), ttl. Answers the pace now in force (0 = none).
const LEARN = `${NOW}
local wait = tonumber(ARGV[1])
local declared = tonumber(ARGV[2])
local f = redis.call('HMGET', KEYS[1], 'rate', 'since', 'blocked', 'run')
local rate = tonumber(f[1] or '0')
if declared > 0 then
  rate = declared * 0.95
  redis.call('HSET', KEYS[1], 'known', 1)
end
-- Requests refused together (all in flight when the allowance ran out) lower the pace once.
if ARGV[3] == '1' and tonumber(f[3] or '0') <= now then
  local learned
  local since = tonumber(f[2] or '0')
  local got = tonumber(f[4] or '0')
  if since > 0 and since < now and got > 0 then
    -- What the service let through in its window. Windows are whole seconds and Retry-After counts whole seconds
    -- rounded up, so the window that ended here is the stretch since the last block plus the wait, rounded down.
    local stretch = now - since
    local window = math.max(stretch, math.floor((stretch + math.max(wait, 1000)) / 1000) * 1000)
    learned = got * 1000 / window
  else
    -- The first refusal: what got through over the wait the service asks for (its window), at least a second.
    local window = math.min(5000, math.max(wait, 1000))
    local count = 0
    local first = math.floor((now - window) / 100)
    for i = 0, 49 do
      local s = tonumber(redis.call('HGET', KEYS[1], 's' .. i) or '-1')
      if s > first then count = count + tonumber(redis.call('HGET', KEYS[1], 'c' .. i) or '0') end
    end
    if count > 0 then learned = count * 1000 / window end
  end
  if learned then
    if rate > 0 then learned = math.min(rate, learned) end
    rate = math.max(0.01, learned * 0.95)
  end
  redis.call('HSET', KEYS[1], 'probed', now, 'known', 1)
end
if rate > 0 then redis.call('HSET', KEYS[1], 'rate', rate) end
if wait > 0 then
  local until_ = math.max(tonumber(f[3] or '0'), now + wait)
  redis.call('HSET', KEYS[1], 'blocked', until_, 'since', until_, 'run', 0)
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return tostring(rate)
`

const flowKey = (integration: string) => `${KEY_PREFIX}flow:${integration}`

/** What the flow control reports, for logs and metrics. */
export interface FlowEvents {
  /** Redis could not be asked: the request goes unpaced (the service's 429s are still honoured by the job). */
  unavailable(integration: string, error: unknown): void
  /** The service asked for a longer wait than the cap: the cap is waited instead. */
  capped(integration: string, askedMs: number, capMs: number): void
  refused(integration: string): void
  waited(integration: string, ms: number): void
}

const QUIET: FlowEvents = { unavailable: () => undefined, capped: () => undefined, refused: () => undefined, waited: () => undefined }

/** Reserved turn, or why there is none. */
export type Turn = { kind: 'go'; waitMs: number } | { kind: 'blocked'; waitMs: number } | { kind: 'too-far'; waitMs: number }

const TURNS = ['go', 'blocked', 'too-far'] as const

export class FlowControl {
  constructor(
    private readonly redis: Redis,
    private readonly maxWaitMs: number = DEFAULT_MAX_RATE_LIMIT_WAIT_MS,
    private readonly events: FlowEvents = QUIET,
  ) {}

  /** The next request's turn; reserved only when it is 'go'. */
  async reserve(integration: string, limits: FlowLimits = {}): Promise<Turn> {
    const [waitMs, kind] = (await this.redis.eval(
      RESERVE,
      1,
      flowKey(integration),
      String(limits.requestsPerSecond ?? 0),
      String(limits.defaultRequestsPerSecond ?? 0),
      String(HOLD_IN_PLACE_MS),
      String(STATE_TTL_MS),
    )) as [number, number]
    return { kind: TURNS[kind] ?? 'go', waitMs }
  }

  /** Takes in what an answer said: a wait (capped), a declared rate, a refusal. Answers the pace now learned (0: none). */
  async learn(integration: string, answer: { waitMs?: number; requestsPerSecond?: number; refused: boolean }): Promise<number> {
    const asked = answer.waitMs ?? 0
    if (asked > this.maxWaitMs) this.events.capped(integration, asked, this.maxWaitMs)
    const pace = await this.redis.eval(
      LEARN,
      1,
      flowKey(integration),
      String(Math.min(asked, this.maxWaitMs)),
      String(answer.requestsPerSecond ?? 0),
      answer.refused ? '1' : '0',
      String(STATE_TTL_MS),
    )
    return Number(pace)
  }

  /** The pace learned for each integration, requests a second (0: none learned: unpaced or at its default). */
  async learnedPaces(integrations: string[]): Promise<Record<string, number>> {
    const rates = await Promise.all(integrations.map((integration) => this.redis.hget(flowKey(integration), 'rate')))
    return Object.fromEntries(integrations.map((integration, i) => [integration, Number(rates[i] ?? 0)]))
  }

  /** The flow of one integration's requests, for its HTTP client. */
  flowFor(integration: string, limits: FlowLimits = {}): RequestFlow {
    const guarded = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work()
      } catch (error) {
        this.events.unavailable(integration, error)
        return undefined
      }
    }
    return {
      beforeSend: async () => {
        const turn = await guarded(() => this.reserve(integration, limits))
        if (!turn || turn.waitMs <= 0) return
        if (turn.kind !== 'go' && turn.waitMs > HOLD_IN_PLACE_MS) {
          // Too long to hold a worker: the job waits in the delayed set instead, and nothing was sent.
          throw new ProviderError({ kind: 'rate-limited', retryAfterMs: turn.waitMs })
        }
        this.events.waited(integration, turn.waitMs)
        await new Promise((resolve) => setTimeout(resolve, turn.waitMs))
        if (turn.kind !== 'go') await this.flowFor(integration, limits).beforeSend()
      },
      afterAnswer: async (status, headers) => {
        const hint = rateLimitHint(status, headers)
        const refused = status === 429
        if (refused) this.events.refused(integration)
        await guarded(async () => {
          if (!refused && status < 500) await this.redis.eval(ANSWERED, 1, flowKey(integration), String(STATE_TTL_MS))
          if (refused || hint.waitMs !== undefined || hint.requestsPerSecond !== undefined) await this.learn(integration, { ...hint, refused })
        })
      },
    }
  }
}

/**
 * Durable timers for scheduled deletions (a reminder some days before the end, and
 * the end itself), for requests awaiting approval (their expiry), for offboarding runs
 * planned for a later time (their start, and a reminder an hour before), and for results
 * Slack refused on every attempt of their job (posted later). Timers are members of a Redis sorted set scored by when they are
 * due, swept every minute (and on demand) against the bot's clock; each due timer
 * becomes a BullMQ job with a fixed id, so it survives restarts, runs on any
 * replica and runs once.
 */
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Action } from '../providers/types.js'
import { alertKey, KEEP, REFERENCE_MARGIN_SECONDS } from '../store/alerts.js'
import { KEY_PREFIX } from '../store/redis.js'

export const TIMERS_KEY = `${KEY_PREFIX}timers`

export type Timer =
  /** `check` counts the later questions to the service about a deletion it did not show final at its date, from 1. */
  | { kind: 'deletion-reminder' | 'deletion-final'; alertId: string; attempt: number; check?: number }
  /** A request awaiting approval that nobody decided on in time. */
  | { kind: 'approval-expiry'; alertId: string; approvalId: string }
  /** A settled result Slack refused on every attempt of its job, posted later; `retry` counts the later tries, from 1. */
  | { kind: 'report-retry'; alertId: string; action: Action; attempt: number; retry: number }
  /** An offboarding run scheduled for later (`/deprovision user@corp at …`): its start, and a reminder before it. */
  | { kind: 'offboard-start'; runId: string }
  | { kind: 'offboard-reminder'; runId: string }

/** The alert or offboarding run a timer belongs to: cancelling it removes all of them. */
export function ownerOf(timer: Timer): string {
  return 'alertId' in timer ? timer.alertId : timer.runId
}

/** Lua: take every due member off the set atomically, so two sweepers never both get one. */
const TAKE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
`

/**
 * KEYS: timers, and the alert when the timer has one; ARGV: due (ms), timer, seconds the alert must last. The alert
 * outlives its timer, in the same step (an offboarding run is stored until past its time when it is scheduled).
 */
const SCHEDULE = `${KEEP}
if KEYS[2] then keep(KEYS[2], ARGV[3]) end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
`

export class TimerStore {
  /** `now` is the bot's clock, which `due` is on: the alert's expiry (on Redis's clock) is set from how far ahead `due` is. */
  constructor(
    private readonly redis: Redis,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Adds a timer; its alert is kept at least until REFERENCE_MARGIN_SECONDS after `due`. */
  async schedule(timer: Timer, due: Date): Promise<void> {
    const keepSeconds = Math.ceil(Math.max(0, due.getTime() - this.now().getTime()) / 1000) + REFERENCE_MARGIN_SECONDS
    const keys = 'alertId' in timer ? [TIMERS_KEY, alertKey(timer.alertId)] : [TIMERS_KEY]
    await this.redis.eval(SCHEDULE, keys.length, ...keys, due.getTime(), JSON.stringify(timer), keepSeconds)
  }

  /** Forgets every timer of an alert (its deletion was cancelled) or of an offboarding run (cancelled, or started early). */
  async cancelFor(owner: string): Promise<void> {
    const members = await this.redis.zrange(TIMERS_KEY, 0, -1)
    const mine = members.filter((member) => ownerOf(JSON.parse(member) as Timer) === owner)
    if (mine.length > 0) await this.redis.zrem(TIMERS_KEY, ...mine)
  }

  async pending(): Promise<Array<{ timer: Timer; due: Date }>> {
    const flat = await this.redis.zrange(TIMERS_KEY, 0, -1, 'WITHSCORES')
    const result: Array<{ timer: Timer; due: Date }> = []
    for (let i = 0; i + 1 < flat.length; i += 2) result.push({ timer: JSON.parse(flat[i]!) as Timer, due: new Date(Number(flat[i + 1])) })
    return result
  }

  /**
   * Moves the timers due at `now` into `queue` as jobs. If adding fails, they go back into the set,
   * so a Redis hiccup delays a timer instead of losing it.
   */
  async releaseDue(now: Date, queue: Queue<Timer | { kind: 'sweep' } | { kind: 'health-check' }>): Promise<number> {
    const due = (await this.redis.eval(TAKE_DUE, 1, TIMERS_KEY, now.getTime())) as string[]
    const timers = due.map((member) => JSON.parse(member) as Timer)
    try {
      await queue.addBulk(timers.map((timer) => ({ name: timer.kind, data: timer, opts: { jobId: timerJobId(timer) } })))
    } catch (error) {
      await Promise.all(timers.map((timer) => this.schedule(timer, now)))
      throw error
    }
    return timers.length
  }
}

/**
 * A fixed id per timer, so a timer released twice runs once. Each later try of a report has its own id: BullMQ keeps
 * finished jobs for days, and an add under a finished job's id is a no-op.
 */
export function timerJobId(timer: Timer): string {
  switch (timer.kind) {
    case 'approval-expiry':
      return `${timer.kind}.${timer.alertId}.${timer.approvalId}`
    case 'report-retry':
      return `${timer.kind}.${timer.alertId}.${timer.attempt}.${timer.retry}`
    case 'offboard-start':
    case 'offboard-reminder':
      return `${timer.kind}.${timer.runId}`
    default:
      return `${timer.kind}.${timer.alertId}.${timer.attempt}${timer.check ? `.${timer.check}` : ''}`
  }
}

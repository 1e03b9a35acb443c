/**
 * Offboarding runs in Redis: the modal's draft (one hash field per integration, so
 * lookups that finish together never overwrite each other), the run itself, the
 * one run in progress per person, and a short lock that keeps two replicas from
 * advancing the same run at once.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { MessageRef } from '../../domain/alert.js'
import type { Draft, Row, Run, Schedule } from './plan.js'
import { KEY_PREFIX } from '../../store/redis.js'

const DRAFT_SECONDS = 2 * 3600
const RUN_SECONDS = 90 * 24 * 3600
/** A run held back by a failed identity provider stays "in progress" for a day, then a new one may start. */
const ACTIVE_SECONDS = 24 * 3600
const LOCK_MS = 30_000

const draftKey = (id: string) => `${KEY_PREFIX}offboard:draft:${id}`
const runKey = (id: string) => `${KEY_PREFIX}offboard:run:${id}`
const activeKey = (email: string) => `${KEY_PREFIX}offboard:active:${normalizeEmail(email)}`
const lockKey = (id: string) => `${KEY_PREFIX}offboard:lock:${id}`
const summariesKey = (id: string) => `${KEY_PREFIX}offboard:summaries:${id}`
/** Scheduled runs still waiting for their time, scored by it (the App Home lists them). */
const SCHEDULED_KEY = `${KEY_PREFIX}offboard:scheduled`

/**
 * KEYS: active, run, scheduled; ARGV: run id, run JSON, active ttl, run ttl, when it is scheduled (ms, or '').
 * Starts (or schedules) the run unless one is in progress or scheduled for the person.
 */
const BEGIN = `
local running = redis.call('GET', KEYS[1])
if running then return {'running', running} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('HSET', KEYS[2], 'data', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1]) end
return {'started', ARGV[1]}
`

/**
 * KEYS: run, scheduled, active; ARGV: run id, the new schedule JSON, its status. A scheduled run is started or
 * cancelled once: whichever comes first (the timer, Run now, Cancel, on any replica) decides, and the others read
 * what it decided. A cancelled run no longer stands in the way of a new one for the person.
 */
const DECIDE_SCHEDULE = `
local data = redis.call('HGET', KEYS[1], 'data')
if not data then return {'missing', ''} end
local decided = redis.call('HGET', KEYS[1], 'schedule')
if decided then return {'already', decided} end
if not cjson.decode(data).schedule then return {'missing', ''} end
redis.call('HSET', KEYS[1], 'schedule', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] == 'cancelled' and redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return {'decided', ARGV[2]}
`

/** KEYS: a key; ARGV: the value it must still hold. Deletes it only then. */
const DELETE_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

export type BeginResult = { status: 'started' } | { status: 'running'; runId: string }

/** What deciding a scheduled run did: `decided` by this call, `already` decided before (what then), or no such scheduled run. */
export type ScheduleDecision = { status: 'decided' | 'already'; schedule: Schedule } | { status: 'missing' }

interface DraftMeta extends Omit<Draft, 'rows'> {
  integrations: string[]
}

export class OffboardStore {
  constructor(private readonly redis: Redis) {}

  async createDraft(draft: Draft): Promise<void> {
    const { rows, ...rest } = draft
    const meta: DraftMeta = { ...rest, integrations: rows.map((row) => row.integration) }
    const fields = Object.fromEntries([['meta', JSON.stringify(meta)], ...rows.map((row): [string, string] => [`row:${row.integration}`, JSON.stringify(row)])])
    await this.redis.multi().hset(draftKey(draft.id), fields).expire(draftKey(draft.id), DRAFT_SECONDS).exec()
  }

  async setRow(draftId: string, row: Row): Promise<void> {
    await this.redis.hset(draftKey(draftId), `row:${row.integration}`, JSON.stringify(row))
  }

  async getDraft(id: string): Promise<Draft | null> {
    const fields = await this.redis.hgetall(draftKey(id))
    if (!fields.meta) return null
    const { integrations, ...meta } = JSON.parse(fields.meta) as DraftMeta
    const rows = integrations.flatMap((integration) => {
      const row = fields[`row:${integration}`]
      return row ? [JSON.parse(row) as Row] : []
    })
    return { ...meta, rows }
  }

  /** The run in progress for this person, if any. */
  async activeRun(email: string): Promise<Run | null> {
    const runId = await this.redis.get(activeKey(email))
    return runId ? this.getRun(runId) : null
  }

  /** `now` is the bot's clock: a scheduled run (and the person's claim on it) is kept from its time on, not from now. */
  async begin(run: Run, now: Date): Promise<BeginResult> {
    const runAt = run.schedule ? Date.parse(run.schedule.runAt) : undefined
    const ahead = runAt === undefined ? 0 : Math.max(0, Math.ceil((runAt - now.getTime()) / 1000))
    const [status, runId] = (await this.redis.eval(
      BEGIN,
      3,
      activeKey(run.email),
      runKey(run.id),
      SCHEDULED_KEY,
      run.id,
      JSON.stringify(run),
      ahead + ACTIVE_SECONDS,
      ahead + RUN_SECONDS,
      runAt ?? '',
    )) as [string, string]
    return status === 'running' ? { status: 'running', runId } : { status: 'started' }
  }

  async getRun(id: string): Promise<Run | null> {
    const [data, message, schedule] = await this.redis.hmget(runKey(id), 'data', 'message', 'schedule')
    if (!data) return null
    const run = JSON.parse(data) as Run
    return {
      ...run,
      ...(message ? { message: JSON.parse(message) as MessageRef } : {}),
      ...(schedule ? { schedule: JSON.parse(schedule) as Schedule } : {}),
    }
  }

  /** Starts or cancels a scheduled run, once: see DECIDE_SCHEDULE. */
  async decideSchedule(runId: string, schedule: Exclude<Schedule, { status: 'waiting' }>): Promise<ScheduleDecision> {
    const [status, decided] = (await this.redis.eval(
      DECIDE_SCHEDULE,
      3,
      runKey(runId),
      SCHEDULED_KEY,
      activeKey((await this.getRun(runId))?.email ?? ''),
      runId,
      JSON.stringify(schedule),
      schedule.status,
    )) as [string, string]
    if (status === 'missing') return { status: 'missing' }
    return { status: status === 'decided' ? 'decided' : 'already', schedule: JSON.parse(decided) as Schedule }
  }

  /** Scheduled runs still waiting, soonest first, and how many there are. */
  async scheduledRuns(limit: number): Promise<{ runs: Run[]; total: number }> {
    const [ids, total] = await Promise.all([this.redis.zrange(SCHEDULED_KEY, 0, limit - 1), this.redis.zcard(SCHEDULED_KEY)])
    const runs = await Promise.all(ids.map((id) => this.getRun(id)))
    return { runs: runs.filter((run): run is Run => run !== null && run.schedule?.status === 'waiting'), total }
  }

  /** Records the checklist message; false when another replica recorded one first. */
  async setMessage(runId: string, message: MessageRef): Promise<boolean> {
    return (await this.redis.hsetnx(runKey(runId), 'message', JSON.stringify(message))) === 1
  }

  /** The run no longer stands in the way of a new one for the same person. */
  async finish(run: Pick<Run, 'id' | 'email'>): Promise<void> {
    await this.redis.eval(DELETE_IF, 1, activeKey(run.email), run.id)
  }

  /** Runs `work` holding the run's lock; undefined (without running it) while another holder has it. */
  async withLock<T>(runId: string, work: () => Promise<T>): Promise<T | undefined> {
    const token = randomBytes(8).toString('hex')
    if ((await this.redis.set(lockKey(runId), token, 'PX', LOCK_MS, 'NX')) !== 'OK') return undefined
    try {
      return await work()
    } finally {
      await this.redis.eval(DELETE_IF, 1, lockKey(runId), token)
    }
  }

  /** True the first time a summary of this exact state is claimed, so each state is summed up once. */
  async claimSummary(runId: string, fingerprint: string): Promise<boolean> {
    const added = await this.redis.sadd(summariesKey(runId), fingerprint)
    await this.redis.expire(summariesKey(runId), RUN_SECONDS)
    return added === 1
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export function newRunId(): string {
  return `ob_${randomBytes(9).toString('base64url')}`
}

export function newDraftId(): string {
  return `od_${randomBytes(9).toString('base64url')}`
}

/**
 * Offboarding runs in Redis: the modal's draft (one hash field per integration, so
 * lookups that finish together never overwrite each other), the run itself, the
 * one run in progress per person, and a short lock that keeps two replicas from
 * advancing the same run at once.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { MessageRef } from '../../domain/alert.js'
import type { Draft, Row, Run } from './plan.js'
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

/** KEYS: active, run; ARGV: run id, run JSON, active ttl, run ttl. Starts the run unless one is in progress for the person. */
const BEGIN = `
local running = redis.call('GET', KEYS[1])
if running then return {'running', running} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('HSET', KEYS[2], 'data', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {'started', ARGV[1]}
`

/** KEYS: a key; ARGV: the value it must still hold. Deletes it only then. */
const DELETE_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

export type BeginResult = { status: 'started' } | { status: 'running'; runId: string }

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

  async begin(run: Run): Promise<BeginResult> {
    const [status, runId] = (await this.redis.eval(
      BEGIN,
      2,
      activeKey(run.email),
      runKey(run.id),
      run.id,
      JSON.stringify(run),
      ACTIVE_SECONDS,
      RUN_SECONDS,
    )) as [string, string]
    return status === 'running' ? { status: 'running', runId } : { status: 'started' }
  }

  async getRun(id: string): Promise<Run | null> {
    const [data, message] = await this.redis.hmget(runKey(id), 'data', 'message')
    if (!data) return null
    const run = JSON.parse(data) as Run
    return message ? { ...run, message: JSON.parse(message) as MessageRef } : run
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

/**
 * One reconciliation run in Redis: what it set out to do (and what it skipped), where its
 * summary message is, and each integration's result as it comes in. Results are recorded
 * once per integration and counted down atomically, so exactly one finisher sees the run
 * complete, whichever replica it runs on and however often a job is retried.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { MessageRef, MissedRoute } from '../../domain/alert.js'
import { KEY_PREFIX } from '../../store/redis.js'
import { FINDING_KINDS, type FindingKind, type ReconcileTrigger } from '../../domain/reconciliation.js'

const runKey = (runId: string) => `${KEY_PREFIX}reconcile:run:${runId}`
const RUN_TTL_SECONDS = 14 * 24 * 3600

export interface SkippedIntegration {
  integration: string
  name: string
  reason: string
}

export interface RunMeta {
  runId: string
  startedAt: string
  trigger: ReconcileTrigger
  /** The identity providers' display names. */
  identityProviders: string[]
  /** Integrations to compare, by id. */
  integrations: string[]
  skipped: SkippedIntegration[]
  /** Set once the identity providers were read whole: how many addresses they hold, and how long the read took. */
  identityUsers?: number
  identityReadMs?: number
  /** Why nothing could be compared (the identity provider could not be read). */
  error?: string
  message?: MessageRef
  /** Slack refused the summary's routed channel for good, so `message` is in ALERT_CHANNEL_ID: kept, for its line. */
  missedRoute?: MissedRoute
}

/** How each finding of a kind ended: a new alert, an alert already open, or kept back by a mute. */
export interface KindTally {
  found: number
  raised: number
  muted: number
}

export function emptyTallies(): Record<FindingKind, KindTally> {
  return Object.fromEntries(FINDING_KINDS.map((kind) => [kind, { found: 0, raised: 0, muted: 0 }])) as Record<FindingKind, KindTally>
}

export type IntegrationResult =
  | {
      status: 'compared'
      integration: string
      name: string
      durationMs: number
      accounts: number
      judged: number
      withoutEmail: number
      findings: Record<FindingKind, KindTally>
      resolved: number
    }
  | { status: 'failed'; integration: string; name: string; durationMs: number; error: string }

export interface RunRecord {
  meta: RunMeta
  results: IntegrationResult[]
  remaining: number
}

/** KEYS: run, ARGV: field, result. Records an integration's result once; returns how many are still missing. */
const RECORD = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  return redis.call('HINCRBY', KEYS[1], 'remaining', -1)
end
return tonumber(redis.call('HGET', KEYS[1], 'remaining'))
`

export function newRunId(now: Date): string {
  return `r${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(5).toString('hex')}`
}

export class RunStore {
  constructor(private readonly redis: Redis) {}

  /** Creates the run unless a first try of its job already did; answers the run as stored. */
  async begin(meta: RunMeta): Promise<RunMeta> {
    const key = runKey(meta.runId)
    await this.redis.multi().hsetnx(key, 'meta', JSON.stringify(meta)).hsetnx(key, 'remaining', meta.integrations.length).expire(key, RUN_TTL_SECONDS).exec()
    return (await this.meta(meta.runId)) ?? meta
  }

  async meta(runId: string): Promise<RunMeta | undefined> {
    const text = await this.redis.hget(runKey(runId), 'meta')
    return text ? (JSON.parse(text) as RunMeta) : undefined
  }

  async update(runId: string, change: Partial<RunMeta>): Promise<RunMeta | undefined> {
    const current = await this.meta(runId)
    if (!current) return undefined
    const next = { ...current, ...change }
    await this.redis.hset(runKey(runId), 'meta', JSON.stringify(next))
    return next
  }

  /** Records an integration's result (a retry's second result is ignored); answers how many integrations are still running. */
  async record(runId: string, result: IntegrationResult): Promise<number> {
    return (await this.redis.eval(RECORD, 1, runKey(runId), `result:${result.integration}`, JSON.stringify(result))) as number
  }

  async load(runId: string): Promise<RunRecord | undefined> {
    const fields = await this.redis.hgetall(runKey(runId))
    if (!fields.meta) return undefined
    const meta = JSON.parse(fields.meta) as RunMeta
    const results = meta.integrations.flatMap((id) => {
      const text = fields[`result:${id}`]
      return text ? [JSON.parse(text) as IntegrationResult] : []
    })
    return { meta, results, remaining: Number(fields.remaining ?? 0) }
  }

  /** Runs a one-time step of the run (posting its summary) unless a first try of the job already finished it. */
  async once(runId: string, step: string, work: () => Promise<void>): Promise<void> {
    const key = runKey(runId)
    if ((await this.redis.hexists(key, `done:${step}`)) === 1) return
    await work()
    await this.redis.hset(key, `done:${step}`, '1')
  }
}

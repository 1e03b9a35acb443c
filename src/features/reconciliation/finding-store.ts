/**
 * The findings each integration still has, in Redis: per integration, a hash from
 * finding (kind and address) to the alert raised for it ('' while a mute kept it from
 * being posted) and a sorted set of when each was last found. A run that found a finding
 * again bumps its date; what a complete run no longer found is stale: resolved, then forgotten.
 */
import type { Redis } from 'ioredis'
import { KEY_PREFIX } from '../../store/redis.js'
import { normalizeEmail } from './findings.js'
import { FINDING_KINDS, type FindingKind } from '../../domain/reconciliation.js'

const alertsKey = (integration: string) => `${KEY_PREFIX}reconcile:findings:${integration}`
const seenKey = (integration: string) => `${KEY_PREFIX}reconcile:seen:${integration}`

export interface StoredFinding {
  kind: FindingKind
  email: string
  /** The alert raised for it; absent while a mute kept it from being posted. */
  alertId?: string
}

const field = (kind: FindingKind, email: string) => `${kind}|${normalizeEmail(email)}`

function parseField(name: string, alertId: string | null): StoredFinding {
  const separator = name.indexOf('|')
  return { kind: name.slice(0, separator) as FindingKind, email: name.slice(separator + 1), ...(alertId ? { alertId } : {}) }
}

export class FindingStore {
  constructor(private readonly redis: Redis) {}

  /** The finding was found at `seenAt` (ms); a muted one keeps the alert an earlier run raised. */
  async record(integration: string, kind: FindingKind, email: string, alertId: string | undefined, seenAt: number): Promise<void> {
    const name = field(kind, email)
    const multi = this.redis.multi()
    if (alertId) multi.hset(alertsKey(integration), name, alertId)
    else multi.hsetnx(alertsKey(integration), name, '')
    await multi.zadd(seenKey(integration), seenAt, name).exec()
  }

  /** Up to `limit` findings last found before `before` (ms): a complete run started then did not find them. */
  async stale(integration: string, before: number, limit = 100): Promise<StoredFinding[]> {
    const names = await this.redis.zrangebyscore(seenKey(integration), '-inf', `(${before}`, 'LIMIT', 0, limit)
    if (names.length === 0) return []
    const alertIds = await this.redis.hmget(alertsKey(integration), ...names)
    return names.map((name, position) => parseField(name, alertIds[position] ?? null))
  }

  async forget(integration: string, findings: readonly StoredFinding[]): Promise<void> {
    if (findings.length === 0) return
    const names = findings.map((finding) => field(finding.kind, finding.email))
    await this.redis
      .multi()
      .zrem(seenKey(integration), ...names)
      .hdel(alertsKey(integration), ...names)
      .exec()
  }

  /** The findings an account of an integration still has (for the App Home's account list). */
  async forAccount(integration: string, email: string): Promise<StoredFinding[]> {
    const names = FINDING_KINDS.map((kind) => field(kind, email))
    const alertIds = await this.redis.hmget(alertsKey(integration), ...names)
    return names.flatMap((name, position) => (alertIds[position] === null ? [] : [parseField(name, alertIds[position] ?? null)]))
  }
}

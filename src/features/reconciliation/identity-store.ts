/**
 * The identity provider's users as a run saw them, in Redis: one hash per run
 * (lowercased address -> active | suspended), written a page at a time while the
 * identity provider is read, so every integration of the run (on any replica) compares
 * against the same snapshot and no process holds it in memory. A roster remembers every
 * address ever seen there and when: someone missing from this run's snapshot but on the
 * roster was deleted (or deactivated out of the list) since.
 */
import type { Redis } from 'ioredis'
import type { Account } from '../../providers/types.js'
import { KEY_PREFIX } from '../../store/redis.js'
import type { IdentityIndex } from './compare.js'
import { normalizeEmail, type Identity } from './findings.js'

const snapshotKey = (runId: string) => `${KEY_PREFIX}reconcile:idp:${runId}`
const ROSTER = `${KEY_PREFIX}reconcile:idp-roster`
const LATEST = `${KEY_PREFIX}reconcile:idp-latest`
/** A snapshot outlives its run by enough for the App Home to show the latest one. */
const SNAPSHOT_TTL_SECONDS = 8 * 24 * 3600

export class IdentityStore {
  constructor(private readonly redis: Redis) {}

  /**
   * Adds one page of an identity provider's users to the run's snapshot. With several
   * identity providers, someone active in any of them counts as active.
   */
  async addPage(runId: string, users: readonly Account[], now: Date): Promise<number> {
    const key = snapshotKey(runId)
    const multi = this.redis.multi()
    let added = 0
    for (const user of users) {
      const email = normalizeEmail(user.email)
      if (email === '') continue
      added += 1
      if (user.status === 'suspended') multi.hsetnx(key, email, 'suspended')
      else multi.hset(key, email, 'active')
      multi.hset(ROSTER, email, now.toISOString())
    }
    multi.expire(key, SNAPSHOT_TTL_SECONDS)
    await multi.exec()
    return added
  }

  /** The run's snapshot is whole: it becomes the latest (for lookups outside a run). */
  async complete(runId: string): Promise<void> {
    await this.redis.set(LATEST, runId, 'EX', SNAPSHOT_TTL_SECONDS)
  }

  /** Lookups against the run's snapshot. */
  index(runId: string): IdentityIndex {
    return { lookup: (emails) => this.lookup(snapshotKey(runId), emails) }
  }

  /** Lookups against the latest whole snapshot, or undefined before any run completed one. */
  async latest(): Promise<IdentityIndex | undefined> {
    const runId = await this.latestRunId()
    return runId ? this.index(runId) : undefined
  }

  /** The run whose snapshot is the latest whole one (the App Home reads that run's account counts). */
  async latestRunId(): Promise<string | undefined> {
    return (await this.redis.get(LATEST)) ?? undefined
  }

  private async lookup(key: string, emails: readonly string[]): Promise<Array<Identity | undefined>> {
    if (emails.length === 0) return []
    const normalized = emails.map(normalizeEmail)
    const [statuses, seen] = await Promise.all([this.redis.hmget(key, ...normalized), this.redis.hmget(ROSTER, ...normalized)])
    return normalized.map((_, position): Identity | undefined => {
      const status = statuses[position]
      if (status === 'active' || status === 'suspended') return { status }
      const lastSeen = seen[position]
      return lastSeen ? { status: 'deleted', lastSeen } : undefined
    })
  }
}

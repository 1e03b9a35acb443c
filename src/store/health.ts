/**
 * The last known health of each integration, in Redis, so a transition (healthy to
 * broken, broken to healthy) is noticed once whichever replica runs the check.
 */
import type { Redis } from 'ioredis'
import type { Problem } from '../providers/problems.js'
import { KEY_PREFIX } from './redis.js'

const HEALTH_KEY = `${KEY_PREFIX}health`

export type IntegrationHealth =
  { ok: true; detail?: string; checkedAt: string; since: string } | { ok: false; problem: Problem; checkedAt: string; since: string }

export class HealthStore {
  constructor(private readonly redis: Redis) {}

  async all(): Promise<Record<string, IntegrationHealth>> {
    const raw = await this.redis.hgetall(HEALTH_KEY)
    return Object.fromEntries(Object.entries(raw).map(([id, json]) => [id, JSON.parse(json) as IntegrationHealth]))
  }

  /** Records `next` and returns what it replaced (undefined on the first check). */
  async record(id: string, next: IntegrationHealth): Promise<IntegrationHealth | undefined> {
    const previous = await this.redis.hget(HEALTH_KEY, id)
    await this.redis.hset(HEALTH_KEY, id, JSON.stringify(next))
    return previous ? (JSON.parse(previous) as IntegrationHealth) : undefined
  }
}

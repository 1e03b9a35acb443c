/**
 * How the audit webhook is doing, shared by every replica (one Redis hash): failing since when and why, and the
 * events given up. `/deprovision status` reads it.
 */
import type { Redis } from 'ioredis'
import { z } from 'zod'
import { KEY_PREFIX } from '../../store/redis.js'

const HEALTH_KEY = `${KEY_PREFIX}audit-webhook:health`

const healthSchema = z.object({
  /** The first failed try since the last delivery; unset while deliveries succeed. */
  failingSince: z.string().optional(),
  lastError: z.string().optional(),
  undelivered: z.coerce.number().int().default(0),
  lastUndeliveredId: z.string().optional(),
})

export type WebhookHealth = z.infer<typeof healthSchema>

export class WebhookHealthStore {
  constructor(private readonly redis: Redis) {}

  async delivered(): Promise<void> {
    await this.redis.hdel(HEALTH_KEY, 'failingSince', 'lastError')
  }

  async failed(detail: string, now: Date): Promise<void> {
    await this.redis.multi().hsetnx(HEALTH_KEY, 'failingSince', now.toISOString()).hset(HEALTH_KEY, 'lastError', detail).exec()
  }

  async undelivered(eventId: string): Promise<void> {
    await this.redis.multi().hincrby(HEALTH_KEY, 'undelivered', 1).hset(HEALTH_KEY, 'lastUndeliveredId', eventId).exec()
  }

  async read(): Promise<WebhookHealth> {
    return healthSchema.parse(await this.redis.hgetall(HEALTH_KEY))
  }
}

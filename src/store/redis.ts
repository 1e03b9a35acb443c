/**
 * Redis connections. The store's connection fails fast when Redis is down (a
 * request gets a clear 503 instead of hanging); BullMQ workers get their own
 * connection with the settings BullMQ requires for blocking commands, which waits
 * for Redis instead, so work already accepted resumes when it is back.
 */
import { Redis, type RedisOptions } from 'ioredis'

export const KEY_PREFIX = 'dpb:'

/** What a managed Redis may need beyond its URL: an ACL user and password, the CA bundle of its TLS certificate (PEM). */
export interface RedisConnectionSettings {
  username?: string
  password?: string
  tlsCa?: string
}

/** ioredis options for those settings; credentials written in the URL take precedence (ioredis reads the URL first). */
export function connectionOptions(settings: RedisConnectionSettings): RedisOptions {
  return {
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ...(settings.tlsCa ? { tls: { ca: settings.tlsCa } } : {}),
  }
}

export function connectStore(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    // No queueing while disconnected: ioredis would hold a command through reconnection attempts (up to
    // 20 by default), and a Slack interaction must be answered within 3 s, by a clear error if need be.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Keep reconnecting in the background: readiness reports the outage meanwhile.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...options,
  })
}

/** BullMQ workers block on Redis and must never give up a command (maxRetriesPerRequest: null). */
export function connectWorker(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2_000), ...options })
}

/** Resolves once the connection is up (a store connection refuses commands before that). */
export async function whenReady(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
}

export async function isReady(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  if (redis.status !== 'ready') return false
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref())
  const ping = redis.ping().then(
    (answer) => answer === 'PONG',
    () => false,
  )
  return Promise.race([ping, timeout])
}

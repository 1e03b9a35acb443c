/**
 * Hands every new audit event to the delivery queue. The audit stream is the source of truth: a Redis consumer
 * group remembers which entries were handed over, across restarts and replicas (each entry goes to one reader),
 * and an entry is acknowledged only once its delivery job exists. An entry read by a replica that died before
 * acknowledging it stays pending and is claimed by another after `claimIdleMs`; its job id makes a second
 * hand-over a no-op. `AuditLog.append` knows nothing of this: a slow or unreachable webhook never holds an action.
 */
import type { Redis } from 'ioredis'
import type { Logger } from '../../logger.js'
import { AUDIT_STREAM, storedEntry } from '../../store/audit.js'
import type { WebhookQueue } from './queue.js'

export const WEBHOOK_GROUP = 'audit-webhook'
const BATCH = 100
const BLOCK_MS = 2_000
const PAUSE_AFTER_ERROR_MS = 1_000

type StreamRow = [string, string[]]

export interface ForwarderOptions {
  /** A connection of its own: XREADGROUP blocks it while waiting for entries. */
  reader: Redis
  queue: WebhookQueue
  logger: Logger
  /** This replica's name in the group (unique per process). */
  consumer: string
  claimIdleMs: number
}

export interface Forwarder {
  stop(): Promise<void>
}

/**
 * The group starts at the stream's end the first time (events from before the webhook was configured are not
 * sent); afterwards it resumes where it was, whatever happened meanwhile.
 */
export async function ensureGroup(redis: Redis): Promise<void> {
  try {
    await redis.xgroup('CREATE', AUDIT_STREAM, WEBHOOK_GROUP, '$', 'MKSTREAM')
  } catch (error) {
    if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error
  }
}

export function startForwarder({ reader, queue, logger, consumer, claimIdleMs }: ForwarderOptions): Forwarder {
  let stopped = false
  let nextClaimAt = 0

  const handOver = async (rows: StreamRow[]) => {
    if (rows.length === 0) return
    await queue.enqueue(rows.filter(([, fields]) => Array.isArray(fields)).map(storedEntry))
    await reader.xack(AUDIT_STREAM, WEBHOOK_GROUP, ...rows.map(([id]) => id))
  }

  /** Entries another reader took and never handed over (its replica died), and entries trimmed meanwhile. */
  const claimAbandoned = async (): Promise<boolean> => {
    const [next, rows, trimmed] = (await reader.xautoclaim(AUDIT_STREAM, WEBHOOK_GROUP, consumer, claimIdleMs, '0-0', 'COUNT', BATCH)) as [
      string,
      StreamRow[],
      string[],
    ]
    if (rows.length > 0) logger.warn({ events: rows.length }, 'audit events another replica read but never queued for the webhook: queuing them')
    await handOver(rows)
    if (trimmed?.length) await reader.xack(AUDIT_STREAM, WEBHOOK_GROUP, ...trimmed)
    return next !== '0-0'
  }

  const forwardOnce = async () => {
    if (Date.now() >= nextClaimAt) {
      // More than a batch abandoned: the next round claims again (what was claimed is acknowledged by then).
      nextClaimAt = (await claimAbandoned()) ? 0 : Date.now() + claimIdleMs / 2
    }
    const answer = (await reader.xreadgroup('GROUP', WEBHOOK_GROUP, consumer, 'COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', AUDIT_STREAM, '>')) as
      [string, StreamRow[]][] | null
    await handOver(answer?.[0]?.[1] ?? [])
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await forwardOnce()
      } catch (error) {
        if (stopped) break
        logger.warn({ err: error }, 'could not read the audit stream for the webhook; trying again')
        // The group is gone (a Redis that lost its data): start it again rather than stall.
        if (String((error as Error).message).startsWith('NOGROUP')) await ensureGroup(reader).catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_ERROR_MS))
      }
    }
  })()

  return {
    async stop() {
      stopped = true
      // Ends a blocked read at once; an entry it had taken stays pending and is claimed by another replica.
      reader.disconnect()
      await loop
    },
  }
}

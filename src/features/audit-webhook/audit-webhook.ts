/** The audit webhook's parts, built once by the runtime when AUDIT_WEBHOOK_URL is set: its queue, health and metrics. */
import type { ConnectionOptions } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Registry } from 'prom-client'
import type { Logger } from '../../logger.js'
import { AUDIT_STREAM } from '../../store/audit.js'
import type { WebhookDeps } from './deliver.js'
import { WEBHOOK_GROUP } from './forwarder.js'
import { WebhookHealthStore } from './health-store.js'
import { createWebhookMetrics } from './metrics.js'
import { DEFAULT_WEBHOOK_POLICY, type WebhookPolicy } from './policy.js'
import { WebhookQueue } from './queue.js'
import type { WebhookTarget } from './send.js'
import type { WebhookStatus } from './views/status.js'

export interface AuditWebhook {
  deps: WebhookDeps
  queue: WebhookQueue
  status(): Promise<WebhookStatus>
  close(): Promise<void>
}

export interface AuditWebhookOptions {
  redis: Redis
  connection: ConnectionOptions
  target: WebhookTarget
  registry: Registry
  logger: Logger
  now: () => Date
  policy?: Partial<WebhookPolicy>
}

export function createAuditWebhook({ redis, connection, target, registry, logger, now, policy }: AuditWebhookOptions): AuditWebhook {
  const queue = new WebhookQueue(connection, (error) => logger.warn({ err: error }, 'audit webhook queue connection problem'))
  const health = new WebhookHealthStore(redis)
  const backlog = async () => (await queue.waiting()) + (await unread(redis))
  const deps: WebhookDeps = {
    target,
    policy: { ...DEFAULT_WEBHOOK_POLICY, ...policy },
    health,
    metrics: createWebhookMetrics(registry, backlog),
    logger: logger.child({ component: 'audit-webhook' }),
    now,
  }
  return {
    deps,
    queue,
    status: async () => ({ health: await health.read(), backlog: await backlog() }),
    close: () => queue.close(),
  }
}

/** Audit entries the forwarder has not queued yet: not read by the group (its lag), or read and not acknowledged. */
async function unread(redis: Redis): Promise<number> {
  const groups = (await redis.xinfo('GROUPS', AUDIT_STREAM).catch(() => [])) as unknown[][]
  const group = groups.map(fieldsOf).find((fields) => fields.name === WEBHOOK_GROUP)
  return Number(group?.lag ?? 0) + Number(group?.pending ?? 0)
}

function fieldsOf(row: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (let i = 0; i + 1 < row.length; i += 2) fields[String(row[i])] = row[i + 1]
  return fields
}

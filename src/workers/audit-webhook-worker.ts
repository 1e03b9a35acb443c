/**
 * The audit webhook's side of a worker replica: the forwarder that queues every new audit event, and the
 * worker that delivers them, a few at a time (a slow receiver holds a few deliveries, not all).
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { AuditWebhook } from '../features/audit-webhook/audit-webhook.js'
import { ensureGroup, startForwarder } from '../features/audit-webhook/forwarder.js'
import { runWebhookJob, webhookBackoff } from '../features/audit-webhook/jobs/deliver-event.js'
import { AUDIT_WEBHOOK_QUEUE, type WebhookJob } from '../features/audit-webhook/queue.js'
import { QUEUE_PREFIX } from '../jobs/queues.js'
import type { Workers } from './worker.js'

const DELIVERIES_AT_ONCE = 4

export async function startAuditWebhookWorker(webhook: AuditWebhook, connection: Redis): Promise<Workers> {
  const { deps } = webhook
  await ensureGroup(connection)
  const worker = new Worker<WebhookJob>(AUDIT_WEBHOOK_QUEUE, (job) => runWebhookJob(deps, job), {
    connection,
    prefix: QUEUE_PREFIX,
    concurrency: DELIVERIES_AT_ONCE,
    settings: { backoffStrategy: webhookBackoff(deps) },
  })
  worker.on('error', (error) => deps.logger.error({ err: error, queue: AUDIT_WEBHOOK_QUEUE }, 'worker error'))
  const reader = connection.duplicate()
  reader.on('error', (error) => deps.logger.warn({ err: error }, 'redis (audit webhook reader) connection problem'))
  const forwarder = startForwarder({
    reader,
    queue: webhook.queue,
    logger: deps.logger,
    consumer: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    claimIdleMs: deps.policy.claimIdleMs,
  })
  return {
    async close(force = false) {
      await forwarder.stop()
      await worker.close(force)
    },
  }
}

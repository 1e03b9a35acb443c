/** The webhook's counters on the runtime's /metrics registry; each replica counts its own tries. */
import { Counter, Gauge, type Registry } from 'prom-client'

export interface WebhookMetrics {
  delivered: Counter
  /** Tries that failed, by reason (http_<status>, timeout, network); a permanent refusal is counted here too. */
  failedAttempts: Counter<'reason'>
  /** Events given up, by why: `rejected` (a 4xx) or `expired` (still failing at the end of the window). */
  undelivered: Counter<'reason'>
}

export function createWebhookMetrics(registry: Registry, backlog: () => Promise<number>): WebhookMetrics {
  new Gauge({
    name: 'deprovision_bot_audit_webhook_backlog',
    help: 'Audit events not yet delivered to the webhook (queued, retrying, or not yet read from the audit log)',
    registers: [registry],
    async collect() {
      const value = await backlog().catch(() => undefined)
      if (value !== undefined) this.set(value)
    },
  })
  return {
    delivered: new Counter({ name: 'deprovision_bot_audit_webhook_delivered_total', help: 'Audit events the webhook accepted', registers: [registry] }),
    failedAttempts: new Counter({
      name: 'deprovision_bot_audit_webhook_failed_attempts_total',
      help: 'Webhook deliveries that failed',
      labelNames: ['reason'],
      registers: [registry],
    }),
    undelivered: new Counter({
      name: 'deprovision_bot_audit_webhook_undelivered_total',
      help: 'Audit events given up without delivery',
      labelNames: ['reason'],
      registers: [registry],
    }),
  }
}

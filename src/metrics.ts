/**
 * Prometheus metrics (GET /metrics). One registry per runtime, so several bots in one
 * test process do not share counters; each replica reports its own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  registry: Registry
  /** 1 while the integration's last health check passed, 0 while it failed. */
  integrationUp: Gauge<'integration'>
  /** Settled actions by integration, action and outcome kind (done, already-done, scheduled, failed). */
  actions: Counter<'integration' | 'action' | 'outcome'>
  /** Failed provider attempts that will be retried, by integration and problem kind. */
  providerRetries: Counter<'integration' | 'problem'>
  /** Time from a job's start to its end, by queue. */
  jobSeconds: Histogram<'queue'>
  /** Jobs waiting or delayed, by queue, read at scrape time. */
  queueDepth: Gauge<'queue'>
}

export function createMetrics(queueDepth: () => Promise<Record<string, number>>): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'deprovision_bot_' })
  return {
    registry,
    integrationUp: new Gauge({ name: 'deprovision_bot_integration_up', help: 'Whether the integration’s last health check passed', labelNames: ['integration'], registers: [registry] }),
    actions: new Counter({ name: 'deprovision_bot_actions_total', help: 'Settled actions', labelNames: ['integration', 'action', 'outcome'], registers: [registry] }),
    providerRetries: new Counter({ name: 'deprovision_bot_provider_retries_total', help: 'Provider attempts that failed and will be retried', labelNames: ['integration', 'problem'], registers: [registry] }),
    jobSeconds: new Histogram({ name: 'deprovision_bot_job_seconds', help: 'Job run time', labelNames: ['queue'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] }),
    queueDepth: new Gauge({
      name: 'deprovision_bot_queue_depth',
      help: 'Jobs waiting or delayed',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        for (const [queue, depth] of Object.entries(await queueDepth().catch(() => ({})))) this.set({ queue }, depth)
      },
    }),
  }
}

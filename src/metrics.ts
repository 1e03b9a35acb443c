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
  /** Provider attempts that ended in a problem (retried or not), by integration and problem kind. */
  providerErrors: Counter<'integration' | 'problem'>
  /** Failed Slack Web API requests (retried or not), by method and error: Slack's error code, ratelimited, http_<status> or request_failed. */
  slackErrors: Counter<'method' | 'error'>
  /** Failed Slack Web API requests that the client tries again, by reason. */
  slackRetries: Counter<'reason'>
  /** Time from a job's start to its end, by queue. */
  jobSeconds: Histogram<'queue'>
  /** Jobs waiting or delayed, by queue, read at scrape time. */
  queueDepth: Gauge<'queue'>
  /** POST /alerts requests refused before anything was stored, by reason (rate-limit). */
  ingestRefused: Counter<'reason'>
  /** Messages a routes file rule muted (counted, not posted), by kind and rule number. */
  routedMuted: Counter<'kind' | 'rule'>
  /** Messages posted to ALERT_CHANNEL_ID because Slack refused their routed channel for good, by kind, rule and Slack's error. */
  routedFallback: Counter<'kind' | 'rule' | 'error'>
  /** 429s received from each integration's service. */
  rateLimited: Counter<'integration'>
  /** Time this replica's requests spent waiting for their integration's pace or rate limit (in place; delayed jobs are in the queue depth). */
  rateLimitWaitSeconds: Counter<'integration'>
  /** Each integration's learned pace in requests a second, read at scrape time (0: none learned). */
  integrationPace: Gauge<'integration'>
}

export function createMetrics(queueDepth: () => Promise<Record<string, number>>, paces: () => Promise<Record<string, number>> = async () => ({})): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'deprovision_bot_' })
  return {
    registry,
    integrationUp: new Gauge({
      name: 'deprovision_bot_integration_up',
      help: 'Whether the integration’s last health check passed',
      labelNames: ['integration'],
      registers: [registry],
    }),
    actions: new Counter({
      name: 'deprovision_bot_actions_total',
      help: 'Settled actions',
      labelNames: ['integration', 'action', 'outcome'],
      registers: [registry],
    }),
    providerRetries: new Counter({
      name: 'deprovision_bot_provider_retries_total',
      help: 'Provider attempts that failed and will be retried',
      labelNames: ['integration', 'problem'],
      registers: [registry],
    }),
    providerErrors: new Counter({
      name: 'deprovision_bot_provider_errors_total',
      help: 'Provider attempts that ended in a problem',
      labelNames: ['integration', 'problem'],
      registers: [registry],
    }),
    slackErrors: new Counter({
      name: 'deprovision_bot_slack_api_errors_total',
      help: 'Slack Web API requests that failed',
      labelNames: ['method', 'error'],
      registers: [registry],
    }),
    slackRetries: new Counter({
      name: 'deprovision_bot_slack_api_retries_total',
      help: 'Slack Web API requests tried again',
      labelNames: ['reason'],
      registers: [registry],
    }),
    ingestRefused: new Counter({
      name: 'deprovision_bot_ingest_refused_total',
      help: 'Alerts refused by POST /alerts before anything was stored',
      labelNames: ['reason'],
      registers: [registry],
    }),
    routedMuted: new Counter({
      name: 'deprovision_bot_routed_muted_total',
      help: 'Alerts, health messages and summaries a routing rule muted (not posted)',
      labelNames: ['kind', 'rule'],
      registers: [registry],
    }),
    routedFallback: new Counter({
      name: 'deprovision_bot_routed_fallback_total',
      help: 'Alerts, health messages and summaries posted to ALERT_CHANNEL_ID because Slack refused their routed channel (not_in_channel, channel_not_found, is_archived)',
      labelNames: ['kind', 'rule', 'error'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'deprovision_bot_rate_limited_total',
      help: '429s received from a service',
      labelNames: ['integration'],
      registers: [registry],
    }),
    rateLimitWaitSeconds: new Counter({
      name: 'deprovision_bot_rate_limit_wait_seconds_total',
      help: 'Time requests waited for their integration’s pace or rate limit',
      labelNames: ['integration'],
      registers: [registry],
    }),
    integrationPace: new Gauge({
      name: 'deprovision_bot_integration_pace',
      help: 'The integration’s learned pace, requests a second (0: none learned)',
      labelNames: ['integration'],
      registers: [registry],
      async collect() {
        for (const [integration, pace] of Object.entries(await paces().catch(() => ({})))) this.set({ integration }, pace)
      },
    }),
    jobSeconds: new Histogram({
      name: 'deprovision_bot_job_seconds',
      help: 'Job run time',
      labelNames: ['queue'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
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

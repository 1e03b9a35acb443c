/**
 * Starts one replica of the bot from a validated config: Redis, the Bolt app with
 * its routes, and the background workers (or only one side of it: ROLE_OPTIONS).
 * `main.ts`, the demo, the benchmark and the end-to-end tests all start the bot
 * through here, so they run the same thing.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import type { App } from '@slack/bolt'
import type { RetryOptions } from '@slack/web-api'
import { ActorEmails } from './slack/actors.js'
import { createSlackApp } from './app/slack-app.js'
import { SLACK_RETRY, slackClients } from './slack/web-api.js'
import type { BotRole, Config } from './config.js'
import { DEFAULT_RETRY, JobQueues, type RetryPolicy } from './jobs/queues.js'
import { ATTEMPT_LEASE_MS, AttemptLeases } from './features/alerts/attempt-lease.js'
import type { JobContext } from './workers/context.js'
import { checkIntegrations } from './features/health/check.js'
import { defaultRouting } from './features/routing/rules.js'
import { loadRoutes } from './features/routing/routes-file.js'
import { checkMembership, describeMembershipProblem } from './features/routing/membership.js'
import { TimerStore } from './jobs/timers.js'
import { sweep } from './workers/run-timer.js'
import { createMetrics } from './metrics.js'
import { HealthStore } from './store/health.js'
import { MuteStore } from './features/mutes/store.js'
import { FlowControl } from './store/flow-control.js'
import { OffboardStore } from './features/offboarding/store.js'
import type { IntegrationStatus } from './views/health.js'
import { startWorkers, type Workers } from './workers/worker.js'
import { ensureSchedules, keepSchedules, SCHEDULE_CHECK_MS, type Schedules } from './jobs/schedules.js'
import { requestRun } from './features/reconciliation/reconcile-jobs.js'
import { alongside, startReconcileWorker } from './workers/reconcile-worker.js'
import { FindingStore } from './features/reconciliation/finding-store.js'
import { IdentityStore } from './features/reconciliation/identity-store.js'
import { RunStore } from './features/reconciliation/run-store.js'
import { HomeStateStore } from './features/app-home/store.js'
import { createLogger, type Logger } from './logger.js'
import { probeRoutes, startProbeServer } from './probes.js'
import type { WalkOptions } from './features/reconciliation/pages.js'
import { ProviderRegistry } from './providers/registry.js'
import { AlertStore } from './store/alerts.js'
import { AdminLocks } from './store/admin-lock.js'
import { ownsAttempt } from './features/alerts/attempt-ownership.js'
import { AuditLog } from './store/audit.js'
import { IngestLimit } from './features/alerts/ingest-limit.js'
import { ApprovalStore } from './features/approval/store.js'
import { approvalPolicy } from './features/approval/policy.js'
import { connectionOptions, connectStore, connectWorker, whenReady } from './store/redis.js'
import { createAuditWebhook } from './features/audit-webhook/audit-webhook.js'
import type { WebhookPolicy } from './features/audit-webhook/policy.js'
import { startAuditWebhookWorker } from './workers/audit-webhook-worker.js'
import { checkRedisSettings, describeRedisFinding, RedisSettingsError } from './store/redis-settings.js'

export interface RuntimeOptions {
  logger?: Logger
  /** Run the background workers in this process (default true). */
  workers?: boolean
  /**
   * What to serve over HTTP: 'all' (default) Slack, POST /alerts and the probes; 'probes' only
   * GET /healthz, /readyz and /metrics (a worker replica); false nothing (tests' worker-only processes).
   */
  serve?: 'all' | 'probes' | false
  retry?: RetryPolicy
  /** How @slack/web-api retries failed Slack calls (429s always wait for Retry-After). */
  slackRetry?: RetryOptions
  providerTimeoutMs?: number
  preflightTimeoutMs?: number
  /** How long stop() waits for running jobs before handing them back (default 20 s). */
  stopGraceMs?: number
  /** How long a job stays claimed without renewal: a dead replica's job is taken over after 1–3 times this (default 30 s). */
  jobLockMs?: number
  /** The bot's clock (scheduled deletions, timers); tests move it forward. */
  now?: () => Date
  /** Listen on this host (default all interfaces); tests use 127.0.0.1 and port 0. */
  host?: string
  /** How often a worker replica re-creates the repeating schedules, should Redis have lost them (default 5 minutes). */
  scheduleCheckMs?: number
  /** How reconciliation retries a page the service refused (tests shorten the waits). */
  reconcileWalk?: WalkOptions
  /** How the audit webhook is called and retried (tests shorten the waits); used only when AUDIT_WEBHOOK_URL is set. */
  auditWebhook?: Partial<WebhookPolicy>
}

export interface Runtime {
  /** Base URL of the HTTP server (Bolt's endpoint is `${url}/slack/events`). */
  url: string
  /** Checks every integration now (the periodic check does this every HEALTH_CHECK_INTERVAL_MINUTES). */
  checkHealth(): Promise<IntegrationStatus[]>
  /** Releases the timers due by the bot's clock now and settles actions no job will finish (the periodic sweep does this every minute). */
  sweepTimers(): Promise<number>
  /** Starts a reconciliation run now (of every integration, or these), as the schedule does; answers its id. */
  reconcile(integrations?: string[]): Promise<string>
  stop(): Promise<void>
}

/** What each BOT_ROLE runs: a web replica no workers (so no schedules either), a worker replica only the probes over HTTP. */
export const ROLE_OPTIONS: Record<BotRole, Pick<RuntimeOptions, 'workers' | 'serve'>> = {
  all: {},
  web: { workers: false },
  worker: { serve: 'probes' },
}

/** Whether `work` finished within `ms` (it keeps running either way). */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  const finished = work.then(
    () => true,
    () => true,
  )
  return Promise.race([finished, deadline]).finally(() => clearTimeout(timer))
}

/** Starts the HTTP receiver and returns the port it got (port 0 picks a free one). */
async function listen(app: App, port: number, host: string | undefined): Promise<number> {
  return portOf(await app.start({ port, ...(host ? { host } : {}) }))
}

const portOf = (server: Server): number => (server.address() as AddressInfo).port

export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel)
  // Read before anything connects: a bad routes file stops the start like any other configuration problem.
  const routes = config.routesFile
    ? loadRoutes(config.routesFile, { integrations: config.integrations.map((integration) => integration.id), defaultChannel: config.alertChannelId })
    : defaultRouting(config.alertChannelId)
  const connection = connectionOptions(config.redisConnection)
  const redis = connectStore(config.redisUrl, connection)
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection problem'))
  const workerRedis = connectWorker(config.redisUrl, connection)
  workerRedis.on('error', (error) => logger.warn({ err: error }, 'redis (worker) connection problem'))
  await whenReady(redis)
  const redisFindings = await checkRedisSettings(redis)
  const eviction = redisFindings.find((finding) => finding.kind === 'evicts')
  if (eviction) {
    redis.disconnect()
    workerRedis.disconnect()
    throw new RedisSettingsError(describeRedisFinding(eviction))
  }
  for (const finding of redisFindings) logger.warn({ redisSetting: finding.kind }, `redis: ${describeRedisFinding(finding)}`)

  const retry = options.retry ?? DEFAULT_RETRY
  const slackRetry = options.slackRetry ?? SLACK_RETRY
  const alerts = new AlertStore(redis)
  const audit = new AuditLog(redis, config.auditRetentionMs)
  const queues = new JobQueues(redis, retry, (error) => logger.warn({ err: error }, 'queue connection problem'))
  const mutes = new MuteStore(redis)
  const offboard = new OffboardStore(redis)
  const now = options.now ?? (() => new Date())
  const timers = new TimerStore(redis, now)
  const metrics = createMetrics(
    () => queues.depth(),
    () => flow.learnedPaces(config.integrations.map((integration) => integration.id)),
  )
  const flow = new FlowControl(redis, config.maxRateLimitWaitMs, {
    unavailable: (integration, error) => logger.warn({ err: error, integration }, 'could not pace a request to a service (Redis); sending it at once'),
    capped: (integration, askedMs, capMs) =>
      logger.warn(
        { integration, askedSeconds: Math.round(askedMs / 1000), capSeconds: capMs / 1000 },
        'the service asked for a longer rate-limit wait than MAX_RATE_LIMIT_WAIT_SECONDS; waiting the cap instead',
      ),
    refused: (integration) => metrics.rateLimited.inc({ integration }),
    waited: (integration, ms) => metrics.rateLimitWaitSeconds.inc({ integration }, ms / 1000),
  })
  const providers = ProviderRegistry.fromConfig(config.integrations, {
    timeoutMs: options.providerTimeoutMs ?? 15_000,
    now,
    paceFor: (integration, limits) => flow.flowFor(integration, limits),
  })
  const approval = approvalPolicy(config.integrations, providers, config.approvalTtlMs)
  const approvals = new ApprovalStore(redis)
  const webhook = config.auditWebhook
    ? createAuditWebhook({
        redis,
        connection: redis,
        target: config.auditWebhook,
        registry: metrics.registry,
        logger,
        // The real clock, not the bot's: signatures are checked against the receiver's, the window against Redis's.
        now: () => new Date(),
        ...(options.auditWebhook ? { policy: options.auditWebhook } : {}),
      })
    : undefined

  const slack = slackClients(config.slack, slackRetry, metrics, logger)
  // Without a routes file nothing changed from one channel, and the app may lack channels:read: nothing to check.
  const checkRouting = () => (config.routesFile ? checkMembership(slack.announcer, routes) : Promise.resolve([]))
  for (const problem of await checkRouting()) {
    logger.warn({ channel: problem.channel, rules: problem.rules, problem: problem.kind }, `routing: ${describeMembershipProblem(problem)}`)
  }
  const actorEmails = new ActorEmails(slack.actorLookup, redis, logger, now)
  const health = new HealthStore(redis)
  const identities = new IdentityStore(redis)
  const runs = new RunStore(redis)
  const jobs: JobContext = {
    alerts,
    audit,
    timers,
    health,
    mutes,
    approvals,
    offboard,
    metrics,
    queues,
    leases: new AttemptLeases(redis, logger, options.jobLockMs ?? ATTEMPT_LEASE_MS),
    providers,
    adminLocks: new AdminLocks(redis),
    ownsAttempt: (job) => ownsAttempt(redis, job, now()),
    slack: slack.slack,
    poster: slack.poster,
    actorEmails,
    alertChannelId: config.alertChannelId,
    routes,
    logger,
    retry,
    maxRateLimitWaitMs: config.maxRateLimitWaitMs,
    now,
  }
  const serve = options.serve ?? 'all'
  // A worker replica answers no Slack request, so it has no Bolt app at all.
  const app =
    serve !== 'all'
      ? undefined
      : createSlackApp(config, {
          redis,
          alerts,
          audit,
          mutes,
          approvals,
          approval,
          timers,
          offboard,
          queues,
          providers,
          logger,
          actors: config.actors,
          alertChannelId: config.alertChannelId,
          routes,
          checkRouting,
          actorEmails,
          ingestToken: config.alertIngestToken,
          ...(config.auditReadToken ? { auditReadToken: config.auditReadToken } : {}),
          ingestLimit: new IngestLimit(redis, config.ingestMaxPerMinute),
          preflightTimeoutMs: options.preflightTimeoutMs ?? config.lookupTimeoutMs,
          now,
          announcer: slack.announcer,
          boltClientOptions: slack.boltClientOptions,
          metrics,
          home: new HomeStateStore(redis),
          health,
          identities,
          runs,
          reconcile: config.reconcile.settings,
          checkIntegrations: () => checkIntegrations(jobs),
          checkRedis: () => checkRedisSettings(redis),
          ...(webhook ? { webhookStatus: () => webhook.status() } : {}),
        })

  let workers: Workers | undefined
  let stopKeepingSchedules: (() => void) | undefined
  if (options.workers !== false) {
    workers = startWorkers(jobs, workerRedis, config.workerConcurrency, options.jobLockMs)
    workers = alongside(
      workers,
      startReconcileWorker(
        {
          ...jobs,
          runs,
          identities,
          findings: new FindingStore(redis),
          settings: config.reconcile.settings,
          ...(options.reconcileWalk ? { walk: options.reconcileWalk } : {}),
        },
        workerRedis,
      ),
    )
    if (webhook) workers = alongside(workers, await startAuditWebhookWorker(webhook, workerRedis))
    const schedules: Schedules = {
      healthCheckEveryMs: config.healthCheckIntervalMs,
      // Without an identity provider there is nothing to compare with: no daily "could not run" message.
      ...(config.integrations.some((integration) => integration.identityProvider) && config.reconcile.schedule
        ? { reconcilePattern: config.reconcile.schedule }
        : {}),
    }
    await ensureSchedules(queues, schedules)
    stopKeepingSchedules = keepSchedules(queues, schedules, options.scheduleCheckMs ?? SCHEDULE_CHECK_MS, logger)
  }

  const probes = serve === 'probes' ? await startProbeServer(probeRoutes({ redis, metrics }), config.port, options.host) : undefined
  const port = probes ? portOf(probes) : !app ? 0 : config.slack.appToken ? (await app.start(), config.port) : await listen(app, config.port, options.host)
  const mode = probes ? 'worker, probes over http' : !app ? 'worker, no http' : config.slack.appToken ? 'socket' : 'http'
  logger.info({ port, mode, integrations: providers.ids() }, 'deprovision-bot started')

  let stopping: Promise<void> | undefined
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    sweepTimers: () => sweep(jobs),
    reconcile: (integrations) => requestRun(queues, { kind: 'schedule' }, now(), integrations),
    checkHealth: () => checkIntegrations(jobs),
    stop() {
      stopping ??= (async () => {
        stopKeepingSchedules?.()
        if (app) await app.stop()
        if (probes) await new Promise((resolve) => probes.close(resolve))
        // Let running jobs finish, but not forever (Redis may be gone): then hand them back.
        if (workers && !(await within(workers.close(), options.stopGraceMs ?? 20_000))) await within(workers.close(true), 2_000)
        await within(Promise.all([queues.close(), webhook?.close()]), 2_000)
        redis.disconnect()
        workerRedis.disconnect()
      })()
      return stopping
    },
  }
}

/** After SIGTERM the process is gone within this long (deploy/kubernetes and compose.yaml allow a little more). */
export const STOP_DEADLINE_MS = 30_000

/**
 * SIGTERM or SIGINT stops the replica (no new requests, running jobs finished or handed back, Redis closed)
 * and exits 0; exit 1 if stopping takes longer than `forceAfterMs`.
 */
export function exitOnSignals(runtime: Runtime, logger: Logger, forceAfterMs = STOP_DEADLINE_MS): void {
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    setTimeout(() => process.exit(1), forceAfterMs).unref()
    await runtime.stop()
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

/**
 * Builds the Bolt app: HTTP (POST /slack/events, signed requests) or Socket Mode
 * when an app-level token is configured, with the bot's own routes on the same
 * port: POST /alerts for detectors, and the probes (GET /healthz, /readyz, /metrics).
 */
import { App, LogLevel, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt'
import type { RetryOptions } from '@slack/web-api'
import type { Redis } from 'ioredis'
import { createIngestRoute, type IngestDeps } from '../features/alerts/ingest.js'
import type { Config } from '../config.js'
import type { HandlerDeps } from './deps.js'
import { appHomeDeps, registerAppHome } from '../features/app-home/listeners/app-home.js'
import { registerHandlers } from './listeners.js'
import type { Logger } from '../logger.js'
import { countedSlackOptions, type Metrics } from '../metrics.js'
import { probeRoutes } from '../probes.js'
import { createGuardedReceiver } from './receiver.js'

export interface AppDeps extends HandlerDeps, IngestDeps {
  redis: Redis
  slackRetry: RetryOptions
  metrics: Metrics
}

export function createSlackApp(config: Config, deps: AppDeps): App {
  const customRoutes: CustomRoute[] = [{ path: '/alerts', method: ['POST'], handler: createIngestRoute(deps) }, ...probeRoutes(deps)]
  const common = {
    token: config.slack.botToken,
    logger: boltLogger(deps.logger),
    clientOptions: { slackApiUrl: config.slack.apiUrl, ...countedSlackOptions(deps.metrics, deps.slackRetry) },
    customRoutes,
    // Bolt's default conversation store keeps state in this process's memory (and builds an Error per request
    // it misses); no handler uses it, and replicas must share everything through Redis.
    convoStore: false as const,
  }
  const app = config.slack.appToken
    ? new App({ ...common, appToken: config.slack.appToken, socketMode: true, installerOptions: { port: config.port } })
    : new App({
        token: common.token,
        logger: common.logger,
        clientOptions: common.clientOptions,
        convoStore: common.convoStore,
        receiver: createGuardedReceiver({ signingSecret: config.slack.signingSecret ?? '', port: config.port, customRoutes, logger: common.logger }),
      })

  app.error(async (error) => {
    deps.logger.error({ err: error }, 'unhandled error in a Slack listener')
  })
  registerHandlers(app, { ...deps, alertChannelId: config.alertChannelId })
  registerAppHome(app, appHomeDeps(deps, deps.redis, config.reconcile.settings))
  return app
}

/** Bolt (and any Slack WebClient) logs through pino, so its lines are structured and redacted like ours. */
export function boltLogger(logger: Logger, component = 'bolt'): BoltLogger {
  const child = logger.child({ component })
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (...messages: unknown[]) => {
    const [first, ...rest] = messages
    if (first instanceof Error) child[level]({ err: first }, rest.map(String).join(' '))
    else child[level](messages.map((message) => (typeof message === 'string' ? message : JSON.stringify(message))).join(' '))
  }
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  }
}

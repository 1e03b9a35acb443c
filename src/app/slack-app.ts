/**
 * Builds the Bolt app: HTTP (POST /slack/events, signed requests) or Socket Mode
 * when an app-level token is configured, with the bot's own routes on the same
 * port: POST /alerts for detectors, GET /audit for a SIEM, and the probes (GET /healthz, /readyz, /metrics).
 */
import { App, type CustomRoute } from '@slack/bolt'
import { boltLogger } from '../slack/bolt-logger.js'
import type { Redis } from 'ioredis'
import { createIngestRoute, type IngestDeps } from '../features/alerts/ingest.js'
import { createAuditRoute, type AuditRouteDeps } from '../features/audit-export/route.js'
import type { Config } from '../config.js'
import type { HandlerDeps } from './deps.js'
import type { AppHomeDeps } from '../features/app-home/home-data.js'
import { registerAppHome } from '../features/app-home/listeners/app-home.js'
import { registerHandlers } from './listeners.js'
import type { Metrics } from '../metrics.js'
import { probeRoutes } from '../probes.js'
import { createGuardedReceiver } from './receiver.js'
import type { SlackClients } from '../slack/web-api.js'

export interface AppDeps extends HandlerDeps, IngestDeps, AppHomeDeps, AuditRouteDeps {
  redis: Redis
  metrics: Metrics
  /** Bolt's own client (the listeners' `client`), built like the others in slack/web-api.ts. */
  boltClientOptions: SlackClients['boltClientOptions']
  now: () => Date
}

export function createSlackApp(config: Config, deps: AppDeps): App {
  const customRoutes: CustomRoute[] = [
    { path: '/alerts', method: ['POST'], handler: createIngestRoute(deps) },
    { path: '/audit', method: ['GET'], handler: createAuditRoute(deps) },
    ...probeRoutes(deps),
  ]
  const common = {
    token: config.slack.botToken,
    logger: boltLogger(deps.logger),
    clientOptions: deps.boltClientOptions,
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
  registerHandlers(app, deps)
  registerAppHome(app, deps)
  return app
}

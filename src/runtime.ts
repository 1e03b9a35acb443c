/**
 * Starts one replica of the bot from a validated config: Redis, the Bolt app with
 * its routes, and the background workers. `main.ts`, the demo, the benchmark and
 * the end-to-end tests all start the bot through here, so they run the same thing.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import type { App } from '@slack/bolt'
import { WebClient, type RetryOptions } from '@slack/web-api'
import type { ConnectionOptions } from 'bullmq'
import { createSlackApp } from './app.js'
import type { Config } from './config.js'
import { DEFAULT_RETRY, JobQueues, type RetryPolicy } from './jobs/queues.js'
import { startWorkers, type Workers } from './jobs/worker.js'
import { createLogger, type Logger } from './logger.js'
import { ProviderRegistry } from './providers/registry.js'
import { AlertStore } from './store/alerts.js'
import { AuditLog } from './store/audit.js'
import { connectStore, connectWorker } from './store/redis.js'

export interface RuntimeOptions {
  logger?: Logger
  /** Run the background workers in this process (default true). */
  workers?: boolean
  retry?: RetryPolicy
  /** How @slack/web-api retries failed Slack calls (429s always wait for Retry-After). */
  slackRetry?: RetryOptions
  providerTimeoutMs?: number
  preflightTimeoutMs?: number
  /** Listen on this host (default all interfaces); tests use 127.0.0.1 and port 0. */
  host?: string
}

export interface Runtime {
  /** Base URL of the HTTP server (Bolt's endpoint is `${url}/slack/events`). */
  url: string
  stop(): Promise<void>
}

const SLACK_RETRY: RetryOptions = { retries: 5, factor: 3, minTimeout: 1_000, maxTimeout: 60_000, randomize: true }

/** Starts the HTTP receiver and returns the port it got (port 0 picks a free one). */
async function listen(app: App, port: number, host: string | undefined): Promise<number> {
  const server = (await app.start({ port, ...(host ? { host } : {}) })) as Server
  return (server.address() as AddressInfo).port
}

export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel)
  const redis = connectStore(config.redisUrl)
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection problem'))
  const workerRedis = connectWorker(config.redisUrl)
  workerRedis.on('error', (error) => logger.warn({ err: error }, 'redis (worker) connection problem'))

  const retry = options.retry ?? DEFAULT_RETRY
  const slackRetry = options.slackRetry ?? SLACK_RETRY
  const alerts = new AlertStore(redis)
  const audit = new AuditLog(redis)
  const queues = new JobQueues(redis as unknown as ConnectionOptions, retry)
  const providers = ProviderRegistry.fromConfig(config.integrations, { timeoutMs: options.providerTimeoutMs ?? 15_000 })

  const app = createSlackApp(config, {
    redis,
    alerts,
    audit,
    queues,
    providers,
    logger,
    actors: config.actors,
    ingestToken: config.alertIngestToken,
    preflightTimeoutMs: options.preflightTimeoutMs ?? 8_000,
    announcer: new WebClient(config.slack.botToken, {
      slackApiUrl: config.slack.apiUrl,
      timeout: 3_000,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    }),
    slackRetry,
  })

  let workers: Workers | undefined
  if (options.workers !== false) {
    const slack = new WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl, retryConfig: slackRetry })
    workers = startWorkers({
      connection: workerRedis as unknown as ConnectionOptions,
      alerts,
      audit,
      providers,
      slack,
      alertChannelId: config.alertChannelId,
      logger,
      retry,
      concurrency: config.workerConcurrency,
    })
  }

  const port = config.slack.appToken ? (await app.start(), config.port) : await listen(app, config.port, options.host)
  logger.info({ port, mode: config.slack.appToken ? 'socket' : 'http', integrations: providers.ids() }, 'deprovision-bot started')

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    async stop() {
      await app.stop()
      await workers?.close()
      await queues.close()
      redis.disconnect()
      workerRedis.disconnect()
    },
  }
}

/**
 * The one module that speaks to Slack's Web API. `SlackPort` is the small part of it the features use (post,
 * update, ephemeral, permalink, open/update a view, publish a home, users.info), so use-cases and jobs depend on
 * this port, never on the client; `slackClients` builds every client once, each with the retry policy its job
 * needs. Bolt's own `client` in a listener is a WebClient too, so it fits the port as it is.
 */
import { WebClient, type RetryOptions, type WebClientOptions } from '@slack/web-api'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { countedSlackOptions } from './counted.js'
import { ACTOR_LOOKUP_RETRY, ACTOR_LOOKUP_TIMEOUT_MS } from './actors.js'
import { boltLogger } from './bolt-logger.js'

export interface SlackPort {
  chat: Pick<WebClient['chat'], 'postMessage' | 'update' | 'postEphemeral' | 'getPermalink'>
  views: Pick<WebClient['views'], 'open' | 'update' | 'publish'>
  users: Pick<WebClient['users'], 'info'>
}

/** Reads a channel's details (conversations.info): whether the bot is in each channel alerts are routed to. */
export interface ChannelReader {
  conversations: Pick<WebClient['conversations'], 'info'>
}

/** How the general client retries failed Slack calls (429s always wait for Retry-After). */
export const SLACK_RETRY: RetryOptions = { retries: 5, factor: 3, minTimeout: 1_000, maxTimeout: 60_000, randomize: true }

export interface SlackClients {
  /** Retries (results and failures must land). */
  slack: WebClient
  /**
   * Posts new alerts. It does not wait out a 429 itself (`rejectRateLimitedCalls`): @slack/web-api would add its
   * retry backoff on top of Retry-After, so the posting queue pauses for exactly Retry-After instead.
   */
  poster: WebClient
  /** Fails fast (short timeout, no retries) for status posts that must not delay work. */
  announcer: WebClient
  /** For `users.info` only: quick retries, each request short (ACTOR_LOOKUP_RETRY, ACTOR_LOOKUP_TIMEOUT_MS). */
  actorLookup: WebClient
  /** The options Bolt's own client is built with (the listeners' `client`). */
  boltClientOptions: Pick<WebClientOptions, 'slackApiUrl' | 'retryConfig' | 'fetch'>
}

export function slackClients(settings: { botToken: string; apiUrl: string }, retry: RetryOptions, metrics: Metrics, logger: Logger): SlackClients {
  const base = { slackApiUrl: settings.apiUrl, logger: boltLogger(logger, 'slack-web-api') }
  const general = { ...base, ...countedSlackOptions(metrics, retry) }
  return {
    slack: new WebClient(settings.botToken, general),
    poster: new WebClient(settings.botToken, { ...general, rejectRateLimitedCalls: true }),
    announcer: new WebClient(settings.botToken, { ...base, timeout: 3_000, ...countedSlackOptions(metrics, { retries: 0 }), rejectRateLimitedCalls: true }),
    actorLookup: new WebClient(settings.botToken, { ...base, ...countedSlackOptions(metrics, ACTOR_LOOKUP_RETRY), timeout: ACTOR_LOOKUP_TIMEOUT_MS }),
    boltClientOptions: { slackApiUrl: settings.apiUrl, ...countedSlackOptions(metrics, retry) },
  }
}

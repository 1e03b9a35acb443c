/** What the bench's processes tell each other: the services' options and answers, and the bench accounts' names. */

export interface ServicesOptions {
  users: number
  scimLatencyMs?: number
  postsPerSecondPerChannel?: number
}

export interface ServicesInfo {
  redisUrl: string
  apiUrl: string
  responseUrlBase: string
  scimUrl: string
}

export interface BotInfo {
  url: string
}

export interface BaselineInfo {
  /** The bare Bolt app. */
  boltUrl: string
  /** The plain POST /alerts endpoint. */
  ingestUrl: string
}

/** A request the SCIM sandbox answered: when it arrived (shared clock) and what it was answered. */
export interface ScimExchange {
  method: string
  path: string
  status: number
  arrivedMs: number
}

/** What the posting benchmark reads back: the channel's top-level alert messages, in the order Slack stored them. */
export interface PostingReport {
  alertIds: string[]
  firstMs: number
  lastMs: number
  rateLimited: number
}

/** The SCIM sandbox's seeded accounts. */
export const benchEmail = (i: number): string => `bench.${i}@example.com`
export const benchUserId = (i: number): string => `u-bench-${i}`

/** How the bench sets up the bot beyond its defaults. */
export interface BotSetup {
  /** More environment variables (WORKER_CONCURRENCY...). */
  env?: Record<string, string>
  /** More fields for the SCIM integration's providers-file entry (requestsPerSecond...). */
  scimEntry?: Record<string, unknown>
  /**
   * Run the bot as two processes on the same Redis, BOT_ROLE=web (the bench's "bot": Slack, POST /alerts)
   * and BOT_ROLE=worker (the jobs), instead of one BOT_ROLE=all process.
   */
  split?: boolean
}

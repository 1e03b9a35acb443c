import { ConfigError } from '../../src/config.js'

/** The least environment the bot starts with (one actor, no integration's secret): config tests add what they test. */
export const MINIMAL_ENV = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-3',
  SLACK_SIGNING_SECRET: 'signing-secret',
  ALERT_CHANNEL_ID: 'C0123ABCD',
  ALERT_INGEST_TOKEN: 'a-long-enough-ingest-token',
  PROVIDERS_FILE: '/etc/providers.yml',
  ACTORS: 'U0123ABCD',
} as const

/** The problems a configuration error lists, one a line; none when `load` succeeds. Any other error is thrown on. */
export function configProblems(load: () => unknown): string[] {
  try {
    load()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

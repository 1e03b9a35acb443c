/** The least environment the bot starts with (one actor, no integration's secret): config tests add what they test. */
export const MINIMAL_ENV = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-3',
  SLACK_SIGNING_SECRET: 'signing-secret',
  ALERT_CHANNEL_ID: 'C0123ABCD',
  ALERT_INGEST_TOKEN: 'a-long-enough-ingest-token',
  PROVIDERS_FILE: '/etc/providers.yml',
  ACTORS: 'U0123ABCD',
} as const

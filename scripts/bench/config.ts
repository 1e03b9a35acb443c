/** The bot's configuration in the bench: one SCIM integration and Slack, both in the "services" process. */
import { stringify as stringifyYaml } from 'yaml'
import { loadConfig, type Config } from '../../src/config.js'
import { LOCAL } from '../../local/local-environment.js'
import type { BotSetup, ServicesInfo } from './protocol.js'

const PROVIDERS_FILE = 'bench-providers.yml'

export function benchConfig(services: ServicesInfo, { env = {}, scimEntry = {} }: BotSetup = {}): Config {
  const providers = stringifyYaml([
    { id: LOCAL.integrationId, type: 'scim', displayName: LOCAL.integrationName, baseUrl: services.scimUrl, token: '${ACME_SCIM_TOKEN}', ...scimEntry },
  ])
  const variables = {
    SLACK_BOT_TOKEN: LOCAL.botToken,
    SLACK_SIGNING_SECRET: LOCAL.signingSecret,
    SLACK_API_URL: services.apiUrl,
    ALERT_CHANNEL_ID: LOCAL.channel,
    REDIS_URL: services.redisUrl,
    ALERT_INGEST_TOKEN: LOCAL.ingestToken,
    PROVIDERS_FILE,
    ACTORS: LOCAL.actor,
    LOG_LEVEL: 'silent',
    ACME_SCIM_TOKEN: LOCAL.scimToken,
    // The bench measures how fast alerts are taken in: the production guard would throttle it.
    INGEST_MAX_PER_MINUTE: '10000000',
    ...env,
  }
  // The providers file is handed over in memory: the bench writes nothing to disk.
  return { ...loadConfig(variables, (path) => (path === PROVIDERS_FILE ? providers : '')), port: 0 }
}

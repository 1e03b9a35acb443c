/** BOT_ROLE: what one process does (everything, the HTTP side, or the background work), and what each role requires. */
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import { LOCAL } from '../../local/local-environment.js'

const PROVIDERS = 'providers.yml'
const env = (extra: Record<string, string>) => ({
  SLACK_BOT_TOKEN: LOCAL.botToken,
  ALERT_CHANNEL_ID: LOCAL.channel,
  ALERT_INGEST_TOKEN: LOCAL.ingestToken,
  PROVIDERS_FILE: PROVIDERS,
  ACTORS: LOCAL.actor,
  ...extra,
})
const load = (extra: Record<string, string>) => loadConfig(env(extra), () => '[]')

describe('BOT_ROLE', () => {
  const signed = { SLACK_SIGNING_SECRET: LOCAL.signingSecret }

  it('is all by default, and when left blank', () => {
    expect(load(signed).role).toBe('all')
    expect(load({ ...signed, BOT_ROLE: ' ' }).role).toBe('all')
  })

  it.each(['all', 'web', 'worker'] as const)('reads %s', (role) => {
    expect(load({ ...signed, BOT_ROLE: role }).role).toBe(role)
  })

  it('refuses any other value with one line naming the choices', () => {
    expect(() => load({ ...signed, BOT_ROLE: 'workers' })).toThrow(new ConfigError(['BOT_ROLE: expected all, web, worker']))
  })

  it('needs no signing secret for a worker, which answers no Slack request; web and all still do', () => {
    expect(load({ BOT_ROLE: 'worker' }).slack.signingSecret).toBeUndefined()
    // A ConfigError's message is its problems, one a line: here only the missing secret.
    for (const role of ['all', 'web']) expect(() => load({ BOT_ROLE: role })).toThrow(/^SLACK_SIGNING_SECRET: required over HTTP[^\n]*$/)
  })
})

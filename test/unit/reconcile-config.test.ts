/** The reconciliation settings from the environment: defaults, "off", and a clear line for each bad value. */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { configProblems, MINIMAL_ENV } from '../support/config-env.js'

const PROVIDERS = `
- id: okta
  type: okta
  displayName: Okta
  orgUrl: https://acme.okta.example
  apiToken: \${OKTA_TOKEN}
  identityProvider: true
`

const env = (extra: Record<string, string> = {}) => ({
  ...MINIMAL_ENV,
  OKTA_TOKEN: 'okta-secret',
  ...extra,
})

const load = (extra: Record<string, string> = {}) => loadConfig(env(extra), () => PROVIDERS)

const problemsOf = (extra: Record<string, string>) => configProblems(() => load(extra))

describe('reconciliation settings', () => {
  it('default to a daily run at 06:00 UTC looking for every kind, 45 idle days, no expected outside domain', () => {
    const { reconcile } = load()
    expect(reconcile.schedule).toBe('0 6 * * *')
    expect([...reconcile.settings.kinds]).toEqual(['departed', 'unknown', 'inactive'])
    expect(reconcile.settings.inactiveDays).toBe(45)
    expect(reconcile.settings.externalDomains).toEqual([])
  })

  it('read a schedule, "off", the kinds, the idle days and the expected domains', () => {
    expect(load({ RECONCILE_SCHEDULE: 'off' }).reconcile.schedule).toBeUndefined()
    const { reconcile } = load({
      RECONCILE_SCHEDULE: '30 2 * * 1-5',
      RECONCILE_KINDS: 'departed, unknown',
      RECONCILE_INACTIVE_DAYS: '90',
      RECONCILE_EXTERNAL_DOMAINS: 'partner.example, *.agency.example',
    })
    expect(reconcile.schedule).toBe('30 2 * * 1-5')
    expect([...reconcile.settings.kinds]).toEqual(['departed', 'unknown'])
    expect(reconcile.settings.inactiveDays).toBe(90)
    expect(reconcile.settings.externalDomains).toEqual(['partner.example', '*.agency.example'])
  })

  it('refuse bad values with one line each, naming the variable', () => {
    const problems = problemsOf({
      RECONCILE_SCHEDULE: 'daily',
      RECONCILE_KINDS: 'departed,stale',
      RECONCILE_INACTIVE_DAYS: '0',
      RECONCILE_EXTERNAL_DOMAINS: 'not a domain',
    })
    expect(problems).toEqual([
      expect.stringMatching(/^RECONCILE_SCHEDULE: expected a cron expression/),
      expect.stringMatching(/^RECONCILE_INACTIVE_DAYS: /),
      expect.stringMatching(/^RECONCILE_KINDS: expected some of departed, unknown, inactive/),
      expect.stringMatching(/^RECONCILE_EXTERNAL_DOMAINS: expected domains such as partner.example/),
    ])
  })
})

/**
 * Configuring two-person approval: `approval: [...]` per integration in the providers
 * file, APPROVAL_TTL_HOURS, and the clear errors for actions an integration never offers.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { approvalPolicy } from '../../src/features/approval/policy.js'
import { ProviderRegistry } from '../../src/providers/registry.js'
import { configProblems, MINIMAL_ENV } from '../support/config-env.js'

const env = {
  ...MINIMAL_ENV,
  ACTORS: 'U0123ABCD,U0456EFGH',
  SCIM_TOKEN: 'scim-secret',
  TD_KEY: 'td-key',
}

const scim = (extra: string) => `
- id: acme-hr
  type: scim
  displayName: Acme HR
  baseUrl: https://acme.example/scim/v2
  token: \${SCIM_TOKEN}
${extra}`

const treasureData = (extra: string) => `
- id: td
  type: treasure-data
  displayName: Treasure Data
  region: US
  apiKey: \${TD_KEY}
${extra}`

function load(providers: string, more: Record<string, string> = {}): Config {
  return loadConfig({ ...env, ...more }, () => providers)
}

function policyOf(config: Config) {
  return approvalPolicy(config.integrations, ProviderRegistry.fromConfig(config.integrations), config.approvalTtlMs)
}

describe('approval in the providers file', () => {
  it('requires approval only for the listed actions of that integration', () => {
    const policy = policyOf(load(scim('  approval: [delete]') + treasureData('')))
    expect(policy.required('acme-hr', 'delete')).toBe(true)
    expect(policy.required('acme-hr', 'suspend')).toBe(false)
    expect(policy.required('td', 'delete')).toBe(false)
    expect(policy.required('unknown', 'delete')).toBe(false)
  })

  it('waits 24 hours by default, or APPROVAL_TTL_HOURS', () => {
    expect(load(scim('')).approvalTtlMs).toBe(24 * 3_600_000)
    expect(load(scim(''), { APPROVAL_TTL_HOURS: '1.5' }).approvalTtlMs).toBe(90 * 60_000)
    expect(configProblems(() => load(scim(''), { APPROVAL_TTL_HOURS: '0' }))).toEqual(['APPROVAL_TTL_HOURS: expected more than 0 hours'])
    expect(configProblems(() => load(scim(''), { APPROVAL_TTL_HOURS: 'a day' }))).toEqual([
      expect.stringMatching(/^APPROVAL_TTL_HOURS: expected a number of hours/),
    ])
  })

  it('refuses an action name that does not exist, naming the entry and the field', () => {
    const problems = configProblems(() => load(scim('  approval: [delete, purge]')))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^PROVIDERS_FILE \/etc\/providers.yml entry 1 \(acme-hr\): approval\.1: /)
    expect(problems[0]).toContain('"delete"')
  })

  it('refuses approval for cancelling a deletion, which must stay immediate while the grace period runs', () => {
    expect(configProblems(() => load(scim('  approval: [delete, cancel-delete]')))).toEqual([
      'PROVIDERS_FILE /etc/providers.yml entry 1 (acme-hr): approval: cancel-delete cannot wait for approval: a scheduled deletion becomes final on its date regardless, so cancelling it stays immediate',
    ])
  })

  it('refuses approval for an action the entry does not offer (its actions list)', () => {
    expect(configProblems(() => load(scim('  actions: [suspend]\n  approval: [delete]')))).toEqual([
      "PROVIDERS_FILE /etc/providers.yml entry 1 (acme-hr): approval: delete is not one of this integration's actions (suspend)",
    ])
  })

  it('refuses approval for an action the service itself cannot do, when the bot starts', () => {
    const config = load(treasureData('  approval: [suspend]'))
    expect(configProblems(() => policyOf(config))).toEqual(["PROVIDERS_FILE (td): approval: suspend is not one of this integration's actions (delete)"])
  })
})

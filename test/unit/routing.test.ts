import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../src/app/deprovision-command.js'
import { alertSubject, configuredId, routeFor, routedChannels, type RoutingTable } from '../../src/features/routing/rules.js'
import { parseRoutes } from '../../src/features/routing/routes-file.js'
import { parseRouteSample } from '../../src/features/routing/sample.js'
import { configProblems } from '../support/config-env.js'

const context = { integrations: ['okta', 'github'], defaultChannel: 'C0DEFAULT' }
const table = (yaml: string): RoutingTable => parseRoutes(yaml, 'routes.yml', context)
const problems = (yaml: string) => configProblems(() => table(yaml))

const RULES = `
- kind: health
  channel: C0OPS
- integration: okta
  severity: high
  channel: C0IDENTITY
  mention: <!subteam^S0IDP>
- integration: [okta, github]
  kind: [departed, unknown]
  channel: C0RECONCILE
- source: noisy-scanner
  mute: true
- severity: critical
  channel: G0PAGER
`

describe('routeFor', () => {
  const rules = table(RULES)

  it('takes the first rule that matches, in the file’s order', () => {
    // Rules 2 and 3 both match a high departed okta finding: rule 2 is first.
    expect(routeFor(rules, { kind: 'departed', integration: 'okta', severity: 'high' })).toEqual({ kind: 'post', channel: 'C0IDENTITY', rule: 2 })
    expect(routeFor(rules, { kind: 'departed', integration: 'okta', severity: 'medium' })).toEqual({ kind: 'post', channel: 'C0RECONCILE', rule: 3 })
  })

  it('matches severity as "at least"', () => {
    expect(routeFor(rules, { kind: 'detector', integration: 'okta', severity: 'critical' })).toMatchObject({ channel: 'C0IDENTITY' })
    expect(routeFor(rules, { kind: 'detector', integration: 'okta', severity: 'medium' })).toEqual({ kind: 'post', channel: 'C0DEFAULT' })
  })

  it('names the user group only for critical alerts', () => {
    expect(routeFor(rules, { kind: 'detector', integration: 'okta', severity: 'critical' })).toEqual({
      kind: 'post',
      channel: 'C0IDENTITY',
      rule: 2,
      mention: 'S0IDP',
    })
    expect(routeFor(rules, { kind: 'detector', integration: 'okta', severity: 'high' })).not.toHaveProperty('mention')
  })

  it('mutes what a muting rule matches, naming the rule', () => {
    expect(routeFor(rules, { kind: 'detector', integration: 'github', severity: 'critical', source: 'noisy-scanner' })).toEqual({ kind: 'mute', rule: 4 })
  })

  it('routes health messages by kind, and never matches a severity rule with a message that has none', () => {
    expect(routeFor(rules, { kind: 'health', integration: 'github' })).toMatchObject({ channel: 'C0OPS' })
    expect(routeFor(rules, { kind: 'reconcile-summary' })).toEqual({ kind: 'post', channel: 'C0DEFAULT' })
  })

  it('sends everything to the default channel without rules', () => {
    expect(routeFor({ rules: [], defaultChannel: 'C0DEFAULT' }, { kind: 'detector', severity: 'critical' })).toEqual({ kind: 'post', channel: 'C0DEFAULT' })
  })

  it('lists every channel posted to once, with the rules that send there', () => {
    expect(routedChannels(rules)).toEqual([
      { channel: 'C0DEFAULT', rules: [] },
      { channel: 'C0OPS', rules: [1] },
      { channel: 'C0IDENTITY', rules: [2] },
      { channel: 'C0RECONCILE', rules: [3] },
      { channel: 'G0PAGER', rules: [5] },
    ])
  })
})

describe('alertSubject', () => {
  const base = { integration: 'okta', severity: 'low' as const }
  it('tells a finding, an access configuration and a detector’s alert apart', () => {
    expect(alertSubject({ ...base, finding: 'inactive' }).kind).toBe('inactive')
    expect(alertSubject({ ...base, access: { accessConfigurationId: 'ac-1', targetId: '123' } }).kind).toBe('access-configuration')
    expect(alertSubject({ ...base, source: 'siem' })).toEqual({ kind: 'detector', integration: 'okta', severity: 'low', source: 'siem' })
  })
})

describe('the routes file', () => {
  it('refuses every problem at once, one line each naming the rule', () => {
    expect(
      problems(`
- integration: okta
  colour: red
  channel: C0A
- integration: salesforce
  channel: C0B
- kind: departed
  severity: urgent
  channel: "#security"
- source: x
- mute: true
  channel: C0C
- severity: critical
  channel: C0D
  mention: "@oncall"
- kind: [departed, nobody]
  channel: C0E
`),
    ).toEqual([
      'ROUTES_FILE routes.yml rule 1: rule: Unrecognized key: "colour"',
      'ROUTES_FILE routes.yml rule 2: integration: salesforce is not in the providers file (okta, github)',
      'ROUTES_FILE routes.yml rule 3: severity: expected one severity, matched as "at least": low, medium, high, critical',
      'ROUTES_FILE routes.yml rule 3: channel: expected a channel ID like C0123456789 (channel details → About), not a channel name',
      'ROUTES_FILE routes.yml rule 4: expected a channel, or mute: true',
      'ROUTES_FILE routes.yml rule 5: mute: true and a channel: a rule either mutes or names a channel, not both',
      'ROUTES_FILE routes.yml rule 6: mention: expected a user group as <!subteam^S0123ABCD> or its ID S0123ABCD',
      expect.stringMatching(
        /^ROUTES_FILE routes.yml rule 7: kind\.1: expected departed, unknown, inactive, detector, access-configuration, health, reconcile-summary/,
      ),
    ])
  })

  it('refuses a file that is not a list, or not YAML', () => {
    expect(problems('channel: C0A')).toEqual(['ROUTES_FILE: routes.yml: expected a YAML list of rules'])
    expect(problems('- [unclosed')[0]).toMatch(/^ROUTES_FILE: routes.yml is not valid YAML/)
  })

  it('reads kinds, severities and integrations whatever their case, and a channel link copied from Slack', () => {
    const [rule] = table(`
- integration: [OKTA, GitHub]
  severity: High
  kind: [Departed, DETECTOR]
  channel: "<#C0IDENTITY|identity-alerts>"
`).rules
    expect(rule).toEqual({
      number: 1,
      match: { integration: ['okta', 'github'], severity: 'high', kind: ['departed', 'detector'] },
      target: { kind: 'channel', channel: 'C0IDENTITY' },
    })
  })

  it('refuses duplicate keys in a rule rather than keep one silently', () => {
    expect(problems('- channel: C0A\n  channel: C0B\n')[0]).toMatch(/^ROUTES_FILE: routes.yml is not valid YAML: Map keys must be unique/)
  })

  it('takes an empty file as no rules', () => {
    expect(table('')).toEqual({ rules: [], defaultChannel: 'C0DEFAULT' })
  })
})

describe('/deprovision routes', () => {
  it.each([
    ['routes', { kind: 'routes' }],
    ['routes okta critical departed', { kind: 'routes', sample: { kind: 'departed', integration: 'okta', severity: 'critical' } }],
    ['ROUTES Departed okta', { kind: 'routes', sample: { kind: 'departed', integration: 'okta', severity: 'medium' } }],
    ['routes github health', { kind: 'routes', sample: { kind: 'health', integration: 'github' } }],
    ['routes reconcile-summary', { kind: 'routes', sample: { kind: 'reconcile-summary' } }],
  ])('reads %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected)
  })

  it.each(['routes okta github', 'routes okta high critical', 'routes github health high', 'routes okta reconcile-summary'])(
    'answers %j with usage and the problem',
    (text) => {
      expect(parseCommand(text)).toMatchObject({ kind: 'usage', problem: expect.any(String) })
    },
  )

  it('keeps the integration as typed, for the command to find among the configured ids whatever its case', () => {
    expect(parseRouteSample(['Acme-HR'])).toEqual({ sample: { kind: 'detector', integration: 'Acme-HR', severity: 'medium' } })
    expect(configuredId(['acme-hr', 'okta'], 'Acme-HR')).toBe('acme-hr')
    expect(configuredId(['acme-hr', 'ACME-HR'], 'Acme-HR')).toBeUndefined()
    expect(configuredId(['okta'], 'salesforce')).toBeUndefined()
  })
})

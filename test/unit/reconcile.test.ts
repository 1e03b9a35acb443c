/**
 * Reconciliation's judgement of one account, and the streaming comparison of a service's
 * pages with the identity provider: which kind each account gets (or none), what the
 * alert says, and that only one page is looked up at a time.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planRun } from '../../src/features/reconciliation/jobs/reconcile-run.js'
import { ProviderRegistry } from '../../src/providers/registry.js'
import type { Account, Provider } from '../../src/providers/types.js'
import { compareAccounts, type IdentityIndex } from '../../src/features/reconciliation/compare.js'
import {
  DEFAULT_RECONCILE_SETTINGS,
  findingDedupKey,
  findingFor,
  findingReport,
  isExternal,
  type Finding,
  type Identity,
} from '../../src/features/reconciliation/findings.js'
import { type ReconcileSettings } from '../../src/domain/reconciliation.js'

const NOW = new Date('2026-11-22T06:00:00.000Z')
const DAY_MS = 86_400_000
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString()

const account = (email: string, extra: Partial<Account> = {}): Account => ({ id: `id-${email}`, email, status: 'active', ...extra })
const active: Identity = { status: 'active' }
const suspended: Identity = { status: 'suspended' }
const deleted: Identity = { status: 'deleted', lastSeen: '2026-11-01T06:00:00.000Z' }
const settings = (change: Partial<ReconcileSettings> = {}): ReconcileSettings => ({ ...DEFAULT_RECONCILE_SETTINGS, ...change })

describe('judging one account', () => {
  it('flags an account whose person is suspended or deleted in the identity provider as departed', () => {
    expect(findingFor(account('dave@corp.example'), suspended, settings(), NOW)).toMatchObject({ kind: 'departed', identity: suspended })
    expect(findingFor(account('erin@corp.example'), deleted, settings(), NOW)).toMatchObject({ kind: 'departed', identity: deleted })
  })

  it('flags an account nobody in the identity provider has as unknown, unless its domain is an expected outside one', () => {
    expect(findingFor(account('mallory@corp.example'), undefined, settings(), NOW)?.kind).toBe('unknown')
    const partners = settings({ externalDomains: ['partner.example'] })
    expect(findingFor(account('pat@partner.example'), undefined, partners, NOW)).toBeUndefined()
    expect(findingFor(account('pat@eu.partner.example'), undefined, partners, NOW)).toBeUndefined()
    expect(findingFor(account('pat@notpartner.example'), undefined, partners, NOW)?.kind).toBe('unknown')
  })

  it('flags an account idle longer than the limit as inactive, and says nothing where the service reports no activity', () => {
    expect(findingFor(account('ada@corp.example', { lastActiveAt: daysAgo(46) }), active, settings(), NOW)).toMatchObject({ kind: 'inactive', idleDays: 46 })
    expect(findingFor(account('ada@corp.example', { lastActiveAt: daysAgo(45) }), active, settings(), NOW)).toBeUndefined()
    expect(findingFor(account('ada@corp.example'), active, settings(), NOW)).toBeUndefined()
    expect(findingFor(account('ada@corp.example', { lastActiveAt: 'not a date' }), active, settings(), NOW)).toBeUndefined()
    expect(findingFor(account('ada@corp.example', { lastActiveAt: daysAgo(10) }), active, settings({ inactiveDays: 7 }), NOW)?.kind).toBe('inactive')
  })

  it('gives the most serious kind only, and leaves kinds that are turned off out', () => {
    const idleDeparted = account('dave@corp.example', { lastActiveAt: daysAgo(200) })
    expect(findingFor(idleDeparted, suspended, settings(), NOW)?.kind).toBe('departed')
    expect(findingFor(idleDeparted, suspended, settings({ kinds: new Set(['unknown', 'inactive']) }), NOW)?.kind).toBe('inactive')
    expect(findingFor(account('x@corp.example'), undefined, settings({ kinds: new Set(['departed']) }), NOW)).toBeUndefined()
  })

  it('judges only active accounts with an address', () => {
    expect(findingFor(account('dave@corp.example', { status: 'suspended' }), suspended, settings(), NOW)).toBeUndefined()
    expect(findingFor(account('dave@corp.example', { status: 'pending' }), undefined, settings(), NOW)).toBeUndefined()
    expect(findingFor(account('  '), undefined, settings(), NOW)).toBeUndefined()
  })

  it('matches expected domains without case, and never on a mere suffix of a label', () => {
    fc.assert(
      fc.property(fc.domain(), fc.emailAddress(), (domain, email) => {
        const local = email.split('@')[0] ?? 'a'
        expect(isExternal(`${local}@${domain.toUpperCase()}`, [domain])).toBe(true)
        expect(isExternal(`${local}@x${domain}`, [domain])).toBe(false)
      }),
    )
  })
})

describe('the alert a finding raises', () => {
  const service = { id: 'acme-atlassian', displayName: 'Atlassian' }
  const context = { identityProvider: 'Okta', inactiveDays: 45 }

  it('keeps one dedup key per integration, account and kind, whatever the case of the address', () => {
    const finding: Finding = { kind: 'departed', account: account(' Dave@Corp.example '), identity: suspended }
    const again: Finding = { kind: 'departed', account: account('dave@corp.example', { lastActiveAt: daysAgo(3) }), identity: deleted }
    expect(findingDedupKey(finding)).toBe('reconcile:departed:dave@corp.example')
    expect(findingDedupKey(again)).toBe(findingDedupKey(finding))
    expect(findingDedupKey({ ...finding, kind: 'inactive' })).not.toBe(findingDedupKey(finding))
  })

  it('says what was found, where, and how serious it is', () => {
    const departed = findingReport(service, { kind: 'departed', account: account('dave@corp.example', { displayName: 'Dave D' }), identity: deleted }, context)
    expect(departed).toEqual({
      integration: 'acme-atlassian',
      email: 'dave@corp.example',
      accountId: 'id-dave@corp.example',
      name: 'Dave D',
      reason: 'Departed: no longer in Okta (last seen there 2026-11-01), but still active in Atlassian.',
      severity: 'high',
      dedup: { origin: 'bot', key: 'reconcile:departed:dave@corp.example' },
      // Routing rules match reconciliation's alerts by what was found.
      finding: 'departed',
    })
    const unknown = findingReport(service, { kind: 'unknown', account: account('m@corp.example') }, context)
    expect(unknown).toMatchObject({ severity: 'medium', reason: expect.stringContaining('nobody in Okta has this address') })
    const inactive = findingReport(service, { kind: 'inactive', account: account('a@corp.example'), idleDays: 90, lastActiveAt: daysAgo(90) }, context)
    expect(inactive).toMatchObject({
      severity: 'low',
      reason: 'Inactive: no activity in Atlassian for 90 days (last active 2026-08-24); the limit is 45 days.',
    })
  })
})

describe('comparing a service page by page', () => {
  const people = new Map<string, Identity>([
    ['ada@corp.example', active],
    ['dave@corp.example', suspended],
  ])

  function recordingIndex(): IdentityIndex & { lookups: string[][] } {
    const lookups: string[][] = []
    return {
      lookups,
      lookup: async (emails) => {
        lookups.push([...emails])
        return emails.map((email) => people.get(email))
      },
    }
  }

  async function* pagesOf(...pages: Account[][]): AsyncGenerator<Account[]> {
    for (const page of pages) yield page
  }

  it('looks each page up in one go, hands on each finding, and counts what it judged', async () => {
    const index = recordingIndex()
    const found: Finding[] = []
    const counts = await compareAccounts(
      pagesOf(
        [account('Ada@corp.example'), account('dave@corp.example'), account('gone@corp.example', { status: 'suspended' })],
        [account('mallory@corp.example'), account('', { id: 'robot' })],
      ),
      index,
      settings(),
      NOW,
      async (finding) => void found.push(finding),
    )
    expect(index.lookups).toEqual([['ada@corp.example', 'dave@corp.example'], ['mallory@corp.example']])
    expect(found.map((finding) => `${finding.kind} ${finding.account.email}`)).toEqual(['departed dave@corp.example', 'unknown mallory@corp.example'])
    expect(counts).toEqual({ accounts: 5, judged: 3, withoutEmail: 1, findings: { departed: 1, unknown: 1, inactive: 0 } })
  })

  it('reads the next page only once the findings of the one before were handled', async () => {
    const events: string[] = []
    async function* pages(): AsyncGenerator<Account[]> {
      events.push('page 1')
      yield [account('x@corp.example')]
      events.push('page 2')
      yield [account('y@corp.example')]
    }
    await compareAccounts(pages(), recordingIndex(), settings(), NOW, async (finding) => void events.push(`finding ${finding.account.email}`))
    expect(events).toEqual(['page 1', 'finding x@corp.example', 'page 2', 'finding y@corp.example'])
  })
})

describe('planning a run', () => {
  const provider = (id: string, canList: boolean): Provider =>
    ({
      id,
      displayName: id.toUpperCase(),
      type: 'scim',
      capabilities: new Set(),
      ...(canList ? { listAccounts: async () => ({ accounts: [] }) } : {}),
    }) as unknown as Provider
  const providers = new ProviderRegistry([provider('okta', true), provider('hr', true), provider('legacy', false)], new Map(), new Set(['okta']))

  it('compares every integration but the identity provider, and skips one that cannot list with the reason', () => {
    const plan = planRun({ providers })
    expect(plan.identityProviders.map((idp) => idp.id)).toEqual(['okta'])
    expect(plan.compare.map((integration) => integration.id)).toEqual(['hr'])
    expect(plan.skipped).toEqual([
      { integration: 'legacy', name: 'LEGACY', reason: 'LEGACY cannot list its accounts through its API, so it cannot be compared.' },
    ])
  })

  it('plans only the integrations asked for', () => {
    expect(planRun({ providers }, ['legacy']).compare).toEqual([])
    expect(planRun({ providers }, ['hr']).skipped).toEqual([])
  })
})

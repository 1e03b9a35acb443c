/**
 * Reconciliation's state in Redis: the identity provider's snapshot per run (someone
 * who left it since an earlier run reads as deleted), the findings each integration
 * still has (stale once a later run did not find them), and a run's results, each
 * counted once however often a job is retried.
 */
import { describe, expect, it } from 'vitest'
import type { Account } from '../../src/providers/types.js'
import { FindingStore } from '../../src/features/reconciliation/finding-store.js'
import { IdentityStore } from '../../src/features/reconciliation/identity-store.js'
import { RunStore, emptyTallies, type IntegrationResult, type RunMeta } from '../../src/features/reconciliation/run-store.js'
import { useRedis } from '../support/redis.js'

const { redis } = useRedis()

const person = (email: string, status: Account['status'] = 'active'): Account => ({ id: email, email, status })

describe('the identity provider snapshot', () => {
  it('reads who is active or suspended in this run, and someone seen by an earlier run but gone now as deleted', async () => {
    const identities = new IdentityStore(redis())
    await identities.addPage(
      'run-1',
      [person('Ada@corp.example'), person('bob@corp.example'), person('cy@corp.example', 'suspended')],
      new Date('2026-11-01T06:00:00.000Z'),
    )
    await identities.addPage('run-2', [person('ada@corp.example'), person('cy@corp.example', 'suspended')], new Date('2026-11-02T06:00:00.000Z'))

    const answers = await identities.index('run-2').lookup(['ADA@corp.example', 'bob@corp.example', 'cy@corp.example', 'stranger@corp.example'])

    expect(answers).toEqual([{ status: 'active' }, { status: 'deleted', lastSeen: '2026-11-01T06:00:00.000Z' }, { status: 'suspended' }, undefined])
  })

  it('counts someone active in any of several identity providers as active', async () => {
    const identities = new IdentityStore(redis())
    await identities.addPage('run-3', [person('dee@corp.example', 'suspended'), person('eve@corp.example')], new Date())
    await identities.addPage('run-3', [person('dee@corp.example'), person('eve@corp.example', 'suspended')], new Date())

    expect(await identities.index('run-3').lookup(['dee@corp.example', 'eve@corp.example'])).toEqual([{ status: 'active' }, { status: 'active' }])
  })

  it('offers the latest whole snapshot for lookups outside a run', async () => {
    const identities = new IdentityStore(redis())
    await identities.complete('run-3')
    const latest = await identities.latest()
    expect(await latest?.lookup(['dee@corp.example'])).toEqual([{ status: 'active' }])
  })
})

describe('the findings an integration still has', () => {
  it('are stale once a later run did not find them, keep the alert a mute did not replace, and go once forgotten', async () => {
    const findings = new FindingStore(redis())
    await findings.record('hr', 'departed', 'Dave@corp.example', 'al_dave0000000', 1_000)
    await findings.record('hr', 'unknown', 'mallory@corp.example', undefined, 1_000)
    await findings.record('hr', 'departed', 'dave@corp.example', undefined, 2_000)

    expect(await findings.forAccount('hr', 'DAVE@corp.example')).toEqual([{ kind: 'departed', email: 'dave@corp.example', alertId: 'al_dave0000000' }])
    const stale = await findings.stale('hr', 2_000)
    expect(stale).toEqual([{ kind: 'unknown', email: 'mallory@corp.example' }])

    await findings.forget('hr', stale)
    expect(await findings.stale('hr', 3_000)).toEqual([{ kind: 'departed', email: 'dave@corp.example', alertId: 'al_dave0000000' }])
    expect(await findings.forAccount('hr', 'mallory@corp.example')).toEqual([])
  })
})

describe('a run', () => {
  const meta: RunMeta = {
    runId: 'r-1',
    startedAt: '2026-11-22T06:00:00.000Z',
    trigger: { kind: 'schedule' },
    identityProviders: ['Okta'],
    integrations: ['hr', 'td'],
    skipped: [],
  }
  const result = (integration: string): IntegrationResult => ({
    status: 'compared',
    integration,
    name: integration,
    durationMs: 10,
    accounts: 1,
    judged: 1,
    withoutEmail: 0,
    findings: emptyTallies(),
    resolved: 0,
  })

  it('counts each integration’s result once, so a retried job cannot finish the run early', async () => {
    const runs = new RunStore(redis())
    expect(await runs.begin(meta)).toEqual(meta)
    // A retry of the run job keeps what the first try stored.
    expect((await runs.begin({ ...meta, startedAt: '2026-11-22T07:00:00.000Z' })).startedAt).toBe(meta.startedAt)

    expect(await runs.record('r-1', result('hr'))).toBe(1)
    expect(await runs.record('r-1', result('hr'))).toBe(1)
    expect(await runs.record('r-1', result('td'))).toBe(0)
    expect((await runs.load('r-1'))?.results.map((entry) => entry.integration)).toEqual(['hr', 'td'])
  })

  it('does a one-time step once, and again only if it failed', async () => {
    const runs = new RunStore(redis())
    await runs.begin({ ...meta, runId: 'r-2' })
    let posts = 0
    await expect(runs.once('r-2', 'thread', async () => Promise.reject(new Error('Slack is down')))).rejects.toThrow('Slack is down')
    await runs.once('r-2', 'thread', async () => void (posts += 1))
    await runs.once('r-2', 'thread', async () => void (posts += 1))
    expect(posts).toBe(1)
  })
})

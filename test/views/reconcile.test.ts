/**
 * Reconciliation as people read it: the run's message (running, then its totals), the
 * summary in its thread (per kind, per integration, failures and skips with their reason),
 * and an alert whose problem went away, all within Slack's limits.
 */
import { describe, expect, it } from 'vitest'
import type { IntegrationResult, RunMeta, RunRecord } from '../../src/features/reconciliation/run-store.js'
import { alertMessage } from '../../src/features/alerts/views/alert-message.js'
import { messageViolations } from '../support/slack-limits.js'
import { elapsedMs, reconcileDoneMessage, reconcileRunningMessage, reconcileSummaryReply } from '../../src/features/reconciliation/views/reconcile.js'
import { makeAlert } from './fixtures.js'

const STARTED = '2026-11-22T06:00:00.000Z'
const FINISHED = new Date('2026-11-22T06:02:05.000Z')

const meta = (change: Partial<RunMeta> = {}): RunMeta => ({
  runId: 'r20261122-0a1b2c3d4e',
  startedAt: STARTED,
  trigger: { kind: 'command', user: 'U0ACTOR1' },
  identityProviders: ['Okta'],
  integrations: ['acme-atlassian', 'acme-td'],
  skipped: [{ integration: 'legacy', name: 'Legacy HR', reason: 'Legacy HR cannot list its accounts through its API, so it cannot be compared.' }],
  identityUsers: 50_000,
  ...change,
})

const atlassian: IntegrationResult = {
  status: 'compared',
  integration: 'acme-atlassian',
  name: 'Atlassian',
  durationMs: 4_250,
  accounts: 20_000,
  judged: 19_000,
  withoutEmail: 2,
  findings: { departed: { found: 3, raised: 1, muted: 1 }, unknown: { found: 0, raised: 0, muted: 0 }, inactive: { found: 12, raised: 12, muted: 0 } },
  resolved: 4,
}
const failed: IntegrationResult = { status: 'failed', integration: 'acme-td', name: 'Treasure Data', durationMs: 300, error: 'permission denied (HTTP 403)' }
const run = (change: Partial<RunRecord> = {}): RunRecord => ({ meta: meta(), results: [atlassian, failed], remaining: 0, ...change })

describe('the run message', () => {
  it('says what runs against which identity provider, and who asked', () => {
    const message = reconcileRunningMessage(meta())
    expect(message.text).toBe('🔎 Reconciliation running: comparing 2 integrations with Okta.')
    expect(JSON.stringify(message.blocks)).toContain('asked for by <@U0ACTOR1>')
    expect(messageViolations(message)).toEqual([])
  })

  it('becomes the totals once the run is over, counting failures and skips', () => {
    const message = reconcileDoneMessage(run(), FINISHED)
    expect(message.text).toBe('⚠️ Reconciliation finished in 2 min 5 s: 13 new alerts, 4 resolved, 1 muted, 1 integration failed, 1 skipped.')
    expect(messageViolations(message)).toEqual([])
  })

  it('says why nothing ran when the identity provider could not be read', () => {
    const message = reconcileDoneMessage(run({ meta: meta({ error: 'Okta could not be read: credentials rejected (HTTP 401).' }), results: [] }), FINISHED)
    expect(message.text).toBe('⚠️ Reconciliation could not run: Okta could not be read: credentials rejected (HTTP 401).')
  })
})

describe('the summary in the thread', () => {
  it('counts each kind (new, already open, muted), each integration, and gives the reason of every failure and skip', () => {
    const text = JSON.stringify(reconcileSummaryReply(run(), FINISHED).blocks)
    expect(text).toContain('against 50000 people in Okta, 2 min 5 s in all')
    expect(text).toContain('*departed*: 3 (1 new, 1 already open, 1 muted)')
    expect(text).toContain('*inactive*: 12 (12 new)')
    expect(text).toContain('*resolved* (no longer found): 4')
    expect(text).toContain('✅ *Atlassian*: 20000 accounts listed, 19000 active compared, 2 active accounts without an address (4.3 s)')
    expect(text).toContain('⚠️ *Treasure Data*: could not be compared (300 ms): permission denied (HTTP 403) Its open alerts were left as they are.')
    expect(text).toContain('⏭ *Legacy HR*: skipped: Legacy HR cannot list its accounts through its API')
  })

  it('stays within Slack’s limits for many integrations and hostile names', () => {
    const many = Array.from({ length: 80 }, (_, index): IntegrationResult => ({
      ...atlassian,
      integration: `svc-${index}`,
      name: `<!channel> ${'x'.repeat(300)}`,
    }))
    const message = reconcileSummaryReply(run({ results: many }), FINISHED)
    expect(messageViolations(message)).toEqual([])
    expect(JSON.stringify(message.blocks)).toContain('…and 41 more integrations.')
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>')
  })

  it('writes durations the way people read them', () => {
    expect([elapsedMs(850), elapsedMs(12_400), elapsedMs(185_000)]).toEqual(['850 ms', '12.4 s', '3 min 5 s'])
  })
})

describe('an alert whose problem went away', () => {
  it('says it was resolved and when, and offers nothing more', () => {
    const alert = makeAlert({
      resolved: { at: '2026-11-23T06:00:00.000Z', detail: 'a later reconciliation no longer found this problem in Atlassian (it was fixed elsewhere).' },
    })
    const message = alertMessage(alert, { capabilities: new Set(['delete', 'suspend']) })
    const text = JSON.stringify(message.blocks)
    expect(text).toMatch(/✅ \*Resolved <!date\^\d+\^[^>]*>:\* a later reconciliation no longer found this problem in Atlassian/)
    expect(text).not.toContain('"type":"button"')
    expect(text).not.toContain('static_select')
    expect(message.text).toMatch(/— Resolved: no longer found\.$/)
    expect(messageViolations(message)).toEqual([])
  })
})

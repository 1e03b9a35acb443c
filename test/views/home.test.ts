import { describe, expect, it } from 'vitest'
import { HOME_OFFBOARD_CANCEL_ACTION_ID, HOME_UNMUTE_ACTION_ID, homeAccountActionId, homePageActionId } from '../../src/constants.js'
import type { Account } from '../../src/providers/types.js'
import type { StoredAuditEntry } from '../../src/store/audit.js'
import { outsiderHome, overviewHome, type HomeOverview, type HomeView } from '../../src/views/home.js'
import { accountsHome, servicesHome, type AccountsModel, type ServiceRow } from '../../src/views/home-services.js'
import { modalViolations } from '../support/slack-limits.js'
import { HOSTILE } from './fixtures.js'

/**
 * A Home tab has a modal's limits (100 blocks, the same blocks and elements) but no title or submit:
 * check its blocks as a modal's, with a title and submit added.
 */
function homeViolations(view: HomeView): string[] {
  expect(view.type).toBe('home')
  return modalViolations({ type: 'modal', title: { type: 'plain_text', text: 'Home' }, submit: { type: 'plain_text', text: 'Go' }, blocks: view.blocks })
}

const text = (view: HomeView) => JSON.stringify(view.blocks)

/** What Slack renders as mrkdwn (where `<!channel>` would ping); input values and button values are not rendered so. */
function rendered(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(rendered)
  if (typeof value !== 'object' || value === null) return []
  const object = value as Record<string, unknown>
  if (object.type === 'mrkdwn' && typeof object.text === 'string') return [object.text]
  return Object.values(object).flatMap(rendered)
}
const mentionsAnyone = (view: HomeView) => /<!channel>|<!here|<!everyone>|<@U0VICTIM>/.test(rendered(view.blocks).join('\n'))
const AT = '2026-11-22T10:00:00.000Z'

function many<T>(count: number, make: (i: number) => T): T[] {
  return Array.from({ length: count }, (_, i) => make(i))
}

const hostileOverview = (count: number): HomeOverview => ({
  mutes: {
    items: many(count, (i) => ({
      id: `m${i}`,
      scope: i % 2 ? 'service' : 'account',
      service: HOSTILE.integrationName,
      email: HOSTILE.email,
      by: 'U0ACTOR1',
      until: AT,
      suppressed: i,
    })),
    total: count,
  },
  inProgress: {
    items: many(count, (i) => ({
      service: HOSTILE.integrationName,
      email: HOSTILE.email,
      action: 'delete',
      actor: 'U0ACTOR1',
      since: AT,
      awaitingApproval: i % 2 === 0,
    })),
    total: count,
  },
  offboardings: {
    items: many(count, (i) => ({
      runId: `ob_${i}`,
      email: HOSTILE.email,
      runAt: AT,
      actor: 'U0ACTOR1',
      steps: many(30, () => ({ service: HOSTILE.integrationName, action: 'delete' as const })),
    })),
    total: count,
  },
  scheduled: { items: many(count, () => ({ service: HOSTILE.integrationName, email: HOSTILE.email, until: AT, actor: 'U0ACTOR2' })), total: count },
  audit: many(count, (i): StoredAuditEntry => ({
    id: `${i}-0`,
    at: AT,
    event: 'action-failed',
    alertId: 'al_x',
    actor: 'U0ACTOR1',
    action: 'delete',
    integration: 'evil',
    email: HOSTILE.email,
    outcome: HOSTILE.detail,
    detail: HOSTILE.detail,
  })),
  serviceNames: new Map([['evil', HOSTILE.integrationName]]),
})

describe('the App Home overview', () => {
  it('stays within Slack’s limits with hundreds of mutes, actions and audit entries of hostile text, and says how many more', () => {
    const view = overviewHome(hostileOverview(500))
    expect(homeViolations(view)).toEqual([])
    expect(view.blocks.length).toBeLessThanOrEqual(100)
    expect(text(view).match(/…and 490 more\./g)).toHaveLength(4)
    expect(mentionsAnyone(view)).toBe(false)
    expect(text(view).split(`"action_id":"${HOME_UNMUTE_ACTION_ID}"`)).toHaveLength(11)
    expect(text(view).split(`"action_id":"${HOME_OFFBOARD_CANCEL_ACTION_ID}"`)).toHaveLength(11)
  })

  it('says each list is empty rather than leaving it out', () => {
    const view = overviewHome({
      mutes: { items: [], total: 0 },
      inProgress: { items: [], total: 0 },
      offboardings: { items: [], total: 0 },
      scheduled: { items: [], total: 0 },
      audit: [],
      serviceNames: new Map(),
    })
    expect(homeViolations(view)).toEqual([])
    expect(text(view)).toContain('No offboarding is planned for later.')
    expect(text(view)).toContain('No alerts are muted.')
    expect(text(view)).toContain('No action is running or waiting for approval.')
    expect(text(view)).toContain('No deletion is scheduled.')
    expect(text(view)).toContain('Nothing recorded yet.')
  })

  it('shows a scheduled deletion’s final date as a Slack date, and a held request as awaiting approval', () => {
    const overview = hostileOverview(1)
    const view = overviewHome({
      ...overview,
      inProgress: {
        items: [{ service: 'Acme', email: 'ann@corp.example', action: 'suspend', actor: 'U0ACTOR1', since: AT, awaitingApproval: true }],
        total: 1,
      },
      scheduled: { items: [{ service: 'Atlassian', email: 'bob@corp.example', until: '2026-12-06T10:00:00.000Z', actor: 'U0ACTOR2' }], total: 1 },
    })
    expect(text(view)).toContain('*Suspension* of *ann@corp.example* in Acme: awaiting a second person')
    expect(text(view)).toContain(`deleted for good on *<!date^${Date.parse('2026-12-06T10:00:00.000Z') / 1000}^`)
  })
})

describe('the App Home for people outside ACTORS', () => {
  it('names who to ask, offers no button, and stays within limits for a long ACTORS list', () => {
    const view = outsiderHome(many(300, (i) => `U0ACTOR${i}`))
    expect(homeViolations(view)).toEqual([])
    expect(text(view)).toContain('<@U0ACTOR0>')
    expect(text(view)).toContain('and 280 more')
    expect(text(view)).not.toContain('"type":"button"')
  })

  it('says nobody is authorized yet when ACTORS is empty', () => {
    expect(text(outsiderHome([]))).toContain('Nobody is authorized yet')
  })
})

const service = (i: number, overrides: Partial<ServiceRow> = {}): ServiceRow => ({
  id: `svc-${i}`,
  name: HOSTILE.integrationName,
  type: 'scim',
  canList: true,
  ...overrides,
})

describe('the Services screen', () => {
  it('lists integrations with health and counts within limits however many there are', () => {
    const rows = many(200, (i) =>
      service(i, {
        ...(i % 3 === 0
          ? { health: { ok: false as const, problem: { kind: 'credentials' as const, status: 401, detail: HOSTILE.detail }, checkedAt: AT, since: AT } }
          : { health: { ok: true as const, checkedAt: AT, since: AT } }),
        ...(i % 2 ? { accounts: { count: i, at: AT } } : {}),
      }),
    )
    const view = servicesHome(rows)
    expect(homeViolations(view)).toEqual([])
    expect(text(view)).toContain('…and 120 more.')
    expect(text(view)).toMatch(/❌ Broken since/)
    expect(mentionsAnyone(view)).toBe(false)
  })

  it('offers Accounts only where the service can list them, and says why not elsewhere', () => {
    const view = servicesHome([service(1, { name: 'Acme', canList: false }), service(2, { name: 'Okta', accounts: { count: 1, at: AT } })])
    expect(text(view)).toContain('This service cannot list its accounts through its API.')
    expect(text(view)).toContain('1 account at the reconciliation')
    expect(text(view).match(/"value":"svc-\d"/g)).toEqual(['"value":"svc-2"'])
  })
})

const account = (i: number, overrides: Partial<Account> = {}): Account => ({
  id: `acc-${i}`,
  email: HOSTILE.email,
  displayName: HOSTILE.name,
  status: 'active',
  roles: [HOSTILE.detail],
  isAdmin: true,
  lastActiveAt: AT,
  ...overrides,
})

const model = (overrides: Partial<AccountsModel> = {}): AccountsModel => ({
  integration: { id: 'acme', name: HOSTILE.integrationName },
  query: HOSTILE.name,
  actions: ['delete', 'suspend'],
  rows: many(40, (i) => ({ account: account(i), flags: [HOSTILE.detail, HOSTILE.detail, HOSTILE.detail, HOSTILE.detail] })),
  page: 3,
  hasPrevious: true,
  hasNext: true,
  ...overrides,
})

describe("an integration's account list", () => {
  it('shows a page of hostile accounts with Delete, Suspend and both page buttons within Slack’s limits', () => {
    const view = accountsHome(model())
    expect(homeViolations(view)).toEqual([])
    expect(text(view)).toContain(homeAccountActionId('delete'))
    expect(text(view)).toContain(homeAccountActionId('suspend'))
    expect(text(view)).toContain(homePageActionId('previous'))
    expect(text(view)).toContain(homePageActionId('next'))
    expect(mentionsAnyone(view)).toBe(false)
  })

  it('carries the account in each button, readable back as JSON', () => {
    const view = accountsHome(model({ query: '', rows: [{ account: account(1, { email: 'ann@corp.example', displayName: 'Ann' }), flags: [] }] }))
    const value = /"action_id":"home_account:delete","value":"((?:[^"\\]|\\.)*)"/.exec(text(view))?.[1]
    expect(JSON.parse(JSON.parse(`"${value}"`) as string)).toEqual({ integration: 'acme', accountId: 'acc-1', email: 'ann@corp.example', name: 'Ann' })
  })

  it('offers only the actions the integration supports, and none where the account’s ids would not fit a button', () => {
    const suspendOnly = accountsHome(model({ actions: ['suspend'] }))
    expect(text(suspendOnly)).not.toContain(homeAccountActionId('delete'))
    const huge = accountsHome(model({ rows: [{ account: account(1, { id: 'x'.repeat(2500) }), flags: [] }] }))
    expect(text(huge)).not.toContain('home_account:')
    expect(homeViolations(huge)).toEqual([])
  })

  it('says why a service is broken or could not be listed in the words of every other surface, not the log’s', () => {
    const expired = { kind: 'credentials' as const, status: 401, detail: 'token expired' }
    const services = text(servicesHome([service(1, { name: 'Okta', health: { ok: false, problem: expired, checkedAt: AT, since: AT } })]))
    const listing = text(accountsHome(model({ problem: expired })))

    for (const shown of [services, listing]) {
      expect(shown).toContain('The registered credentials are incorrect or have expired')
      expect(shown).not.toContain('credentials rejected (HTTP 401)')
    }
  })

  it('shows a listing failure as one actionable line with Try again, and an empty search as “no match”', () => {
    const failed = accountsHome(model({ problem: { kind: 'credentials', status: 401, detail: HOSTILE.detail } }))
    expect(homeViolations(failed)).toEqual([])
    expect(text(failed)).toMatch(/Could not list the accounts of .*Nothing was changed/)
    expect(text(failed)).toContain('Try again')
    const empty = accountsHome(model({ query: 'zed', rows: [], hasNext: false, hasPrevious: false }))
    expect(text(empty)).toContain('No account of')
    expect(text(empty)).toContain('matches “zed”')
    expect(text(empty)).not.toContain('home_page:')
  })
})

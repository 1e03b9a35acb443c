/**
 * listAccounts of the Atlassian, Qlik Cloud, Treasure Data and Alibaba CloudSSO adapters,
 * each against its sandbox: every account once, page after page as the service pages
 * (cursor, next link, NextToken), with status, role and last activity where the service
 * tells; and a 429 in the middle of the walk waits as asked and resumes at the same page.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createCloudSsoProvider } from '../../src/providers/alibaba-cloudsso/provider.js'
import { createAtlassianProvider } from '../../src/providers/atlassian/provider.js'
import { createQlikProvider } from '../../src/providers/qlik/provider.js'
import { createTreasureDataProvider } from '../../src/providers/treasure-data/adapter.js'
import type { Account, Provider } from '../../src/providers/types.js'
import { accountPages } from '../../src/features/reconciliation/pages.js'
import { MANAGED_ACCOUNTS_PAGE_SIZE, startAtlassianSandbox } from '../../local/atlassian-sandbox.js'
import { startCloudSsoSandbox } from '../../local/cloudsso-sandbox.js'
import { startQlikSandbox } from '../../local/qlik-sandbox.js'
import { sandboxApiKey, startTreasureDataSandbox } from '../../local/treasure-data-sandbox.js'
import { problemOf } from '../support/provider-harness.js'

const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

function track<T extends { stop(): Promise<void> }>(sandbox: T): T {
  stops.push(() => sandbox.stop())
  return sandbox
}

interface Walk {
  accounts: Account[]
  pages: number
  waits: number[]
}

/** Walks every page (from `start`, else the first) as the reconciliation does, recording the waits instead of sleeping. */
async function walk(provider: Provider, start?: string): Promise<Walk> {
  const waits: number[] = []
  const accounts: Account[] = []
  let pages = 0
  const list = (cursor?: string) => provider.listAccounts!(cursor ?? start)
  for await (const page of accountPages(list, { sleep: async (ms) => void waits.push(ms) })) {
    pages += 1
    accounts.push(...page)
  }
  return { accounts, pages, waits }
}

const numbered = <T>(count: number, make: (n: string, index: number) => T): T[] =>
  Array.from({ length: count }, (_, index) => make(String(index + 1).padStart(3, '0'), index))

describe('Atlassian: the organization’s managed accounts', () => {
  const API_KEY = 'atl-list-key-8c1f2e'

  async function atlassian(accounts: Parameters<typeof startAtlassianSandbox>[0]['accounts']) {
    const sandbox = track(await startAtlassianSandbox({ apiKey: API_KEY, accounts }))
    const provider = createAtlassianProvider(
      { id: 'atlassian', type: 'atlassian', displayName: 'Atlassian', orgId: sandbox.orgId, apiKey: API_KEY, baseUrl: sandbox.url },
      { timeoutMs: 2000 },
    )
    return { sandbox, provider }
  }

  it('lists managed accounts 50 a page with their status and the latest activity, leaving unmanaged ones out', async () => {
    const seeds = numbered(120, (n, index) => ({
      accountId: `aa-${n}`,
      email: `user${n}@example.com`,
      name: `User ${n}`,
      ...(index % 2 === 0 ? { lastActive: '2025-05-01T08:00:00.000Z' } : {}),
      ...(index === 1 ? { state: 'deactivated' as const } : {}),
    }))
    const { sandbox, provider } = await atlassian([...seeds, { accountId: 'aa-ext', email: 'ext@freemail.example', claimStatus: 'unmanaged' as const }])

    const { accounts, pages } = await walk(provider)

    expect(pages).toBe(Math.ceil(120 / MANAGED_ACCOUNTS_PAGE_SIZE))
    expect(accounts.map((account) => account.id)).toEqual(seeds.map((seed) => seed.accountId))
    expect(accounts[0]).toEqual({
      id: 'aa-001',
      email: 'user001@example.com',
      displayName: 'User 001',
      status: 'active',
      lastActiveAt: '2025-05-01T08:00:00.000Z',
    })
    expect(accounts[1]).toMatchObject({ id: 'aa-002', status: 'suspended' })
    expect(accounts[1]).not.toHaveProperty('lastActiveAt')
    const listed = sandbox.requests.filter((request) => request.path === `/admin/v1/orgs/${sandbox.orgId}/users`)
    expect(listed.map((request) => request.query.cursor)).toEqual([undefined, '50', '100'])
  })

  it('waits out a 429 in the middle of the walk and asks for the same page again', async () => {
    const seeds = numbered(120, (n) => ({ accountId: `aa-${n}`, email: `user${n}@example.com` }))
    const { sandbox, provider } = await atlassian(seeds)
    const first = await provider.listAccounts!()
    sandbox.failNext({ method: 'GET', pathIncludes: '/users' }, { status: 429, headers: { 'retry-after': '3' } })

    const rest = await walk(provider, first.nextCursor)

    expect(rest.waits).toEqual([3000])
    expect([...first.accounts, ...rest.accounts].map((account) => account.id)).toEqual(seeds.map((seed) => seed.accountId))
    const cursors = sandbox.requests.filter((request) => request.path.endsWith('/users')).map((request) => request.query.cursor)
    expect(cursors).toEqual([undefined, '50', '50', '100'])
  })
})

describe('Qlik Cloud: the tenant’s users', () => {
  const KEY = 'qlik-list-key-2b7d41'

  async function qlik(users: Parameters<typeof startQlikSandbox>[0]['users'], extra: Partial<Parameters<typeof startQlikSandbox>[0]> = {}) {
    const sandbox = track(await startQlikSandbox({ apiKeys: { [KEY]: 'u-admin' }, users, ...extra }))
    const provider = createQlikProvider({ id: 'qlik', type: 'qlik', displayName: 'Qlik Cloud', tenantUrl: sandbox.url, apiKey: KEY }, { timeoutMs: 2000 })
    return { sandbox, provider }
  }

  const TENANT = [
    { id: 'u-admin', name: 'Ada Admin', email: 'ada.admin@example.com', roles: ['TenantAdmin'] },
    ...numbered(230, (n, index) => ({
      id: `u-${n}`,
      name: `User ${n}`,
      email: `user${n}@example.com`,
      ...(index === 0 ? { status: 'disabled' as const } : index === 1 ? { status: 'invited' as const } : {}),
    })),
  ]

  it('follows links.next 100 users a page, with statuses and roles', async () => {
    const { sandbox, provider } = await qlik(TENANT)

    const { accounts, pages } = await walk(provider)

    expect(pages).toBe(3)
    expect(accounts.map((account) => account.id)).toEqual(TENANT.map((user) => user.id))
    expect(accounts[0]).toMatchObject({ email: 'ada.admin@example.com', status: 'active', roles: ['TenantAdmin'] })
    expect(accounts.find((account) => account.id === 'u-001')?.status).toBe('suspended')
    expect(accounts.find((account) => account.id === 'u-002')?.status).toBe('pending')
    const listed = sandbox.requests.filter((request) => request.path === '/api/v1/users')
    expect(listed.map((request) => request.query.limit)).toEqual(['100', '100', '100'])
    expect(listed[1]?.query.next).toBeDefined()
  })

  it('waits the Retry-After of a 429 in the middle of the walk, as Qlik asks, and misses no user', async () => {
    const { sandbox, provider } = await qlik(TENANT)
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users', queryIncludes: 'next=' }, { status: 429, headers: { 'retry-after': '2' } })

    const { accounts, waits } = await walk(provider)

    expect(waits).toEqual([2000])
    expect(new Set(accounts.map((account) => account.id)).size).toBe(TENANT.length)
    const listed = sandbox.requests.filter((request) => request.path === '/api/v1/users')
    expect(listed).toHaveLength(4)
    expect(listed[2]?.query.next).toBe(listed[1]?.query.next)
  })

  it('a tenant over its rate limit answers 429 with Retry-After in seconds', async () => {
    const { provider } = await qlik(TENANT, { rateLimit: { requests: 1, windowMs: 60_000 } })
    await provider.listAccounts!()

    const problem = await problemOf(provider.listAccounts!())

    expect(problem.kind).toBe('rate-limited')
    expect(problem.kind === 'rate-limited' && problem.retryAfterMs).toBeGreaterThan(50_000)
  })

  it('refuses a next link that leaves the tenant, so the key is never sent elsewhere', async () => {
    const { provider } = await qlik(TENANT)

    const problem = await problemOf(provider.listAccounts!('https://elsewhere.example/api/v1/users?next=abc'))

    expect(problem).toMatchObject({ kind: 'rejected' })
  })
})

describe('Treasure Data: the account’s users', () => {
  const OWNER = 'olivia.owner@acme.example'

  it('lists every user in one answer (the API does not page) with their role, and retries a 429', async () => {
    const users = [
      { id: 1, email: OWNER, firstName: 'Olivia', lastName: 'Owner', role: 'owner' as const },
      { id: 2, email: 'adam.admin@acme.example', firstName: 'Adam', role: 'administrator' as const },
      { id: 3, email: 'rita@acme.example', firstName: 'Rita' },
    ]
    const sandbox = track(await startTreasureDataSandbox({ users }))
    const provider = createTreasureDataProvider(
      { id: 'td', type: 'treasure-data', displayName: 'Treasure Data', baseUrl: sandbox.url, apiKey: sandboxApiKey(1, OWNER, 'master') },
      { timeoutMs: 2000 },
    )
    sandbox.failNext({ method: 'GET', pathIncludes: '/v3/user/list' }, { status: 429 })

    const { accounts, pages, waits } = await walk(provider)

    expect(pages).toBe(1)
    // Treasure Data sends no Retry-After: the walk backs off on its own.
    expect(waits).toHaveLength(1)
    expect(accounts).toEqual([
      { id: '1', email: OWNER, displayName: 'Olivia Owner', status: 'active', roles: ['owner'] },
      { id: '2', email: 'adam.admin@acme.example', displayName: 'Adam', status: 'active', roles: ['administrator'] },
      { id: '3', email: 'rita@acme.example', displayName: 'Rita', status: 'active', roles: ['restricted'] },
    ])
  })
})

describe('Alibaba CloudSSO: the directory’s users', () => {
  const ACCESS_KEY_ID = 'LTAI5tListKeyId'
  const ACCESS_KEY_SECRET = 'list-secret-4d2a9e11'
  const DIRECTORY = 'd-00listdir0001'
  const USERS = [
    ...numbered(205, (n, index) => ({
      id: `u-${n}`,
      userName: `user${n}`,
      email: `user${n}@corp.example`,
      ...(index === 0 ? { status: 'Disabled' as const } : {}),
    })),
    { id: 'u-mail-name', userName: 'nomail@corp.example' },
    { id: 'u-no-mail', userName: 'robot' },
  ]

  async function cloudSso() {
    const sandbox = track(
      await startCloudSsoSandbox({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET, directoryId: DIRECTORY, seed: { users: USERS } }),
    )
    const provider = createCloudSsoProvider(
      {
        id: 'cloudsso',
        type: 'alibaba-cloudsso',
        displayName: 'CloudSSO',
        region: 'cn-shanghai',
        directoryId: DIRECTORY,
        accessKeyId: ACCESS_KEY_ID,
        accessKeySecret: ACCESS_KEY_SECRET,
        endpoint: sandbox.url,
      },
      { timeoutMs: 2000 },
    )
    return { sandbox, provider }
  }

  it('pages ListUsers 100 at a time with NextToken while IsTruncated; a user without Email goes by an address-like UserName', async () => {
    const { sandbox, provider } = await cloudSso()

    const { accounts, pages } = await walk(provider)

    expect(pages).toBe(3)
    expect(accounts).toHaveLength(USERS.length)
    expect(accounts[0]).toMatchObject({ id: 'u-001', email: 'user001@corp.example', status: 'suspended' })
    expect(accounts.find((account) => account.id === 'u-mail-name')?.email).toBe('nomail@corp.example')
    expect(accounts.find((account) => account.id === 'u-no-mail')?.email).toBe('')
    const listed = sandbox.requests.filter((request) => request.action === 'ListUsers')
    expect(listed.map((request) => request.params.MaxResults)).toEqual(['100', '100', '100'])
    expect(listed[0]?.params.NextToken).toBeUndefined()
    expect(listed[1]?.params.NextToken).toBeDefined()
  })

  it('treats Throttling in the middle of the walk as a rate limit and resumes at the same NextToken', async () => {
    const { sandbox, provider } = await cloudSso()
    const first = await provider.listAccounts!()
    sandbox.failNext({ action: 'ListUsers' }, { status: 429 })

    const rest = await walk(provider, first.nextCursor)

    expect(rest.waits).toHaveLength(1)
    expect(new Set([...first.accounts, ...rest.accounts].map((account) => account.id)).size).toBe(USERS.length)
    const listed = sandbox.requests.filter((request) => request.action === 'ListUsers')
    expect(listed[2]?.params.NextToken).toBe(listed[1]?.params.NextToken)
  })
})

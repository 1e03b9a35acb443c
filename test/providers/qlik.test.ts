/**
 * The Qlik Cloud adapter against the in-memory Qlik sandbox: what the tenant
 * receives for each action (and in which order), what it ends up holding, and what
 * the caller sees for each answer the tenant gives.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { QlikIntegration } from '../../src/providers/qlik/config.js'
import { ProviderError } from '../../src/providers/problems.js'
import { NEW_OWNER_QUESTION, describeQlikError } from '../../src/providers/qlik/adapter.js'
import { createQlikProvider } from '../../src/providers/qlik/provider.js'
import { act, preflightAccount, executeFor } from '../../src/providers/run.js'
import type { Account, Provider } from '../../src/providers/types.js'
import { startQlikSandbox } from '../../local/qlik-sandbox.js'
import type { QlikSandbox, QlikSandboxOptions, RecordedRequest, SeedApp } from '../../local/qlik-sandbox.js'
import { problemOf, ready, seededAccount } from '../support/provider-harness.js'

const KEY = 'qlik-admin-key-3f9c1e77'
const DEVELOPER_KEY = 'qlik-developer-key-55a0b2c4'

const BOB_APPS: SeedApp[] = Array.from({ length: 12 }, (_, index) => {
  const n = String(index + 1).padStart(2, '0')
  return { id: `app-${n}`, name: `App ${n}`, ownerId: 'u-bob', spaceId: 'sp-finance' }
})

const TENANT: QlikSandboxOptions = {
  apiKeys: { [KEY]: 'u-admin', [DEVELOPER_KEY]: 'u-devon' },
  users: [
    { id: 'u-admin', name: 'Ada Admin', email: 'ada.admin@example.com', roles: ['TenantAdmin'] },
    { id: 'u-bob', name: 'Bob Builder', email: 'bob@example.com', roles: ['Developer', 'SharedSpaceCreator'] },
    { id: 'u-carol', name: 'Carol Coleman', email: 'carol@example.com' },
    { id: 'u-dave', name: 'Dave Departed', email: 'dave@example.com', status: 'disabled' },
    { id: 'u-erin', name: 'Erin Invited', email: 'erin@example.com', status: 'invited' },
    { id: 'u-frank', name: 'Frank Free', email: 'frank@example.com' },
    { id: 'u-gina', name: 'Gina Guest', email: 'gina@example.com' },
    { id: 'u-devon', name: 'Devon Developer', email: 'devon@example.com', roles: ['Developer'] },
  ],
  spaces: [
    { id: 'sp-finance', name: 'Finance', ownerId: 'u-bob' },
    { id: 'sp-sales', name: 'Sales', ownerId: 'u-bob', type: 'managed' },
    { id: 'sp-hr', name: 'HR', ownerId: 'u-carol' },
  ],
  apps: [...BOB_APPS, { id: 'app-carol', name: 'Carol app', ownerId: 'u-carol' }, { id: 'app-gina', name: 'Gina app', ownerId: 'u-gina' }],
  scripts: [{ id: 'script-etl', name: 'Nightly ETL', ownerId: 'u-bob' }],
  dataConnections: [
    { id: 'dc-snowflake', name: 'Snowflake', ownerId: 'u-bob', spaceId: 'sp-finance' },
    { id: 'dc-personal', name: 'My spreadsheets', ownerId: 'u-bob' },
    { id: 'dc-carol', name: 'Carol DB', ownerId: 'u-carol' },
  ],
  reloadTasks: [
    { id: 'task-01', appId: 'app-01', ownerId: 'u-bob' },
    { id: 'task-carol', appId: 'app-carol', ownerId: 'u-carol' },
    // Gina scheduled reloads of Carol's app: moving Gina's own assets does not move it.
    { id: 'task-gina-on-carol', appId: 'app-carol', ownerId: 'u-gina' },
  ],
  // Pages of 5 whatever the limit asked, so every list is read across several pages.
  maxPageSize: 5,
}

let sandbox: QlikSandbox
let provider: Provider

function integration(overrides: Partial<QlikIntegration> = {}): QlikIntegration {
  return { id: 'qlik', type: 'qlik', displayName: 'Qlik Cloud', tenantUrl: sandbox.url, apiKey: KEY, ...overrides }
}

const account = (email: string, target: Provider = provider, tenant: QlikSandbox = sandbox): Promise<Account> => seededAccount(target, tenant, email)

function calls(requests: RecordedRequest[] = sandbox.requests): string[] {
  return requests.map((request) => `${request.method} ${request.path}`)
}

function writes(requests: RecordedRequest[] = sandbox.requests): string[] {
  return calls(requests).filter((call) => !call.startsWith('GET '))
}

beforeAll(async () => {
  sandbox = await startQlikSandbox(TENANT)
  provider = createQlikProvider(integration(), { timeoutMs: 2000 })
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => {
  sandbox.reset()
})

describe('Qlik provider: description', () => {
  it('offers delete, suspend and restore', () => {
    expect([...provider.capabilities].sort()).toEqual(['delete', 'restore', 'suspend'])
    expect(provider).toMatchObject({ id: 'qlik', type: 'qlik', displayName: 'Qlik Cloud' })
  })

  it('links the tenant console users page unless another admin console URL is configured', () => {
    expect(provider.adminConsoleUrl).toBe(`${sandbox.url}/console/users`)
    expect(createQlikProvider(integration({ tenantUrl: `${sandbox.url}/` })).adminConsoleUrl).toBe(`${sandbox.url}/console/users`)
    expect(createQlikProvider(integration({ adminConsoleUrl: 'https://acme.eu.qlikcloud.com/console' })).adminConsoleUrl).toBe(
      'https://acme.eu.qlikcloud.com/console',
    )
  })
})

describe('Qlik provider: findAccount', () => {
  it('finds a user with an email filter and the API key as bearer token, with roles from assignedRoles', async () => {
    expect(await provider.findAccount('bob@example.com')).toEqual({
      id: 'u-bob',
      email: 'bob@example.com',
      displayName: 'Bob Builder',
      status: 'active',
      roles: ['Developer', 'SharedSpaceCreator'],
    })
    expect(sandbox.requests).toHaveLength(1)
    expect(sandbox.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/users', query: { filter: 'email eq "bob@example.com"' }, authorization: true })
  })

  it('reports disabled users as suspended and invited users as pending', async () => {
    expect(await provider.findAccount('dave@example.com')).toMatchObject({ id: 'u-dave', status: 'suspended' })
    expect(await provider.findAccount('erin@example.com')).toMatchObject({ id: 'u-erin', status: 'pending' })
  })

  it('answers null when no user has the address', async () => {
    expect(await provider.findAccount('nobody@example.com')).toBeNull()
  })

  it('escapes quotes and backslashes in the filter', async () => {
    sandbox.addUser({ id: 'u-odd', name: 'Odd', email: 'o"dd\\name@example.com' })

    expect(await provider.findAccount('o"dd\\name@example.com')).toMatchObject({ id: 'u-odd' })
    expect(sandbox.requests[0]?.query.filter).toBe('email eq "o\\"dd\\\\name@example.com"')
  })

  it('ignores a user whose address does not match, should the tenant ignore the filter', async () => {
    sandbox.failNext(
      { method: 'GET', pathIncludes: '/users' },
      { status: 200, body: { data: [{ id: 'u-carol', name: 'Carol', email: 'carol@example.com', status: 'active' }], links: { self: { href: 'x' } } } },
    )

    expect(await provider.findAccount('bob@example.com')).toBeNull()
  })

  it('reports an answer that is not a user list as rejected', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 200, body: { data: 'users' } })

    expect(await problemOf(provider.findAccount('bob@example.com'))).toMatchObject({ kind: 'rejected', status: 200 })
  })
})

describe('Qlik provider: checkConnection', () => {
  it("is healthy when the key belongs to a tenant admin, following /users/me's redirect to the caller's user", async () => {
    expect(await provider.checkConnection()).toEqual({ ok: true, detail: 'connected as Ada Admin (ada.admin@example.com), a tenant admin' })
    expect(calls()).toEqual(['GET /api/v1/users/me', 'GET /api/v1/users/u-admin'])
    expect(sandbox.requests.every((request) => request.authorization)).toBe(true)
  })

  it("does not follow /users/me's redirect to another origin, so the key never leaves the tenant", async () => {
    const elsewhere = await startQlikSandbox(TENANT)
    try {
      sandbox.failNext({ method: 'GET', pathIncludes: '/users/me' }, { status: 301, headers: { location: `${elsewhere.url}/api/v1/users/u-admin` } })

      const health = await provider.checkConnection()

      expect(health).toMatchObject({
        ok: false,
        problem: { kind: 'rejected', status: 301, detail: expect.stringMatching(/away from .* the bot did not follow it/) },
      })
      expect(elsewhere.requests).toEqual([])
    } finally {
      await elsewhere.stop()
    }
  })

  it('reports a permission problem when the key belongs to a user without TenantAdmin', async () => {
    const developer = createQlikProvider(integration({ apiKey: DEVELOPER_KEY }))

    const health = await developer.checkConnection()

    expect(health).toMatchObject({ ok: false, problem: { kind: 'permission', status: 403 } })
    expect(health.ok === false && health.problem.kind === 'permission' && health.problem.detail).toMatch(/Devon Developer.*TenantAdmin/)
  })

  it('reports credentials trouble with a key the tenant does not know', async () => {
    const wrong = createQlikProvider(integration({ apiKey: 'revoked-key-value' }))

    expect(await wrong.checkConnection()).toEqual({ ok: false, problem: expect.objectContaining({ kind: 'credentials', status: 401 }) })
  })
})

describe('Qlik provider: preflight for delete', () => {
  it('lists what the user owns, found with owner filters across every page, and asks for a new owner', async () => {
    const bob = await account('bob@example.com')

    const preflight = ready(await provider.preflight(bob, 'delete'))

    expect(preflight.reversible).toBe(false)
    expect(preflight.consequences).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Bob Builder owns 2 spaces, 12 apps, 1 script, 2 data connections and 1 reload schedule\. .*orphan/),
        'Spaces (2): Finance, Sales.',
        'Apps (12): App 01, App 02, App 03, App 04, App 05, App 06, App 07, App 08, App 09, App 10 …and 2 more.',
        'Scripts (1): Nightly ETL.',
        'Data connections (2): Snowflake, My spreadsheets.',
        'Reload schedules (1): App 01.',
        expect.stringMatching(/If any reassignment fails, the user is not deleted/),
        expect.stringMatching(/personal data is removed and their user entitlement \(licence\) is freed/),
        'Their API keys are revoked.',
        'Notifications and alerts they own are deleted with them.',
      ]),
    )
    expect(preflight.questions).toEqual([
      {
        id: NEW_OWNER_QUESTION,
        label: 'New owner for their spaces, apps, scripts and data connections',
        hint: expect.any(String),
        searchable: true,
        initial: { value: 'u-admin', label: 'Ada Admin <ada.admin@example.com>' },
      },
    ])
    const queries = sandbox.requests.map((r) => `${r.path}?${new URLSearchParams(r.query).toString()}`)
    expect(queries).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/api\/v1\/spaces\?ownerId=u-bob/),
        expect.stringMatching(/^\/api\/v1\/items\?resourceType=app&ownerId=u-bob/),
        expect.stringMatching(/^\/api\/v1\/items\?resourceType=script&ownerId=u-bob/),
        expect.stringMatching(/^\/api\/v1\/data-connections\?userId=u-bob&noDatafiles=true/),
        expect.stringMatching(/^\/api\/v1\/reload-tasks\?/),
      ]),
    )
    // 12 apps in pages of 5: the adapter followed links.next to the third page.
    expect(sandbox.requests.filter((r) => r.path === '/api/v1/items' && r.query.resourceType === 'app')).toHaveLength(3)
    expect(writes()).toEqual([])
  })

  it('follows links.next until the last page', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'GET', pathIncludes: '/items', queryIncludes: 'resourceType=app' }, { status: 200, body: firstAppPage() })

    const preflight = ready(await provider.preflight(bob, 'delete'))

    expect(preflight.consequences).toContain('Apps (13): App 00, App 01, App 02, App 03, App 04, App 05, App 06, App 07, App 08, App 09 …and 3 more.')
    const appPages = sandbox.requests.filter((r) => r.path === '/api/v1/items' && r.query.resourceType === 'app')
    expect(appPages.map((r) => r.query.next)).toEqual([undefined, expect.any(String)])
  })

  it('warns that data connections move without credentials and that the IdP can bring the user back', async () => {
    const bob = await account('bob@example.com')

    const preflight = ready(await provider.preflight(bob, 'delete'))

    expect(preflight.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/without their credentials/),
        expect.stringMatching(/identity provider.*re-creates their user with a licence/),
      ]),
    )
  })

  it('warns about reload schedules on apps the user does not own, which the API cannot move', async () => {
    const gina = await account('gina@example.com')

    const preflight = ready(await provider.preflight(gina, 'delete'))

    expect(preflight.consequences).toContain('Reload schedules (1): Carol app.')
    expect(preflight.warnings.join(' ')).toMatch(/1 of their reload schedules belongs to apps they do not own \(Carol app\)/)
  })

  it('asks nothing and says so when the user owns nothing', async () => {
    const frank = await account('frank@example.com')

    const preflight = ready(await provider.preflight(frank, 'delete'))

    expect(preflight.questions).toBeUndefined()
    expect(preflight.consequences[0]).toMatch(/owns no spaces, apps, scripts, data connections or reload schedules/)
    expect(preflight.consequences).toContain('Their API keys are revoked.')
  })

  it('says a pending invitation is deleted, without looking for assets', async () => {
    const erin = await account('erin@example.com')

    const preflight = ready(await provider.preflight(erin, 'delete'))

    expect(preflight.account.status).toBe('pending')
    expect(preflight.consequences[0]).toMatch(/pending invitation is deleted/)
    expect(preflight.questions).toBeUndefined()
    expect(calls().sort()).toEqual(['GET /api/v1/users/me', 'GET /api/v1/users/u-admin', 'GET /api/v1/users/u-erin'])
  })

  it('blocks deleting the user whose API key the bot uses, naming them', async () => {
    const ada = await account('ada.admin@example.com')

    expect(await provider.preflight(ada, 'delete')).toEqual({
      kind: 'blocked',
      account: expect.objectContaining({ id: 'u-admin' }),
      blockers: [{ problem: { kind: 'integration-owner', owner: 'Ada Admin (ada.admin@example.com)' } }],
    })
  })

  it('answers gone when the user no longer exists', async () => {
    const bob = await account('bob@example.com')
    sandbox.users.delete('u-bob')

    expect(await provider.preflight(bob, 'delete')).toEqual({ kind: 'gone' })
  })

  it('blocks cancel-delete as unsupported without calling the tenant', async () => {
    const bob = await account('bob@example.com')

    expect(await preflightAccount(provider, bob, 'cancel-delete')).toEqual({
      kind: 'blocked',
      account: bob,
      blockers: [{ problem: { kind: 'unsupported', action: 'cancel-delete' } }],
    })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Qlik provider: preflight for suspend and restore', () => {
  it('prepares a suspend: reversible, disabled not deleted, with the identity provider warning', async () => {
    const bob = await account('bob@example.com')

    const preflight = ready(await provider.preflight(bob, 'suspend'))

    expect(preflight.reversible).toBe(true)
    expect(preflight.consequences[0]).toMatch(/disabled .*status is set to "disabled"/)
    expect(preflight.consequences).toContain('Nothing is deleted: their spaces, apps and other content keep them as owner.')
    expect(preflight.warnings.join(' ')).toMatch(/identity provider/)
  })

  it('blocks suspending an invited user: there is nothing to disable, delete the invitation instead', async () => {
    const erin = await account('erin@example.com')

    const preflight = await provider.preflight(erin, 'suspend')

    expect(preflight).toMatchObject({ kind: 'blocked', blockers: [{ problem: { kind: 'conflict' } }] })
    expect(JSON.stringify(preflight)).toMatch(/nothing|no user to disable/)
    expect(JSON.stringify(preflight)).toMatch(/delete the invitation instead/)
  })

  it("blocks suspending the integration's own user", async () => {
    const ada = await account('ada.admin@example.com')

    expect(await provider.preflight(ada, 'suspend')).toMatchObject({ kind: 'blocked', blockers: [{ problem: { kind: 'integration-owner' } }] })
  })

  it("warns that a disabled user is already disabled, using the tenant's current state", async () => {
    const bob = await account('bob@example.com')
    sandbox.users.get('u-bob')!.status = 'disabled'

    const preflight = ready(await provider.preflight(bob, 'suspend'))

    expect(preflight.account.status).toBe('suspended')
    expect(preflight.warnings[0]).toMatch(/already disabled/)
  })

  it('blocks restoring an invited user: there is nothing to enable', async () => {
    const erin = await account('erin@example.com')

    expect(await provider.preflight(erin, 'restore')).toMatchObject({
      kind: 'blocked',
      blockers: [{ problem: { kind: 'conflict', detail: expect.stringMatching(/no user to enable/) } }],
    })
  })

  it('prepares a restore of a disabled user', async () => {
    const dave = await account('dave@example.com')

    const preflight = ready(await provider.preflight(dave, 'restore'))

    expect(preflight.reversible).toBe(true)
    expect(preflight.consequences[0]).toMatch(/re-enabled.*"active"/)
  })
})

describe('Qlik provider: suggest new owners', () => {
  it('offers active users matching the text, never the user being deleted', async () => {
    const bob = await account('bob@example.com')

    const options = await provider.suggest!(bob, NEW_OWNER_QUESTION, ' car ')

    expect(options).toEqual([{ value: 'u-carol', label: 'Carol Coleman <carol@example.com>' }])
    expect(sandbox.requests[0]?.query).toMatchObject({ filter: '(name co "car" or email co "car") and (status eq "active")', limit: '100' })
  })

  it('lists active users for an empty query, without disabled or invited users or the user being deleted', async () => {
    const bob = await account('bob@example.com')

    const values = (await provider.suggest!(bob, NEW_OWNER_QUESTION, '')).map((option) => option.value)

    expect(values.sort()).toEqual(['u-admin', 'u-carol', 'u-devon', 'u-frank', 'u-gina'])
    expect(sandbox.requests[0]?.query.filter).toBe('status eq "active"')
  })

  it("returns at most 100 options, each label within Slack's 75 characters", async () => {
    for (let i = 0; i < 130; i++) sandbox.addUser({ id: `u-many-${i}`, name: `Many ${i} ${'x'.repeat(60)}`, email: `many${i}@example.com` })
    const bob = await account('bob@example.com')

    const options = await provider.suggest!(bob, NEW_OWNER_QUESTION, 'many')

    expect(options).toHaveLength(100)
    expect(Math.max(...options.map((option) => option.label.length))).toBeLessThanOrEqual(75)
  })

  it('offers nothing for another question, without calling the tenant', async () => {
    const bob = await account('bob@example.com')

    expect(await provider.suggest!(bob, 'api-keys', 'x')).toEqual([])
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Qlik provider: execute delete', () => {
  it('reassigns every asset to the new owner, then deletes the user', async () => {
    const bob = await account('bob@example.com')

    const outcome = await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })

    expect(outcome).toEqual({
      kind: 'done',
      detail:
        'before the delete, 2 spaces, 12 apps, 1 script, 2 data connections and 1 reload schedule were reassigned to Carol Coleman (carol@example.com); reload schedules moved with their apps',
    })
    const changes = writes()
    expect(changes.at(-1)).toBe('DELETE /api/v1/users/u-bob')
    expect(changes.slice(0, -1).sort()).toEqual(
      [
        'PATCH /api/v1/spaces/sp-finance',
        'PATCH /api/v1/spaces/sp-sales',
        ...BOB_APPS.map((app) => `PUT /api/v1/apps/${app.id}/owner`),
        'PUT /api/v1/apps/script-etl/owner',
        'POST /api/v1/data-connections/actions/update',
        'POST /api/v1/data-connections/actions/update',
      ].sort(),
    )
    expect(sandbox.users.has('u-bob')).toBe(false)
    expect(sandbox.ownedBy('u-bob')).toEqual({ spaces: [], apps: [], scripts: [], dataConnections: [], reloadTasks: [] })
    expect(sandbox.ownedBy('u-carol')).toMatchObject({ spaces: ['sp-finance', 'sp-sales', 'sp-hr'], scripts: ['script-etl'] })
  })

  it("sends Qlik's documented bodies for each kind of reassignment", async () => {
    const bob = await account('bob@example.com')

    await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })

    const body = (method: string, path: string) => sandbox.requests.filter((r) => r.method === method && r.path === path).map((r) => r.body)
    expect(body('PATCH', '/api/v1/spaces/sp-finance')).toEqual([[{ op: 'replace', path: '/ownerId', value: 'u-carol' }]])
    expect(body('PUT', '/api/v1/apps/app-01/owner')).toEqual([{ ownerId: 'u-carol' }])
    expect(body('POST', '/api/v1/data-connections/actions/update')).toEqual([
      { connections: [{ id: 'dc-snowflake', ownerId: 'u-carol' }] },
      // A personal connection moves into the new owner's personal space.
      { connections: [{ id: 'dc-personal', ownerId: 'u-carol', spaceId: '', spaceType: 'personal' }] },
    ])
  })

  it('does not delete the user when one reassignment fails, and says what moved and what is left', async () => {
    const bob = await account('bob@example.com')
    sandbox.failReassignment('app', 'app-05', { status: 403, code: 'APPS-13', title: 'Forbidden', detail: 'app is locked' })

    const outcome = await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })

    expect(outcome).toMatchObject({ kind: 'failed', problem: { kind: 'conflict' } })
    const detail = outcome.kind === 'failed' && outcome.problem.kind === 'conflict' ? outcome.problem.detail : ''
    expect(detail).toMatch(/^Bob Builder was not deleted, so nothing is orphaned\./)
    expect(detail).toMatch(/Still owned by them: app "App 05" \(permission denied \(HTTP 403\): Forbidden: app is locked \(APPS-13\)/)
    expect(detail).toMatch(
      /Already moved to Carol Coleman \(carol@example.com\): 2 spaces \(Finance, Sales\), 11 apps \(App 01, App 02, App 03 …and 8 more\), 1 script \(Nightly ETL\), 2 data connections/,
    )
    expect(detail.length).toBeLessThanOrEqual(600)
    expect(writes()).not.toContain('DELETE /api/v1/users/u-bob')
    expect(sandbox.users.get('u-bob')?.status).toBe('active')
    expect(sandbox.ownedBy('u-bob').apps).toEqual(['app-05'])
  })

  it('finishes the job on a retry after a failed reassignment', async () => {
    const bob = await account('bob@example.com')
    sandbox.failReassignment('space', 'sp-sales')
    expect(await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })).toMatchObject({ kind: 'failed' })
    sandbox.requests.length = 0

    const outcome = await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })

    expect(outcome).toMatchObject({ kind: 'done', detail: expect.stringMatching(/^before the delete, 1 space was reassigned/) })
    expect(writes()).toEqual(['PATCH /api/v1/spaces/sp-sales', 'DELETE /api/v1/users/u-bob'])
  })

  it('reads a failed data connection from the 207 multi-status answer', async () => {
    const bob = await account('bob@example.com')
    sandbox.failReassignment('data-connection', 'dc-snowflake', { status: 409, title: 'Conflict', detail: 'name taken in target space' })

    const outcome = await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })

    expect(outcome).toMatchObject({
      kind: 'failed',
      problem: { kind: 'conflict', detail: expect.stringMatching(/data connection "Snowflake" \(HTTP 409: Conflict: name taken in target space/) },
    })
    expect(sandbox.users.has('u-bob')).toBe(true)
  })

  it("does not delete a user whose reload schedule on another user's app cannot be moved", async () => {
    const gina = await account('gina@example.com')

    const outcome = await act(provider, gina, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })

    expect(outcome).toMatchObject({
      kind: 'failed',
      problem: {
        kind: 'conflict',
        detail: expect.stringMatching(
          /reload schedule "Carol app" \(Qlik's API cannot change a reload schedule's owner.*Already moved to Carol Coleman.*1 app \(Gina app\)/,
        ),
      },
    })
    expect(sandbox.users.has('u-gina')).toBe(true)
  })

  it('trusts what the tenant lists afterwards: a schedule that did not follow its app stops the delete', async () => {
    const stubborn = await startQlikSandbox({ ...TENANT, reloadTasksFollowAppOwner: false })
    try {
      const adapter = createQlikProvider(integration({ tenantUrl: stubborn.url }))
      const bob = await account('bob@example.com', adapter, stubborn)

      const outcome = await act(adapter, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' })

      expect(outcome).toMatchObject({
        kind: 'failed',
        problem: { kind: 'conflict', detail: expect.stringMatching(/reload schedule "App 01" \(Qlik did not move it with its app/) },
      })
      expect(stubborn.requests.some((r) => r.path === '/api/v1/items' && r.query.resourceIds === 'app-01')).toBe(true)
      expect(stubborn.users.has('u-bob')).toBe(true)
    } finally {
      await stubborn.stop()
    }
  })

  it('changes nothing when assets exist but no new owner was chosen', async () => {
    const bob = await account('bob@example.com')

    const outcome = await act(provider, bob, 'delete', {})

    expect(outcome).toMatchObject({
      kind: 'failed',
      problem: { kind: 'conflict', detail: expect.stringMatching(/still owns 2 spaces.*no new owner was chosen/) },
    })
    expect(writes()).toEqual([])
  })

  it('changes nothing when the chosen new owner is not an active user', async () => {
    const bob = await account('bob@example.com')

    expect(await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-dave' })).toMatchObject({
      kind: 'failed',
      problem: { kind: 'conflict', detail: expect.stringMatching(/Dave Departed.*not an active user/) },
    })
    expect(await act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-bob' })).toMatchObject({ kind: 'failed', problem: { kind: 'conflict' } })
    expect(writes()).toEqual([])
  })

  it('throws a rate limit met while reassigning, so the job retries, and keeps the user', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'PUT', pathIncludes: '/apps/app-03/owner' }, { status: 429, headers: { 'retry-after': '30' } })

    expect(await problemOf(act(provider, bob, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' }))).toEqual({ kind: 'rate-limited', retryAfterMs: 30_000 })
    expect(sandbox.users.has('u-bob')).toBe(true)
  })

  it('deletes a user who owns nothing at once, and their API keys stop working', async () => {
    const frank = await account('frank@example.com')
    sandbox.apiKeys.set('frank-key', 'u-frank')

    expect(await act(provider, frank, 'delete', {})).toEqual({ kind: 'done' })
    expect(writes()).toEqual(['DELETE /api/v1/users/u-frank'])
    expect(sandbox.apiKeys.has('frank-key')).toBe(false)
  })

  it('deletes a pending invitation and says so', async () => {
    const erin = await account('erin@example.com')

    expect(await act(provider, erin, 'delete', {})).toEqual({ kind: 'done', detail: 'the pending invitation was deleted' })
    expect(calls()).toEqual(['GET /api/v1/users/me', 'GET /api/v1/users/u-admin', 'DELETE /api/v1/users/u-erin'])
    expect(sandbox.users.has('u-erin')).toBe(false)
  })

  it('never deletes the user whose API key the bot uses', async () => {
    const ada = await account('ada.admin@example.com')

    expect(await act(provider, ada, 'delete', {})).toEqual({
      kind: 'failed',
      problem: { kind: 'integration-owner', owner: 'Ada Admin (ada.admin@example.com)' },
    })
    expect(writes()).toEqual([])
  })

  it('treats deleting a user that is already gone as already deleted', async () => {
    const frank = await account('frank@example.com')
    sandbox.users.delete('u-frank')

    expect(await act(provider, frank, 'delete', {})).toEqual({ kind: 'already-done', detail: 'already deleted' })
  })
})

describe('Qlik provider: execute suspend and restore', () => {
  it('disables with exactly the JSON Patch status replace, and a 204 is done', async () => {
    const bob = await account('bob@example.com')

    expect(await act(provider, bob, 'suspend', {})).toEqual({ kind: 'done' })
    const patch = sandbox.requests.find((r) => r.method === 'PATCH')
    expect(patch).toMatchObject({ path: '/api/v1/users/u-bob', body: [{ op: 'replace', path: '/status', value: 'disabled' }] })
    expect(patch?.contentType).toMatch(/application\/json/)
    expect(sandbox.users.get('u-bob')?.status).toBe('disabled')
  })

  it('restores with status "active"', async () => {
    const dave = await account('dave@example.com')

    expect(await act(provider, dave, 'restore', {})).toEqual({ kind: 'done' })
    expect(sandbox.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/users/u-dave',
      body: [{ op: 'replace', path: '/status', value: 'active' }],
    })
    expect(sandbox.users.get('u-dave')?.status).toBe('active')
  })

  it("reports a 207 partial answer as a failure with Qlik's errors", async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext(
      { method: 'PATCH' },
      {
        status: 207,
        body: {
          errors: [{ code: 'USERS-12', title: 'Status not changed', detail: 'user is managed by the identity provider', status: 400 }],
          traceId: 'abc123',
        },
      },
    )

    expect(await act(provider, bob, 'suspend', {})).toEqual({
      kind: 'failed',
      problem: { kind: 'rejected', status: 207, detail: 'Status not changed: user is managed by the identity provider (USERS-12) [trace abc123]' },
    })
  })

  it('does not suspend an invited user: there is nothing to disable', async () => {
    const erin = await account('erin@example.com')

    expect(await act(provider, erin, 'suspend', {})).toMatchObject({
      kind: 'failed',
      problem: { kind: 'conflict', detail: expect.stringMatching(/delete the invitation instead/) },
    })
    expect(sandbox.requests).toHaveLength(0)
  })

  it('does not call the tenant to disable a user that is already disabled', async () => {
    const dave = await account('dave@example.com')

    expect(await act(provider, dave, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'already disabled' })
    expect(sandbox.requests).toHaveLength(0)
  })

  it('never disables the user whose API key the bot uses', async () => {
    const ada = await account('ada.admin@example.com')

    expect(await act(provider, ada, 'suspend', {})).toMatchObject({ kind: 'failed', problem: { kind: 'integration-owner' } })
    expect(writes()).toEqual([])
  })

  it('fails cancel-delete as unsupported without calling the tenant', async () => {
    const bob = await account('bob@example.com')

    expect(await act(provider, bob, 'cancel-delete', {})).toEqual({ kind: 'failed', problem: { kind: 'unsupported', action: 'cancel-delete' } })
    expect(sandbox.requests).toHaveLength(0)
  })

  it('says the user no longer exists when the disable finds it gone', async () => {
    const bob = await account('bob@example.com')
    sandbox.users.delete('u-bob')

    expect(await act(provider, bob, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'the user no longer exists' })
  })
})

describe('Qlik provider: tenant errors reach the caller as typed problems', () => {
  it('401 -> credentials, and the key is in neither message nor problem', async () => {
    const wrong = createQlikProvider(integration({ apiKey: 'wrong-key-value-1234' }))
    const error: unknown = await wrong.findAccount('bob@example.com').catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).problem).toMatchObject({
      kind: 'credentials',
      status: 401,
      detail: expect.stringMatching(/^Unauthorized: Missing or invalid API key \(HTTP-401\)/),
    })
    expect(`${(error as Error).message} ${JSON.stringify((error as ProviderError).problem)}`).not.toContain('wrong-key-value-1234')
  })

  it("403 -> permission, with Qlik's error title, detail and code", async () => {
    const frank = await account('frank@example.com')
    sandbox.failNext(
      { method: 'DELETE' },
      {
        status: 403,
        body: { errors: [{ code: 'USERS-3', title: 'Forbidden', detail: 'Cannot delete the service account owner', status: 403 }], traceId: 't-1' },
      },
    )

    expect(await problemOf(act(provider, frank, 'delete', {}))).toEqual({
      kind: 'permission',
      status: 403,
      detail: 'Forbidden: Cannot delete the service account owner (USERS-3) [trace t-1]',
    })
    expect(sandbox.users.has('u-frank')).toBe(true)
  })

  it('429 with Retry-After: 7 -> rate-limited, retry after 7000 ms', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'PATCH' }, { status: 429, headers: { 'retry-after': '7' } })

    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
  })

  it("503 -> transient, with the status and Qlik's title", async () => {
    sandbox.failNext({ method: 'GET' }, { status: 503 })

    expect(await problemOf(provider.findAccount('bob@example.com'))).toMatchObject({
      kind: 'transient',
      status: 503,
      detail: expect.stringMatching(/Internal server error \(HTTP-503\)/),
    })
  })

  it('a 404 from a listing the preflight reads is a fault of that listing, named, not "the account no longer exists"', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'GET', pathIncludes: '/reload-tasks' }, { status: 404 })

    expect(await problemOf(provider.preflight(bob, 'delete'))).toMatchObject({
      kind: 'rejected',
      status: 404,
      detail: expect.stringMatching(/read the list of reload schedules \(GET \/api\/v1\/reload-tasks\).*not touched/),
    })
  })

  it('a 404 from a listing during the delete fails the job and keeps the user, instead of reporting it already deleted', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/data-connections' }, { status: 404 })

    const outcome = await executeFor(provider, { email: 'bob@example.com' }, 'delete', { [NEW_OWNER_QUESTION]: 'u-carol' }, { actorEmail: 'actor@example.com' })

    expect(outcome).toMatchObject({ kind: 'failed', problem: { kind: 'rejected', status: 404, detail: expect.stringMatching(/list of data connections/) } })
    expect(writes()).toEqual([])
    expect(sandbox.users.has('u-bob')).toBe(true)
  })

  it("a 404 from /users/me is a fault of the bot's key, not a missing account", async () => {
    const frank = await account('frank@example.com')
    sandbox.failNext({ method: 'GET', pathIncludes: '/users/me' }, { status: 404 })

    expect(await problemOf(act(provider, frank, 'delete', {}))).toMatchObject({
      kind: 'rejected',
      status: 404,
      detail: expect.stringMatching(/the bot's own user/),
    })
    expect(sandbox.users.has('u-frank')).toBe(true)
  })

  it('stops reading the other lists once one of them fails', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'GET', pathIncludes: '/spaces' }, { status: 500 })
    sandbox.failNext({ method: 'GET', pathIncludes: '/items', queryIncludes: 'resourceType=app' }, { delayMs: 200 })

    expect(await problemOf(provider.preflight(bob, 'delete'))).toMatchObject({ kind: 'transient', status: 500 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(sandbox.requests.filter((r) => r.path === '/api/v1/items' && r.query.resourceType === 'app')).toHaveLength(1)
  })

  it('a tenant slower than timeoutMs -> transient', async () => {
    const impatient = createQlikProvider(integration(), { timeoutMs: 150 })
    sandbox.failNext({ method: 'GET', pathIncludes: '/users' }, { delayMs: 1500 })

    const started = Date.now()
    expect(await problemOf(impatient.findAccount('bob@example.com'))).toMatchObject({ kind: 'transient' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('does not follow a next link to another host, so the key never leaves the tenant', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext(
      { method: 'GET', pathIncludes: '/spaces' },
      { status: 200, body: { data: [], links: { self: { href: 'x' }, next: { href: 'https://attacker.example/api/v1/spaces?next=abc' } } } },
    )

    expect(await problemOf(provider.preflight(bob, 'delete'))).toMatchObject({ kind: 'rejected', detail: expect.stringMatching(/points away from the tenant/) })
  })
})

describe('describeQlikError', () => {
  it('reads title, detail and code of every error, and the trace id', () => {
    expect(
      describeQlikError(400, {
        errors: [
          { code: 'USERS-1', title: 'Bad request', detail: 'filter is invalid' },
          { code: 'USERS-2', title: 'Also bad' },
        ],
        traceId: 'tr',
      }),
    ).toBe('Bad request: filter is invalid (USERS-1); Also bad (USERS-2) [trace tr]')
  })

  it('reads the deprecated top-level form the spaces API still sends, and gives up on anything else', () => {
    expect(describeQlikError(404, { code: 'SPACES-4', title: 'Not found' })).toBe('Not found (SPACES-4)')
    expect(describeQlikError(500, 'upstream error')).toBeUndefined()
    expect(describeQlikError(500, { message: 42 })).toBeUndefined()
  })
})

// The sandbox stands in for Qlik in the end-to-end tests and the demo, so what it does is checked here too.
describe('Qlik sandbox: behaves like a Qlik Cloud tenant', () => {
  async function call(method: string, path: string, body?: unknown, key = KEY): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined }
  }

  it("answers a bad key with 401 and Qlik's error body", async () => {
    expect(await call('GET', '/api/v1/users', undefined, 'nope')).toMatchObject({
      status: 401,
      json: { errors: [{ code: 'HTTP-401', title: 'Unauthorized', status: 401 }], traceId: expect.any(String) },
    })
  })

  it('pages with absolute links.next until the last page', async () => {
    const first = await call('GET', '/api/v1/users?limit=3')
    const next = (first.json as { links: { next?: { href: string } } }).links.next?.href
    expect(next).toMatch(new RegExp(`^${sandbox.url}/api/v1/users\\?limit=3&next=`))
    const second = await fetch(next!, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.json() as Promise<{ data: { id: string }[] }>)
    expect(second.data.map((user) => user.id)).toEqual(['u-dave', 'u-erin', 'u-frank'])
  })

  it('answers 207 when asked to change the status of an invited user, and changes nothing', async () => {
    expect(await call('PATCH', '/api/v1/users/u-erin', [{ op: 'replace', path: '/status', value: 'active' }])).toMatchObject({
      status: 207,
      json: { errors: [{ title: 'Status not changed' }] },
    })
    expect(sandbox.users.get('u-erin')?.status).toBe('invited')
  })

  it('deleting a user revokes their keys and disables their reload schedules; their assets stay orphaned', async () => {
    expect((await call('DELETE', '/api/v1/users/u-devon')).status).toBe(204)
    expect((await call('DELETE', '/api/v1/users/u-carol')).status).toBe(204)

    expect((await call('GET', '/api/v1/users/me', undefined, DEVELOPER_KEY)).status).toBe(401)
    expect(sandbox.reloadTasks.get('task-carol')).toMatchObject({ state: 'Disabled', disabledCode: 'OWNER-DELETED' })
    expect(sandbox.spaces.get('sp-hr')?.ownerId).toBe('u-carol')
    expect((await call('GET', '/api/v1/users/u-carol')).status).toBe(404)
  })

  it("answers /users/me with a 301 to the caller's own user resource, as Qlik's spec says", async () => {
    const response = await fetch(`${sandbox.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${KEY}` }, redirect: 'manual' })

    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe(`${sandbox.url}/api/v1/users/u-admin`)
  })

  it('refuses admin calls from a key without TenantAdmin, but lets it read its own user through /users/me', async () => {
    expect(await call('GET', '/api/v1/users/me', undefined, DEVELOPER_KEY)).toMatchObject({ status: 200, json: { id: 'u-devon' } })
    expect(await call('GET', '/api/v1/users', undefined, DEVELOPER_KEY)).toMatchObject({ status: 403, json: { errors: [{ code: 'HTTP-403' }] } })
  })

  it('refuses an owner change to a user who is not active', async () => {
    expect(await call('PUT', '/api/v1/apps/app-01/owner', { ownerId: 'u-dave' })).toMatchObject({ status: 400 })
    expect(sandbox.apps.get('app-01')?.ownerId).toBe('u-bob')
  })
})

/** A first page of 13 apps where the tenant pages at 10: App 00 … App 09, then a next link to the sandbox's second page. */
function firstAppPage(): unknown {
  const apps = [{ id: 'item-app-00', name: 'App 00', resourceId: 'app-00', resourceType: 'app', ownerId: 'u-bob' }]
  for (const app of BOB_APPS.slice(0, 9)) apps.push({ id: `item-${app.id}`, name: app.name, resourceId: app.id, resourceType: 'app', ownerId: 'u-bob' })
  const cursor = Buffer.from('offset:9').toString('base64url')
  return { data: apps, links: { self: { href: 'x' }, next: { href: `${sandbox.url}/api/v1/items?resourceType=app&ownerId=u-bob&limit=100&next=${cursor}` } } }
}

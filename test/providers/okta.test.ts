/**
 * The Okta adapter against the in-memory Okta sandbox: what Okta receives for each action,
 * and what the caller sees for each answer Okta gives.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { OktaIntegration } from '../../src/providers/okta/config.js'
import { RATE_LIMIT_FALLBACK_MS, describeOktaError, nextLink, oktaAdminConsoleUrl, searchString } from '../../src/providers/okta/adapter.js'
import { createOktaProvider } from '../../src/providers/okta/provider.js'
import { ProviderError } from '../../src/providers/problems.js'
import type { Account, Provider } from '../../src/providers/types.js'
import { oktaErrorBody, startOktaSandbox } from '../../local/okta-sandbox.js'
import type { OktaSandbox, OktaSeedUser, RecordedRequest } from '../../local/okta-sandbox.js'
import { problemOf, seededAccount } from '../support/provider-harness.js'
import { act, preflightAccount } from '../../src/providers/run.js'

const TOKEN = 'okta-sandbox-ssws-token-3f9e1c'

const SEED: OktaSeedUser[] = [
  { id: '00u-ada', login: 'ada@example.com', firstName: 'Ada', lastName: 'Admin', roles: ['SUPER_ADMIN'] },
  { id: '00u-adam', login: 'adam@example.com', firstName: 'Adam', lastName: 'Directory', provider: { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' } },
  { id: '00u-bob', login: 'bob@example.com', firstName: 'Bob', lastName: 'Builder', sessions: 2, lastLogin: '2025-05-28T16:45:00.000Z' },
  { id: '00u-carol', login: 'carol.contractor', email: 'carol@example.com', displayName: 'Carol C.' },
  { id: '00u-dave', login: 'dave@example.com', firstName: 'Dave', lastName: 'Departed', status: 'SUSPENDED', sessions: 1 },
  { id: '00u-erin', login: 'erin@example.com', firstName: 'Erin', lastName: 'Exited', status: 'DEPROVISIONED' },
  { id: '00u-gina', login: 'gina@example.com', firstName: 'Gina', lastName: 'Group', roles: [{ type: 'USER_ADMIN', assignmentType: 'GROUP' }] },
  { id: '00u-lou', login: 'lou@example.com', firstName: 'Lou', lastName: 'Locked', status: 'LOCKED_OUT' },
  { id: '00u-oscar', login: 'oscar@example.com', firstName: 'Oscar', lastName: 'Operator', roles: ['ORG_ADMIN'] },
  { id: '00u-sam', login: 'sam@example.com', firstName: 'Sam', lastName: 'Staged', status: 'STAGED' },
  { id: '00u-sue', login: 'sue@example.com', firstName: 'Sue', lastName: 'Super', roles: ['SUPER_ADMIN', 'APP_ADMIN'] },
]

let sandbox: OktaSandbox
let provider: Provider

function integration(overrides: Partial<OktaIntegration> = {}): OktaIntegration {
  return { id: 'acme-okta', type: 'okta', displayName: 'Acme Okta', orgUrl: sandbox.url, apiToken: TOKEN, ...overrides }
}

const account = (email: string): Promise<Account> => seededAccount(provider, sandbox, email)

/** What the bot changed: every request but reads, as "METHOD path?query". */
function writes(requests: RecordedRequest[] = sandbox.requests): string[] {
  return requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}${queryText(r.query)}`)
}

function queryText(query: Record<string, string>): string {
  const entries = Object.entries(query)
  return entries.length === 0 ? '' : `?${entries.map(([k, v]) => `${k}=${v}`).join('&')}`
}

function status(id: string): string | undefined {
  return sandbox.users.get(id)?.status
}

beforeAll(async () => {
  sandbox = await startOktaSandbox({ token: TOKEN, tokenOwner: '00u-ada' })
  provider = createOktaProvider(integration(), { timeoutMs: 2000 })
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => {
  sandbox.users.clear()
  sandbox.roles.clear()
  sandbox.sessions.clear()
  sandbox.revokedTokens.clear()
  for (const seed of SEED) sandbox.addUser(seed)
  sandbox.requests.length = 0
})

describe('Okta provider: description', () => {
  it('offers delete, suspend and restore', () => {
    expect([...provider.capabilities].sort()).toEqual(['delete', 'restore', 'suspend'])
    expect(provider).toMatchObject({ id: 'acme-okta', type: 'okta', displayName: 'Acme Okta' })
  })

  it("links to the org's Admin Console on its -admin host, unless one is configured", () => {
    expect(oktaAdminConsoleUrl('https://acme.okta.com')).toBe('https://acme-admin.okta.com/admin/users')
    expect(oktaAdminConsoleUrl('https://dev-123456.oktapreview.com/')).toBe('https://dev-123456-admin.oktapreview.com/admin/users')
    expect(oktaAdminConsoleUrl('https://acme.okta-emea.com')).toBe('https://acme-admin.okta-emea.com/admin/users')
    expect(oktaAdminConsoleUrl('https://acme-admin.okta.com')).toBe('https://acme-admin.okta.com/admin/users')
    expect(oktaAdminConsoleUrl('https://login.acme.example')).toBe('https://login.acme.example/admin/users')
    expect(provider.adminConsoleUrl).toBe(`${sandbox.url}/admin/users`)
    expect(createOktaProvider(integration({ adminConsoleUrl: 'https://console.example.com/x' })).adminConsoleUrl).toBe('https://console.example.com/x')
  })
})

describe('Okta provider: findAccount', () => {
  it('searches by login or email with the SSWS token, then reads the admin roles', async () => {
    const found = await provider.findAccount('bob@example.com')

    expect(found).toEqual({
      id: '00u-bob',
      email: 'bob@example.com',
      displayName: 'Bob Builder',
      status: 'active',
      roles: [],
      isAdmin: false,
      lastActiveAt: '2025-05-28T16:45:00.000Z',
    })
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/users', 'GET /api/v1/users/00u-bob/roles'])
    expect(sandbox.requests[0]).toMatchObject({
      query: { search: 'profile.login eq "bob@example.com" or profile.email eq "bob@example.com"', limit: '200' },
      authScheme: 'SSWS',
      accept: 'application/json',
    })
  })

  it('reports any role assignment, direct or through a group, as admin, with its label', async () => {
    expect(await provider.findAccount('ada@example.com')).toMatchObject({ roles: ['Super Administrator'], isAdmin: true })
    expect(await provider.findAccount('gina@example.com')).toMatchObject({ roles: ['Group Administrator'], isAdmin: true })
  })

  it('finds a user whose login is not their email, and reports the email', async () => {
    expect(await provider.findAccount('carol@example.com')).toMatchObject({ id: '00u-carol', email: 'carol@example.com', displayName: 'Carol C.' })
  })

  it('matches without regard to case, as Okta search does', async () => {
    expect(await provider.findAccount('  BOB@Example.com ')).toMatchObject({ id: '00u-bob' })
  })

  it.each([
    ['dave@example.com', 'suspended'],
    ['erin@example.com', 'suspended'],
    ['sam@example.com', 'pending'],
    ['lou@example.com', 'active'],
  ])('maps the Okta status of %s to %s (DEPROVISIONED counts as suspended)', async (email, expected) => {
    expect((await provider.findAccount(email))?.status).toBe(expected)
  })

  it('answers null when nobody has that login or email', async () => {
    expect(await provider.findAccount('nobody@example.com')).toBeNull()
    expect(sandbox.requests).toHaveLength(1)
  })

  it('ignores users the search returned that do not have exactly that login or email', async () => {
    const loose = [{ id: '00u-x', status: 'ACTIVE', profile: { login: 'bobby@example.com', email: 'bobby@example.com' } }]
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users' }, { status: 200, body: loose })

    expect(await provider.findAccount('bob@example.com')).toBeNull()
  })

  it('escapes quotes and backslashes inside the search value', async () => {
    sandbox.addUser({ id: '00u-odd', login: 'o"dd\\name@example.com' })

    expect(await provider.findAccount('o"dd\\name@example.com')).toMatchObject({ id: '00u-odd' })
    expect(sandbox.requests[0]?.query.search).toBe('profile.login eq "o\\"dd\\\\name@example.com" or profile.email eq "o\\"dd\\\\name@example.com"')
    expect(searchString('a"b')).toBe('"a\\"b"')
  })

  it('prefers a user who can still sign in over a deactivated one with the same email', async () => {
    sandbox.addUser({ id: '00u-old', login: 'pat.old', email: 'pat@example.com', status: 'DEPROVISIONED' })
    sandbox.addUser({ id: '00u-new', login: 'pat.new', email: 'pat@example.com' })

    expect(await provider.findAccount('pat@example.com')).toMatchObject({ id: '00u-new', status: 'active' })
  })

  it('refuses to guess between two live users sharing an email address', async () => {
    sandbox.addUser({ id: '00u-p1', login: 'pat.one', email: 'pat@example.com' })
    sandbox.addUser({ id: '00u-p2', login: 'pat.two', email: 'pat@example.com' })

    const problem = await problemOf(provider.findAccount('pat@example.com'))
    expect(problem).toMatchObject({ kind: 'conflict' })
    expect(problem.kind === 'conflict' && problem.detail).toContain('pat.one, pat.two')
  })

  it('still finds the user when the token may not read admin roles, leaving isAdmin out', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/roles' }, { status: 403 })

    const found = await provider.findAccount('bob@example.com')
    expect(found).toMatchObject({ id: '00u-bob' })
    expect(found).not.toHaveProperty('isAdmin')
    expect(found).not.toHaveProperty('roles')
  })

  it('reports an answer that is not a list of users as rejected', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users' }, { status: 200, body: { users: [] } })

    expect(await problemOf(provider.findAccount('bob@example.com'))).toMatchObject({ kind: 'rejected' })
  })
})

describe('Okta provider: preflight', () => {
  it('suspend: re-reads the user and says what suspension does and keeps', async () => {
    const bob = await account('bob@example.com')
    sandbox.users.get('00u-bob')!.profile.firstName = 'Robert'

    const result = await provider.preflight(bob, 'suspend')

    expect(result).toMatchObject({ kind: 'ready', reversible: true, account: { id: '00u-bob', displayName: 'Robert Builder', isAdmin: false } })
    if (result.kind !== 'ready') throw new Error('not ready')
    expect(result.consequences.join(' ')).toMatch(/can no longer sign in to Okta, nor to any app through Okta single sign-on/)
    expect(result.consequences.join(' ')).toMatch(/sessions are cleared/)
    expect(result.consequences.join(' ')).toMatch(/app assignments are kept/)
    expect(result.warnings.join(' ')).toMatch(/Sessions an app opened on its own/)
    expect(sandbox.requests.map((r) => r.path).sort()).toEqual(['/api/v1/users/00u-bob', '/api/v1/users/00u-bob/roles', '/api/v1/users/me'])
    expect(writes()).toEqual([])
  })

  it('warns when the user is a super admin, naming their roles', async () => {
    const result = await provider.preflight(await account('sue@example.com'), 'suspend')

    expect(result.kind === 'ready' && result.warnings.join(' ')).toMatch(/admin roles \(Super Administrator, Application Administrator\)/)
    expect(result.kind === 'ready' && result.warnings.join(' ')).toMatch(/at least one individually assigned super admin/)
  })

  it('blocks suspending or deleting the user the API token acts as', async () => {
    const ada = await account('ada@example.com')

    for (const action of ['suspend', 'delete'] as const) {
      expect(await provider.preflight(ada, action)).toMatchObject({
        kind: 'blocked',
        blockers: [{ problem: { kind: 'integration-owner', owner: 'Ada Admin (ada@example.com)' } }],
      })
    }
  })

  it('blocks suspending a user Okta cannot suspend (not ACTIVE), and points to the way out', async () => {
    const lou = await provider.preflight(await account('lou@example.com'), 'suspend')
    const sam = await provider.preflight(await account('sam@example.com'), 'suspend')

    expect(lou).toMatchObject({ kind: 'blocked', blockers: [{ problem: { kind: 'conflict' } }] })
    expect(JSON.stringify(lou)).toMatch(/only suspend users whose status is ACTIVE; this user is LOCKED_OUT \(unlock them/)
    expect(JSON.stringify(sam)).toMatch(/this user is STAGED.*Delete instead deactivates/)
  })

  it('lets an already suspended user be suspended again, saying only sessions are cleared', async () => {
    const result = await provider.preflight(await account('dave@example.com'), 'suspend')

    expect(result.kind === 'ready' && result.warnings[0]).toMatch(/already suspended.*only their sessions are cleared again/)
  })

  it('blocks restoring a deactivated user: unsuspend cannot bring them back', async () => {
    const result = await provider.preflight(await account('erin@example.com'), 'restore')

    expect(result).toMatchObject({ kind: 'blocked', blockers: [{ problem: { kind: 'conflict' } }] })
    expect(JSON.stringify(result)).toMatch(/deactivated \(DEPROVISIONED\), not suspended/)
  })

  it('restore of a suspended user is ready and reversible; of an active one says nothing will change', async () => {
    const dave = await provider.preflight(await account('dave@example.com'), 'restore')
    const bob = await provider.preflight(await account('bob@example.com'), 'restore')

    expect(dave).toMatchObject({ kind: 'ready', reversible: true, warnings: [] })
    expect(bob.kind === 'ready' && bob.warnings).toEqual(['The user is not suspended in Acme Okta (status ACTIVE): nothing will change.'])
  })

  it('delete: deactivation deprovisions every app first, then the delete is permanent', async () => {
    const result = await provider.preflight(await account('oscar@example.com'), 'delete')

    expect(result).toMatchObject({ kind: 'ready', reversible: false })
    if (result.kind !== 'ready') throw new Error('not ready')
    expect(result.consequences).toHaveLength(4)
    expect(result.consequences[1]).toMatch(/deactivated first: Okta deprovisions them from every assigned app.*revokes their admin roles/)
    expect(result.consequences[2]).toMatch(/deleted from Acme Okta permanently/)
    expect(result.warnings.join(' ')).toMatch(/Organizational Administrator\): deactivation revokes them/)
  })

  it('delete of a deactivated user says its apps were deprovisioned already', async () => {
    const result = await provider.preflight(await account('erin@example.com'), 'delete')

    expect(result.kind === 'ready' && result.consequences[0]).toMatch(/already deactivated \(DEPROVISIONED\)/)
  })

  it('warns that a directory-sourced user may come back with the next import', async () => {
    const result = await provider.preflight(await account('adam@example.com'), 'delete')

    expect(result.kind === 'ready' && result.warnings.join(' ')).toMatch(/imported from corp\.example\.com \(ACTIVE_DIRECTORY\)/)
  })

  it('warns when the admin roles could not be read', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'GET', pathIncludes: '/roles' }, { status: 403 })

    const result = await provider.preflight(bob, 'suspend')
    expect(result.kind === 'ready' && result.warnings.join(' ')).toMatch(/could not read their admin roles/)
  })

  it('answers gone when the user no longer exists', async () => {
    const bob = await account('bob@example.com')
    sandbox.users.delete('00u-bob')

    expect(await provider.preflight(bob, 'delete')).toEqual({ kind: 'gone' })
  })

  it('blocks cancel-delete as unsupported without calling Okta', async () => {
    const bob = await account('bob@example.com')

    expect(await preflightAccount(provider, bob, 'cancel-delete')).toEqual({
      kind: 'blocked',
      account: bob,
      blockers: [{ problem: { kind: 'unsupported', action: 'cancel-delete' } }],
    })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Okta provider: suspend and restore', () => {
  it('suspends an ACTIVE user, then clears their sessions and revokes their OAuth tokens', async () => {
    const bob = await account('bob@example.com')

    const outcome = await act(provider, bob, 'suspend', {})

    expect(outcome).toEqual({ kind: 'done', detail: 'their Okta sessions were cleared and their OAuth tokens revoked' })
    expect(writes()).toEqual(['POST /api/v1/users/00u-bob/lifecycle/suspend', 'DELETE /api/v1/users/00u-bob/sessions?oauthTokens=true'])
    expect(status('00u-bob')).toBe('SUSPENDED')
    expect(sandbox.sessions.get('00u-bob')).toBe(0)
    expect(sandbox.revokedTokens.has('00u-bob')).toBe(true)
  })

  it('on a re-run finds the user suspended and only clears the sessions again', async () => {
    const dave = await account('dave@example.com')

    expect(await act(provider, dave, 'suspend', {})).toEqual({
      kind: 'already-done',
      detail: 'already suspended; their Okta sessions were cleared and their OAuth tokens revoked again',
    })
    expect(writes()).toEqual(['DELETE /api/v1/users/00u-dave/sessions?oauthTokens=true'])
    expect(sandbox.sessions.get('00u-dave')).toBe(0)
  })

  it('treats a deactivated user as already unable to sign in', async () => {
    const erin = await account('erin@example.com')

    expect(await act(provider, erin, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'already deactivated in Okta, which stops every sign-in too' })
    expect(writes()).toEqual([])
  })

  it('fails with a conflict, without calling suspend, for a status Okta cannot suspend', async () => {
    const lou = await account('lou@example.com')

    expect(await act(provider, lou, 'suspend', {})).toMatchObject({ kind: 'failed', problem: { kind: 'conflict' } })
    expect(writes()).toEqual([])
    expect(status('00u-lou')).toBe('LOCKED_OUT')
  })

  it('never suspends the user the API token acts as', async () => {
    const ada = await account('ada@example.com')

    expect(await act(provider, ada, 'suspend', {})).toEqual({
      kind: 'failed',
      problem: { kind: 'integration-owner', owner: 'Ada Admin (ada@example.com)' },
    })
    expect(writes()).toEqual([])
  })

  it('carries on when someone else suspended the user between the read and the call (Okta 400 E0000001)', async () => {
    const bob = await account('bob@example.com')
    const stale = { id: '00u-bob', status: 'ACTIVE', profile: { login: 'bob@example.com', email: 'bob@example.com' } }
    sandbox.users.get('00u-bob')!.status = 'SUSPENDED'
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users/00u-bob' }, { status: 200, body: stale })

    expect(await act(provider, bob, 'suspend', {})).toMatchObject({ kind: 'done' })
    expect(writes()).toEqual(['POST /api/v1/users/00u-bob/lifecycle/suspend', 'DELETE /api/v1/users/00u-bob/sessions?oauthTokens=true'])
  })

  it("reports a conflict with Okta's reason when it refuses the suspend and the user is still not suspended", async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext(
      { method: 'POST', pathIncludes: '/lifecycle/suspend' },
      { status: 400, body: oktaErrorBody('E0000001', 'Api validation failed: suspendUser', ['Cannot suspend a user that is not active']) },
    )

    const problem = await problemOf(act(provider, bob, 'suspend', {}))
    expect(problem).toMatchObject({ kind: 'conflict' })
    expect(problem.kind === 'conflict' && problem.detail).toMatch(/Api validation failed: suspendUser: Cannot suspend a user that is not active \(E0000001\)/)
    expect(sandbox.sessions.get('00u-bob')).toBe(2)
  })

  it('says the user no longer exists when suspend finds them gone', async () => {
    const bob = await account('bob@example.com')
    sandbox.users.delete('00u-bob')

    expect(await act(provider, bob, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'the user no longer exists in Okta' })
  })

  it('restores a suspended user with unsuspend', async () => {
    const dave = await account('dave@example.com')

    expect(await act(provider, dave, 'restore', {})).toEqual({ kind: 'done' })
    expect(writes()).toEqual(['POST /api/v1/users/00u-dave/lifecycle/unsuspend'])
    expect(status('00u-dave')).toBe('ACTIVE')
  })

  it('does not call unsuspend for a user who is not suspended', async () => {
    const bob = await account('bob@example.com')

    expect(await act(provider, bob, 'restore', {})).toEqual({ kind: 'already-done', detail: 'not suspended (Okta status ACTIVE)' })
    expect(writes()).toEqual([])
  })

  it('fails restoring a deactivated user with a conflict', async () => {
    const erin = await account('erin@example.com')

    expect(await act(provider, erin, 'restore', {})).toMatchObject({ kind: 'failed', problem: { kind: 'conflict' } })
    expect(writes()).toEqual([])
  })

  it('throws not-found when restoring a user who is gone', async () => {
    const dave = await account('dave@example.com')
    sandbox.users.delete('00u-dave')

    expect(await problemOf(act(provider, dave, 'restore', {}))).toMatchObject({ kind: 'not-found' })
  })

  it('fails cancel-delete as unsupported without calling Okta', async () => {
    const bob = await account('bob@example.com')

    expect(await act(provider, bob, 'cancel-delete', {})).toEqual({ kind: 'failed', problem: { kind: 'unsupported', action: 'cancel-delete' } })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Okta provider: delete', () => {
  it('clears sessions, deactivates explicitly, then deletes; the user is gone', async () => {
    const bob = await account('bob@example.com')

    const outcome = await act(provider, bob, 'delete', {})

    expect(outcome).toEqual({
      kind: 'done',
      detail:
        'their Okta sessions were cleared and their OAuth tokens revoked; the user was deactivated (deprovisioned from every assigned app), then deleted permanently',
    })
    expect(writes()).toEqual([
      'DELETE /api/v1/users/00u-bob/sessions?oauthTokens=true',
      'POST /api/v1/users/00u-bob/lifecycle/deactivate?sendEmail=false',
      'DELETE /api/v1/users/00u-bob?sendEmail=false',
    ])
    expect(sandbox.users.has('00u-bob')).toBe(false)
    expect(sandbox.revokedTokens.has('00u-bob')).toBe(true)
  })

  it('deletes an already deactivated user with a single DELETE', async () => {
    const erin = await account('erin@example.com')

    expect(await act(provider, erin, 'delete', {})).toEqual({ kind: 'done', detail: 'the user was already deactivated and is now deleted permanently' })
    expect(writes()).toEqual(['DELETE /api/v1/users/00u-erin?sendEmail=false'])
    expect(sandbox.users.has('00u-erin')).toBe(false)
  })

  it('is harmless to run again: a second delete finds nothing and says so', async () => {
    const bob = await account('bob@example.com')
    await act(provider, bob, 'delete', {})
    sandbox.requests.length = 0

    expect(await act(provider, bob, 'delete', {})).toEqual({ kind: 'already-done', detail: 'already deleted' })
    expect(writes()).toEqual([])
  })

  it('resumes a run that stopped after deactivating: only the DELETE is left', async () => {
    const bob = await account('bob@example.com')
    sandbox.users.get('00u-bob')!.status = 'DEPROVISIONED'

    expect(await act(provider, bob, 'delete', {})).toMatchObject({ kind: 'done' })
    expect(writes()).toEqual(['DELETE /api/v1/users/00u-bob?sendEmail=false'])
  })

  it("does not take Okta's 404 to deactivating an already deactivated user for 'gone'", async () => {
    const bob = await account('bob@example.com')
    // The bot still sees the user ACTIVE, but someone deactivated them in the meantime.
    const stale = { id: '00u-bob', status: 'ACTIVE', profile: { login: 'bob@example.com', email: 'bob@example.com' } }
    sandbox.users.get('00u-bob')!.status = 'DEPROVISIONED'
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users/00u-bob' }, { status: 200, body: stale })

    expect(await act(provider, bob, 'delete', {})).toMatchObject({ kind: 'done' })
    expect(sandbox.users.has('00u-bob')).toBe(false)
  })

  it('deletes once more when Okta only deactivated on the first DELETE', async () => {
    const bob = await account('bob@example.com')
    // Deactivate "succeeds" without effect, as if someone re-activated the user right after.
    sandbox.failNext({ method: 'POST', pathIncludes: '/lifecycle/deactivate' }, { status: 200, body: {} })

    expect(await act(provider, bob, 'delete', {})).toMatchObject({ kind: 'done' })
    expect(writes().filter((w) => w.startsWith('DELETE /api/v1/users/00u-bob?'))).toHaveLength(2)
    expect(sandbox.users.has('00u-bob')).toBe(false)
  })

  it('fails with a conflict when Okta still lists the user after the DELETE', async () => {
    const erin = await account('erin@example.com')
    sandbox.failNext({ method: 'DELETE', pathIncludes: '/api/v1/users/00u-erin' }, { status: 204 })
    sandbox.failNext({ method: 'DELETE', pathIncludes: '/api/v1/users/00u-erin' }, { status: 204 })

    const outcome = await act(provider, erin, 'delete', {})
    expect(outcome).toMatchObject({ kind: 'failed', problem: { kind: 'conflict' } })
    expect(JSON.stringify(outcome)).toMatch(/still lists the user \(status DEPROVISIONED\)/)
  })

  it('never deletes the user the API token acts as', async () => {
    const ada = await account('ada@example.com')

    expect(await act(provider, ada, 'delete', {})).toMatchObject({ kind: 'failed', problem: { kind: 'integration-owner' } })
    expect(writes()).toEqual([])
    expect(status('00u-ada')).toBe('ACTIVE')
  })
})

describe('Okta provider: listAccounts', () => {
  it('pages through GET /api/v1/users with the after cursor of the Link header, then through the deactivated users a plain list leaves out', async () => {
    for (let i = 0; i < 250; i++) sandbox.addUser({ id: `00u-many-${String(i).padStart(3, '0')}`, login: `many${i}@example.com` })

    const first = await provider.listAccounts!()
    const second = await provider.listAccounts!(first.nextCursor)
    const third = await provider.listAccounts!(second.nextCursor)

    expect(sandbox.requests[0]?.query).toEqual({ limit: '200' })
    expect(first.accounts).toHaveLength(200)
    expect(first.nextCursor).toBe(first.accounts.at(-1)?.id)
    expect(sandbox.requests[1]?.query).toEqual({ limit: '200', after: first.nextCursor })
    // 11 seeds + 250, less the one DEPROVISIONED user Okta leaves out of a plain list.
    expect(first.accounts.length + second.accounts.length).toBe(260)
    expect([...first.accounts, ...second.accounts].some((a) => a.id === '00u-erin')).toBe(false)
    expect(sandbox.requests[2]?.query).toEqual({ limit: '200', filter: 'status eq "DEPROVISIONED"' })
    expect(third.accounts.map((a) => [a.id, a.status])).toEqual([['00u-erin', 'suspended']])
    expect(third.nextCursor).toBeUndefined()
    expect(first.accounts.find((a) => a.id === '00u-bob')).toEqual({
      id: '00u-bob',
      email: 'bob@example.com',
      displayName: 'Bob Builder',
      status: 'active',
      lastActiveAt: '2025-05-28T16:45:00.000Z',
    })
  })

  it('never follows a next link to another host', async () => {
    sandbox.failNext(
      { method: 'GET', pathIncludes: '/api/v1/users' },
      { status: 200, body: [], headers: { link: '<https://evil.example.com/api/v1/users?after=00u-x&limit=200>; rel="next"' } },
    )

    const problem = await problemOf(provider.listAccounts!())
    expect(problem).toMatchObject({ kind: 'rejected' })
    expect(problem.kind === 'rejected' && problem.detail).toMatch(/points away from the org \(https:\/\/evil\.example\.com\)/)
  })

  it('rejects a next link to another list of the org', async () => {
    sandbox.failNext(
      { method: 'GET', pathIncludes: '/api/v1/users' },
      { status: 200, body: [], headers: { link: `<${sandbox.url}/api/v1/groups?after=x>; rel="next"` } },
    )

    expect(await problemOf(provider.listAccounts!())).toMatchObject({ kind: 'rejected' })
  })

  it('reads rel="next" among the Link relations', () => {
    expect(nextLink('<https://a/api/v1/users?limit=2>; rel="self", <https://a/api/v1/users?after=00u9&limit=2>; rel="next"')).toBe(
      'https://a/api/v1/users?after=00u9&limit=2',
    )
    expect(nextLink('<https://a/api/v1/users?limit=2>; rel="self"')).toBeUndefined()
    expect(nextLink(undefined)).toBeUndefined()
  })
})

describe('Okta provider: listAdmins', () => {
  it('lists everyone with a role assignment, with their roles, read from Okta', async () => {
    const admins = await provider.listAdmins!()

    expect(admins.map((a) => [a.id, a.roles, a.isAdmin])).toEqual([
      ['00u-ada', ['Super Administrator'], true],
      ['00u-gina', ['Group Administrator'], true],
      ['00u-oscar', ['Organizational Administrator'], true],
      ['00u-sue', ['Super Administrator', 'Application Administrator'], true],
    ])
    expect(sandbox.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/iam/assignees/users', query: { limit: '100' } })
  })

  it('follows the next link of the assignees list', async () => {
    for (let i = 0; i < 120; i++) sandbox.addUser({ id: `00u-adm-${String(i).padStart(3, '0')}`, login: `adm${i}@example.com`, roles: ['HELP_DESK_ADMIN'] })

    const admins = await provider.listAdmins!()

    expect(admins).toHaveLength(124)
    // Pages of 100 in id order: 00u-ada sorts first, so the first page ends at 00u-adm-098.
    expect(sandbox.requests.filter((r) => r.path === '/api/v1/iam/assignees/users').map((r) => r.query.after)).toEqual([undefined, '00u-adm-098'])
  })

  it('leaves out an admin who disappeared, or lost their roles, after Okta listed them', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users/00u-oscar' }, { status: 404 })
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users/00u-sue/roles' }, { status: 200, body: [] })

    expect((await provider.listAdmins!()).map((a) => a.id)).toEqual(['00u-ada', '00u-gina'])
  })

  it('never follows an assignees next link to another host', async () => {
    sandbox.failNext(
      { method: 'GET', pathIncludes: '/iam/assignees/users' },
      { status: 200, body: { value: [], _links: { next: { href: 'https://evil.example.com/api/v1/iam/assignees/users?after=x' } } } },
    )

    expect(await problemOf(provider.listAdmins!())).toMatchObject({ kind: 'rejected' })
  })
})

describe('Okta provider: checkConnection', () => {
  it("reads the token's user and its roles: a super admin can do everything", async () => {
    expect(await provider.checkConnection()).toEqual({
      ok: true,
      detail: 'connected as Ada Admin (ada@example.com) (Super Administrator); users can be suspended, deactivated and deleted',
    })
    expect(sandbox.requests.map((r) => r.path)).toEqual(['/api/v1/users/me', '/api/v1/users/00u-ada/roles'])
  })

  it('says a group admin only manages the users of its groups', async () => {
    sandbox.roles.set('00u-ada', sandbox.roles.get('00u-gina') ?? [])

    expect(await provider.checkConnection()).toMatchObject({ ok: true, detail: expect.stringMatching(/only users in the groups/) })
  })

  it('fails with permission when the token user holds no role that manages users', async () => {
    sandbox.roles.set('00u-ada', [])
    expect(await provider.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'permission', detail: expect.stringMatching(/\(none\)/) } })

    sandbox.addUser({ id: '00u-ro', login: 'ro@example.com', roles: ['READ_ONLY_ADMIN'] })
    sandbox.roles.set('00u-ada', sandbox.roles.get('00u-ro') ?? [])
    expect(await provider.checkConnection()).toMatchObject({
      ok: false,
      problem: { kind: 'permission', detail: expect.stringMatching(/Read-only Administrator/) },
    })
  })

  it('reports a rejected token as credentials', async () => {
    const wrong = createOktaProvider(integration({ apiToken: 'not-the-token' }))

    expect(await wrong.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'credentials', status: 401 } })
  })
})

describe('Okta provider: Okta errors reach the caller as typed problems', () => {
  it('401 E0000011 -> credentials, with the detail and without the token', async () => {
    const wrong = createOktaProvider(integration({ apiToken: 'wrong-okta-token-value' }))
    const error: unknown = await wrong.findAccount('bob@example.com').catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).problem).toMatchObject({
      kind: 'credentials',
      status: 401,
      detail: expect.stringMatching(/^Invalid token provided \(E0000011\)/),
    })
    expect(`${(error as Error).message} ${JSON.stringify((error as ProviderError).problem)}`).not.toContain('wrong-okta-token-value')
  })

  it('403 E0000006 -> permission, and nothing changed', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext(
      { method: 'POST', pathIncludes: '/lifecycle/deactivate' },
      { status: 403, body: oktaErrorBody('E0000006', 'You do not have permission to perform the requested action') },
    )

    expect(await problemOf(act(provider, bob, 'delete', {}))).toMatchObject({
      kind: 'permission',
      status: 403,
      detail: expect.stringMatching(/^You do not have permission to perform the requested action \(E0000006\)/),
    })
    expect(sandbox.users.has('00u-bob')).toBe(true)
  })

  it("403 E0000038 (not allowed in the user's current status) -> conflict, not permission", async () => {
    const dave = await account('dave@example.com')
    sandbox.failNext(
      { method: 'POST', pathIncludes: '/lifecycle/unsuspend' },
      { status: 403, body: oktaErrorBody('E0000038', "This operation is not allowed in the user's current status.") },
    )

    expect(await problemOf(act(provider, dave, 'restore', {}))).toMatchObject({ kind: 'conflict', detail: expect.stringMatching(/E0000038/) })
  })

  it('404 E0000007 on the lifecycle call -> the user is treated as gone', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'POST', pathIncludes: '/lifecycle/suspend' }, { status: 404 })

    expect(await act(provider, bob, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'the user no longer exists in Okta' })
  })

  it('429 E0000047 without Retry-After -> rate-limited, waiting until X-Rate-Limit-Reset', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'POST' }, { status: 429 })

    const problem = await problemOf(act(provider, bob, 'suspend', {}))
    expect(problem).toMatchObject({ kind: 'rate-limited' })
    const wait = problem.kind === 'rate-limited' ? problem.retryAfterMs : undefined
    expect(wait).toBeGreaterThanOrEqual(0)
    expect(wait).toBeLessThanOrEqual(RATE_LIMIT_FALLBACK_MS + 2_000)
  })

  it("429 waits one second more than X-Rate-Limit-Reset says, measured from Okta's Date, as Okta's SDK does", async () => {
    const date = new Date(Math.floor(Date.now() / 1000) * 1000)
    sandbox.failNext({ method: 'GET' }, { status: 429, headers: { date: date.toUTCString(), 'x-rate-limit-reset': String(date.getTime() / 1000 + 30) } })

    expect(await problemOf(provider.findAccount('bob@example.com'))).toEqual({ kind: 'rate-limited', retryAfterMs: 31_000 })
  })

  it('429 with a Retry-After (from a proxy in front of Okta) -> that wait', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 429, headers: { 'retry-after': '7' } })

    expect(await problemOf(provider.findAccount('bob@example.com'))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
  })

  it('503 -> transient, with the status', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 503 })

    expect(await problemOf(provider.findAccount('bob@example.com'))).toMatchObject({ kind: 'transient', status: 503 })
  })

  it('an Okta slower than timeoutMs -> transient', async () => {
    const impatient = createOktaProvider(integration(), { timeoutMs: 150 })
    sandbox.failNext({ method: 'GET' }, { delayMs: 1500 })

    const started = Date.now()
    expect(await problemOf(impatient.findAccount('bob@example.com'))).toMatchObject({ kind: 'transient' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('an unreadable user -> rejected', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ method: 'GET', pathIncludes: '/api/v1/users/00u-bob' }, { status: 200, body: { id: '00u-bob' } })

    expect(await problemOf(act(provider, bob, 'delete', {}))).toMatchObject({ kind: 'rejected' })
    expect(writes()).toEqual([])
  })

  it('reads summary, causes, code and errorId from an Okta error body', () => {
    expect(
      describeOktaError(400, oktaErrorBodyWith('E0000001', 'Api validation failed: login', ['login: An object with this field already exists'], 'oae123')),
    ).toBe('Api validation failed: login: login: An object with this field already exists (E0000001) [errorId oae123]')
    expect(describeOktaError(500, 'not json')).toBeUndefined()
    expect(describeOktaError(404, { errorCode: 'E0000007' })).toBe('Okta error (E0000007)')
  })
})

describe('Okta sandbox: behaves like Okta where the adapter relies on it', () => {
  async function call(method: string, path: string, auth = `SSWS ${TOKEN}`): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(`${sandbox.url}${path}`, { method, headers: { authorization: auth, accept: 'application/json' } })
    const text = await response.text()
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: response.headers }
  }

  it('accepts only the SSWS scheme with the right token (401 E0000011 otherwise)', async () => {
    expect((await call('GET', '/api/v1/users/me')).status).toBe(200)
    expect(await call('GET', '/api/v1/users/me', `Bearer ${TOKEN}`)).toMatchObject({
      status: 401,
      body: { errorCode: 'E0000011', errorSummary: 'Invalid token provided' },
    })
  })

  it('suspends only ACTIVE users and unsuspends only SUSPENDED ones (400 E0000001 with the cause)', async () => {
    expect(await call('POST', '/api/v1/users/00u-dave/lifecycle/suspend')).toMatchObject({
      status: 400,
      body: {
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: suspendUser',
        errorCauses: [{ errorSummary: 'Cannot suspend a user that is not active' }],
      },
    })
    expect(await call('POST', '/api/v1/users/00u-bob/lifecycle/unsuspend')).toMatchObject({
      status: 400,
      body: { errorCauses: [{ errorSummary: 'Cannot unsuspend a user that is not suspended' }] },
    })
  })

  it('answers deactivating a DEPROVISIONED user with 404 E0000007, as Okta does', async () => {
    expect(await call('POST', '/api/v1/users/00u-erin/lifecycle/deactivate')).toMatchObject({ status: 404, body: { errorCode: 'E0000007' } })
  })

  it('deactivates on the first DELETE of a live user and deletes on the second', async () => {
    expect((await call('DELETE', '/api/v1/users/00u-bob')).status).toBe(204)
    expect(status('00u-bob')).toBe('DEPROVISIONED')
    expect((await call('DELETE', '/api/v1/users/00u-bob')).status).toBe(204)
    expect(sandbox.users.has('00u-bob')).toBe(false)
    expect((await call('GET', '/api/v1/users/00u-bob')).status).toBe(404)
  })

  it('revokes admin roles on deactivation, except the last individually assigned super admin keeps hers', async () => {
    await call('POST', '/api/v1/users/00u-sue/lifecycle/deactivate')
    expect(sandbox.roles.get('00u-sue')).toEqual([])
    await call('POST', '/api/v1/users/00u-ada/lifecycle/deactivate')
    expect(sandbox.roles.get('00u-ada')?.map((role) => role.type)).toEqual(['SUPER_ADMIN'])
  })

  it('leaves deactivated users out of a plain list but finds them with search, and sends rate-limit headers', async () => {
    const plain = await call('GET', '/api/v1/users')
    const searched = await call('GET', `/api/v1/users?search=${encodeURIComponent('status eq "DEPROVISIONED"')}`)

    expect((plain.body as { id: string }[]).some((user) => user.id === '00u-erin')).toBe(false)
    expect((searched.body as { id: string }[]).map((user) => user.id)).toEqual(['00u-erin'])
    expect(plain.headers.get('x-rate-limit-remaining')).toMatch(/^\d+$/)
    expect((await call('GET', `/api/v1/users?search=${encodeURIComponent('profile.login like "x"')}`)).body).toMatchObject({ errorCode: 'E0000031' })
  })
})

function oktaErrorBodyWith(code: string, summary: string, causes: string[], errorId: string): unknown {
  return { ...oktaErrorBody(code, summary, causes), errorId }
}

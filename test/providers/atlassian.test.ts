/**
 * The Atlassian adapter against the in-memory Atlassian sandbox: what the admin and
 * user-management APIs receive for each action, and what the caller sees for each answer.
 */
import { request } from 'undici'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AtlassianIntegration } from '../../src/providers/atlassian/config.js'
import { DEFAULT_ADMIN_CONSOLE_URL } from '../../src/providers/atlassian/adapter.js'
import { createAtlassianProvider } from '../../src/providers/atlassian/provider.js'
import { rateLimitWaitMs } from '../../src/providers/atlassian/errors.js'
import { ProviderError } from '../../src/providers/problems.js'
import { act, executeFor, preflightFor } from '../../src/providers/run.js'
import type { Account, Action, Preflight, Provider } from '../../src/providers/types.js'
import { LAST_BILLING_ADMIN, startAtlassianSandbox } from '../../local/atlassian-sandbox.js'
import type { AtlassianSandbox, SeedAccount } from '../../local/atlassian-sandbox.js'
import { problemOf, ready, seededAccount } from '../support/provider-harness.js'

const API_KEY = 'atl-admin-key-5b2e91c7d3'
const ORG_ID = 'org-4f1d2a'
const DIRECTORY = 'dir-main'
const START = new Date('2025-03-01T10:00:00.000Z')
const DAY_MS = 86_400_000
/** Someone acting whose Slack email the bot knows (without it, the guards refuse delete and suspend). */
const ACTING = { actorEmail: 'security.oncall@example.com' }

const SEED: SeedAccount[] = [
  {
    accountId: 'aa-alice',
    email: 'alice@example.com',
    name: 'Alice Admin',
    platformRoles: ['atlassian/org-admin'],
    products: ['jira-software', 'confluence'],
  },
  { accountId: 'aa-bob', email: 'bob@example.com', name: 'Bob Builder' },
  { accountId: 'aa-carol', email: 'carol@example.com', name: 'Carol Contractor', state: 'deactivated' },
  { accountId: 'aa-dave', email: 'dave@example.com', name: 'Dave Departed', state: 'pending-deletion', deletionRequestedAt: '2025-02-25T08:00:00.000Z' },
  { accountId: 'aa-erin', email: 'erin@freemail.example', name: 'Erin External', claimStatus: 'unmanaged' },
  { accountId: 'aa-grace', email: 'grace@example.com', name: 'Grace Billing', lifecycleErrors: { delete: [LAST_BILLING_ADMIN] } },
]

let clock = START
let sandbox: AtlassianSandbox
let provider: Provider

function integration(overrides: Partial<AtlassianIntegration> = {}): AtlassianIntegration {
  return { id: 'acme-atlassian', type: 'atlassian', displayName: 'Atlassian', orgId: ORG_ID, apiKey: API_KEY, baseUrl: sandbox.url, ...overrides }
}

function create(overrides: Partial<AtlassianIntegration> = {}, timeoutMs = 2000): Provider {
  return createAtlassianProvider(integration(overrides), { timeoutMs, now: () => clock })
}

const account = (email: string): Promise<Account> => seededAccount(provider, sandbox, email)

function calls(): string[] {
  return sandbox.requests.map((r) => `${r.method} ${r.path}`)
}

const SEARCH_PATH = `/admin/v2/orgs/${ORG_ID}/directories/${DIRECTORY}/users/search`

beforeAll(async () => {
  sandbox = await startAtlassianSandbox({
    apiKey: API_KEY,
    orgId: ORG_ID,
    orgName: 'Acme Corp',
    directories: [{ directoryId: DIRECTORY, name: 'Acme' }],
    now: () => clock,
  })
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => {
  clock = START
  sandbox.accounts.clear()
  for (const seed of SEED) sandbox.addAccount(seed)
  sandbox.requests.length = 0
  // A fresh adapter per test: the directory lookup is cached per instance.
  provider = create()
})

describe('Atlassian provider: description', () => {
  it('offers all four actions, cancelling a deletion included', () => {
    expect([...provider.capabilities].sort()).toEqual(['cancel-delete', 'delete', 'restore', 'suspend'])
    expect(provider).toMatchObject({ id: 'acme-atlassian', type: 'atlassian', displayName: 'Atlassian', adminConsoleUrl: DEFAULT_ADMIN_CONSOLE_URL })
  })

  it('links the configured admin console when there is one', () => {
    expect(create({ adminConsoleUrl: 'https://admin.atlassian.com/o/org-4f1d2a' }).adminConsoleUrl).toBe('https://admin.atlassian.com/o/org-4f1d2a')
  })
})

describe('Atlassian provider: findAccount', () => {
  it('discovers the directory, then searches it for the exact email with roles and products expanded', async () => {
    const found = await provider.findAccount('alice@example.com')

    expect(found).toEqual({ id: 'aa-alice', email: 'alice@example.com', displayName: 'Alice Admin', status: 'active', roles: ['atlassian/org-admin'] })
    expect(calls()).toEqual([`GET /admin/v2/orgs/${ORG_ID}/directories`, `POST ${SEARCH_PATH}`])
    expect(sandbox.requests[1]).toMatchObject({ authorization: true, contentType: 'application/json' })
    expect(sandbox.requests[1]?.body).toEqual({ emails: ['alice@example.com'], expand: ['platformRoles', 'productAccess'] })
  })

  it('looks the directory up only once per adapter', async () => {
    await provider.findAccount('alice@example.com')
    await provider.findAccount('bob@example.com')

    expect(calls().filter((call) => call.endsWith('/directories'))).toHaveLength(1)
  })

  it('uses the configured directoryId without listing directories', async () => {
    const configured = create({ directoryId: DIRECTORY })

    expect(await configured.findAccount('bob@example.com')).toMatchObject({ id: 'aa-bob', roles: [] })
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`])
  })

  it('searches every directory (following the list pages) until one has the account', async () => {
    const multi = await startAtlassianSandbox({
      apiKey: API_KEY,
      orgId: ORG_ID,
      pageSize: 1,
      directories: [
        { directoryId: 'dir-a', name: 'A' },
        { directoryId: 'dir-b', name: 'B' },
      ],
      accounts: [{ accountId: 'aa-zoe', email: 'zoe@example.com', directories: ['dir-b'] }],
    })
    try {
      const found = await createAtlassianProvider(integration({ baseUrl: multi.url })).findAccount('zoe@example.com')

      expect(found).toMatchObject({ id: 'aa-zoe' })
      expect(multi.requests.map((r) => `${r.method} ${r.path}${r.query.cursor ? `?cursor=${r.query.cursor}` : ''}`)).toEqual([
        `GET /admin/v2/orgs/${ORG_ID}/directories`,
        `GET /admin/v2/orgs/${ORG_ID}/directories?cursor=1`,
        `POST /admin/v2/orgs/${ORG_ID}/directories/dir-a/users/search`,
        `POST /admin/v2/orgs/${ORG_ID}/directories/dir-b/users/search`,
      ])
    } finally {
      await multi.stop()
    }
  })

  it('refuses, rather than answer "no such account", when the directories run past the pages it reads', async () => {
    const directories = Array.from({ length: 21 }, (_, i) => ({ directoryId: `dir-${i}`, name: `D${i}` }))
    const multi = await startAtlassianSandbox({
      apiKey: API_KEY,
      orgId: ORG_ID,
      pageSize: 1,
      directories,
      accounts: [{ accountId: 'aa-zoe', email: 'zoe@example.com', directories: ['dir-20'] }],
    })
    try {
      const lookup = createAtlassianProvider(integration({ baseUrl: multi.url })).findAccount('zoe@example.com')

      await expect(lookup).rejects.toMatchObject({ problem: { kind: 'rejected', detail: expect.stringMatching(/set directoryId/) } })
      expect(multi.requests.filter((r) => r.path.endsWith('/users/search'))).toEqual([])
    } finally {
      await multi.stop()
    }
  })

  it('reads a deactivated account and one pending deletion as suspended', async () => {
    expect(await provider.findAccount('carol@example.com')).toMatchObject({ id: 'aa-carol', status: 'suspended' })
    expect(await provider.findAccount('dave@example.com')).toMatchObject({ id: 'aa-dave', status: 'suspended' })
  })

  it('still returns an unmanaged account, so the modal can explain why it cannot be touched', async () => {
    expect(await provider.findAccount('erin@freemail.example')).toMatchObject({ id: 'aa-erin', status: 'active' })
  })

  it('matches the email without regard to case, and ignores answers for another address', async () => {
    expect(await provider.findAccount('Alice@Example.COM')).toMatchObject({ id: 'aa-alice' })
    sandbox.failNext({ pathIncludes: '/users/search' }, { status: 200, body: { data: [{ accountId: 'aa-bob', email: 'bob@example.com' }] } })

    expect(await provider.findAccount('alice@example.com')).toBeNull()
  })

  it('answers null for an unknown email, a deletion that became final, and an account Atlassian reports closed', async () => {
    expect(await provider.findAccount('nobody@example.com')).toBeNull()
    sandbox.account('aa-bob')!.state = 'deleted'
    expect(await provider.findAccount('bob@example.com')).toBeNull()
    sandbox.failNext(
      { pathIncludes: '/users/search' },
      { status: 200, body: { data: [{ accountId: 'aa-alice', email: 'alice@example.com', accountStatus: 'closed' }] } },
    )
    expect(await provider.findAccount('alice@example.com')).toBeNull()
  })

  it('reports a search answer it cannot read as rejected', async () => {
    sandbox.failNext({ pathIncludes: '/users/search' }, { status: 200, body: { users: [] } })

    expect(await problemOf(provider.findAccount('alice@example.com'))).toMatchObject({ kind: 'rejected' })
  })

  it('reports a wrong directoryId as a configuration problem, never as "account not found"', async () => {
    const problem = await problemOf(create({ directoryId: 'dir-typo' }).findAccount('alice@example.com'))

    expect(problem).toMatchObject({ kind: 'rejected', status: 404 })
    expect(problem.kind === 'rejected' && problem.detail).toMatch(/check orgId and directoryId/)
  })

  it('does not cache a failed directory lookup', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/directories' }, { status: 503 })

    expect(await problemOf(provider.findAccount('alice@example.com'))).toMatchObject({ kind: 'transient', status: 503 })
    expect(await provider.findAccount('alice@example.com')).toMatchObject({ id: 'aa-alice' })
  })
})

describe('Atlassian provider: preflight', () => {
  it('prepares a suspend: deactivation keeps roles and groups, reversible, re-reads the account and asks what the key may do', async () => {
    const bob = await account('bob@example.com')

    const preflight = ready(await provider.preflight(bob, 'suspend'))

    expect(preflight.reversible).toBe(true)
    expect(preflight.consequences.join(' ')).toMatch(/can no longer log in/)
    expect(preflight.consequences.join(' ')).toMatch(/roles, group memberships and personal data are kept/)
    expect(preflight.warnings.join(' ')).toMatch(/still in your SAML identity provider or Google Workspace.*remove them there first/)
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`, 'GET /users/aa-bob/manage'])
    expect(sandbox.requests[0]?.body).toEqual({ accountIds: ['aa-bob'], expand: ['platformRoles', 'productAccess'] })
  })

  it('prepares a delete: final date 14 days from now, cancellable until then, products lost, data erased later', async () => {
    const alice = await account('alice@example.com')

    const preflight = ready(await provider.preflight(alice, 'delete'))
    const text = preflight.consequences.join(' ')

    expect(preflight.reversible).toBe(true)
    expect(text).toMatch(/deactivated now and deleted for good on 15 March 2025 \(UTC\), 14 days from now/)
    expect(text).toMatch(/Until 15 March 2025 \(UTC\) the deletion can be cancelled/)
    expect(text).toMatch(/including jira-software, confluence/)
    expect(text).toMatch(/personal data .* within 30 days; content they created stays/)
    expect(preflight.warnings).toContain('This account is an organization admin: make sure another admin remains.')
    expect(preflight.warnings.join(' ')).toMatch(/SAML identity provider/)
  })

  it('prepares a restore and a cancel-delete: the account comes back and is billed again', async () => {
    const carol = await account('carol@example.com')
    const dave = await account('dave@example.com')

    expect(ready(await provider.preflight(carol, 'restore')).consequences.join(' ')).toMatch(/reactivated.*roles and group memberships they had before/)
    const cancel = ready(await provider.preflight(dave, 'cancel-delete'))
    expect(cancel.consequences.join(' ')).toMatch(/deletion is cancelled and the account is reactivated/)
    expect(cancel.consequences.join(' ')).toMatch(/billed for the account again/)
    expect(cancel.warnings).toEqual([])
  })

  it('blocks an unmanaged account without asking the user-management API, and says what to do instead', async () => {
    const erin = await account('erin@freemail.example')

    const preflight = await provider.preflight(erin, 'delete')

    expect(preflight).toMatchObject({ kind: 'blocked', account: { id: 'aa-erin' }, blockers: [{ problem: { kind: 'api-prohibited' } }] })
    const detail = preflight.kind === 'blocked' && preflight.blockers[0]?.problem.kind === 'api-prohibited' ? preflight.blockers[0].problem.detail : ''
    expect(detail).toMatch(/^not a managed account: erin@freemail\.example/)
    expect(detail).toMatch(/Directory > Users > Remove\/Suspend access/)
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`])
  })

  // The expected problem: exact, or with a matcher where the sentence is long.
  const restricted: [string, unknown][] = [
    [
      'externalDirectory.scim',
      { kind: 'api-prohibited', detail: 'managed by a SCIM directory: remove them in the identity provider, which then deactivates the account in Atlassian' },
    ],
    [
      'externalDirectory.google',
      { kind: 'api-prohibited', detail: 'managed through Google Workspace: remove or suspend them in Google Workspace, which Atlassian syncs from' },
    ],
    ['authPolicy.saml', { kind: 'api-prohibited', detail: 'the account is controlled by SAML single sign-on: delete it in the identity provider instead' }],
    [
      'blocked.exportControl',
      {
        kind: 'api-prohibited',
        detail: 'the account is blocked under US export control: only Atlassian Support can change it (support.atlassian.com/contact)',
      },
    ],
    ['myselfOnly', { kind: 'api-prohibited', detail: 'only the person who owns the account may delete it' }],
    ['managedAccount', { kind: 'api-prohibited', detail: expect.stringMatching(/^only an admin of the organization that manages this account may delete it/) }],
    ['administrative', { kind: 'permission', status: 403, detail: expect.stringMatching(/^only an organization admin may delete this account/) }],
    ['administrative.notMyself', { kind: 'integration-owner', owner: 'bob@example.com' }],
    [
      'someFutureReason',
      { kind: 'api-prohibited', detail: 'Atlassian does not allow it (restriction "someFutureReason"): do it in Atlassian Administration instead' },
    ],
  ]

  it.each(restricted)('turns a lifecycle.delete restriction "%s" into a blocker that says what to do', async (reason, problem) => {
    const bob = await account('bob@example.com')
    sandbox.setRestriction('aa-bob', 'lifecycle.delete', reason)

    expect(await provider.preflight(bob, 'delete')).toEqual({ kind: 'blocked', account: bob, blockers: [{ problem }] })
  })

  it('checks the privilege of the action asked: a delete restriction does not stop a suspend', async () => {
    const bob = await account('bob@example.com')
    sandbox.setRestriction('aa-bob', 'lifecycle.delete', 'externalDirectory.scim')

    expect(await provider.preflight(bob, 'suspend')).toMatchObject({ kind: 'ready' })
    sandbox.setRestriction('aa-bob', 'lifecycle.enablement', 'externalDirectory.scim')
    expect(await provider.preflight(bob, 'restore')).toMatchObject({ kind: 'blocked' })
    expect(await provider.preflight(bob, 'cancel-delete')).toMatchObject({ kind: 'blocked' })
  })

  it('says a deletion already scheduled will not change, and points to Cancel deletion', async () => {
    const dave = await account('dave@example.com')

    const preflight = ready(await provider.preflight(dave, 'delete'))

    expect(preflight.warnings[0]).toBe('The account is already scheduled for deletion; nothing will change. To keep it, use Cancel deletion instead.')
  })

  it('blocks restoring an account pending deletion: only cancelling the deletion brings it back', async () => {
    const dave = await account('dave@example.com')

    expect(await provider.preflight(dave, 'restore')).toMatchObject({
      kind: 'blocked',
      blockers: [{ problem: { kind: 'conflict', detail: expect.stringMatching(/use Cancel deletion instead/) } }],
    })
  })

  it('warns when the action would change nothing', async () => {
    const [bob, carol, dave] = [await account('bob@example.com'), await account('carol@example.com'), await account('dave@example.com')]

    expect(ready(await provider.preflight(carol, 'suspend')).warnings[0]).toBe('The account is already deactivated; nothing will change.')
    expect(ready(await provider.preflight(dave, 'suspend')).warnings[0]).toBe(
      'The account is already deactivated and scheduled for deletion; nothing will change.',
    )
    expect(ready(await provider.preflight(bob, 'restore')).warnings[0]).toBe('The account is already active; nothing will change.')
    expect(ready(await provider.preflight(bob, 'cancel-delete')).warnings[0]).toBe('No deletion is scheduled for this account; nothing will change.')
  })

  it('warns when Atlassian reports no platform roles, since admins cannot be recognised', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext(
      { pathIncludes: '/users/search' },
      { status: 200, body: { data: [{ accountId: 'aa-bob', email: 'bob@example.com', accountStatus: 'active' }] } },
    )

    const preflight = ready(await provider.preflight(bob, 'suspend'))

    expect(preflight.account.roles).toBeUndefined()
    expect(preflight.warnings).toContain('Atlassian did not report platform roles, so the bot cannot check whether this is an admin.')
  })

  it('answers gone when the account left the directory, or the user-management API no longer knows it', async () => {
    const bob = await account('bob@example.com')
    sandbox.account('aa-bob')!.state = 'deleted'
    expect(await provider.preflight(bob, 'delete')).toEqual({ kind: 'gone' })

    sandbox.account('aa-bob')!.state = 'active'
    sandbox.failNext({ pathIncludes: '/manage' }, { status: 404, body: { key: 'accountNotFound' } })
    expect(await provider.preflight(bob, 'delete')).toEqual({ kind: 'gone' })
  })

  it('reports a permissions answer it cannot read as rejected', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ pathIncludes: '/manage' }, { status: 200, body: { 'lifecycle.delete': { allowed: 'maybe' } } })

    expect(await problemOf(provider.preflight(bob, 'delete'))).toMatchObject({ kind: 'rejected' })
  })
})

describe('Atlassian provider: execute', () => {
  it('suspends with POST .../lifecycle/disable: done, and the account is deactivated', async () => {
    const bob = await account('bob@example.com')

    const outcome = await act(provider, bob, 'suspend', {})

    expect(outcome).toEqual({ kind: 'done', detail: 'deactivated: they can no longer log in to Atlassian; their roles and group memberships are kept' })
    expect(calls()).toEqual(['POST /users/aa-bob/manage/lifecycle/disable'])
    expect(sandbox.requests[0]).toMatchObject({ body: {}, authorization: true })
    expect(sandbox.account('aa-bob')?.state).toBe('deactivated')
  })

  it('does not call Atlassian to suspend an account that is already deactivated', async () => {
    const carol = await account('carol@example.com')

    expect(await act(provider, carol, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'the account was already deactivated' })
    expect(sandbox.requests).toHaveLength(0)
  })

  it('restores with POST .../lifecycle/enable: done ("reactivated"), and the account is active', async () => {
    const carol = await account('carol@example.com')

    const outcome = await act(provider, carol, 'restore', {})

    expect(outcome).toEqual({ kind: 'done', detail: 'reactivated: they can log in again, with the roles and group memberships they had before' })
    expect(calls()).toEqual(['POST /users/aa-carol/manage/lifecycle/enable'])
    expect(sandbox.account('aa-carol')?.state).toBe('active')
    expect(await act(provider, await account('carol@example.com'), 'restore', {})).toEqual({ kind: 'already-done', detail: 'the account was already active' })
  })

  it('deletes with POST .../lifecycle/delete: scheduled 14 days from now, cancellable', async () => {
    const bob = await account('bob@example.com')

    const outcome = await act(provider, bob, 'delete', {})

    expect(outcome).toEqual({ kind: 'scheduled', until: '2025-03-15T10:00:00.000Z', cancellable: true })
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`, 'POST /users/aa-bob/manage/lifecycle/delete'])
    expect(sandbox.account('aa-bob')).toMatchObject({ state: 'pending-deletion', deletionFinalAt: '2025-03-15T10:00:00.000Z' })
  })

  it('cancels a deletion with POST .../lifecycle/cancel-delete, and the account really is active again', async () => {
    await act(provider, await account('bob@example.com'), 'delete', {})
    const pending = await account('bob@example.com')
    expect(pending.status).toBe('suspended')

    const outcome = await act(provider, pending, 'cancel-delete', {})

    expect(outcome).toEqual({
      kind: 'done',
      detail: 'the deletion is cancelled and the account is active again: they can use Atlassian services again, and the organization is billed for them again',
    })
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`, 'POST /users/aa-bob/manage/lifecycle/cancel-delete'])
    expect(sandbox.account('aa-bob')).toMatchObject({ state: 'active' })
    expect(sandbox.account('aa-bob')?.deletionFinalAt).toBeUndefined()
    expect(await provider.findAccount('bob@example.com')).toMatchObject({ status: 'active' })
  })

  it('does not delete again an account whose deletion is already scheduled', async () => {
    const dave = await account('dave@example.com')

    const outcome = await act(provider, dave, 'delete', {})

    expect(outcome).toMatchObject({ kind: 'already-done', detail: expect.stringMatching(/^its deletion was already scheduled/) })
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`])
    expect(sandbox.account('aa-dave')?.deletionFinalAt).toBe('2025-03-11T08:00:00.000Z')
  })

  it('does not cancel a deletion that is not scheduled', async () => {
    const bob = await account('bob@example.com')

    expect(await act(provider, bob, 'cancel-delete', {})).toEqual({ kind: 'already-done', detail: 'no deletion was scheduled for this account' })
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`])
  })

  it('cannot cancel once the 14 days have passed: the deletion is final', async () => {
    await act(provider, await account('bob@example.com'), 'delete', {})
    const pending = await account('bob@example.com')
    clock = new Date(START.getTime() + 14 * DAY_MS + 1000)

    expect(await problemOf(act(provider, pending, 'cancel-delete', {}))).toMatchObject({ kind: 'not-found' })
    expect(await provider.findAccount('bob@example.com')).toBeNull()
    expect(sandbox.account('aa-bob')?.state).toBe('deleted')
  })

  it('refuses to delete an unmanaged account without calling the lifecycle API', async () => {
    const erin = await account('erin@freemail.example')

    expect(await problemOf(act(provider, erin, 'delete', {}))).toMatchObject({
      kind: 'api-prohibited',
      detail: expect.stringMatching(/^not a managed account/),
    })
    expect(calls()).toEqual([`POST ${SEARCH_PATH}`])
  })

  it('reports an account that vanished before the delete as already gone to the caller', async () => {
    sandbox.failNext({ pathIncludes: '/lifecycle/delete' }, { status: 404, body: { key: 'accountNotFound' } })

    expect(await executeFor(provider, { email: 'bob@example.com' }, 'delete', {}, ACTING)).toEqual({
      kind: 'already-done',
      detail: 'no account with this email exists in Atlassian any more',
    })
  })
})

describe('Atlassian provider: service errors reach the caller as typed problems', () => {
  it('401 -> credentials, and the API key is in neither message nor problem', async () => {
    const wrong = create({ apiKey: 'wrong-key-value-123' })
    const error: unknown = await wrong.findAccount('alice@example.com').catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).problem).toEqual({ kind: 'credentials', status: 401, detail: 'Unauthorized' })
    expect(`${(error as Error).message} ${JSON.stringify((error as ProviderError).problem)}`).not.toContain('wrong-key-value-123')
  })

  it('409 conflict.lifecycleErrors -> conflict that says why the account is not eligible', async () => {
    const grace = await account('grace@example.com')

    expect(await problemOf(act(provider, grace, 'delete', {}))).toEqual({
      kind: 'conflict',
      detail: 'not eligible: User is last billing admin of a transaction account that has one or more active entitlements',
    })
    expect(sandbox.account('aa-grace')?.state).toBe('active')
  })

  it('409 with several error codes lists each message (or its code)', async () => {
    const bob = await account('bob@example.com')
    sandbox.setLifecycleErrors('aa-bob', 'disable', [{ code: 'FIRST', message: 'First reason' }, { code: 'SECOND_CODE' }])

    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({ kind: 'conflict', detail: 'not eligible: First reason; SECOND_CODE' })
  })

  it('403 forbidden.action during execute -> the same explained blocker the preflight gives', async () => {
    const bob = await account('bob@example.com')
    sandbox.setRestriction('aa-bob', 'lifecycle.enablement', 'externalDirectory.scim')

    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({
      kind: 'api-prohibited',
      detail: 'managed by a SCIM directory: remove them in the identity provider, which then deactivates the account in Atlassian',
    })
    sandbox.setRestriction('aa-bob', 'lifecycle.enablement', 'administrative.notMyself')
    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({ kind: 'integration-owner', owner: 'bob@example.com' })
    expect(sandbox.account('aa-bob')?.state).toBe('active')
  })

  it('403 without a reason -> permission', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ pathIncludes: '/lifecycle/disable' }, { status: 403, body: { key: 'forbidden' } })

    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({ kind: 'permission', status: 403, detail: 'forbidden' })
  })

  it('403 from the organization API -> permission with its title and code', async () => {
    sandbox.failNext(
      { pathIncludes: '/directories' },
      { status: 403, body: { errors: [{ status: '403', code: 'ADMIN-403-3', title: 'Not allowed to manage the org' }] } },
    )

    expect(await problemOf(provider.findAccount('bob@example.com'))).toEqual({
      kind: 'permission',
      status: 403,
      detail: 'Not allowed to manage the org (ADMIN-403-3)',
    })
  })

  it('429 with Retry-After: 7 -> rate-limited, retry after 7000 ms', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ pathIncludes: '/lifecycle/disable' }, { status: 429, headers: { 'retry-after': '7' } })

    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
  })

  it('429 with only X-RateLimit-Reset (ISO 8601) -> rate-limited, waiting until the reset', async () => {
    sandbox.failNext({ pathIncludes: '/users/search' }, { status: 429, headers: { 'x-ratelimit-reset': new Date(Date.now() + 5_000).toISOString() } })

    const problem = await problemOf(create({ directoryId: DIRECTORY }).findAccount('bob@example.com'))
    const wait = problem.kind === 'rate-limited' ? problem.retryAfterMs : undefined
    expect(wait).toBeGreaterThan(3_000)
    expect(wait).toBeLessThanOrEqual(6_000)
  })

  it('503 -> transient, with the status', async () => {
    sandbox.failNext({ pathIncludes: '/users/search' }, { status: 503 })

    expect(await problemOf(provider.findAccount('bob@example.com'))).toMatchObject({ kind: 'transient', status: 503 })
  })

  it('a service slower than timeoutMs -> transient', async () => {
    const impatient = create({ directoryId: DIRECTORY }, 150)
    sandbox.failNext({ pathIncludes: '/users/search' }, { delayMs: 1500 })

    const started = Date.now()
    expect(await problemOf(impatient.findAccount('bob@example.com'))).toMatchObject({ kind: 'transient' })
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('rateLimitWaitMs: how long Atlassian asks to wait', () => {
  const now = Date.parse('2025-03-01T10:00:00Z')

  it('prefers Retry-After', () => {
    expect(rateLimitWaitMs({ 'retry-after': '3', 'x-ratelimit-reset': '2025-03-01T10:05Z' }, now)).toBe(3000)
  })

  it('otherwise counts down to X-RateLimit-Reset, an ISO-8601 time', () => {
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': '2025-03-01T10:01Z' }, now)).toBe(60_000)
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': '2025-03-01T10:00:30.000Z' }, now)).toBe(30_000)
  })

  it('reads a reset in the past as "now", and tolerates epoch seconds or a number of seconds', () => {
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': '2025-03-01T09:00Z' }, now)).toBe(0)
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': String(now / 1000 + 12) }, now)).toBe(12_000)
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': '5' }, now)).toBe(5000)
  })

  it('is undefined without a readable header', () => {
    expect(rateLimitWaitMs({}, now)).toBeUndefined()
    expect(rateLimitWaitMs({ 'x-ratelimit-reset': 'soon' }, now)).toBeUndefined()
  })
})

describe('Atlassian provider: checkConnection', () => {
  it('reads the organization and its directories', async () => {
    expect(await provider.checkConnection()).toEqual({ ok: true, detail: 'connected to organization "Acme Corp"; searching 1 directory' })
    expect(calls()).toEqual([`GET /admin/v1/orgs/${ORG_ID}`, `GET /admin/v2/orgs/${ORG_ID}/directories`, `POST ${SEARCH_PATH}`])
    expect(sandbox.requests[2]?.body).toEqual({ limit: 1 })
  })

  it('reports a configured directoryId the organization does not have', async () => {
    const health = await create({ directoryId: 'dir-typo' }).checkConnection()

    expect(health).toMatchObject({ ok: false, problem: { kind: 'rejected', status: 404, detail: expect.stringMatching(/check orgId and directoryId/) } })
  })

  it('reports credentials trouble with a bad key', async () => {
    expect(await create({ apiKey: 'expired-key-000' }).checkConnection()).toEqual({
      ok: false,
      problem: expect.objectContaining({ kind: 'credentials', status: 401 }),
    })
  })

  it('reports a wrong orgId as a configuration problem', async () => {
    const health = await create({ orgId: 'org-typo' }).checkConnection()

    expect(health).toMatchObject({ ok: false, problem: { kind: 'rejected', status: 404, detail: expect.stringMatching(/check orgId/) } })
  })

  it('reports an organization without directories', async () => {
    const empty = await startAtlassianSandbox({ apiKey: API_KEY, orgId: ORG_ID, directories: [] })
    try {
      const health = await createAtlassianProvider(integration({ baseUrl: empty.url })).checkConnection()

      expect(health).toMatchObject({ ok: false, problem: { kind: 'rejected', detail: expect.stringMatching(/no directory/) } })
    } finally {
      await empty.stop()
    }
  })
})

describe("Atlassian provider through the bot's run helpers", () => {
  it.each<[string, Action, Preflight['kind']]>([
    ['bob@example.com', 'delete', 'ready'],
    ['erin@freemail.example', 'suspend', 'blocked'],
    ['nobody@example.com', 'delete', 'gone'],
  ])('preflightFor(%s, %s) is %s', async (email, action, kind) => {
    expect((await preflightFor(provider, { email }, action, ACTING)).kind).toBe(kind)
  })

  it('executeFor turns a refusal into a failed outcome instead of throwing', async () => {
    expect(await executeFor(provider, { email: 'grace@example.com' }, 'delete', {}, ACTING)).toMatchObject({ kind: 'failed', problem: { kind: 'conflict' } })
  })
})

describe('Atlassian sandbox', () => {
  it("answers a missing key with the gateway's 401 body", async () => {
    const response = await request(`${sandbox.url}/admin/v1/orgs/${ORG_ID}`)

    expect(response.statusCode).toBe(401)
    expect(await response.body.json()).toEqual({ code: 401, message: 'Unauthorized' })
  })

  it('refuses emails together with searchTerm, as Atlassian documents', async () => {
    const response = await request(`${sandbox.url}${SEARCH_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ emails: ['bob@example.com'], searchTerm: 'bob' }),
    })

    expect(response.statusCode).toBe(400)
    expect(await response.body.json()).toMatchObject({ errors: [{ code: 'ADMIN-400-24' }] })
  })

  it('refuses to enable an account pending deletion with a 409 lifecycle error', async () => {
    const dave = await account('dave@example.com')

    expect(await problemOf(act(provider, dave, 'restore', {}))).toMatchObject({
      kind: 'conflict',
      detail: expect.stringMatching(/^not eligible: .*cancel the deletion/),
    })
    expect(sandbox.account('aa-dave')?.state).toBe('pending-deletion')
  })
})

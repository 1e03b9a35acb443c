/**
 * The Entra ID adapter against the in-memory tenant: what Microsoft Graph and the token
 * endpoint receive for each action, and what the caller sees for each answer they give.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { MINIMAL_ENV } from '../support/config-env.js'
import type { EntraIdIntegration } from '../../src/providers/entra-id/config.js'
import { deletedUserFilter, odataString, userFilter } from '../../src/providers/entra-id/adapter.js'
import { createEntraIdProvider } from '../../src/providers/entra-id/provider.js'
import { ProviderError } from '../../src/providers/problems.js'
import { act, executeFor, preflightFor } from '../../src/providers/run.js'
import type { Provider } from '../../src/providers/types.js'
import { startEntraIdSandbox, type EntraSandbox, type EntraSandboxOptions, type EntraSeedUser } from '../../local/entra-id-sandbox.js'

const CLIENT_ID = '11111111-1111-1111-1111-111111111111'
const SECRET = 'entra-sandbox-client-secret-7d1e'
const DAY = 86_400_000
let clock = new Date('2026-11-22T10:00:00.000Z')

const SEED: EntraSeedUser[] = [
  { id: 'a0000000-0000-0000-0000-0000000000aa', userPrincipalName: 'ada@example.com', displayName: 'Ada Admin', roles: ['globalAdministrator'] },
  {
    id: 'b0000000-0000-0000-0000-0000000000bb',
    userPrincipalName: 'bob@example.com',
    displayName: 'Bob Builder',
    otherMails: ['robert@example.org'],
    lastSignIn: '2026-10-01T08:00:00Z',
  },
  { id: 'c0000000-0000-0000-0000-0000000000cc', userPrincipalName: 'carol@example.onmicrosoft.com', mail: 'carol@example.com', displayName: 'Carol' },
  { id: 'd0000000-0000-0000-0000-0000000000dd', userPrincipalName: 'dave@example.com', accountEnabled: false },
  { id: 'e0000000-0000-0000-0000-0000000000ee', userPrincipalName: 'uma@example.com', displayName: 'Uma', roles: ['userAdministrator'] },
]

let sandbox: EntraSandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
  clock = new Date('2026-11-22T10:00:00.000Z')
})

async function start(
  options: Partial<EntraSandboxOptions> = {},
  overrides: Partial<EntraIdIntegration> = {},
): Promise<{ tenant: EntraSandbox; provider: Provider }> {
  const tenant = await startEntraIdSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, users: SEED, now: () => clock, ...options })
  sandbox = tenant
  const provider = createEntraIdProvider(
    {
      id: 'entra',
      type: 'entra-id',
      displayName: 'Entra ID',
      tenantId: tenant.tenantId,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      graphUrl: tenant.url,
      loginUrl: tenant.url,
      ...overrides,
    },
    { timeoutMs: 2000, now: () => clock },
  )
  return { tenant, provider }
}

const writes = (tenant: EntraSandbox) =>
  tenant.requests
    .filter((r) => r.method !== 'GET' && !r.path.endsWith('/token'))
    .map((r) => `${r.method} ${r.path}${r.body === undefined ? '' : ` ${JSON.stringify(r.body)}`}`)
const problemOf = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    if (error instanceof ProviderError) return error.problem
    throw error
  }
  throw new Error('expected a ProviderError')
}

describe('configuration', () => {
  it("reads an entra-id entry with Microsoft's hosts as defaults and the secret from the environment", () => {
    const file = `- id: entra\n  type: entra-id\n  displayName: Microsoft Entra ID\n  tenantId: 00000000-0000-0000-0000-000000000000\n  clientId: ${CLIENT_ID}\n  clientSecret: \${ENTRA_CLIENT_SECRET}\n  identityProvider: true\n`
    const [entry] = loadConfig({ ...MINIMAL_ENV, ENTRA_CLIENT_SECRET: SECRET }, () => file).integrations
    expect(entry).toMatchObject({
      type: 'entra-id',
      clientSecret: SECRET,
      graphUrl: 'https://graph.microsoft.com',
      loginUrl: 'https://login.microsoftonline.com',
      identityProvider: true,
    })
  })

  it('refuses a client secret written inline', () => {
    const file = `- id: entra\n  type: entra-id\n  displayName: Entra\n  tenantId: t\n  clientId: c\n  clientSecret: plain-secret\n`
    expect(() => loadConfig(MINIMAL_ENV, () => file)).toThrow(/clientSecret: expected a \$\{ENV_NAME\} reference/)
  })
})

describe('filters', () => {
  it('quote an address as an OData string, doubling quotes, and look in every address field', () => {
    expect(odataString("o'neil@example.com")).toBe("'o''neil@example.com'")
    expect(userFilter('a@example.com')).toBe("userPrincipalName eq 'a@example.com' or mail eq 'a@example.com' or otherMails/any(m:m eq 'a@example.com')")
    expect(deletedUserFilter('a@example.com')).toBe("mail eq 'a@example.com' or endsWith(userPrincipalName,'a@example.com')")
  })
})

describe('token', () => {
  it('asks for a client-credentials token for {graphUrl}/.default once, and reuses it until shortly before it expires', async () => {
    const { tenant, provider } = await start()
    await provider.findAccount('bob@example.com')
    await provider.findAccount('carol@example.com')
    expect(tenant.tokensIssued()).toBe(1)
    const tokenRequest = tenant.requests.find((r) => r.path.endsWith('/oauth2/v2.0/token'))
    expect(tokenRequest?.path).toBe(`/${tenant.tenantId}/oauth2/v2.0/token`)
    expect(tokenRequest?.contentType).toBe('application/x-www-form-urlencoded')
    clock = new Date(clock.getTime() + 56 * 60_000)
    await provider.findAccount('bob@example.com')
    expect(tenant.tokensIssued()).toBe(2)
  })

  it('reports a wrong client secret as credentials to fix, naming what is wrong and never the secret', async () => {
    const { provider } = await start({}, { clientSecret: 'not-the-secret' })
    const health = await provider.checkConnection()
    expect(health.ok).toBe(false)
    const problem = health.ok ? undefined : health.problem
    expect(problem).toMatchObject({ kind: 'credentials' })
    expect(JSON.stringify(problem)).toMatch(/client secret is wrong.*AADSTS7000215/)
    expect(JSON.stringify(problem)).not.toContain('not-the-secret')
  })
})

describe('findAccount', () => {
  it('finds a user by sign-in name, mail or any other address, with advanced-query headers', async () => {
    const { tenant, provider } = await start()
    expect((await provider.findAccount('BOB@example.com'))?.id).toBe('b0000000-0000-0000-0000-0000000000bb')
    expect((await provider.findAccount('robert@example.org'))?.id).toBe('b0000000-0000-0000-0000-0000000000bb')
    expect(await provider.findAccount('carol@example.com')).toMatchObject({
      email: 'carol@example.com',
      emails: ['carol@example.com', 'carol@example.onmicrosoft.com'],
    })
    expect(await provider.findAccount('nobody@example.com')).toBeNull()
    const lookups = tenant.requests.filter((r) => r.path === '/v1.0/users' && r.query.$filter)
    expect(lookups.every((r) => r.consistencyLevel === 'eventual' && r.query.$count === 'true')).toBe(true)
  })

  it('reads directory roles: a Global or User Administrator is an admin', async () => {
    const { provider } = await start()
    expect(await provider.findAccount('ada@example.com')).toMatchObject({ roles: ['Global Administrator'], isAdmin: true })
    expect(await provider.findAccount('bob@example.com')).toMatchObject({ roles: [], isAdmin: false })
  })
})

describe('suspend and reactivate', () => {
  it('blocks sign-in, then revokes the sessions; Reactivate allows sign-in again', async () => {
    const { tenant, provider } = await start()
    const bob = (await provider.findAccount('bob@example.com'))!
    expect(await act(provider, bob, 'suspend', {})).toMatchObject({ kind: 'done', detail: expect.stringMatching(/revoked/) })
    expect(writes(tenant)).toEqual([`PATCH /v1.0/users/${bob.id} {"accountEnabled":false}`, `POST /v1.0/users/${bob.id}/revokeSignInSessions`])
    expect(tenant.user(bob.id)).toMatchObject({ accountEnabled: false, sessionsRevoked: 1 })
    expect(await act(provider, bob, 'restore', {})).toMatchObject({ kind: 'done' })
    expect(tenant.user(bob.id)?.accountEnabled).toBe(true)
  })
})

describe('delete and restore', () => {
  it("soft-deletes: scheduled final 30 days from Microsoft's deletion date, and the deleted user is still found, as suspended", async () => {
    const { tenant, provider } = await start()
    const bob = (await provider.findAccount('bob@example.com'))!
    expect(await act(provider, bob, 'delete', {})).toEqual({ kind: 'scheduled', until: new Date(clock.getTime() + 30 * DAY).toISOString(), cancellable: true })
    expect(writes(tenant)).toEqual([`DELETE /v1.0/users/${bob.id}`])
    expect(await provider.findAccount('bob@example.com')).toMatchObject({ id: bob.id, status: 'suspended' })
  })

  it('restores a deleted user from deleted items (Cancel deletion), who can sign in again', async () => {
    const { tenant, provider } = await start()
    const bob = (await provider.findAccount('bob@example.com'))!
    await act(provider, bob, 'delete', {})
    const deleted = (await provider.findAccount('bob@example.com'))!
    const preflight = await provider.preflight(deleted, 'cancel-delete')
    expect(preflight).toMatchObject({ kind: 'ready', consequences: [expect.stringMatching(/restored from deleted items/), expect.any(String)] })
    expect(await act(provider, deleted, 'cancel-delete', {})).toMatchObject({ kind: 'done' })
    expect(writes(tenant).at(-1)).toBe(`POST /v1.0/directory/deletedItems/${bob.id}/restore`)
    expect(await provider.findAccount('bob@example.com')).toMatchObject({ status: 'active' })
  })

  it('after 30 days the user is gone: the deletion is final and there is nothing to restore', async () => {
    const { provider } = await start()
    const bob = (await provider.findAccount('bob@example.com'))!
    await act(provider, bob, 'delete', {})
    clock = new Date(clock.getTime() + 30 * DAY + 60_000)
    expect(await provider.findAccount('bob@example.com')).toBeNull()
    expect(await executeFor(provider, { email: 'bob@example.com' }, 'cancel-delete')).toMatchObject({ kind: 'failed', problem: { kind: 'not-found' } })
  })
})

describe("admins and the app's own role", () => {
  it('lists the members of the admin roles, not the app', async () => {
    const { provider } = await start({ appRoles: ['privilegedAuthenticationAdministrator'] })
    const admins = await provider.listAdmins!()
    expect(admins.map((admin) => admin.email).sort()).toEqual(['ada@example.com', 'uma@example.com'])
  })

  it('refuses to delete the last Global Administrator before any write, even when the app may change admins', async () => {
    const { tenant, provider } = await start({ appRoles: ['privilegedAuthenticationAdministrator'] })
    const preflight = await preflightFor(provider, { email: 'ada@example.com' }, 'delete', { actorEmail: 'someone@example.com' })
    expect(preflight).toMatchObject({ kind: 'blocked', blockers: [{ problem: { kind: 'last-admin' } }] })
    expect(await executeFor(provider, { email: 'ada@example.com' }, 'delete', {}, { actorEmail: 'someone@example.com' })).toMatchObject({
      kind: 'failed',
      problem: { kind: 'last-admin' },
    })
    expect(writes(tenant)).toEqual([])
  })

  it('says before confirming that the app needs a directory role to delete an admin, and writes nothing', async () => {
    const { tenant, provider } = await start()
    const preflight = await preflightFor(provider, { email: 'uma@example.com' }, 'delete', { actorEmail: 'someone@example.com' })
    expect(preflight).toMatchObject({
      kind: 'blocked',
      blockers: [{ problem: { kind: 'permission', detail: expect.stringMatching(/User Administrator.*Privileged Authentication Administrator/) } }],
    })
    expect(await executeFor(provider, { email: 'uma@example.com' }, 'delete', {}, { actorEmail: 'someone@example.com' })).toMatchObject({
      kind: 'failed',
      problem: { kind: 'permission' },
    })
    expect(writes(tenant)).toEqual([])
  })

  it('deletes an admin once the app holds Privileged Authentication Administrator', async () => {
    const { tenant, provider } = await start({ appRoles: ['privilegedAuthenticationAdministrator'] })
    expect(await executeFor(provider, { email: 'uma@example.com' }, 'delete', {}, { actorEmail: 'someone@example.com' })).toMatchObject({ kind: 'scheduled' })
    expect(tenant.user('e0000000-0000-0000-0000-0000000000ee')?.deletedDateTime).toBeTruthy()
  })

  it('explains a restore Microsoft refuses for a former admin', async () => {
    const { tenant, provider } = await start({ appRoles: ['privilegedAuthenticationAdministrator'] })
    await executeFor(provider, { email: 'uma@example.com' }, 'delete', {}, { actorEmail: 'someone@example.com' })
    tenant.appRoles.clear()
    const deleted = (await provider.findAccount('uma@example.com'))!
    expect(await provider.preflight(deleted, 'cancel-delete')).toMatchObject({ kind: 'ready', warnings: [expect.stringMatching(/refuses the restore/)] })
    expect(await problemOf(act(provider, deleted, 'cancel-delete', {}))).toMatchObject({
      kind: 'permission',
      detail: expect.stringMatching(/Privileged Authentication Administrator/),
    })
  })
})

describe('listing', () => {
  it('pages through users with their last sign-in, then deleted users as suspended', async () => {
    const { provider, tenant } = await start()
    tenant.addUser({ userPrincipalName: 'gone@example.com', deletedDateTime: clock.toISOString() })
    const accounts = []
    let page = await provider.listAccounts!()
    accounts.push(...page.accounts)
    while (page.nextCursor) {
      page = await provider.listAccounts!(page.nextCursor)
      accounts.push(...page.accounts)
    }
    expect(accounts.find((a) => a.email === 'bob@example.com')).toMatchObject({ status: 'active', lastActiveAt: '2026-10-01T08:00:00Z' })
    expect(accounts.find((a) => a.email === 'dave@example.com')?.status).toBe('suspended')
    expect(accounts.find((a) => a.email === 'gone@example.com')?.status).toBe('suspended')
  })

  it("carries on without last sign-ins where the tenant's licence does not provide them", async () => {
    const { provider } = await start({ premium: false })
    const page = await provider.listAccounts!()
    expect(page.accounts.find((a) => a.email === 'bob@example.com')).toMatchObject({ status: 'active' })
    expect(page.accounts.every((a) => a.lastActiveAt === undefined)).toBe(true)
  })
})

describe('throttling', () => {
  it("turns a 429 into a rate-limited problem with Graph's Retry-After", async () => {
    const { tenant, provider } = await start()
    tenant.failNext({ pathIncludes: '/v1.0/users' }, { status: 429, headers: { 'retry-after': '7' } })
    expect(await problemOf(provider.findAccount('bob@example.com'))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
  })
})

/**
 * The Google Workspace adapter against the in-memory Google sandbox: the service
 * account's JWT bearer flow (signed here with a throwaway RSA key and verified by
 * the sandbox with its public key), what the Directory API receives for each action,
 * and what the caller sees for each answer Google gives.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { GoogleWorkspaceIntegration } from '../../src/providers/google-workspace/config.js'
import {
  DATATRANSFER_SCOPE,
  DIRECTORY_USER_SCOPE,
  DIRECTORY_USER_SECURITY_SCOPE,
  JWT_BEARER_GRANT,
  ServiceAccountKeyError,
  createTokenSource,
  parseServiceAccountKey,
} from '../../src/providers/google-workspace/auth.js'
import {
  DEFAULT_ADMIN_CONSOLE_URL,
  KEEP_DATA_WARNING,
  HAND_OVER_CONSEQUENCE,
  HAND_OVER_DRIVE,
  HAND_OVER_DRIVE_CALENDAR,
  SKIPPED_DETAIL,
  SKIP_HAND_OVER,
  SKIP_UNAVAILABLE_HAND_OVER,
  SESSIONS_WARNING,
} from '../../src/providers/google-workspace/adapter.js'
import { createGoogleWorkspaceProvider } from '../../src/providers/google-workspace/provider.js'
import { ProviderError } from '../../src/providers/problems.js'
import type { Account, Provider } from '../../src/providers/types.js'
import { CALENDAR_APPLICATION, DRIVE_APPLICATION, USERS_PATH, googleErrorBody, startGoogleWorkspaceSandbox } from '../../local/google-workspace-sandbox.js'
import type { GoogleSeedUser, GoogleWorkspaceSandbox } from '../../local/google-workspace-sandbox.js'
import { caught, problemOf, seededAccount } from '../support/provider-harness.js'
import { act, preflightAccount } from '../../src/providers/run.js'

const CLIENT_EMAIL = 'deprovision-bot@corp-security.iam.gserviceaccount.com'
const CLIENT_ID = '112233445566778899001'
const ADMIN = 'it-admin@corp.example'
const START = Date.parse('2025-06-02T10:00:00.000Z')

function serviceAccountKey(privateKeyPem: string): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'corp-security',
    private_key_id: 'a1b2c3d4e5f6',
    private_key: privateKeyPem,
    client_email: CLIENT_EMAIL,
    client_id: CLIENT_ID,
    token_uri: 'https://oauth2.googleapis.com/token',
  })
}

// Throwaway keys: the sandbox knows the first one's public half; the second plays a deleted or rotated key.
const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
const PRIVATE_PEM = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const KEY_JSON = serviceAccountKey(PRIVATE_PEM)
const ROTATED_KEY_JSON = serviceAccountKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
/** The Delete modal's deliberate choice not to hand anything over. */
const SKIP = { 'hand-over': 'skip' }
const PEM_BODY_SAMPLE = PRIVATE_PEM.split('\n')[3] ?? 'unreachable'

const SEED: GoogleSeedUser[] = [
  {
    id: 'u-admin',
    primaryEmail: ADMIN,
    givenName: 'Ivy',
    familyName: 'Admin',
    aliases: ['admin@corp.example'],
    isAdmin: true,
    lastLoginTime: '2025-06-01T08:00:00.000Z',
  },
  { id: 'u-alice', primaryEmail: 'alice@corp.example', givenName: 'Alice', familyName: 'Admin', isAdmin: true, lastLoginTime: '2025-05-30T09:00:00.000Z' },
  {
    id: 'u-bob',
    primaryEmail: 'bob@corp.example',
    givenName: 'Bob',
    familyName: 'Builder',
    aliases: ['robert@corp.example'],
    lastLoginTime: '2025-05-28T16:45:00.000Z',
  },
  { id: 'u-carol', primaryEmail: 'carol@corp.example', givenName: 'Carol', familyName: 'Contractor', isDelegatedAdmin: true },
  { id: 'u-dave', primaryEmail: 'dave@corp.example', givenName: 'Dave', familyName: 'Departed', suspended: true, lastLoginTime: '2025-01-10T12:00:00.000Z' },
  { id: 'u-erin', primaryEmail: 'erin@corp.example', givenName: 'Erin', familyName: 'Archived', archived: true },
]

let clock = START
const now = () => new Date(clock)
let sandbox: GoogleWorkspaceSandbox
let provider: Provider

function integration(overrides: Partial<GoogleWorkspaceIntegration> = {}): GoogleWorkspaceIntegration {
  return {
    id: 'gws',
    type: 'google-workspace',
    displayName: 'Google Workspace',
    domain: 'corp.example',
    adminEmail: ADMIN,
    serviceAccountKey: KEY_JSON,
    baseUrl: sandbox.url,
    tokenUrl: sandbox.tokenUrl,
    ...overrides,
  }
}

function make(overrides: Partial<GoogleWorkspaceIntegration> = {}, timeoutMs = 2000): Provider {
  return createGoogleWorkspaceProvider(integration(overrides), { timeoutMs, now })
}

function tokenRequests() {
  return sandbox.requests.filter((request) => request.path === '/token')
}

function directoryRequests() {
  return sandbox.requests.filter((request) => request.path !== '/token')
}

const account = (email: string, using: Provider = provider): Promise<Account> => seededAccount(using, sandbox, email)

beforeAll(async () => {
  sandbox = await startGoogleWorkspaceSandbox({
    serviceAccount: { clientEmail: CLIENT_EMAIL, clientId: CLIENT_ID, publicKey: pair.publicKey },
    domain: 'corp.example',
    now,
  })
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => {
  clock = START
  sandbox.users.clear()
  sandbox.deleted.clear()
  for (const seed of SEED) sandbox.addUser(seed)
  sandbox.delegatedScopes.clear()
  sandbox.delegatedScopes.add(DIRECTORY_USER_SCOPE).add(DIRECTORY_USER_SECURITY_SCOPE).add(DATATRANSFER_SCOPE)
  sandbox.signOuts.length = 0
  sandbox.transfers.clear()
  sandbox.failingTransfers.clear()
  sandbox.revokeTokens()
  provider = make()
  sandbox.requests.length = 0
})

describe('Google Workspace provider: description', () => {
  it('offers suspend, restore and delete', () => {
    expect([...provider.capabilities].sort()).toEqual(['delete', 'restore', 'suspend'])
    expect(provider).toMatchObject({ id: 'gws', type: 'google-workspace', displayName: 'Google Workspace' })
  })

  it("links Google's Admin console users page unless another console URL is configured", () => {
    expect(provider.adminConsoleUrl).toBe(DEFAULT_ADMIN_CONSOLE_URL)
    expect(make({ adminConsoleUrl: 'https://admin.google.com/u/1/ac/users' }).adminConsoleUrl).toBe('https://admin.google.com/u/1/ac/users')
  })
})

describe('Google Workspace provider: the service account key', () => {
  function keyError(serviceAccountKey: string): Error {
    try {
      make({ serviceAccountKey })
    } catch (error) {
      if (error instanceof Error) return error
    }
    throw new Error('expected the provider to refuse the key')
  }

  it('refuses an OAuth client secret file, says what it is, and does not quote it', () => {
    const error = keyError(JSON.stringify({ installed: { client_id: 'x.apps.googleusercontent.com', client_secret: 'GOCSPX-very-secret-value' } }))

    expect(error).toBeInstanceOf(ServiceAccountKeyError)
    expect(error.message).toContain('integration "gws"')
    expect(error.message).toContain('an OAuth client secret file, not a service account key')
    expect(error.message).toContain('IAM & Admin > Service accounts')
    expect(error.message).not.toContain('GOCSPX-very-secret-value')
  })

  it("refuses a user's OAuth credentials (authorized_user)", () => {
    const error = keyError(JSON.stringify({ type: 'authorized_user', client_id: 'x', client_secret: 'secret-123', refresh_token: '1//refresh-secret' }))

    expect(error.message).toContain("a user's OAuth credentials (authorized_user)")
    expect(error.message).not.toContain('1//refresh-secret')
  })

  it('refuses text that is not JSON, with a hint about environment variables, and does not quote it', () => {
    const error = keyError(`{"type": "service_account", "private_key": "${PRIVATE_PEM}"}`)

    expect(error.message).toContain('not valid JSON')
    expect(error.message).toContain('\\n escapes')
    expect(error.message).not.toContain(PEM_BODY_SAMPLE)
  })

  it('refuses a service account key whose private_key is not a PEM key, naming the field but not its value', () => {
    const error = keyError(JSON.stringify({ type: 'service_account', client_email: CLIENT_EMAIL, private_key: 'MIIEv-not-a-key-PRIVATE KEY-zzz' }))

    expect(error.message).toContain('private_key')
    expect(error.message).not.toContain('MIIEv-not-a-key')
  })

  it('names the missing fields of an incomplete service account key', () => {
    expect(keyError(JSON.stringify({ type: 'service_account', private_key: PRIVATE_PEM })).message).toContain('client_email')
  })

  it('accepts the key base64-encoded, as environment variables often hold it', () => {
    const key = parseServiceAccountKey(Buffer.from(KEY_JSON).toString('base64'))

    expect(key).toMatchObject({ clientEmail: CLIENT_EMAIL, clientId: CLIENT_ID, privateKeyId: 'a1b2c3d4e5f6' })
    expect(key.privateKey.asymmetricKeyType).toBe('rsa')
  })
})

describe('Google Workspace provider: access tokens (JWT bearer grant with domain-wide delegation)', () => {
  it('exchanges an RS256 assertion naming the service account, the admin, the scope and the token URL', async () => {
    await provider.findAccount('bob@corp.example')

    const [token] = tokenRequests()
    expect(token).toMatchObject({ method: 'POST', contentType: 'application/x-www-form-urlencoded', body: { grant_type: JWT_BEARER_GRANT } })
    expect(token?.assertion?.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'a1b2c3d4e5f6' })
    expect(token?.assertion?.claims).toEqual({
      iss: CLIENT_EMAIL,
      sub: ADMIN,
      scope: DIRECTORY_USER_SCOPE,
      aud: sandbox.tokenUrl,
      iat: START / 1000,
      exp: START / 1000 + 3600,
    })
    // The sandbox verified the signature with the public key and issued the token the lookup used.
    expect(directoryRequests()[0]).toMatchObject({ authorization: true, actor: ADMIN })
  })

  it('reuses one token for later calls', async () => {
    await provider.findAccount('bob@corp.example')
    await provider.findAccount('alice@corp.example')
    await provider.listAccounts?.()

    expect(tokenRequests()).toHaveLength(1)
    expect(directoryRequests()).toHaveLength(3)
  })

  it('asks once for a token when calls start together', async () => {
    await Promise.all(['bob', 'alice', 'carol', 'dave'].map((name) => provider.findAccount(`${name}@corp.example`)))

    expect(tokenRequests()).toHaveLength(1)
  })

  it('replaces the token five minutes before it expires, not earlier', async () => {
    await provider.findAccount('bob@corp.example')
    clock = START + (3599 - 301) * 1000
    await provider.findAccount('bob@corp.example')
    expect(tokenRequests()).toHaveLength(1)

    clock = START + (3599 - 299) * 1000
    await provider.findAccount('bob@corp.example')
    expect(tokenRequests()).toHaveLength(2)
  })

  it('replaces a token the Directory API refuses (revoked) once, and the call goes through', async () => {
    await provider.findAccount('bob@corp.example')
    sandbox.revokeTokens()

    expect(await provider.findAccount('alice@corp.example')).toMatchObject({ id: 'u-alice' })
    expect(tokenRequests()).toHaveLength(2)
  })

  it("reports credentials when the Directory API refuses the fresh token too, with Google's message", async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: USERS_PATH }, { status: 401, reason: 'authError' })
    sandbox.failNext({ method: 'GET', pathIncludes: USERS_PATH }, { status: 401, reason: 'authError' })

    expect(await problemOf(provider.findAccount('bob@corp.example'))).toEqual({
      kind: 'credentials',
      status: 401,
      detail: 'Injected failure (HTTP 401) (authError)',
    })
    expect(tokenRequests()).toHaveLength(2)
  })

  it('says domain-wide delegation is not granted, for which scope and client id (unauthorized_client), and does not retry', async () => {
    sandbox.delegatedScopes.clear()

    const problem = await problemOf(provider.findAccount('bob@corp.example'))

    expect(problem).toMatchObject({ kind: 'credentials', status: 401 })
    const detail = problem.kind === 'credentials' ? problem.detail : ''
    expect(detail).toContain(`domain-wide delegation is not granted for scope ${DIRECTORY_USER_SCOPE} to client ID ${CLIENT_ID}`)
    expect(detail).toContain('Domain-wide delegation')
    expect(tokenRequests()).toHaveLength(1)
    expect(directoryRequests()).toHaveLength(0)
  })

  it('says the admin the bot acts as is not a user when Google answers invalid_grant "Invalid email or User ID"', async () => {
    const problem = await problemOf(make({ adminEmail: 'former-admin@corp.example' }).findAccount('bob@corp.example'))

    expect(problem).toMatchObject({ kind: 'credentials', status: 400 })
    expect(problem.kind === 'credentials' && problem.detail).toContain('former-admin@corp.example, is not an active user')
  })

  it('says the key was deleted or rotated when Google rejects the signature', async () => {
    const problem = await problemOf(make({ serviceAccountKey: ROTATED_KEY_JSON }).findAccount('bob@corp.example'))

    expect(problem).toMatchObject({ kind: 'credentials', status: 400 })
    expect(problem.kind === 'credentials' && problem.detail).toContain('Invalid JWT Signature.')
    expect(problem.kind === 'credentials' && problem.detail).toContain('create a new JSON key')
  })

  it("points at this machine's clock when Google rejects the assertion's times", async () => {
    const ahead = createGoogleWorkspaceProvider(integration(), { timeoutMs: 2000, now: () => new Date(clock + 2 * 3600_000) })

    const problem = await problemOf(ahead.findAccount('bob@corp.example'))

    expect(problem).toMatchObject({ kind: 'credentials', status: 400 })
    expect(problem.kind === 'credentials' && problem.detail).toContain("check this machine's clock")
  })

  it('keeps a token endpoint outage retryable: 503 is transient, 429 rate-limited', async () => {
    sandbox.failNext({ pathIncludes: '/token' }, { status: 503 })
    expect(await problemOf(provider.findAccount('bob@corp.example'))).toMatchObject({ kind: 'transient', status: 503 })

    sandbox.failNext({ pathIncludes: '/token' }, { status: 429, headers: { 'retry-after': '3' } })
    expect(await problemOf(provider.findAccount('bob@corp.example'))).toEqual({ kind: 'rate-limited', retryAfterMs: 3000 })
  })

  it('reports a token answer that is not a bearer token as rejected', async () => {
    sandbox.failNext({ pathIncludes: '/token' }, { status: 200, body: { id_token: 'not-an-access-token' } })

    expect(await problemOf(provider.findAccount('bob@corp.example'))).toMatchObject({ kind: 'rejected', status: 200 })
  })

  it('quotes neither the private key nor the signed assertion when the token endpoint refuses', async () => {
    const error = await caught(make({ serviceAccountKey: ROTATED_KEY_JSON }).findAccount('bob@corp.example'))
    const text = `${String(error)} ${JSON.stringify((error as ProviderError).problem)}`

    expect(text).not.toContain(PEM_BODY_SAMPLE)
    // Every JWT starts with the base64url of '{"': a quoted assertion would show it.
    expect(text).not.toContain('eyJ')
  })
})

describe('Google Workspace provider: findAccount', () => {
  it('reads the user by address (GET users/{userKey}) and maps it, with its aliases and the last sign-in', async () => {
    const found = await provider.findAccount('bob@corp.example')

    expect(found).toEqual({
      id: 'u-bob',
      email: 'bob@corp.example',
      emails: ['bob@corp.example', 'robert@corp.example'],
      displayName: 'Bob Builder',
      status: 'active',
      roles: [],
      isAdmin: false,
      lastActiveAt: '2025-05-28T16:45:00.000Z',
    })
    expect(directoryRequests()).toEqual([expect.objectContaining({ method: 'GET', path: `${USERS_PATH}/bob%40corp.example`, authorization: true })])
  })

  it('finds a user by an alias and reports the primary address', async () => {
    expect(await provider.findAccount('robert@corp.example')).toMatchObject({ id: 'u-bob', email: 'bob@corp.example' })
  })

  it('answers null when Google has no such user (404 notFound)', async () => {
    expect(await provider.findAccount('nobody@corp.example')).toBeNull()
  })

  it('reports a super admin as an admin with the role "super admin"', async () => {
    expect(await provider.findAccount('alice@corp.example')).toMatchObject({ isAdmin: true, roles: ['super admin'] })
  })

  it('reports a delegated admin as an admin with the role "delegated admin", and no sign-in when Google says 1970', async () => {
    const carol = await provider.findAccount('carol@corp.example')

    expect(carol).toMatchObject({ isAdmin: true, roles: ['delegated admin'] })
    expect(carol).not.toHaveProperty('lastActiveAt')
  })

  it('reads suspended users, and archived ones (who cannot sign in either), as suspended', async () => {
    expect(await provider.findAccount('dave@corp.example')).toMatchObject({ status: 'suspended' })
    expect(await provider.findAccount('erin@corp.example')).toMatchObject({ status: 'suspended' })
  })

  it('does not read a 404 without Google\'s error body (a wrong baseUrl) as "no such user"', async () => {
    const misconfigured = make({ baseUrl: `${sandbox.url}/directory` })

    const problem = await problemOf(misconfigured.findAccount('bob@corp.example'))

    expect(problem).toMatchObject({ kind: 'rejected', status: 404 })
    expect(problem.kind === 'rejected' && problem.detail).toContain('check baseUrl')
  })

  it("reports an address outside the account's domains as Google does (403 forbidden), saying the domain may not be this account's", async () => {
    expect(await problemOf(provider.findAccount('someone@other.example'))).toEqual({
      kind: 'permission',
      status: 403,
      detail:
        "Not Authorized to access this resource/api (forbidden); other.example is not corp.example; if it is not one of this Google Workspace account's domains either, the person has no account here",
    })
  })

  it('adds no domain hint to a 403 for an address in the primary domain', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 403 })

    expect(await problemOf(provider.findAccount('bob@corp.example'))).toEqual({
      kind: 'permission',
      status: 403,
      detail: 'Injected failure (HTTP 403) (forbidden)',
    })
  })

  it('reports an answer that is not a Directory user as rejected', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 200, body: { kind: 'admin#directory#user' } })

    expect(await problemOf(provider.findAccount('bob@corp.example'))).toMatchObject({ kind: 'rejected', status: 200 })
  })
})

describe('Google Workspace provider: listAccounts and listAdmins', () => {
  it('pages through every user of the account, 500 at a time, with an opaque cursor', async () => {
    for (let n = 0; n < 1000; n++) sandbox.addUser({ primaryEmail: `user${String(n).padStart(4, '0')}@corp.example` })
    const listAccounts = provider.listAccounts?.bind(provider)
    if (!listAccounts) throw new Error('listAccounts is missing')

    const first = await listAccounts()
    const second = await listAccounts(first.nextCursor)
    const third = await listAccounts(second.nextCursor)

    expect([first.accounts.length, second.accounts.length, third.accounts.length]).toEqual([500, 500, 6])
    expect(third.nextCursor).toBeUndefined()
    const emails = [...first.accounts, ...second.accounts, ...third.accounts].map((entry) => entry.email)
    expect(new Set(emails).size).toBe(1006)
    expect(directoryRequests()[0]?.query).toEqual({ customer: 'my_customer', maxResults: '500', orderBy: 'email' })
    expect(directoryRequests()[1]?.query).toMatchObject({ pageToken: first.nextCursor })
  })

  it('lists the super admins with the isAdmin=true search, believing only the flag', async () => {
    const listAdmins = provider.listAdmins?.bind(provider)
    if (!listAdmins) throw new Error('listAdmins is missing')

    const admins = await listAdmins()

    expect(admins.map((admin) => admin.email).sort()).toEqual(['alice@corp.example', ADMIN])
    expect(admins.every((admin) => admin.isAdmin)).toBe(true)
    expect(directoryRequests()[0]?.query).toMatchObject({ customer: 'my_customer', query: 'isAdmin=true' })

    sandbox.failNext({ queryIncludes: 'isAdmin=true' }, { status: 200, body: { users: [{ id: 'u-bob', primaryEmail: 'bob@corp.example', isAdmin: false }] } })
    expect(await listAdmins()).toEqual([])
  })

  it('follows nextPageToken when there are more super admins than one page', async () => {
    for (let n = 0; n < 520; n++) sandbox.addUser({ primaryEmail: `admin${n}@corp.example`, isAdmin: true })

    expect(await provider.listAdmins?.()).toHaveLength(522)
    expect(directoryRequests()).toHaveLength(2)
  })
})

describe('Google Workspace provider: preflight', () => {
  it('suspend: re-reads the user by id and says what suspension does and does not do', async () => {
    const bob = await account('bob@corp.example')

    const result = await provider.preflight(bob, 'suspend')

    expect(result).toMatchObject({ kind: 'ready', account: { id: 'u-bob', status: 'active' }, reversible: true })
    if (result.kind !== 'ready') return
    expect(result.consequences[0]).toContain('Bob Builder (bob@corp.example) is suspended in Google Workspace')
    expect(result.consequences.join(' ')).toMatch(/Nothing is deleted.*New mail and calendar invitations.*still bills/)
    expect(result.consequences[1]).toMatch(/signed out of every Google web and device session/)
    expect(result.warnings).toEqual([SESSIONS_WARNING])
    expect(directoryRequests().map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${USERS_PATH}/u-bob`])
  })

  it('delete: says mail, Drive, calendars and Vault data go, that it is restorable for 20 days, and advises suspending to keep data', async () => {
    const bob = await account('bob@corp.example')

    const result = await provider.preflight(bob, 'delete')

    expect(result).toMatchObject({ kind: 'ready', reversible: false })
    if (result.kind !== 'ready') return
    const text = result.consequences.join(' ')
    expect(result.consequences[0]).toMatch(/signed out of every Google web and device session/)
    expect(text).toContain('Their mail, Drive files (My Drive), calendars and other Google data are deleted')
    expect(text).toContain('Vault')
    expect(text).toContain('restore the account in the Admin console for 20 days')
    expect(result.warnings).toEqual([SESSIONS_WARNING, KEEP_DATA_WARNING])
    expect(result.consequences).toContain(HAND_OVER_CONSEQUENCE)
  })

  it('restore: says they can sign in again, and warns when un-suspending will not let an archived user in', async () => {
    const dave = await account('dave@corp.example')
    const restore = await provider.preflight(dave, 'restore')
    expect(restore).toMatchObject({ kind: 'ready', reversible: true, warnings: [] })

    sandbox.addUser({ id: 'u-frank', primaryEmail: 'frank@corp.example', suspended: true, archived: true })
    const frank = await account('frank@corp.example')
    const archived = await provider.preflight(frank, 'restore')
    expect(archived.kind === 'ready' && archived.warnings.join(' ')).toContain('does not unarchive it')
  })

  it('warns when Google, not an admin, suspended the account', async () => {
    sandbox.addUser({ id: 'u-gina', primaryEmail: 'gina@corp.example', suspended: true, suspensionReason: 'ABUSE' })

    const result = await provider.preflight(await account('gina@corp.example'), 'restore')

    expect(result.kind === 'ready' && result.warnings.join(' ')).toContain('reason ABUSE')
  })

  it('warns that an already suspended account will not change', async () => {
    const result = await provider.preflight(await account('dave@corp.example'), 'suspend')

    expect(result.kind === 'ready' && result.warnings[0]).toBe('The account is already suspended in Google Workspace; nothing will change.')
  })

  it('warns about a super admin, and leaves the last-admin decision to the core', async () => {
    const result = await provider.preflight(await account('alice@corp.example'), 'delete')

    expect(result.kind).toBe('ready')
    expect(result.kind === 'ready' && result.warnings[0]).toContain('Alice Admin (alice@corp.example) is a super admin')
  })

  it('blocks suspending or deleting the admin the bot acts as (integration owner), also found through an alias', async () => {
    const admin = await account('admin@corp.example')

    for (const action of ['suspend', 'delete'] as const) {
      expect(await provider.preflight(admin, action)).toEqual({
        kind: 'blocked',
        account: expect.objectContaining({ id: 'u-admin' }),
        blockers: [{ problem: { kind: 'integration-owner', owner: ADMIN } }],
      })
    }
    expect((await provider.preflight(admin, 'restore')).kind).toBe('ready')
  })

  it('blocks a delegated admin acting on a super admin, since only a super admin may', async () => {
    const delegated = make({ adminEmail: 'carol@corp.example' })

    const result = await delegated.preflight(await account('alice@corp.example', delegated), 'suspend')

    expect(result).toMatchObject({ kind: 'blocked', blockers: [{ problem: { kind: 'permission' } }] })
    const detail = result.kind === 'blocked' && result.blockers[0]?.problem.kind === 'permission' ? result.blockers[0].problem.detail : ''
    expect(detail).toContain('only a super admin can suspend a super admin; the bot acts as carol@corp.example')
    expect((await delegated.preflight(await account('bob@corp.example', delegated), 'suspend')).kind).toBe('ready')
  })

  it('answers gone when the user was deleted since the lookup', async () => {
    const bob = await account('bob@corp.example')
    sandbox.users.delete('u-bob')

    expect(await provider.preflight(bob, 'delete')).toEqual({ kind: 'gone' })
  })

  it('blocks cancel-delete as unsupported without calling Google', async () => {
    const bob = await account('bob@corp.example')

    expect(await preflightAccount(provider, bob, 'cancel-delete')).toEqual({
      kind: 'blocked',
      account: bob,
      blockers: [{ problem: { kind: 'unsupported', action: 'cancel-delete' } }],
    })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Google Workspace provider: execute', () => {
  it('suspends with PUT users/{id} and exactly {"suspended": true} (update has patch semantics), then signs them out', async () => {
    const bob = await account('bob@corp.example')

    expect(await act(provider, bob, 'suspend', {})).toEqual({ kind: 'done', detail: 'they were signed out of every Google session' })

    expect(
      directoryRequests()
        .slice(-2)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual([`PUT ${USERS_PATH}/u-bob`, `POST ${USERS_PATH}/u-bob/signOut`])
    expect(sandbox.signOuts).toEqual(['u-bob'])
    const write = directoryRequests().at(-2)
    expect(write).toMatchObject({ method: 'PUT', path: `${USERS_PATH}/u-bob`, body: { suspended: true } })
    expect(write?.contentType).toContain('application/json')
    expect(sandbox.users.get('u-bob')).toMatchObject({
      suspended: true,
      suspensionReason: 'ADMIN',
      primaryEmail: 'bob@corp.example',
      aliases: ['robert@corp.example'],
    })
  })

  it('restores with {"suspended": false}', async () => {
    const dave = await account('dave@corp.example')

    expect(await act(provider, dave, 'restore', {})).toEqual({ kind: 'done' })
    expect(directoryRequests().at(-1)).toMatchObject({ method: 'PUT', path: `${USERS_PATH}/u-dave`, body: { suspended: false } })
    expect(sandbox.users.get('u-dave')?.suspended).toBe(false)
  })

  it('says a restored user is still archived and cannot sign in yet', async () => {
    sandbox.addUser({ id: 'u-frank', primaryEmail: 'frank@corp.example', suspended: true, archived: true })

    expect(await act(provider, await account('frank@corp.example'), 'restore', {})).toEqual({
      kind: 'done',
      detail: 'the account is still archived, so they cannot sign in until an admin unarchives it',
    })
  })

  it('does not change an account already suspended (only signs it out again), or already active for restore', async () => {
    expect(await act(provider, await account('dave@corp.example'), 'suspend', {})).toEqual({
      kind: 'already-done',
      detail: 'already suspended; they were signed out of every Google session again',
    })
    expect(await act(provider, await account('bob@corp.example'), 'restore', {})).toEqual({ kind: 'already-done', detail: 'already active' })
    expect(await act(provider, await account('erin@corp.example'), 'restore', {})).toEqual({ kind: 'already-done', detail: 'not suspended (but archived)' })
    expect(sandbox.signOuts).toEqual(['u-dave'])
    expect(directoryRequests().filter((r) => r.method !== 'GET')).toHaveLength(0)
  })

  it('still suspends when the security scope is not delegated, and says they were not signed out and how to fix it', async () => {
    sandbox.delegatedScopes.delete(DIRECTORY_USER_SECURITY_SCOPE)
    const bob = await account('bob@corp.example')

    const outcome = await act(provider, bob, 'suspend', {})

    expect(outcome).toMatchObject({
      kind: 'done',
      detail: expect.stringMatching(/NOT signed out.*admin\.directory\.user\.security scope in domain-wide delegation/),
    })
    expect(sandbox.users.get('u-bob')?.suspended).toBe(true)
    expect(sandbox.signOuts).toEqual([])
  })

  it('says the account no longer exists when suspend finds it gone', async () => {
    const bob = await account('bob@corp.example')
    sandbox.users.delete('u-bob')

    expect(await act(provider, bob, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'the account no longer exists' })
  })

  it('reports restoring a deleted account as not found, pointing at the Admin console', async () => {
    const bob = await account('bob@corp.example')
    sandbox.users.delete('u-bob')

    expect(await problemOf(act(provider, bob, 'restore', {}))).toEqual({
      kind: 'not-found',
      detail: 'the account was deleted; an admin can restore it in the Admin console within 20 days of deletion',
    })
  })

  it('fails when Google accepts the update but still reports the account as not suspended', async () => {
    const bob = await account('bob@corp.example')
    sandbox.failNext({ method: 'PUT' }, { status: 200, body: { id: 'u-bob', primaryEmail: 'bob@corp.example', suspended: false } })

    expect(await act(provider, bob, 'suspend', {})).toMatchObject({ kind: 'failed', problem: { kind: 'rejected', status: 200 } })
  })

  it('with the hand-over skipped, signs them out, then deletes with DELETE users/{id}: done, says so, restorable by an admin for 20 days', async () => {
    const bob = await account('bob@corp.example')

    expect(await act(provider, bob, 'delete', SKIP)).toEqual({
      kind: 'done',
      detail: `${SKIPPED_DETAIL}; they were signed out of every Google session; an admin can restore the account in the Google Admin console for 20 days (until 2025-06-22)`,
    })
    expect(directoryRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${USERS_PATH}/u-bob`,
      `POST ${USERS_PATH}/u-bob/signOut`,
      `DELETE ${USERS_PATH}/u-bob`,
    ])
    expect(sandbox.signOuts).toEqual(['u-bob'])
    expect(sandbox.users.has('u-bob')).toBe(false)
    expect(sandbox.deleted.get('u-bob')).toMatchObject({ deletedAt: '2025-06-02T10:00:00.000Z' })
  })

  it('treats deleting a user that is already gone as already deleted, before or during the call', async () => {
    const bob = await account('bob@corp.example')
    sandbox.users.delete('u-bob')
    expect(await act(provider, bob, 'delete', SKIP)).toEqual({ kind: 'already-done', detail: 'already deleted' })

    const alice = await account('alice@corp.example')
    sandbox.failNext({ method: 'DELETE' }, { status: 404 })
    expect(await act(provider, alice, 'delete', SKIP)).toEqual({ kind: 'already-done', detail: 'already deleted' })
  })

  it('never suspends or deletes the admin it acts as, even without a preflight', async () => {
    const admin = await account(ADMIN)

    expect(await problemOf(act(provider, admin, 'delete', SKIP))).toEqual({ kind: 'integration-owner', owner: ADMIN })
    expect(await problemOf(act(provider, admin, 'suspend', {}))).toEqual({ kind: 'integration-owner', owner: ADMIN })
    expect(directoryRequests().filter((r) => r.method !== 'GET')).toHaveLength(0)
    expect(sandbox.users.get('u-admin')?.suspended).toBe(false)
  })

  it('does not let a delegated admin write to a super admin, even without a preflight', async () => {
    const delegated = make({ adminEmail: 'carol@corp.example' })
    const alice = await account('alice@corp.example', delegated)

    expect(await problemOf(act(delegated, alice, 'delete', SKIP))).toMatchObject({ kind: 'permission' })
    expect(directoryRequests().filter((r) => r.method === 'DELETE')).toHaveLength(0)
  })

  it('fails cancel-delete as unsupported without calling Google', async () => {
    const bob = await account('bob@corp.example')

    expect(await act(provider, bob, 'cancel-delete', {})).toEqual({ kind: 'failed', problem: { kind: 'unsupported', action: 'cancel-delete' } })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Google Workspace provider: handing their files over before the delete', () => {
  const transferRequests = () => sandbox.requests.filter((r) => r.path.startsWith('/admin/datatransfer/v1/transfers'))

  it('asks whether to hand over Drive files (and calendars) or skip, and for a new owner from a search', async () => {
    const result = await provider.preflight(await account('bob@corp.example'), 'delete')

    expect(result).toMatchObject({ kind: 'ready' })
    if (result.kind !== 'ready') return
    expect(result.questions).toEqual([
      expect.objectContaining({ id: 'hand-over', options: [HAND_OVER_DRIVE, HAND_OVER_DRIVE_CALENDAR, SKIP_HAND_OVER], initial: HAND_OVER_DRIVE }),
      expect.objectContaining({ id: 'new-owner', searchable: true, optional: true }),
    ])
    expect(result.consequences).toContain(HAND_OVER_CONSEQUENCE)
  })

  it('says in the modal that the hand-over is unavailable, and why, when the data transfer scope is not delegated; skipping is then the only answer', async () => {
    sandbox.delegatedScopes.delete(DATATRANSFER_SCOPE)

    const result = await provider.preflight(await account('bob@corp.example'), 'delete')

    expect(result).toMatchObject({ kind: 'ready' })
    if (result.kind !== 'ready') return
    const unavailable = result.warnings.find((warning) => warning.startsWith('Their files cannot be handed over'))
    expect(unavailable).toContain(DATATRANSFER_SCOPE)
    expect(unavailable).toContain('unauthorized_client')
    expect(result.questions).toEqual([expect.objectContaining({ id: 'hand-over', options: [SKIP_UNAVAILABLE_HAND_OVER] })])
    expect(result.consequences).not.toContain(HAND_OVER_CONSEQUENCE)
  })

  it('starts a Drive transfer to the new owner and keeps the user until Google reports it completed, then deletes', async () => {
    const bob = await account('bob@corp.example')

    const started = await act(provider, bob, 'delete', { 'hand-over': 'drive', 'new-owner': 'u-carol' })

    expect(started).toMatchObject({ kind: 'pending', progress: { done: 0, total: 1 } })
    expect(transferRequests()[0]).toMatchObject({
      method: 'POST',
      body: {
        oldOwnerUserId: 'u-bob',
        newOwnerUserId: 'u-carol',
        applicationDataTransfers: [
          { applicationId: DRIVE_APPLICATION.id, applicationTransferParams: [{ key: 'PRIVACY_LEVEL', value: ['PRIVATE', 'SHARED'] }] },
        ],
      },
    })
    expect(sandbox.users.has('u-bob')).toBe(true)
    if (started.kind !== 'pending') return

    const finished = await provider.poll!(started.task)

    expect(finished).toMatchObject({
      kind: 'done',
      detail: expect.stringMatching(/^their Drive and Docs data was handed over to Carol Contractor \(carol@corp.example\); they were signed out/),
    })
    expect(sandbox.users.has('u-bob')).toBe(false)
  })

  it('moves calendars too when asked, and keeps polling while a part is still running', async () => {
    const bob = await account('bob@corp.example')
    const started = await act(provider, bob, 'delete', { 'hand-over': 'drive-calendar', 'new-owner': 'u-carol' })
    expect(transferRequests()[0]?.body).toMatchObject({
      applicationDataTransfers: [
        { applicationId: DRIVE_APPLICATION.id },
        { applicationId: CALENDAR_APPLICATION.id, applicationTransferParams: [{ key: 'RELEASE_RESOURCES', value: ['TRUE'] }] },
      ],
    })
    if (started.kind !== 'pending') throw new Error(`expected pending, got ${started.kind}`)

    const halfway = await provider.poll!(started.task)
    expect(halfway).toMatchObject({ kind: 'pending', progress: { done: 1, total: 2 } })
    expect(sandbox.users.has('u-bob')).toBe(true)
    if (halfway.kind !== 'pending') return
    expect(await provider.poll!(halfway.task)).toMatchObject({ kind: 'done' })
    expect(sandbox.users.has('u-bob')).toBe(false)
  })

  it('keeps the user when a part of the transfer fails, and says which application failed and what to do', async () => {
    sandbox.failingTransfers.add('Calendar')
    const bob = await account('bob@corp.example')
    let outcome = await act(provider, bob, 'delete', { 'hand-over': 'drive-calendar', 'new-owner': 'u-carol' })
    while (outcome.kind === 'pending') outcome = await provider.poll!(outcome.task)

    expect(outcome).toMatchObject({ kind: 'failed', problem: { kind: 'conflict' } })
    const detail = outcome.kind === 'failed' && outcome.problem.kind === 'conflict' ? outcome.problem.detail : ''
    expect(detail).toMatch(/transfer of their Calendar data to Carol Contractor .* failed/)
    expect(detail).toMatch(/user was kept/)
    expect(detail).toMatch(/Retry .* or hand the files over in the Admin console/)
    expect(sandbox.users.has('u-bob')).toBe(true)
    expect(sandbox.requests.some((r) => r.method === 'DELETE')).toBe(false)
  })

  it('changes nothing without a hand-over answer, without a new owner, or with a suspended new owner', async () => {
    const bob = await account('bob@corp.example')
    const refused: Record<string, string>[] = [
      {},
      { 'hand-over': 'drive' },
      { 'hand-over': 'drive', 'new-owner': 'u-dave' },
      { 'hand-over': 'drive', 'new-owner': 'u-bob' },
    ]
    for (const choices of refused) {
      expect(await act(provider, bob, 'delete', choices)).toMatchObject({
        kind: 'failed',
        problem: { kind: 'conflict', detail: expect.stringMatching(/user was not deleted/) },
      })
    }
    expect(transferRequests()).toEqual([])
    expect(sandbox.users.has('u-bob')).toBe(true)
  })

  it('suggests active users whose address or name starts with what was typed, never the person being deleted', async () => {
    const bob = await account('bob@corp.example')
    expect(await provider.suggest!(bob, 'new-owner', 'car')).toEqual([{ value: 'u-carol', label: 'Carol Contractor (carol@corp.example)' }])
    expect(await provider.suggest!(bob, 'new-owner', 'Alice A')).toEqual([{ value: 'u-alice', label: 'Alice Admin (alice@corp.example)' }])
    const everyone = (await provider.suggest!(bob, 'new-owner', '')).map((o) => o.value)
    expect(everyone).toEqual(expect.arrayContaining(['u-admin', 'u-alice', 'u-carol']))
    expect(everyone).not.toContain('u-bob')
    expect(everyone).not.toContain('u-dave')
  })
})

describe("Google Workspace provider: Google's errors reach the caller as typed problems", () => {
  it('403 forbidden -> permission, with the message and reason', async () => {
    const bob = await account('bob@corp.example')
    sandbox.failNext({ method: 'PUT' }, { status: 403, body: googleErrorBody(403, 'Not Authorized to access this resource/api', 'forbidden') })

    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({
      kind: 'permission',
      status: 403,
      detail: 'Not Authorized to access this resource/api (forbidden)',
    })
    expect(sandbox.users.get('u-bob')?.suspended).toBe(false)
  })

  it('403 userRateLimitExceeded and 403 quotaExceeded -> rate-limited, not permission', async () => {
    const bob = await account('bob@corp.example')
    sandbox.failNext({ method: 'DELETE' }, { status: 403, reason: 'userRateLimitExceeded' })
    expect(await problemOf(act(provider, bob, 'delete', SKIP))).toEqual({ kind: 'rate-limited' })

    sandbox.failNext({ method: 'DELETE' }, { status: 403, reason: 'quotaExceeded' })
    expect(await problemOf(act(provider, bob, 'delete', SKIP))).toEqual({ kind: 'rate-limited' })
  })

  it('429 rateLimitExceeded with Retry-After: 7 -> rate-limited, retry after 7000 ms', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 429, reason: 'rateLimitExceeded', headers: { 'retry-after': '7' } })

    expect(await problemOf(provider.findAccount('bob@corp.example'))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
  })

  it('503 backendError -> transient, with the status', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 503, body: googleErrorBody(503, 'Service unavailable. Please try again', 'backendError') })

    expect(await problemOf(provider.findAccount('bob@corp.example'))).toEqual({
      kind: 'transient',
      status: 503,
      detail: 'Service unavailable. Please try again (backendError)',
    })
  })

  it('400 invalid -> rejected, with the message', async () => {
    const bob = await account('bob@corp.example')
    sandbox.failNext({ method: 'PUT' }, { status: 400, body: googleErrorBody(400, 'Invalid Input: suspended', 'invalid') })

    expect(await problemOf(act(provider, bob, 'suspend', {}))).toEqual({ kind: 'rejected', status: 400, detail: 'Invalid Input: suspended (invalid)' })
  })

  it('a Directory API slower than timeoutMs -> transient', async () => {
    const impatient = make({}, 200)
    await impatient.findAccount('bob@corp.example')
    sandbox.failNext({ method: 'GET' }, { delayMs: 1500 })

    const started = Date.now()
    expect(await problemOf(impatient.findAccount('bob@corp.example'))).toMatchObject({ kind: 'transient' })
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('Google Workspace provider: checkConnection', () => {
  it('gets a token and reads the admin it acts as: a super admin is connected', async () => {
    expect(await provider.checkConnection()).toEqual({ ok: true, detail: `connected as ${ADMIN}, a super admin: users can be read, suspended and deleted` })
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /token', `GET ${USERS_PATH}/it-admin%40corp.example`])
  })

  it('says a delegated admin cannot act on super admins', async () => {
    expect(await make({ adminEmail: 'carol@corp.example' }).checkConnection()).toMatchObject({
      ok: true,
      detail: expect.stringContaining('never on super admins'),
    })
  })

  it('fails when the admin it acts as is not an admin', async () => {
    // Google grants the token (the user exists), but Directory calls are refused: 403 forbidden.
    expect(await make({ adminEmail: 'bob@corp.example' }).checkConnection()).toMatchObject({ ok: false, problem: { kind: 'permission', status: 403 } })
  })

  it('fails with the delegation problem when domain-wide delegation is not granted', async () => {
    sandbox.delegatedScopes.clear()

    const health = await provider.checkConnection()

    expect(health).toMatchObject({ ok: false, problem: { kind: 'credentials', status: 401 } })
    expect(!health.ok && health.problem.kind === 'credentials' && health.problem.detail).toContain('domain-wide delegation is not granted')
  })
})

describe('Google Workspace sandbox: the 20-day restore window', () => {
  it('undeletes a deleted user by id within 20 days, and not after', async () => {
    const bob = await account('bob@corp.example')
    await act(provider, bob, 'delete', SKIP)
    await act(provider, await account('alice@corp.example'), 'delete', SKIP)

    clock = START + 19 * 24 * 3600_000
    const early = await fetch(`${sandbox.url}${USERS_PATH}/u-bob/undelete`, { method: 'POST', headers: { authorization: `Bearer ${await fetchToken()}` } })
    expect(early.status).toBe(204)
    expect(sandbox.users.get('u-bob')?.primaryEmail).toBe('bob@corp.example')

    clock = START + 21 * 24 * 3600_000
    const late = await fetch(`${sandbox.url}${USERS_PATH}/u-alice/undelete`, { method: 'POST', headers: { authorization: `Bearer ${await fetchToken()}` } })
    expect(late.status).toBe(404)
    expect(sandbox.deleted.has('u-alice')).toBe(false)
  })

  /** A token for calling the sandbox directly, from the same JWT bearer flow the adapter uses. */
  async function fetchToken(): Promise<string> {
    const source = createTokenSource({ key: parseServiceAccountKey(KEY_JSON), subject: ADMIN, scopes: [DIRECTORY_USER_SCOPE], tokenUrl: sandbox.tokenUrl, now })
    try {
      return await source.accessToken()
    } finally {
      await source.close()
    }
  }
})

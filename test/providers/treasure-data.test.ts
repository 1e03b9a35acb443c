/**
 * The Treasure Data adapter against the in-memory Treasure Data sandbox: what the
 * service receives for each step, what the caller sees for each answer, and that
 * Treasure Data's role rules stop a delete before any write call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { TreasureDataIntegration } from '../../src/providers/treasure-data/config.js'
import { ProviderError } from '../../src/providers/problems.js'
import {
  API_KEYS_CONSOLE_ONLY_WARNING,
  AUDIENCE_OWNER_WARNING,
  createTreasureDataProvider,
  treasureDataBaseUrl,
} from '../../src/providers/treasure-data/adapter.js'
import type { Account, Provider } from '../../src/providers/types.js'
import { sandboxApiKey, startTreasureDataSandbox } from '../../local/treasure-data-sandbox.js'
import type { TreasureDataSandbox, TreasureDataSeedUser } from '../../local/treasure-data-sandbox.js'
import { problemOf, ready, seededAccount } from '../support/provider-harness.js'
import { act, preflightAccount } from '../../src/providers/run.js'

const OWNER = 'olivia.owner@acme.example'
const ADMIN = 'adam.admin@acme.example'
const OTHER_ADMIN = 'ada.admin@acme.example'
const RESTRICTED = 'rita.restricted@acme.example'
const PLUS = 'bo+ops@acme.example'
const ROBOT = 'robot@acme.example'

const SEED: TreasureDataSeedUser[] = [
  { id: 1, email: OWNER, firstName: 'Olivia', lastName: 'Owner', role: 'owner' },
  { id: 2, email: ADMIN, firstName: 'Adam', lastName: 'Admin', role: 'administrator' },
  { id: 3, email: OTHER_ADMIN, firstName: 'Ada', lastName: 'Admin', role: 'administrator' },
  { id: 4, email: RESTRICTED, firstName: 'Rita', lastName: 'Restricted' },
  {
    id: 5,
    email: PLUS,
    apiKeys: [
      { value: '5/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', type: 'master' },
      { value: '5/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', type: 'write-only' },
      { value: '5/cccccccccccccccccccccccccccccccccccccccc', type: 'write-only' },
    ],
  },
  { id: 6, email: ROBOT, firstName: 'Robot' },
]

const ALL_KEYS = SEED.flatMap((seed) =>
  seed.apiKeys
    ? seed.apiKeys.map((key) => (typeof key === 'string' ? key : key.value))
    : [sandboxApiKey(seed.id ?? 0, seed.email, 'master'), sandboxApiKey(seed.id ?? 0, seed.email, 'write-only')],
)

let sandbox: TreasureDataSandbox
let asOwner: Provider
let asAdmin: Provider
let asRestricted: Provider

function keyOf(email: string, type: 'master' | 'write-only' = 'master'): string {
  const seed = SEED.find((candidate) => candidate.email === email)
  if (!seed?.id) throw new Error(`no seed for ${email}`)
  return sandboxApiKey(seed.id, email, type)
}

function integration(overrides: Partial<TreasureDataIntegration> = {}): TreasureDataIntegration {
  return { id: 'td', type: 'treasure-data', displayName: 'Treasure Data', baseUrl: sandbox.url, apiKey: keyOf(OWNER), ...overrides }
}

function providerFor(email: string, overrides: Partial<TreasureDataIntegration> = {}): Provider {
  return createTreasureDataProvider(integration({ apiKey: keyOf(email), ...overrides }), { timeoutMs: 2000 })
}

const account = (email: string, provider: Provider = asOwner): Promise<Account> => seededAccount(provider, sandbox, email)

function calls(): string[] {
  return sandbox.requests.map((request) => `${request.method} ${request.path}`)
}

beforeAll(async () => {
  sandbox = await startTreasureDataSandbox()
  asOwner = createTreasureDataProvider(integration({ adminConsoleUrl: 'https://console.treasuredata.com/app/users' }), { timeoutMs: 2000 })
  asAdmin = providerFor(ADMIN)
  asRestricted = providerFor(ROBOT)
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => {
  sandbox.users.clear()
  sandbox.removed.length = 0
  for (const seed of SEED) sandbox.addUser(seed)
  sandbox.requests.length = 0
})

describe('Treasure Data provider: description', () => {
  it('offers delete only: the service has no suspend', () => {
    expect([...asOwner.capabilities]).toEqual(['delete'])
    expect(asOwner).toMatchObject({
      id: 'td',
      type: 'treasure-data',
      displayName: 'Treasure Data',
      adminConsoleUrl: 'https://console.treasuredata.com/app/users',
    })
  })

  it("uses the region's API host, and a baseUrl instead when one is given (a trailing /v3 is dropped)", () => {
    expect(treasureDataBaseUrl({ id: 'td', region: 'Tokyo' })).toBe('https://api.treasuredata.co.jp')
    expect(treasureDataBaseUrl({ id: 'td', region: 'EU01' })).toBe('https://api.eu01.treasuredata.com')
    expect(treasureDataBaseUrl({ id: 'td', region: 'US', baseUrl: 'https://td.proxy.example/v3/' })).toBe('https://td.proxy.example')
    expect(() => treasureDataBaseUrl({ id: 'td' })).toThrow(/region or a baseUrl/)
  })
})

describe('Treasure Data provider: findAccount', () => {
  it('reads GET /v3/user/list with the TD1 key and matches the email ignoring case', async () => {
    const found = await asOwner.findAccount('Rita.Restricted@ACME.example')

    expect(found).toEqual({ id: '4', email: RESTRICTED, displayName: 'Rita Restricted', status: 'active', roles: ['restricted'] })
    expect(calls()).toEqual(['GET /v3/user/list'])
    // The sandbox only knows the caller from a valid `Authorization: TD1 <key>`.
    expect(sandbox.requests[0]).toMatchObject({ caller: OWNER, accept: 'application/json' })
  })

  it('accepts a key pasted with its "TD1 " prefix, sending it once', async () => {
    const prefixed = createTreasureDataProvider(integration({ apiKey: `TD1 ${keyOf(OWNER)}` }), { timeoutMs: 2000 })

    expect(await prefixed.findAccount(RESTRICTED)).toMatchObject({ id: '4' })
    expect(await prefixed.checkConnection()).toMatchObject({ ok: true })
    expect(sandbox.requests.every((request) => request.caller === OWNER)).toBe(true)
  })

  it('reports the roles from account_owner and administrator', async () => {
    expect((await asOwner.findAccount(OWNER))?.roles).toEqual(['owner'])
    expect((await asOwner.findAccount(ADMIN))?.roles).toEqual(['administrator'])
    expect((await asOwner.findAccount(PLUS))?.roles).toEqual(['restricted'])
  })

  it('leaves out a display name when Treasure Data only has the email as name', async () => {
    expect(await asOwner.findAccount(PLUS)).toEqual({ id: '5', email: PLUS, status: 'active', roles: ['restricted'] })
  })

  it('returns null for an address that is not a user, and never a partial match', async () => {
    expect(await asOwner.findAccount('rita@acme.example')).toBeNull()
    expect(await asOwner.findAccount('restricted@acme.example')).toBeNull()
  })

  it('also reads the {"users": [...]} shape the official clients parse', async () => {
    const wrapped = await startTreasureDataSandbox({ users: SEED, userListShape: 'object' })
    try {
      const provider = createTreasureDataProvider(integration({ baseUrl: wrapped.url }))
      expect(await provider.findAccount(ADMIN)).toMatchObject({ id: '2', roles: ['administrator'] })
    } finally {
      await wrapped.stop()
    }
  })

  it('rejects a user list without the role flags it relies on', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/user/list' }, { status: 200, body: [{ id: 4, email: RESTRICTED, name: 'Rita' }] })

    expect(await problemOf(asOwner.findAccount(RESTRICTED))).toMatchObject({ kind: 'rejected', status: 200 })
  })

  it('rejects an answer that is not a user list', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/user/list' }, { status: 200, body: { hello: 'world' } })

    expect(await problemOf(asOwner.findAccount(RESTRICTED))).toMatchObject({ kind: 'rejected' })
  })
})

describe('Treasure Data provider: preflight of a delete', () => {
  it('lets the account owner delete an administrator and says everything that happens, asking nothing', async () => {
    const adam = await account(ADMIN)

    const preflight = ready(await asOwner.preflight(adam, 'delete'))

    expect(preflight.account).toEqual(adam)
    expect(preflight.reversible).toBe(false)
    expect(preflight.questions).toBeUndefined()
    const text = preflight.consequences.join(' ')
    expect(preflight.consequences[0]).toBe('Adam Admin (adam.admin@acme.example), an administrator, is deleted from Treasure Data and can no longer sign in.')
    expect(text).toContain('Their 2 API keys are deleted with them')
    expect(text).toMatch(/fails at once/)
    expect(text).toMatch(/streaming ingestion may keep working for about a minute/)
    expect(text).toMatch(/move to the account owner.*schedules .* are deactivated/)
    expect(text).toMatch(/Treasure Insights dashboards are deleted/)
    expect(preflight.warnings).toEqual([API_KEYS_CONSOLE_ONLY_WARNING, AUDIENCE_OWNER_WARNING])
    expect(calls()).toEqual(['GET /v3/user/show', 'GET /v3/user/list', 'GET /v3/user/apikey/list/adam.admin%40acme.example'])
  })

  it('says reassigning keys is only possible in the console and that deleting them is recommended', () => {
    expect(API_KEYS_CONSOLE_ONLY_WARNING).toMatch(/only in its console/)
    expect(API_KEYS_CONSOLE_ONLY_WARNING).toMatch(/which is what Treasure Data recommends/)
  })

  it('lets an administrator delete a restricted user', async () => {
    const rita = await account(RESTRICTED)

    const preflight = ready(await asAdmin.preflight(rita, 'delete'))

    expect(preflight.consequences[0]).toMatch(/Rita Restricted .* a restricted user, is deleted/)
    expect(sandbox.requests.every((request) => request.method === 'GET' && request.caller === ADMIN)).toBe(true)
  })

  it('encodes the email in the key-list path and counts every key', async () => {
    const bo = await account(PLUS)

    const preflight = ready(await asOwner.preflight(bo, 'delete'))

    expect(calls()).toContain('GET /v3/user/apikey/list/bo%2Bops%40acme.example')
    expect(preflight.consequences.join(' ')).toContain('Their 3 API keys are deleted with them')
  })

  it('names the key types when the service lists key objects', async () => {
    const objects = await startTreasureDataSandbox({ users: SEED, apiKeyListShape: 'objects' })
    try {
      const provider = createTreasureDataProvider(integration({ baseUrl: objects.url }))
      const bo = await provider.findAccount(PLUS)
      if (!bo) throw new Error('seed user not found')

      expect(ready(await provider.preflight(bo, 'delete')).consequences[1]).toMatch(/^Their 3 API keys \(1 master, 2 write-only\) are deleted with them/)
      expect(await act(provider, bo, 'delete', {})).toMatchObject({
        kind: 'done',
        detail: expect.stringMatching(/^their 3 API keys \(1 master, 2 write-only\) were deleted/),
      })
    } finally {
      await objects.stop()
    }
  })

  it('says "only API key" for a user with one key', async () => {
    sandbox.addUser({ id: 8, email: 'solo@acme.example', apiKeys: ['8/dddddddddddddddddddddddddddddddddddddddd'] })
    const solo = await account('solo@acme.example')

    expect(ready(await asOwner.preflight(solo, 'delete')).consequences[1]).toMatch(/^Their only API key is deleted with them/)
  })

  it('never puts an API key value in what the modal shows, whatever shape the key list has', async () => {
    const objects = await startTreasureDataSandbox({ users: SEED, apiKeyListShape: 'objects' })
    try {
      const provider = createTreasureDataProvider(integration({ baseUrl: objects.url }))
      for (const target of [PLUS, RESTRICTED]) {
        const found = await provider.findAccount(target)
        if (!found) throw new Error('seed user not found')
        const shown = JSON.stringify([await provider.preflight(found, 'delete'), await asOwner.preflight(found, 'delete')])
        for (const key of ALL_KEYS) expect(shown).not.toContain(key.split('/')[1])
      }
    } finally {
      await objects.stop()
    }
  })

  it('still prepares the delete when the keys cannot be listed, and says so', async () => {
    const rita = await account(RESTRICTED)
    sandbox.failNext({ pathIncludes: '/apikey/list/' }, { status: 403, body: { error: 'Forbidden', message: 'not allowed to list keys' } })

    const preflight = ready(await asOwner.preflight(rita, 'delete'))

    expect(preflight.consequences.join(' ')).toMatch(/Every API key they have is deleted with them/)
    expect(preflight.warnings.at(-1)).toMatch(/could not list their API keys \(permission denied \(HTTP 403\): not allowed to list keys\)/)
  })

  it('blocks an administrator from deleting another administrator, naming the role that can, before any write', async () => {
    const ada = await account(OTHER_ADMIN)

    const preflight = await asAdmin.preflight(ada, 'delete')

    expect(preflight).toMatchObject({ kind: 'blocked', account: { email: OTHER_ADMIN, roles: ['administrator'] } })
    expect(preflight.kind === 'blocked' && preflight.blockers).toEqual([
      {
        problem: {
          kind: 'permission',
          detail: expect.stringMatching(
            /^only the account owner can delete an administrator, and the bot's API key belongs to adam\.admin@acme\.example, an administrator\./,
          ),
        },
      },
    ])
    expect(calls()).toEqual(['GET /v3/user/show', 'GET /v3/user/list'])
  })

  it('blocks the delete when Treasure Data itself would refuse it: the sandbox answers the same call with 403', async () => {
    const ada = await account(OTHER_ADMIN)
    expect((await asAdmin.preflight(ada, 'delete')).kind).toBe('blocked')

    const direct = await fetch(`${sandbox.url}/v3/user/remove/${encodeURIComponent(OTHER_ADMIN)}`, {
      method: 'POST',
      headers: { authorization: `TD1 ${keyOf(ADMIN)}` },
    })

    expect(direct.status).toBe(403)
    expect(sandbox.findUser(OTHER_ADMIN)).toBeDefined()
  })

  it('blocks a restricted key from deleting anyone', async () => {
    const rita = await account(RESTRICTED)

    const preflight = await asRestricted.preflight(rita, 'delete')

    expect(preflight.kind === 'blocked' && preflight.blockers[0]?.problem).toMatchObject({
      kind: 'permission',
      detail: expect.stringMatching(
        /^only the account owner or an administrator can delete a user, and the bot's API key belongs to robot@acme\.example, a restricted user/,
      ),
    })
  })

  it('blocks deleting the account owner, whoever asks', async () => {
    const olivia = await account(OWNER)

    const preflight = await asAdmin.preflight(olivia, 'delete')

    expect(preflight.kind === 'blocked' && preflight.blockers[0]?.problem).toMatchObject({
      kind: 'permission',
      detail: expect.stringMatching(/^nobody can delete the account owner/),
    })
  })

  it("blocks deleting the user the bot's own key belongs to: it would delete that key", async () => {
    const adam = await account(ADMIN)

    expect(await asAdmin.preflight(adam, 'delete')).toEqual({
      kind: 'blocked',
      account: adam,
      blockers: [{ problem: { kind: 'integration-owner', owner: ADMIN } }],
    })
  })

  it("decides from the roles Treasure Data reports now, not the alert's", async () => {
    const ada = await account(OTHER_ADMIN)
    sandbox.findUser(OTHER_ADMIN)!.administrator = false

    const preflight = ready(await asAdmin.preflight(ada, 'delete'))

    expect(preflight.account.roles).toEqual(['restricted'])
  })

  it('answers gone when the user no longer exists', async () => {
    const rita = await account(RESTRICTED)
    sandbox.users.delete(4)

    expect(await asOwner.preflight(rita, 'delete')).toEqual({ kind: 'gone' })
  })

  it('blocks suspend as unsupported without calling the service', async () => {
    const rita = await account(RESTRICTED)

    expect(await preflightAccount(asOwner, rita, 'suspend')).toEqual({
      kind: 'blocked',
      account: rita,
      blockers: [{ problem: { kind: 'unsupported', action: 'suspend' } }],
    })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Treasure Data provider: execute a delete', () => {
  it('removes the user with POST /v3/user/remove/<email>, taking its API keys with it', async () => {
    const adam = await account(ADMIN)

    const outcome = await act(asOwner, adam, 'delete', {})

    expect(outcome).toEqual({ kind: 'done', detail: "their 2 API keys were deleted with them (Treasure Data's API cannot reassign keys)" })
    expect(calls()).toEqual([
      'GET /v3/user/show',
      'GET /v3/user/list',
      'GET /v3/user/apikey/list/adam.admin%40acme.example',
      'POST /v3/user/remove/adam.admin%40acme.example',
    ])
    expect(sandbox.requests.at(-1)).toMatchObject({ caller: OWNER, body: undefined })
    expect(sandbox.findUser(ADMIN)).toBeUndefined()
    // The removed user's key no longer opens the API.
    expect(await providerFor(ADMIN).checkConnection()).toMatchObject({ ok: false, problem: { kind: 'credentials', status: 401 } })
  })

  it('percent-encodes an address with + and @ in the remove path', async () => {
    const bo = await account(PLUS)

    expect(await act(asAdmin, bo, 'delete', {})).toMatchObject({ kind: 'done', detail: expect.stringContaining('their 3 API keys') })
    expect(calls()).toContain('POST /v3/user/remove/bo%2Bops%40acme.example')
    expect(sandbox.findUser(PLUS)).toBeUndefined()
  })

  it('re-checks the role rules before the write call, so a stale modal cannot delete an administrator', async () => {
    const ada = await account(OTHER_ADMIN)

    expect(await problemOf(act(asAdmin, ada, 'delete', {}))).toMatchObject({
      kind: 'permission',
      detail: expect.stringMatching(/only the account owner can delete an administrator/),
    })
    expect(sandbox.requests.some((request) => request.method === 'POST')).toBe(false)
    expect(sandbox.findUser(OTHER_ADMIN)).toBeDefined()
  })

  it("refuses to delete the key's own user at execute time too", async () => {
    const adam = await account(ADMIN)

    expect(await problemOf(act(asAdmin, adam, 'delete', {}))).toEqual({ kind: 'integration-owner', owner: ADMIN })
    expect(sandbox.requests.some((request) => request.method === 'POST')).toBe(false)
  })

  it('treats a user already gone before the call as already deleted, without a write', async () => {
    const rita = await account(RESTRICTED)
    sandbox.users.delete(4)

    expect(await act(asOwner, rita, 'delete', {})).toEqual({ kind: 'already-done', detail: 'already deleted' })
    expect(sandbox.requests.some((request) => request.method === 'POST')).toBe(false)
  })

  it('treats a 404 on remove (someone deleted the user meanwhile) as already deleted', async () => {
    const rita = await account(RESTRICTED)
    sandbox.failNext({ method: 'POST', pathIncludes: '/user/remove/' }, { status: 404, body: { error: 'Not Found', message: 'User not found' } })

    expect(await act(asOwner, rita, 'delete', {})).toEqual({ kind: 'already-done', detail: 'already deleted' })
  })

  it('still deletes when the keys cannot be listed, and says every key went', async () => {
    const rita = await account(RESTRICTED)
    sandbox.failNext({ pathIncludes: '/apikey/list/' }, { status: 500 })

    expect(await act(asOwner, rita, 'delete', {})).toEqual({
      kind: 'done',
      detail: 'every API key they had was deleted with them (the bot could not list the keys beforehand)',
    })
    expect(sandbox.findUser(RESTRICTED)).toBeUndefined()
  })

  it('says so when the user had no API keys', async () => {
    sandbox.addUser({ id: 7, email: 'nokeys@acme.example', apiKeys: [] })
    const user = await account('nokeys@acme.example')

    expect(await act(asOwner, user, 'delete', {})).toEqual({ kind: 'done', detail: 'they had no API keys' })
  })

  it('fails suspend as unsupported without calling the service', async () => {
    const rita = await account(RESTRICTED)

    expect(await act(asOwner, rita, 'suspend', {})).toEqual({ kind: 'failed', problem: { kind: 'unsupported', action: 'suspend' } })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('Treasure Data provider: service errors reach the caller as typed problems', () => {
  it('401 -> credentials, and the API key is in neither message nor problem', async () => {
    const wrong = providerFor(OWNER, { apiKey: '1/0123456789abcdef0123456789abcdef01234567' })
    const error: unknown = await wrong.findAccount(RESTRICTED).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).problem).toMatchObject({ kind: 'credentials', status: 401, detail: expect.stringMatching(/Authentication failed/) })
    expect(`${(error as Error).message} ${JSON.stringify((error as ProviderError).problem)}`).not.toContain('0123456789abcdef0123456789abcdef01234567')
  })

  it('a key echoed back in an error body is redacted from the detail', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 401, body: { error: 'Unauthorized', message: `API key ${keyOf(OWNER)} was revoked` } })

    const problem = await problemOf(asOwner.findAccount(RESTRICTED))

    expect(problem).toMatchObject({ kind: 'credentials', status: 401, detail: 'API key [redacted] was revoked' })
  })

  it("403 on remove -> permission, with Treasure Data's message, and the user stays", async () => {
    const rita = await account(RESTRICTED)
    sandbox.failNext(
      { method: 'POST', pathIncludes: '/user/remove/' },
      {
        status: 403,
        body: { error: 'Forbidden', message: 'This user cannot be deleted', text: 'This user cannot be deleted', severity: 'error', status_code: 403 },
      },
    )

    expect(await problemOf(act(asOwner, rita, 'delete', {}))).toEqual({ kind: 'permission', status: 403, detail: 'This user cannot be deleted' })
    expect(sandbox.findUser(RESTRICTED)).toBeDefined()
  })

  it('reads the detail from `error`, then `text`, when there is no `message`', async () => {
    const rita = await account(RESTRICTED)
    sandbox.failNext({ method: 'POST' }, { status: 409, body: { error: 'User has running jobs' } })
    expect(await problemOf(act(asOwner, rita, 'delete', {}))).toEqual({ kind: 'conflict', detail: 'User has running jobs' })

    sandbox.failNext({ method: 'POST' }, { status: 409, body: { text: 'Try again later', severity: 'error' } })
    expect(await problemOf(act(asOwner, rita, 'delete', {}))).toEqual({ kind: 'conflict', detail: 'Try again later' })
  })

  it('409 without a readable body -> conflict with the status', async () => {
    const rita = await account(RESTRICTED)
    sandbox.failNext({ method: 'POST' }, { status: 409, body: '<html>Conflict</html>' })

    expect(await problemOf(act(asOwner, rita, 'delete', {}))).toEqual({ kind: 'conflict', detail: 'HTTP 409' })
  })

  it('429 with Retry-After: 7 -> rate-limited, retry after 7000 ms', async () => {
    const rita = await account(RESTRICTED)
    sandbox.failNext({ method: 'POST' }, { status: 429, headers: { 'retry-after': '7' } })

    expect(await problemOf(act(asOwner, rita, 'delete', {}))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
    expect(sandbox.findUser(RESTRICTED)).toBeDefined()
  })

  it('503 -> transient, with the status and the message', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 503, body: { error: 'Service Unavailable', message: 'maintenance' } })

    expect(await problemOf(asOwner.findAccount(RESTRICTED))).toEqual({ kind: 'transient', status: 503, detail: 'maintenance' })
  })

  it('a server slower than timeoutMs -> transient', async () => {
    const impatient = createTreasureDataProvider(integration(), { timeoutMs: 150 })
    sandbox.failNext({ method: 'GET' }, { delayMs: 1500 })

    const started = Date.now()
    expect(await problemOf(impatient.findAccount(RESTRICTED))).toMatchObject({ kind: 'transient' })
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('Treasure Data provider: checkConnection', () => {
  it("is healthy with the account owner's key, after one GET /v3/user/show", async () => {
    expect(await asOwner.checkConnection()).toEqual({
      ok: true,
      detail: `connected as ${OWNER}, the account owner: can delete administrators and restricted users`,
    })
    expect(calls()).toEqual(['GET /v3/user/show'])
  })

  it("is healthy with an administrator's key and says it can delete restricted users only", async () => {
    expect(await asAdmin.checkConnection()).toMatchObject({ ok: true, detail: expect.stringMatching(/an administrator: can delete restricted users only/) })
  })

  it("reports a restricted user's key as a permission problem: it cannot delete anyone", async () => {
    expect(await asRestricted.checkConnection()).toEqual({
      ok: false,
      problem: { kind: 'permission', detail: expect.stringMatching(/robot@acme\.example, a restricted user, who cannot delete anyone/) },
    })
  })

  it('reports a write-only key as a permission problem and says which key to link', async () => {
    const writeOnly = providerFor(OWNER, { apiKey: keyOf(OWNER, 'write-only') })

    expect(await writeOnly.checkConnection()).toMatchObject({
      ok: false,
      problem: { kind: 'permission', status: 403, detail: expect.stringMatching(/write-only API key cannot read users; link a master API key/) },
    })
  })

  it('reports credentials trouble with a revoked key', async () => {
    const revoked = providerFor(OWNER, { apiKey: '1/ffffffffffffffffffffffffffffffffffffffff' })

    expect(await revoked.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'credentials', status: 401 } })
  })

  it('reports an unreachable service as transient', async () => {
    const nowhere = providerFor(OWNER, { baseUrl: 'http://127.0.0.1:1' })

    expect(await nowhere.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'transient' } })
  })
})

// The sandbox stands in for Treasure Data in the end-to-end tests and the demo, so what it does is checked here too.
describe('Treasure Data sandbox: behaves like the v3 user API', () => {
  async function call(method: string, path: string, key?: string): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${sandbox.url}${path}`, { method, headers: key ? { authorization: `TD1 ${key}` } : {} })
    const text = await response.text()
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined }
  }

  it("answers a missing or unknown key with 401 and Treasure Data's error body", async () => {
    for (const key of [undefined, 'nope']) {
      expect(await call('GET', '/v3/user/show', key)).toMatchObject({
        status: 401,
        json: { error: 'Unauthorized', message: expect.any(String), text: expect.any(String), severity: 'error', status_code: 401 },
      })
    }
  })

  it("shows the key's own user, with both role flags for the owner", async () => {
    expect(await call('GET', '/v3/user/show', keyOf(OWNER))).toMatchObject({
      status: 200,
      json: { id: 1, email: OWNER, account_owner: true, administrator: true, name: 'Olivia Owner' },
    })
  })

  it('lists users as a bare array and never shows their keys', async () => {
    const answer = await call('GET', '/v3/user/list', keyOf(ADMIN))

    expect(answer.status).toBe(200)
    expect(Array.isArray(answer.json) && answer.json.length).toBe(SEED.length)
    for (const key of ALL_KEYS) expect(JSON.stringify(answer.json)).not.toContain(key)
  })

  it('enforces the role rules itself: an administrator cannot remove an administrator, nobody the owner', async () => {
    expect(await call('POST', `/v3/user/remove/${encodeURIComponent(OTHER_ADMIN)}`, keyOf(ADMIN))).toMatchObject({ status: 403 })
    expect(await call('POST', `/v3/user/remove/${encodeURIComponent(OWNER)}`, keyOf(ADMIN))).toMatchObject({ status: 403 })
    expect(await call('POST', `/v3/user/remove/${encodeURIComponent(RESTRICTED)}`, keyOf(ROBOT))).toMatchObject({ status: 403 })
    expect(sandbox.users.size).toBe(SEED.length)
  })

  it('removes a user with {"user": email}, kills its keys, then answers 404', async () => {
    const path = `/v3/user/remove/${encodeURIComponent(RESTRICTED)}`

    expect(await call('POST', path, keyOf(ADMIN))).toEqual({ status: 200, json: { user: RESTRICTED } })
    expect(await call('GET', '/v3/user/show', keyOf(RESTRICTED))).toMatchObject({ status: 401 })
    expect(await call('POST', path, keyOf(ADMIN))).toMatchObject({ status: 404, json: { status_code: 404 } })
    expect(sandbox.removed.map((user) => user.email)).toEqual([RESTRICTED])
  })

  it("lists a user's keys by email, to the owner, an administrator (restricted users only) or the user", async () => {
    const path = `/v3/user/apikey/list/${encodeURIComponent(RESTRICTED)}`

    expect(await call('GET', path, keyOf(ADMIN))).toEqual({ status: 200, json: { apikeys: [keyOf(RESTRICTED), keyOf(RESTRICTED, 'write-only')] } })
    expect(await call('GET', path, keyOf(RESTRICTED))).toMatchObject({ status: 200 })
    expect(await call('GET', `/v3/user/apikey/list/${encodeURIComponent(OTHER_ADMIN)}`, keyOf(ADMIN))).toMatchObject({ status: 403 })
  })
})

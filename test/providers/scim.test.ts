/**
 * The SCIM adapter against the in-memory SCIM sandbox: what the service receives
 * for each action, and what the caller sees for each answer the service gives.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ScimIntegration } from '../../src/providers/scim/config.js'
import { ProviderError } from '../../src/providers/problems.js'
import { createScimProvider } from '../../src/providers/scim/adapter.js'
import type { Account, Provider } from '../../src/providers/types.js'
import { startScimSandbox } from '../../local/scim-sandbox.js'
import type { ScimSandbox, SeedUser } from '../../local/scim-sandbox.js'
import { problemOf, seededAccount } from '../support/provider-harness.js'
import { act, preflightAccount } from '../../src/providers/run.js'

const TOKEN = 'sandbox-secret-token-81c4a9'
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

const SEED: SeedUser[] = [
  { id: 'u-alice', userName: 'alice@example.com', displayName: 'Alice Admin', roles: ['admin'] },
  { id: 'u-bob', userName: 'bob', givenName: 'Bob', familyName: 'Builder', emails: ['bob.builder@example.com', 'bob@example.com'] },
  { id: 'u-dave', userName: 'dave@example.com', displayName: 'Dave Departed', active: false },
]

let sandbox: ScimSandbox
let emailless: ScimSandbox
let provider: Provider

function integration(overrides: Partial<ScimIntegration> = {}): ScimIntegration {
  return { id: 'acme', type: 'scim', displayName: 'Acme Wiki', baseUrl: sandbox.url, token: TOKEN, ...overrides }
}

const account = (email: string): Promise<Account> => seededAccount(provider, sandbox, email)

beforeAll(async () => {
  sandbox = await startScimSandbox({ token: TOKEN })
  emailless = await startScimSandbox({ token: TOKEN, users: SEED, filterableAttributes: ['userName'] })
  provider = createScimProvider(integration({ adminConsoleUrl: 'https://wiki.example.com/admin' }), { timeoutMs: 2000 })
})

afterAll(async () => {
  await Promise.all([sandbox.stop(), emailless.stop()])
})

beforeEach(() => {
  sandbox.users.clear()
  for (const seed of SEED) sandbox.addUser(seed)
  sandbox.requests.length = 0
})

describe('SCIM provider: description', () => {
  it('offers delete, suspend and restore', () => {
    expect([...provider.capabilities].sort()).toEqual(['delete', 'restore', 'suspend'])
    expect(provider).toMatchObject({ id: 'acme', type: 'scim', displayName: 'Acme Wiki', adminConsoleUrl: 'https://wiki.example.com/admin' })
  })
})

describe('SCIM provider: findAccount', () => {
  it('finds a user by userName with an RFC filter, bearer token and SCIM Accept header', async () => {
    const found = await provider.findAccount('alice@example.com')

    expect(found).toEqual({ id: 'u-alice', email: 'alice@example.com', displayName: 'Alice Admin', status: 'active', roles: ['admin'] })
    expect(sandbox.requests).toHaveLength(1)
    expect(sandbox.requests[0]).toMatchObject({
      method: 'GET',
      path: '/Users',
      query: { filter: 'userName eq "alice@example.com"' },
      authorization: true,
      accept: 'application/scim+json, application/json',
    })
  })

  it('matches the userName without regard to case, as the service does', async () => {
    expect(await provider.findAccount('Alice@Example.COM')).toMatchObject({ id: 'u-alice' })
  })

  it('falls back to emails.value when no userName matches, and reports the primary email and every other address', async () => {
    const found = await provider.findAccount('bob@example.com')

    expect(found).toEqual({
      id: 'u-bob',
      email: 'bob.builder@example.com',
      emails: ['bob.builder@example.com', 'bob@example.com'],
      displayName: 'Bob Builder',
      status: 'active',
    })
    expect(sandbox.requests.map((r) => r.query.filter)).toEqual(['userName eq "bob@example.com"', 'emails.value eq "bob@example.com"'])
  })

  it('reads active=false as suspended and leaves roles out when the service does not report them', async () => {
    const found = await provider.findAccount('dave@example.com')

    expect(found).toEqual({ id: 'u-dave', email: 'dave@example.com', displayName: 'Dave Departed', status: 'suspended' })
  })

  it('answers null when neither userName nor email matches', async () => {
    expect(await provider.findAccount('nobody@example.com')).toBeNull()
    expect(sandbox.requests).toHaveLength(2)
  })

  it('answers null when the service rejects the emails filter with 400', async () => {
    const limited = createScimProvider(integration({ baseUrl: emailless.url }))

    expect(await limited.findAccount('bob@example.com')).toBeNull()
    expect(emailless.requests.at(-1)).toMatchObject({ query: { filter: 'emails.value eq "bob@example.com"' } })
  })

  it('escapes quotes and backslashes inside the filter value', async () => {
    sandbox.addUser({ id: 'u-odd', userName: 'o"dd\\name@example.com' })

    expect(await provider.findAccount('o"dd\\name@example.com')).toMatchObject({ id: 'u-odd' })
    expect(sandbox.requests[0]?.query.filter).toBe('userName eq "o\\"dd\\\\name@example.com"')
  })

  it('reports an answer that is not a ListResponse as rejected', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 200, body: { hello: 'world' } })

    expect(await problemOf(provider.findAccount('alice@example.com'))).toMatchObject({ kind: 'rejected' })
  })
})

describe('SCIM provider: execute', () => {
  it('suspends with exactly the RFC PatchOp, sent as application/scim+json', async () => {
    const alice = await account('alice@example.com')

    const outcome = await act(provider, alice, 'suspend', {})

    expect(outcome).toEqual({ kind: 'done' })
    expect(sandbox.requests).toHaveLength(1)
    expect(sandbox.requests[0]).toMatchObject({ method: 'PATCH', path: '/Users/u-alice', contentType: 'application/scim+json' })
    expect(sandbox.requests[0]?.body).toEqual({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })
    expect(sandbox.users.get('u-alice')?.active).toBe(false)
  })

  it('restores with active=true, and a 204 No Content answer is success', async () => {
    const noContent = await startScimSandbox({ token: TOKEN, users: SEED, patchResponse: 'no-content' })
    try {
      const restoring = createScimProvider(integration({ baseUrl: noContent.url }))
      const dave = await restoring.findAccount('dave@example.com')
      if (!dave) throw new Error('seed user not found')

      expect(await act(restoring, dave, 'restore', {})).toEqual({ kind: 'done' })
      expect(noContent.requests.at(-1)?.body).toEqual({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] })
      expect(noContent.users.get('u-dave')?.active).toBe(true)
    } finally {
      await noContent.stop()
    }
  })

  it('does not call the service to suspend an account that is already suspended', async () => {
    const dave = await account('dave@example.com')

    expect(await act(provider, dave, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'already suspended' })
    expect(sandbox.requests).toHaveLength(0)
  })

  it('says the account no longer exists when suspend finds it gone', async () => {
    const alice = await account('alice@example.com')
    sandbox.users.delete('u-alice')

    expect(await act(provider, alice, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'the account no longer exists' })
  })

  it('fails a restore when the service still reports the account as suspended', async () => {
    const dave = await account('dave@example.com')
    sandbox.failNext({ method: 'PATCH' }, { status: 200, body: { id: 'u-dave', userName: 'dave@example.com', active: false } })

    expect(await act(provider, dave, 'restore', {})).toMatchObject({ kind: 'failed', problem: { kind: 'rejected' } })
  })

  it('deletes with DELETE /Users/{id}: done, and the user is gone', async () => {
    const alice = await account('alice@example.com')

    expect(await act(provider, alice, 'delete', {})).toEqual({ kind: 'done' })
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /Users/u-alice'])
    expect(sandbox.users.has('u-alice')).toBe(false)
  })

  it('treats deleting a missing user as already deleted', async () => {
    const alice = await account('alice@example.com')
    sandbox.users.delete('u-alice')

    expect(await act(provider, alice, 'delete', {})).toEqual({ kind: 'already-done', detail: 'already deleted' })
    expect(sandbox.requests).toHaveLength(1)
  })

  it('fails cancel-delete as unsupported without calling the service', async () => {
    const alice = await account('alice@example.com')

    expect(await act(provider, alice, 'cancel-delete', {})).toEqual({ kind: 'failed', problem: { kind: 'unsupported', action: 'cancel-delete' } })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('SCIM provider: service errors reach the caller as typed problems', () => {
  it('401 -> credentials, and the token is in neither message nor problem', async () => {
    const wrong = createScimProvider(integration({ token: 'wrong-token-value' }))
    const error: unknown = await wrong.findAccount('alice@example.com').catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).problem).toMatchObject({ kind: 'credentials', status: 401 })
    expect(`${(error as Error).message} ${JSON.stringify((error as ProviderError).problem)}`).not.toContain('wrong-token-value')
  })

  it('403 -> permission, with the SCIM error detail', async () => {
    const alice = await account('alice@example.com')
    sandbox.failNext(
      { method: 'DELETE' },
      {
        status: 403,
        body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403', detail: 'Admins can only be deleted by the owner' },
      },
    )

    expect(await problemOf(act(provider, alice, 'delete', {}))).toEqual({
      kind: 'permission',
      status: 403,
      detail: 'Admins can only be deleted by the owner',
    })
    expect(sandbox.users.has('u-alice')).toBe(true)
  })

  it('429 with Retry-After: 7 -> rate-limited, retry after 7000 ms', async () => {
    const alice = await account('alice@example.com')
    sandbox.failNext({ method: 'PATCH' }, { status: 429, headers: { 'retry-after': '7' } })

    expect(await problemOf(act(provider, alice, 'suspend', {}))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
  })

  it('503 -> transient, with the status', async () => {
    sandbox.failNext({ method: 'GET' }, { status: 503 })

    expect(await problemOf(provider.findAccount('alice@example.com'))).toMatchObject({ kind: 'transient', status: 503 })
  })

  it('a server slower than timeoutMs -> transient', async () => {
    const impatient = createScimProvider(integration(), { timeoutMs: 150 })
    sandbox.failNext({ method: 'GET' }, { delayMs: 1500 })

    const started = Date.now()
    expect(await problemOf(impatient.findAccount('alice@example.com'))).toMatchObject({ kind: 'transient' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('409 on PATCH -> conflict with the SCIM detail and scimType', async () => {
    const alice = await account('alice@example.com')
    sandbox.failNext(
      { method: 'PATCH' },
      { status: 409, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness', detail: 'busy' } },
    )

    expect(await problemOf(act(provider, alice, 'suspend', {}))).toEqual({ kind: 'conflict', detail: 'busy (uniqueness)' })
  })
})

describe('SCIM provider: preflight', () => {
  it('prepares a delete: irreversible, says what happens, warns that roles are not reported', async () => {
    const dave = await account('dave@example.com')

    const preflight = await provider.preflight(dave, 'delete')

    if (preflight.kind !== 'ready') throw new Error(`expected ready, got ${preflight.kind}`)
    expect(preflight.reversible).toBe(false)
    expect(preflight.consequences.join(' ')).toMatch(/deleted from Acme Wiki/)
    expect(preflight.consequences.join(' ')).toMatch(/cannot be restored from the bot/)
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /Users/u-dave'])
  })

  it('prepares a suspend: reversible, nothing deleted', async () => {
    const alice = await account('alice@example.com')

    const preflight = await provider.preflight(alice, 'suspend')

    if (preflight.kind !== 'ready') throw new Error(`expected ready, got ${preflight.kind}`)
    expect(preflight.reversible).toBe(true)
    expect(preflight.consequences.join(' ')).toMatch(/active is set to false/)
    expect(preflight.consequences).toContain('Nothing is deleted.')
  })

  it("warns that an account is already suspended, using the service's current state", async () => {
    const alice = await account('alice@example.com')
    sandbox.users.get('u-alice')!.active = false

    const preflight = await provider.preflight(alice, 'suspend')

    expect(preflight).toMatchObject({ kind: 'ready', account: { status: 'suspended' } })
    expect(preflight.kind === 'ready' && preflight.warnings.some((w) => /already suspended/.test(w))).toBe(true)
  })

  it('answers gone when the account no longer exists', async () => {
    const alice = await account('alice@example.com')
    sandbox.users.delete('u-alice')

    expect(await provider.preflight(alice, 'delete')).toEqual({ kind: 'gone' })
  })

  it('blocks cancel-delete as unsupported', async () => {
    const alice = await account('alice@example.com')

    expect(await preflightAccount(provider, alice, 'cancel-delete')).toEqual({
      kind: 'blocked',
      account: alice,
      blockers: [{ problem: { kind: 'unsupported', action: 'cancel-delete' } }],
    })
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('SCIM provider: checkConnection', () => {
  it('is healthy with a valid token, after reading the config and one user', async () => {
    expect(await provider.checkConnection()).toMatchObject({ ok: true })
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /ServiceProviderConfig', 'GET /Users'])
    expect(sandbox.requests[1]?.query).toEqual({ startIndex: '1', count: '1' })
  })

  it('reports credentials trouble with a bad token', async () => {
    const wrong = createScimProvider(integration({ token: 'expired-token' }))

    expect(await wrong.checkConnection()).toEqual({ ok: false, problem: expect.objectContaining({ kind: 'credentials', status: 401 }) })
  })

  it('falls back to GET /Users when there is no ServiceProviderConfig', async () => {
    sandbox.failNext({ pathIncludes: '/ServiceProviderConfig' }, { status: 404 })

    expect(await provider.checkConnection()).toMatchObject({ ok: true })
    expect(sandbox.requests.map((r) => r.path)).toEqual(['/ServiceProviderConfig', '/Users'])
  })

  it('reports an unreachable service as transient', async () => {
    const nowhere = createScimProvider(integration({ baseUrl: 'http://127.0.0.1:1/scim/v2' }))

    expect(await nowhere.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'transient' } })
  })
})

// The sandbox stands in for real services in the end-to-end tests and the demo, so what it accepts is checked here too.
describe('SCIM sandbox: behaves like a SCIM service', () => {
  async function call(method: string, path: string, body?: unknown, token = TOKEN): Promise<{ status: number; type: string | null; json: unknown }> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, type: response.headers.get('content-type'), json: text ? (JSON.parse(text) as unknown) : undefined }
  }

  it("accepts Entra's capitalised op and string boolean, and Okta's path-less replace", async () => {
    expect(await call('PATCH', '/Users/u-alice', { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })).toMatchObject({
      status: 200,
      json: { id: 'u-alice', active: false },
    })
    expect(await call('PATCH', '/Users/u-alice', { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] })).toMatchObject({
      status: 200,
      json: { active: true },
    })
  })

  it('refuses a PATCH without the PatchOp schema, and changes nothing', async () => {
    const answer = await call('PATCH', '/Users/u-alice', { Operations: [{ op: 'replace', path: 'active', value: false }] })

    expect(answer).toMatchObject({ status: 400, json: { status: '400', scimType: 'invalidSyntax' } })
    expect(sandbox.users.get('u-alice')?.active).toBe(true)
  })

  it('answers a bad token with a 401 SCIM Error as application/scim+json', async () => {
    expect(await call('GET', '/Users', undefined, 'nope')).toMatchObject({
      status: 401,
      type: expect.stringContaining('application/scim+json'),
      json: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' },
    })
  })

  it('filters with case-insensitive attribute and value, and pages with startIndex and count', async () => {
    expect(await call('GET', `/Users?filter=${encodeURIComponent('USERNAME eq "ALICE@EXAMPLE.COM"')}`)).toMatchObject({
      json: { totalResults: 1, Resources: [{ id: 'u-alice' }] },
    })
    expect(await call('GET', '/Users?startIndex=2&count=1')).toMatchObject({
      json: { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 3, startIndex: 2, itemsPerPage: 1, Resources: [{ id: 'u-bob' }] },
    })
  })

  it('deletes with 204, then answers 404 with a SCIM Error', async () => {
    expect(await call('DELETE', '/Users/u-bob')).toMatchObject({ status: 204, json: undefined })
    expect(await call('DELETE', '/Users/u-bob')).toMatchObject({ status: 404, json: { status: '404' } })
  })
})

/**
 * The SCIM adapter against a SCIM server built with independent libraries
 * (scimmy + scimmy-routers on express), so the adapter is not only tested against
 * a sandbox written by the same hands.
 *
 * scimmy quirks this file works with:
 * - Resources.declare and Config are process-wide, so one scimmy server per test file.
 * - Filtering is the egress handler's job (resource.filter.match), and its `eq` is
 *   case-sensitive even for userName, so lookups here use the stored case.
 * - A PATCH that changes something answers 200 with the resource; one that changes nothing, 204.
 * - Under express 5, scimmy-routers' cast of count/startIndex to numbers is lost
 *   (req.query is re-parsed on each read), so `count=1` is ignored and up to 20 users come back.
 * - Its filter parser rejects an escaped quote inside a value (`"x\"y"`) with 400 invalidFilter.
 * - The bearer handler runs before every route, ServiceProviderConfig included.
 */
import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Request } from 'express'
import SCIMMY from 'scimmy'
import SCIMMYRouters from 'scimmy-routers'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createScimProvider } from '../../src/providers/scim/adapter.js'
import type { Provider } from '../../src/providers/types.js'
import { act } from '../../src/providers/run.js'

const TOKEN = 'scimmy-test-token-6f1c2d'

interface StoredUser {
  id: string
  userName: string
  displayName?: string
  name?: { givenName?: string; familyName?: string }
  emails?: { value: string; primary?: boolean; type?: string }[]
  active?: boolean
}

const store = new Map<string, StoredUser>()
const seen: { method: string; path: string; contentType?: string; body: unknown }[] = []

function seed(): void {
  store.clear()
  store.set('1', { id: '1', userName: 'ann@example.com', displayName: 'Ann Example', emails: [{ value: 'ann@example.com', primary: true }], active: true })
  store.set('2', {
    id: '2',
    userName: 'ben',
    name: { givenName: 'Ben', familyName: 'Other' },
    emails: [{ value: 'ben@example.com', type: 'work' }],
    active: true,
  })
}

/**
 * In-memory handlers for SCIMMY's User resource. SCIMMY leaves filtering to the
 * egress handler (resource.filter) and turns a thrown plain Error into 404.
 */
function declareUsers(): void {
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .egress((resource) => {
      const users = [...store.values()]
      if (resource.id) {
        const user = store.get(resource.id)
        if (!user) throw new Error('not found')
        return user
      }
      // Quirk: Filter.match compares eq values case-sensitively, although RFC 7643 makes userName caseExact=false.
      return resource.filter ? (resource.filter.match(users) as typeof users) : users
    })
    .ingress((resource, instance) => {
      const id = resource.id ?? randomUUID()
      if (resource.id && !store.has(id)) throw new Error('not found')
      const user: StoredUser = { ...(instance as unknown as Omit<StoredUser, 'id'>), id }
      store.set(id, user)
      return user
    })
    .degress((resource) => {
      if (!resource.id || !store.delete(resource.id)) throw new Error('not found')
    })
}

function authenticate(req: Request): string {
  if (req.header('authorization') !== `Bearer ${TOKEN}`) throw new Error('Invalid bearer token')
  return 'bot'
}

let server: Server
let provider: Provider
let baseUrl: string

beforeAll(async () => {
  declareUsers()
  const app = express()
  // Records what reached the server, before scimmy-routers parses the body.
  app.use(express.json({ type: ['application/scim+json', 'application/json'] }), (req, _res, next) => {
    seen.push({ method: req.method, path: req.path, contentType: req.header('content-type'), body: req.body as unknown })
    next()
  })
  // scimmy-routers mounts its own JSON parser; express skips it since the body is already read.
  app.use('/scim/v2', new SCIMMYRouters({ type: 'bearer', handler: authenticate }))
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`
  provider = createScimProvider({ id: 'scimmy', type: 'scim', displayName: 'Scimmy Service', baseUrl, token: TOKEN }, { timeoutMs: 5000 })
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  seed()
  seen.length = 0
})

describe('SCIM adapter against a scimmy server', () => {
  it('finds a user by userName and reads name, email and status', async () => {
    const account = await provider.findAccount('ann@example.com')

    expect(account).toEqual({ id: '1', email: 'ann@example.com', displayName: 'Ann Example', status: 'active' })
  })

  it('falls back to emails.value when the userName is not the address', async () => {
    const account = await provider.findAccount('ben@example.com')

    expect(account).toMatchObject({ id: '2', email: 'ben@example.com', displayName: 'Ben Other' })
    expect(seen.map((r) => r.path)).toEqual(['/scim/v2/Users', '/scim/v2/Users'])
  })

  it('answers null for an address nobody has', async () => {
    expect(await provider.findAccount('nobody@example.com')).toBeNull()
  })

  it('suspends with the RFC PatchOp, and scimmy stores active=false', async () => {
    const account = await provider.findAccount('ann@example.com')
    if (!account) throw new Error('seed user not found')

    const outcome = await act(provider, account, 'suspend', {})

    expect(outcome).toEqual({ kind: 'done' })
    expect(store.get('1')?.active).toBe(false)
    const patch = seen.find((r) => r.method === 'PATCH')
    expect(patch?.contentType).toBe('application/scim+json')
    expect(patch?.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    })
    expect(await provider.findAccount('ann@example.com')).toMatchObject({ status: 'suspended' })
  })

  it('restores a suspended user', async () => {
    store.set('1', { ...store.get('1')!, active: false })
    const account = await provider.findAccount('ann@example.com')
    if (!account) throw new Error('seed user not found')
    expect(account.status).toBe('suspended')

    expect(await act(provider, account, 'restore', {})).toEqual({ kind: 'done' })
    expect(store.get('1')?.active).toBe(true)
  })

  it("treats scimmy's 204 for a PATCH that changes nothing as success", async () => {
    const account = await provider.findAccount('ann@example.com')
    if (!account) throw new Error('seed user not found')

    // Quirk: scimmy answers 200 with the resource when the PATCH changed it, 204 when it did not.
    expect(await act(provider, account, 'restore', {})).toEqual({ kind: 'done' })
    expect(seen.filter((r) => r.method === 'PATCH')).toHaveLength(1)
    expect(store.get('1')?.active).toBe(true)
  })

  it('deletes a user, and a second delete is already done', async () => {
    const account = await provider.findAccount('ann@example.com')
    if (!account) throw new Error('seed user not found')

    expect(await act(provider, account, 'delete', {})).toEqual({ kind: 'done' })
    expect(store.has('1')).toBe(false)
    expect(await act(provider, account, 'delete', {})).toEqual({ kind: 'already-done', detail: 'already deleted' })
  })

  it('prepares a suspend with the current state of the user', async () => {
    const account = await provider.findAccount('ben@example.com')
    if (!account) throw new Error('seed user not found')

    const preflight = await provider.preflight(account, 'suspend')

    expect(preflight).toMatchObject({ kind: 'ready', reversible: true, account: { id: '2', status: 'active' } })
  })

  it('reports a healthy connection, and credentials trouble with a wrong token', async () => {
    expect(await provider.checkConnection()).toMatchObject({ ok: true })

    const wrong = createScimProvider({ id: 'scimmy', type: 'scim', displayName: 'Scimmy Service', baseUrl, token: 'wrong-token' })
    const health = await wrong.checkConnection()

    expect(health).toMatchObject({ ok: false, problem: { kind: 'credentials', status: 401 } })
  })
})

/**
 * The Entra ID adapter and its stand-in against Microsoft Graph's resource types as
 * Microsoft publishes them in @microsoft/microsoft-graph-types: every Graph request the
 * adapter makes is one of the calls it is meant to make (listed from Graph's API reference),
 * every body it sends and every answer the stand-in gives fits the resource type
 * (User, DirectoryRole, ServicePrincipal), and the adapter reads only fields those types have.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEntraIdProvider } from '../../src/providers/entra-id/provider.js'
import { directoryRoleSchema, roleMemberSchema, userSchema } from '../../src/providers/entra-id/answers.js'
import { startEntraIdSandbox, type EntraSandbox } from '../../local/entra-id-sandbox.js'
import { exerciseProvider } from './support/exercise.js'
import { GRAPH_TYPES, graphOperations, readGraphTypes } from './support/graph-source.js'
import { exchangeMismatches, requestLine } from './support/operations.js'
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js'
import type { Shape } from './support/shape.js'
import { zodMismatches } from './support/zod-fields.js'
import { act } from '../../src/providers/run.js'

const CLIENT_ID = '11111111-1111-1111-1111-111111111111'
const SECRET = 'conformance-entra-secret'
const operations = graphOperations()
const types = readGraphTypes()

let sandbox: EntraSandbox
let proxy: RecordingProxy

beforeAll(async () => {
  sandbox = await startEntraIdSandbox({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    appRoles: ['privilegedAuthenticationAdministrator'],
    users: [
      { userPrincipalName: 'ada@example.com', displayName: 'Ada', roles: ['globalAdministrator'], lastSignIn: '2026-06-01T08:00:00Z' },
      { userPrincipalName: 'una@example.com', displayName: 'Una', roles: ['globalAdministrator'] },
      { userPrincipalName: 'bob@example.com', displayName: 'Bob', otherMails: ['robert@example.org'], lastSignIn: '2026-05-28T16:45:00Z' },
      { userPrincipalName: 'carol@example.onmicrosoft.com', mail: 'carol@example.com', roles: ['userAdministrator'] },
      { userPrincipalName: 'gone@example.com', deletedDateTime: new Date().toISOString() },
    ],
  })
  proxy = await startRecordingProxy(sandbox.url)
  const provider = createEntraIdProvider(
    // Only Graph calls go through the proxy: the token request is the identity platform's, not Graph's.
    {
      id: 'entra',
      type: 'entra-id',
      displayName: 'Entra ID',
      tenantId: sandbox.tenantId,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      graphUrl: proxy.url,
      loginUrl: sandbox.url,
    },
    { timeoutMs: 5000 },
  )
  await exerciseProvider(provider, ['carol@example.com', 'bob@example.com'], ['suspend', 'restore', 'delete'])
  // A deleted user: found in deleted items, then restored.
  const deleted = await provider.findAccount('bob@example.com')
  if (deleted) await act(provider, deleted, 'cancel-delete', {})
})

afterAll(async () => {
  await proxy?.stop()
  await sandbox?.stop()
})

describe(`Entra ID adapter and stand-in against ${GRAPH_TYPES}`, () => {
  it('exercised lookups, roles, listings, suspend, reactivate, delete and restore', () => {
    const lines = proxy.exchanges.map(requestLine)
    for (const pattern of [
      /^GET \/v1\.0\/users\?\$filter&\$select&\$count&\$top$/,
      /^GET \/v1\.0\/directory\/deletedItems\/microsoft\.graph\.user\?\$filter/,
      /^GET \/v1\.0\/users\/[^/?]+\/memberOf\/microsoft\.graph\.directoryRole/,
      /^GET \/v1\.0\/directoryRoles$/,
      /^GET \/v1\.0\/directoryRoles\/[^/?]+\/members/,
      /^PATCH \/v1\.0\/users\/[^/?]+$/,
      /^POST \/v1\.0\/users\/[^/?]+\/revokeSignInSessions$/,
      /^DELETE \/v1\.0\/users\/[^/?]+$/,
      /^GET \/v1\.0\/directory\/deletedItems\/[^/?]+$/,
      /^POST \/v1\.0\/directory\/deletedItems\/[^/?]+\/restore$/,
    ]) {
      expect(lines).toContainEqual(expect.stringMatching(pattern))
    }
  })

  it('sends only the calls it is meant to, with bodies that fit User, and the stand-in answers only fields the types have', () => {
    expect(proxy.exchanges.flatMap((exchange) => exchangeMismatches(operations, exchange))).toEqual([])
  })

  it('reads only fields the types define: a user (with signInActivity), a directory role, a role member', () => {
    const member: Shape = { kind: 'union', options: [types.shapeOf('User'), types.shapeOf('ServicePrincipal')] }
    expect([
      ...zodMismatches(userSchema, types.shapeOf('User'), 'User'),
      ...zodMismatches(directoryRoleSchema, types.shapeOf('DirectoryRole'), 'DirectoryRole'),
      ...zodMismatches(roleMemberSchema, member, 'DirectoryObject'),
    ]).toEqual([])
  })

  it('would notice a field the types do not have', () => {
    expect(zodMismatches(userSchema.extend({ lastLogin: userSchema.shape.mail }), types.shapeOf('User'), 'User')).toEqual(['User.lastLogin: not in User'])
  })
})

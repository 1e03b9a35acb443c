/**
 * The Okta adapter and its stand-in against Okta's own OpenAPI description, as
 * @okta/okta-sdk-nodejs generates it: every request the adapter makes is an operation
 * the SDK defines (path, method, query parameters), and every answer the stand-in gives
 * fits the SDK's model for it, field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOktaProvider } from '../../src/providers/okta/provider.js'
import { assigneesSchema, roleSchema, userSchema } from '../../src/providers/okta/answers.js'
import { startOktaSandbox } from '../../local/okta-sandbox.js'
import type { OktaSandbox } from '../../local/okta-sandbox.js'
import { exerciseProvider } from './support/exercise.js'
import { OKTA_SDK, oktaOperations } from './support/okta-source.js'
import { exchangeMismatches, requestLine } from './support/operations.js'
import type { Operation } from './support/operations.js'
import type { Exchange, RecordingProxy } from './support/recording-proxy.js'
import { startRecordingProxy } from './support/recording-proxy.js'
import { itemOf, zodMismatches } from './support/zod-fields.js'

const TOKEN = 'okta-conformance-ssws-token-1b2c'
const operations = oktaOperations()
const response = (name: string): Operation['response'] => operations.find((op) => op.name === name)?.response

let sandbox: OktaSandbox
let proxy: RecordingProxy

beforeAll(async () => {
  sandbox = await startOktaSandbox({ token: TOKEN, tokenOwner: '00u-ada' })
  sandbox.addUser({ id: '00u-ada', login: 'ada@example.com', firstName: 'Ada', lastName: 'Admin', roles: ['SUPER_ADMIN'] })
  sandbox.addUser({ id: '00u-gina', login: 'gina@example.com', firstName: 'Gina', lastName: 'Group', roles: [{ type: 'USER_ADMIN', assignmentType: 'GROUP' }] })
  sandbox.addUser({ id: '00u-bob', login: 'bob@example.com', firstName: 'Bob', lastName: 'Builder', sessions: 2, lastLogin: '2025-05-28T16:45:00.000Z' })
  sandbox.addUser({
    id: '00u-adam',
    login: 'adam@example.com',
    firstName: 'Adam',
    lastName: 'Directory',
    provider: { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' },
  })
  proxy = await startRecordingProxy(sandbox.url)
  const provider = createOktaProvider({ id: 'okta', type: 'okta', displayName: 'Okta', orgUrl: proxy.url, apiToken: TOKEN }, { timeoutMs: 5000 })
  await exerciseProvider(provider, ['gina@example.com', 'adam@example.com', 'bob@example.com'], ['suspend', 'restore', 'delete'])
})

afterAll(async () => {
  await proxy?.stop()
  await sandbox?.stop()
})

const distinct = (exchanges: Exchange[]) => [...new Map(exchanges.map((e) => [`${requestLine(e)} ${e.status}`, e])).values()]

describe(`Okta adapter and stand-in against ${OKTA_SDK}`, () => {
  it('exercised reads, lifecycle writes, session revocation and the admin listing', () => {
    const lines = proxy.exchanges.map(requestLine)
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GET \/api\/v1\/users\?search&limit$/),
        expect.stringMatching(/^GET \/api\/v1\/users\/[^/]+\/roles$/),
        expect.stringMatching(/^POST \/api\/v1\/users\/[^/]+\/lifecycle\/suspend$/),
        expect.stringMatching(/^POST \/api\/v1\/users\/[^/]+\/lifecycle\/unsuspend$/),
        expect.stringMatching(/^DELETE \/api\/v1\/users\/[^/]+\/sessions\?oauthTokens$/),
        expect.stringMatching(/^DELETE \/api\/v1\/users\/[^/]+\?sendEmail$/),
        expect.stringMatching(/^GET \/api\/v1\/iam\/assignees\/users/),
      ]),
    )
  })

  it('sends only requests the SDK defines, and the stand-in answers only fields its models have', () => {
    const found = distinct(proxy.exchanges).flatMap((exchange) => exchangeMismatches(operations, exchange))
    expect(found).toEqual([])
  })

  it('reads only fields the SDK models define: users, role assignments, role assignees', () => {
    expect([
      ...zodMismatches(userSchema, response('UserApi.getUser') ?? { kind: 'any' }, 'User'),
      ...zodMismatches(userSchema, itemOf(response('UserApi.listUsers')), 'listUsers[]'),
      ...zodMismatches(roleSchema, itemOf(response('RoleAssignmentApi.listAssignedRolesForUser')), 'Role'),
      ...zodMismatches(assigneesSchema, response('RoleAssignmentApi.listUsersWithRoleAssignments') ?? { kind: 'any' }, 'RoleAssignedUsers'),
    ]).toEqual([])
  })
})

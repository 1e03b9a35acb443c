/**
 * The Qlik Cloud adapter and its stand-in against Qlik's REST APIs as @qlik/api
 * generates them from Qlik's OpenAPI documents: every request the adapter makes
 * (users, spaces, apps, scripts, data connections, reload tasks, API keys) is a
 * function the package defines, with its query parameters and body type, and every
 * answer the stand-in gives fits the type that function returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  NEW_OWNER_QUESTION,
  bulkResultSchema,
  connectionSchema,
  itemSchema,
  reloadTaskSchema,
  spaceSchema,
  userSchema,
} from '../../src/providers/qlik/adapter.js'
import { createQlikProvider } from '../../src/providers/qlik/provider.js'
import { startQlikSandbox } from '../../local/qlik-sandbox.js'
import type { QlikSandbox } from '../../local/qlik-sandbox.js'
import { exerciseProvider } from './support/exercise.js'
import { exchangeMismatches, requestLine } from './support/operations.js'
import { QLIK_API, qlikOperations } from './support/qlik-source.js'
import type { RecordingProxy } from './support/recording-proxy.js'
import { startRecordingProxy } from './support/recording-proxy.js'
import { fieldOf, itemOf, zodMismatches } from './support/zod-fields.js'

const KEY = 'qlik-conformance-key-9d2e61aa'
const operations = qlikOperations()
const response = (name: string) => operations.find((op) => op.name === name)?.response ?? { kind: 'any' as const }
/** The item type of a listing's `data`. */
const listed = (name: string) => itemOf(fieldOf(response(name), 'data'))

let sandbox: QlikSandbox
let proxy: RecordingProxy

beforeAll(async () => {
  sandbox = await startQlikSandbox({
    apiKeys: { [KEY]: 'u-admin' },
    users: [
      { id: 'u-admin', name: 'Ada Admin', email: 'ada.admin@example.com', roles: ['TenantAdmin'] },
      { id: 'u-bob', name: 'Bob Builder', email: 'bob@example.com', roles: ['Developer'] },
      { id: 'u-carol', name: 'Carol Coleman', email: 'carol@example.com' },
      { id: 'u-dave', name: 'Dave Departed', email: 'dave@example.com', status: 'disabled' },
      { id: 'u-erin', name: 'Erin Invited', email: 'erin@example.com', status: 'invited' },
    ],
    spaces: [{ id: 'sp-finance', name: 'Finance', ownerId: 'u-bob' }],
    apps: [{ id: 'app-01', name: 'App 01', ownerId: 'u-bob', spaceId: 'sp-finance' }],
    scripts: [{ id: 'script-etl', name: 'Nightly ETL', ownerId: 'u-bob' }],
    dataConnections: [{ id: 'dc-snowflake', name: 'Snowflake', ownerId: 'u-bob', spaceId: 'sp-finance' }],
    reloadTasks: [{ id: 'task-01', appId: 'app-01', ownerId: 'u-bob' }],
    maxPageSize: 2,
  })
  proxy = await startRecordingProxy(sandbox.url)
  const provider = createQlikProvider({ id: 'qlik', type: 'qlik', displayName: 'Qlik Cloud', tenantUrl: proxy.url, apiKey: KEY }, { timeoutMs: 5000 })
  const bob = await provider.findAccount('bob@example.com')
  if (bob) await provider.suggest?.(bob, NEW_OWNER_QUESTION, 'car')
  await exerciseProvider(provider, ['dave@example.com'], ['restore', 'suspend'])
  await exerciseProvider(provider, ['erin@example.com', 'bob@example.com'], ['delete'], { [NEW_OWNER_QUESTION]: 'u-carol' })
})

afterAll(async () => {
  await proxy?.stop()
  await sandbox?.stop()
})

describe(`Qlik Cloud adapter and stand-in against ${QLIK_API}`, () => {
  it('exercised the user reads and writes, the asset listings and every reassignment', () => {
    expect(proxy.exchanges.map(requestLine)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/users/me',
        expect.stringMatching(/^PATCH \/api\/v1\/users\/u-dave$/),
        expect.stringMatching(/^PATCH \/api\/v1\/spaces\/sp-finance$/),
        expect.stringMatching(/^PUT \/api\/v1\/apps\/app-01\/owner$/),
        'POST /api/v1/data-connections/actions/update',
        expect.stringMatching(/^DELETE \/api\/v1\/users\/u-bob$/),
      ]),
    )
  })

  it('sends only requests the package defines, and the stand-in answers only fields its types have', () => {
    expect(proxy.exchanges.flatMap((exchange) => exchangeMismatches(operations, exchange))).toEqual([])
  })

  it('reads only fields the package types define: users, spaces, items, data connections, reload tasks, bulk results', () => {
    expect([
      ...zodMismatches(userSchema, response('users.getUser'), 'User'),
      ...zodMismatches(userSchema, listed('users.getUsers'), 'Users.data[]'),
      ...zodMismatches(spaceSchema, listed('spaces.getSpaces'), 'Spaces.data[]'),
      ...zodMismatches(itemSchema, listed('items.getItems'), 'Items.data[]'),
      ...zodMismatches(connectionSchema, listed('data-connections.getDataConnections'), 'DataConnections.data[]'),
      ...zodMismatches(reloadTaskSchema, listed('reload-tasks.getReloadTasks'), 'ReloadTasks.data[]'),
      ...zodMismatches(bulkResultSchema, response('data-connections.updateDataConnections'), 'updateDataConnections'),
    ]).toEqual([])
  })
})

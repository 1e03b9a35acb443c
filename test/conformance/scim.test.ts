/**
 * The SCIM adapter and the SCIM stand-in against SCIM 2.0 as scimmy and scimmy-routers
 * implement it: every request the adapter makes is a route scimmy-routers serves (a
 * PATCH body is one scimmy accepts as a PatchOp), and every answer the stand-in gives
 * fits scimmy's User schema (core and enterprise) and ListResponse message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScimProvider, listResponseSchema, scimUserSchema } from '../../src/providers/scim/adapter.js'
import { SCIM_BASE_PATH, startScimSandbox } from '../../local/scim-sandbox.js'
import type { ScimSandbox } from '../../local/scim-sandbox.js'
import { exerciseProvider } from './support/exercise.js'
import { exchangeMismatches, requestLine } from './support/operations.js'
import type { Exchange, RecordingProxy } from './support/recording-proxy.js'
import { startRecordingProxy } from './support/recording-proxy.js'
import { SCIMMY_LABEL, listResponseShape, scimOperations, scimUserShape } from './support/scim-source.js'
import { zodMismatches } from './support/zod-fields.js'

const TOKEN = 'scim-conformance-token-4e8a0c'
const operations = scimOperations()

let sandbox: ScimSandbox
let proxy: RecordingProxy

beforeAll(async () => {
  sandbox = await startScimSandbox({
    token: TOKEN,
    users: [
      { id: 'u-ada', userName: 'ada@example.com', givenName: 'Ada', familyName: 'Admin', roles: ['admin'] },
      { id: 'u-bob', userName: 'bob@example.com', displayName: 'Bob Builder', externalId: 'hr-42' },
    ],
  })
  proxy = await startRecordingProxy(new URL(sandbox.url).origin)
  const provider = createScimProvider(
    { id: 'scim', type: 'scim', displayName: 'SCIM', baseUrl: `${proxy.url}${SCIM_BASE_PATH}`, token: TOKEN },
    { timeoutMs: 5000 },
  )
  await exerciseProvider(provider, ['ada@example.com', 'bob@example.com'], ['suspend', 'restore', 'delete'])
})

afterAll(async () => {
  await proxy?.stop()
  await sandbox?.stop()
})

/** Paths as scimmy-routers sees them, below the SCIM base URL. */
const underBase = (exchange: Exchange): Exchange => ({ ...exchange, path: exchange.path.slice(SCIM_BASE_PATH.length) })

describe(`SCIM adapter and stand-in against ${SCIMMY_LABEL}`, () => {
  it('exercised the listing, the filter lookup, suspend and restore by PATCH, and delete', () => {
    expect(proxy.exchanges.map(underBase).map(requestLine)).toEqual(
      expect.arrayContaining(['GET /Users?filter', 'GET /Users?startIndex&count', 'PATCH /Users/u-ada', 'DELETE /Users/u-bob', 'GET /ServiceProviderConfig']),
    )
  })

  it('sends only requests scimmy serves, and the stand-in answers only what its schemas define', () => {
    expect(proxy.exchanges.map(underBase).flatMap((exchange) => exchangeMismatches(operations, exchange))).toEqual([])
  })

  it("reads only attributes scimmy's User schema and ListResponse define", () => {
    expect([...zodMismatches(scimUserSchema, scimUserShape, 'User'), ...zodMismatches(listResponseSchema, listResponseShape, 'ListResponse')]).toEqual([])
  })
})

/**
 * The Google Workspace adapter and its stand-in against the Admin SDK Directory API and
 * Data Transfer API as Google's generator describes them in @googleapis/admin: every request the
 * adapter makes is a method the API defines (path, HTTP method, parameters, body
 * schema), and every answer the stand-in gives fits the `Schema$…` the method returns.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applicationListSchema, dataTransferSchema } from '../../src/providers/google-workspace/data-transfer.js'
import { userListSchema, userSchema } from '../../src/providers/google-workspace/adapter.js'
import { createGoogleWorkspaceProvider } from '../../src/providers/google-workspace/provider.js'
import type { Outcome } from '../../src/providers/types.js'
import { startGoogleWorkspaceSandbox } from '../../local/google-workspace-sandbox.js'
import type { GoogleWorkspaceSandbox } from '../../local/google-workspace-sandbox.js'
import { exerciseProvider } from './support/exercise.js'
import { GOOGLE_ADMIN, dataTransferOperations, directoryOperations } from './support/google-source.js'
import { exchangeMismatches, requestLine } from './support/operations.js'
import type { RecordingProxy } from './support/recording-proxy.js'
import { startRecordingProxy } from './support/recording-proxy.js'
import { zodMismatches } from './support/zod-fields.js'
import { act } from '../../src/providers/run.js'

const CLIENT_EMAIL = 'deprovision-bot@corp-security.iam.gserviceaccount.com'
const ADMIN = 'it-admin@corp.example'
const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
const operations = [...directoryOperations(), ...dataTransferOperations()]
const response = (name: string) => operations.find((op) => op.name === name)?.response ?? { kind: 'any' as const }

let sandbox: GoogleWorkspaceSandbox
let proxy: RecordingProxy

beforeAll(async () => {
  sandbox = await startGoogleWorkspaceSandbox({
    serviceAccount: { clientEmail: CLIENT_EMAIL, clientId: '112233445566778899001', publicKey: pair.publicKey },
    domain: 'corp.example',
    users: [
      {
        id: 'u-admin',
        primaryEmail: ADMIN,
        givenName: 'Ivy',
        familyName: 'Admin',
        aliases: ['admin@corp.example'],
        isAdmin: true,
        lastLoginTime: '2025-06-01T08:00:00.000Z',
      },
      {
        id: 'u-bob',
        primaryEmail: 'bob@corp.example',
        givenName: 'Bob',
        familyName: 'Builder',
        aliases: ['robert@corp.example'],
        lastLoginTime: '2025-05-28T16:45:00.000Z',
      },
      { id: 'u-carol', primaryEmail: 'carol@corp.example', givenName: 'Carol', familyName: 'Contractor', isDelegatedAdmin: true },
      { id: 'u-dan', primaryEmail: 'dan@corp.example', givenName: 'Dan', familyName: 'Departing' },
    ],
  })
  proxy = await startRecordingProxy(sandbox.url)
  const key = JSON.stringify({
    type: 'service_account',
    private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: CLIENT_EMAIL,
    token_uri: 'https://oauth2.googleapis.com/token',
  })
  const provider = createGoogleWorkspaceProvider(
    // Only Directory calls go through the proxy: the token request is OAuth, not part of the Directory API.
    {
      id: 'gws',
      type: 'google-workspace',
      displayName: 'Google Workspace',
      domain: 'corp.example',
      adminEmail: ADMIN,
      serviceAccountKey: key,
      baseUrl: proxy.url,
      tokenUrl: sandbox.tokenUrl,
    },
    { timeoutMs: 5000 },
  )
  await exerciseProvider(provider, ['carol@corp.example', 'bob@corp.example'], ['suspend', 'restore', 'delete'], { 'hand-over': 'skip' })
  // The hand-over: the new-owner search, a transfer of Drive files and calendars, its polls, then the delete.
  const dan = await provider.findAccount('dan@corp.example')
  if (!dan) throw new Error('stand-in has no account dan@corp.example')
  await provider.suggest?.(dan, 'new-owner', 'Ivy')
  let outcome: Outcome = await act(provider, dan, 'delete', { 'hand-over': 'drive-calendar', 'new-owner': 'u-admin' })
  while (outcome.kind === 'pending') outcome = await provider.poll!(outcome.task)
})

afterAll(async () => {
  await proxy?.stop()
  await sandbox?.stop()
})

describe(`Google Workspace adapter and stand-in against ${GOOGLE_ADMIN} (directory_v1, datatransfer_v1)`, () => {
  it('exercised the user reads, the listing, suspend, restore and delete', () => {
    expect(proxy.exchanges.map(requestLine)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GET \/admin\/directory\/v1\/users\/[^/?]+$/),
        expect.stringMatching(/^GET \/admin\/directory\/v1\/users\?customer&maxResults/),
        expect.stringMatching(/^PUT \/admin\/directory\/v1\/users\/[^/?]+$/),
        expect.stringMatching(/^DELETE \/admin\/directory\/v1\/users\/[^/?]+$/),
        expect.stringMatching(/^GET \/admin\/datatransfer\/v1\/applications\?customerId$/),
        'POST /admin/datatransfer/v1/transfers',
        expect.stringMatching(/^GET \/admin\/datatransfer\/v1\/transfers\/[^/?]+$/),
      ]),
    )
  })

  it('sends only requests the Directory API defines, and the stand-in answers only fields its schemas have', () => {
    expect(proxy.exchanges.flatMap((exchange) => exchangeMismatches(operations, exchange))).toEqual([])
  })

  it('reads only fields the Directory API schemas define: a user, a page of users', () => {
    expect([
      ...zodMismatches(userSchema, response('Resource$Users.get'), 'Schema$User'),
      ...zodMismatches(userListSchema, response('Resource$Users.list'), 'Schema$Users'),
    ]).toEqual([])
  })

  it('reads only fields the Data Transfer API schemas define: a page of applications, a transfer', () => {
    expect([
      ...zodMismatches(applicationListSchema, response('Resource$Applications.list'), 'Schema$ApplicationsListResponse'),
      ...zodMismatches(dataTransferSchema, response('Resource$Transfers.get'), 'Schema$DataTransfer'),
    ]).toEqual([])
  })

  it('ends the sessions of a suspended or deleted user with users.signOut', () => {
    expect(proxy.exchanges.map(requestLine)).toContainEqual(expect.stringMatching(/^POST \/admin\/directory\/v1\/users\/[^/?]+\/signOut$/))
  })
})

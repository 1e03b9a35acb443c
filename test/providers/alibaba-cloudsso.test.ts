/**
 * The CloudSSO adapter against the CloudSSO sandbox, which verifies every V3
 * signature as the real gateway does: what the service receives for each action,
 * and what the caller sees for each answer, including asynchronous tasks polled
 * to the end, a worker restart in the middle, and failed tasks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AlibabaCloudSsoIntegration } from '../../src/providers/alibaba-cloudsso/config.js'
import { newNonce, signRequest } from '../../src/providers/alibaba-cloudsso/acs3-signature.js'
import { userNameCandidates } from '../../src/providers/alibaba-cloudsso/adapter.js'
import {
  ASSIGNMENTS_LABEL,
  DEPROVISION_LABEL,
  MAX_DEPROVISIONING_WAITS,
  POLL_FIRST_MS,
  POLL_MAX_MS,
  SCIM_BLOCK_DETAIL,
} from '../../src/providers/alibaba-cloudsso/constants.js'
import { createCloudSsoProvider } from '../../src/providers/alibaba-cloudsso/provider.js'
import { cloudSsoEndpoint } from '../../src/providers/alibaba-cloudsso/client.js'
import { backoff } from '../../src/providers/alibaba-cloudsso/actions.js'
import type { CloudSsoProvider } from '../../src/providers/alibaba-cloudsso/adapter.js'
import type { Problem } from '../../src/providers/problems.js'
import type { Account, Outcome, TaskRef } from '../../src/providers/types.js'
import { startCloudSsoSandbox } from '../../local/cloudsso-sandbox.js'
import type { CloudSsoSandbox, CloudSsoSeed, SandboxTask } from '../../local/cloudsso-sandbox.js'
import { problemOf, ready, seededAccount } from '../support/provider-harness.js'
import { act, preflightAccount } from '../../src/providers/run.js'

const ACCESS_KEY_ID = 'LTAI5tSandboxKeyId'
const ACCESS_KEY_SECRET = 'sandbox-secret-7f3e91c2d4'
const DIRECTORY = 'd-00testdir0001'
const AC_ADMIN = 'ac-admin00001'
const AC_READONLY = 'ac-readonly001'
const AC_BILLING = 'ac-billing0001'
const PROD = '1142405247840001'
const STAGING = '1142405247840002'

const SEED: CloudSsoSeed = {
  users: [
    { id: 'u-alice', userName: 'alice@example.com', email: 'alice@example.com', displayName: 'Alice Admin' },
    { id: 'u-bob', userName: 'bob', email: 'bob@example.com', firstName: 'Bob', lastName: 'Builder' },
    { id: 'u-robert', userName: 'robert', email: 'robert@elsewhere.example' },
    { id: 'u-carol', userName: 'carol@example.com', email: 'carol@example.com', provisionType: 'Synchronized' },
    { id: 'u-dave', userName: 'dave@example.com', email: 'dave@example.com', status: 'Disabled' },
    { id: 'u-erin', userName: 'erin@example.com' },
  ],
  groups: [
    { id: 'g-ops', name: 'ops' },
    { id: 'g-audit', name: 'auditors' },
  ],
  memberships: [
    { groupId: 'g-ops', userId: 'u-alice' },
    { groupId: 'g-audit', userId: 'u-alice' },
    { groupId: 'g-ops', userId: 'u-bob' },
  ],
  mfaDevices: [{ id: 'mfa-alice', userId: 'u-alice', name: 'Alice phone' }],
  accessConfigurations: [
    { id: AC_ADMIN, name: 'Admin' },
    { id: AC_READONLY, name: 'ReadOnly' },
    { id: AC_BILLING, name: 'Billing' },
  ],
  accounts: [
    { id: PROD, name: 'prod' },
    { id: STAGING, name: 'staging' },
  ],
  assignments: [
    { accessConfigurationId: AC_ADMIN, targetId: PROD, principalId: 'u-alice' },
    { accessConfigurationId: AC_READONLY, targetId: PROD, principalId: 'u-alice' },
    { accessConfigurationId: AC_ADMIN, targetId: STAGING, principalId: 'u-alice' },
    { accessConfigurationId: AC_ADMIN, targetId: PROD, principalId: 'g-ops', principalType: 'Group' },
  ],
  provisionings: [{ accessConfigurationId: AC_BILLING, targetId: STAGING }],
}

type TaskShape = Pick<SandboxTask, 'TaskType' | 'AccessConfigurationId' | 'TargetId'>
const DEFAULT_POLLS = (): number => 2
/** How many GetTask calls each task takes; tests change it to make tasks end one after another. */
let pollsFor: (task: TaskShape) => number = DEFAULT_POLLS

let sandbox: CloudSsoSandbox
let provider: CloudSsoProvider

function integration(overrides: Partial<AlibabaCloudSsoIntegration> = {}): AlibabaCloudSsoIntegration {
  return {
    id: 'cloudsso',
    type: 'alibaba-cloudsso',
    displayName: 'Alibaba CloudSSO',
    region: 'cn-shanghai',
    directoryId: DIRECTORY,
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    endpoint: sandbox.url,
    ...overrides,
  }
}

const account = (email: string): Promise<Account> => seededAccount(provider, sandbox, email)

function actions(): (string | undefined)[] {
  return sandbox.requests.map((request) => request.action)
}

function requestsFor(action: string): Record<string, string>[] {
  return sandbox.requests.filter((request) => request.action === action).map((request) => request.params)
}

/** What a worker stores and reads back: JSON only. */
function stored(task: TaskRef): TaskRef {
  return JSON.parse(JSON.stringify(task)) as TaskRef
}

function pendingTask(outcome: Outcome): TaskRef {
  if (outcome.kind !== 'pending') throw new Error(`expected pending, got ${JSON.stringify(outcome)}`)
  return outcome.task
}

/** Polls as the worker would (state through JSON) until the outcome is no longer pending. */
async function pollToEnd(from: Outcome, using: CloudSsoProvider = provider): Promise<{ last: Outcome; seen: Outcome[] }> {
  const seen: Outcome[] = []
  let outcome = from
  for (let round = 0; outcome.kind === 'pending' && round < 20; round++) {
    outcome = await using.poll(stored(outcome.task))
    seen.push(outcome)
  }
  return { last: outcome, seen }
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

beforeAll(async () => {
  sandbox = await startCloudSsoSandbox({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    directoryId: DIRECTORY,
    directoryName: 'corp',
    taskPolls: (task) => pollsFor(task),
  })
  provider = createCloudSsoProvider(integration({ adminConsoleUrl: 'https://cloudsso.console.example.com' }), { timeoutMs: 2000 })
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => {
  pollsFor = DEFAULT_POLLS
  sandbox.reset(SEED)
  sandbox.state.scimSynchronization = 'Enabled'
})

describe('CloudSSO provider: description', () => {
  it('offers delete, suspend, restore and de-provisioning an access configuration, derived from what it implements', () => {
    expect([...provider.capabilities].sort()).toEqual(['delete', 'deprovision-access', 'restore', 'suspend'])
    expect(provider).toMatchObject({
      id: 'cloudsso',
      type: 'alibaba-cloudsso',
      displayName: 'Alibaba CloudSSO',
      adminConsoleUrl: 'https://cloudsso.console.example.com',
    })
  })
})

describe('CloudSSO provider: what the service receives', () => {
  it('sends every call as POST / with the parameters in the query string, signed with V3 and verified by the sandbox', async () => {
    await provider.findAccount('alice@example.com')

    expect(sandbox.requests).toHaveLength(1)
    expect(sandbox.requests[0]).toMatchObject({
      method: 'POST',
      action: 'ListUsers',
      version: '2021-05-15',
      params: { DirectoryId: DIRECTORY, Filter: 'UserName eq alice@example.com', MaxResults: '100' },
      signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'],
      signatureValid: true,
      status: 200,
    })
  })

  it('uses a fresh nonce for every request, so the gateway never sees a replay', async () => {
    await provider.preflight(await account('alice@example.com'), 'delete')

    expect(sandbox.requests.length).toBeGreaterThan(3)
    expect(sandbox.requests.every((request) => request.signatureValid && request.status === 200)).toBe(true)
  })

  it("defaults the endpoint to the region's public one, cloudsso.<region>.aliyuncs.com", () => {
    expect(cloudSsoEndpoint({ region: 'ap-southeast-1' }).href).toBe('https://cloudsso.ap-southeast-1.aliyuncs.com/')
    expect(cloudSsoEndpoint({ region: 'cn-shanghai', endpoint: 'https://cloudsso-vpc.cn-shanghai.aliyuncs.com' }).host).toBe(
      'cloudsso-vpc.cn-shanghai.aliyuncs.com',
    )
  })
})

describe('CloudSSO sandbox: refuses requests the real gateway refuses', () => {
  interface RawOptions {
    secret?: string
    accessKeyId?: string
    nonce?: string
    date?: Date
    sentQuery?: Record<string, string>
    sentBody?: string
    withoutAuthorization?: boolean
  }

  async function raw(action: string, params: Record<string, string>, options: RawOptions = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const url = new URL(sandbox.url)
    const query = { DirectoryId: DIRECTORY, ...params }
    const signed = signRequest({
      method: 'POST',
      host: url.host,
      path: '/',
      query,
      action,
      version: '2021-05-15',
      accessKeyId: options.accessKeyId ?? ACCESS_KEY_ID,
      accessKeySecret: options.secret ?? ACCESS_KEY_SECRET,
      date: options.date ?? new Date(),
      nonce: options.nonce ?? newNonce(),
    })
    // fetch sets Host itself (to the same value that was signed).
    const { host: _host, authorization, ...headers } = signed.headers
    const response = await fetch(`${sandbox.url}/?${new URLSearchParams(options.sentQuery ?? query).toString()}`, {
      method: 'POST',
      headers: { ...headers, ...(options.withoutAuthorization ? {} : { authorization }) },
      ...(options.sentBody === undefined ? {} : { body: options.sentBody }),
    })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }

  it('answers a correctly signed call', async () => {
    expect(await raw('GetUser', { UserId: 'u-alice' })).toMatchObject({ status: 200, json: { User: { UserId: 'u-alice', Email: 'alice@example.com' } } })
  })

  it("answers a wrong secret with 400 SignatureDoesNotMatch in the service's error body", async () => {
    const answer = await raw('GetUser', { UserId: 'u-alice' }, { secret: 'not-the-secret' })

    expect(answer.status).toBe(400)
    expect(answer.json).toMatchObject({ Code: 'SignatureDoesNotMatch', HostId: 'cloudsso.cn-shanghai.aliyuncs.com' })
    expect(answer.json.Message).toMatch(/^Specified signature does not match our calculation\. server StringToSign is \[ACS3-HMAC-SHA256\n[0-9a-f]{64}\]$/)
    expect(Object.keys(answer.json).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId'])
  })

  it('refuses parameters changed after signing', async () => {
    const answer = await raw('GetUser', { UserId: 'u-alice' }, { sentQuery: { DirectoryId: DIRECTORY, UserId: 'u-bob' } })

    expect(answer).toMatchObject({ status: 400, json: { Code: 'SignatureDoesNotMatch' } })
  })

  it('refuses a body whose hash is not x-acs-content-sha256', async () => {
    expect(await raw('GetUser', { UserId: 'u-alice' }, { sentBody: 'UserId=u-bob' })).toMatchObject({ status: 400, json: { Code: 'SignatureDoesNotMatch' } })
  })

  it('refuses an unknown AccessKey with 404 InvalidAccessKeyId.NotFound', async () => {
    expect(await raw('GetUser', { UserId: 'u-alice' }, { accessKeyId: 'LTAI-unknown' })).toMatchObject({
      status: 404,
      json: { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.' },
    })
  })

  it('refuses a replayed nonce, a stale date and a missing Authorization header', async () => {
    const nonce = newNonce()
    expect((await raw('GetDirectory', {}, { nonce })).status).toBe(200)
    expect(await raw('GetDirectory', {}, { nonce })).toMatchObject({ status: 400, json: { Code: 'SignatureNonceUsed' } })
    expect(await raw('GetDirectory', {}, { date: new Date(Date.now() - 16 * 60_000) })).toMatchObject({
      status: 400,
      json: { Code: 'InvalidTimeStamp.Expired' },
    })
    expect(await raw('GetDirectory', {}, { withoutAuthorization: true })).toMatchObject({ status: 400, json: { Code: 'IncompleteSignature' } })
  })

  it('refuses DeleteUser while the user still has access assignments, naming the real code', async () => {
    expect(await raw('DeleteUser', { UserId: 'u-alice' })).toMatchObject({ status: 409, json: { Code: 'DeletionConflict.User.AccessAssigment' } })
    expect(sandbox.state.users.has('u-alice')).toBe(true)
  })
})

describe('CloudSSO provider: checkConnection', () => {
  it('is healthy after a signed GetDirectory, and names the directory', async () => {
    expect(await provider.checkConnection()).toEqual({ ok: true, detail: `connected to CloudSSO directory "corp" (${DIRECTORY})` })
    expect(actions()).toEqual(['GetDirectory'])
  })

  it('reports a wrong secret as credentials trouble, without the secret anywhere', async () => {
    const wrong = createCloudSsoProvider(integration({ accessKeySecret: 'wrong-secret-value-123' }))
    const health = await wrong.checkConnection()

    expect(health).toMatchObject({ ok: false, problem: { kind: 'credentials', status: 400, detail: expect.stringMatching(/^SignatureDoesNotMatch: /) } })
    expect(JSON.stringify(health)).not.toContain('wrong-secret-value-123')
    expect(JSON.stringify(health)).not.toContain(ACCESS_KEY_SECRET)
  })

  it('reports an unknown AccessKey as credentials, not as a missing account (the service answers 404)', async () => {
    const unknown = createCloudSsoProvider(integration({ accessKeyId: 'LTAI-revoked' }))

    expect(await unknown.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'credentials', status: 404 } })
  })

  it('says which setting to check when the directory does not exist', async () => {
    const elsewhere = createCloudSsoProvider(integration({ directoryId: 'd-nope' }))

    expect(await elsewhere.checkConnection()).toEqual({
      ok: false,
      problem: { kind: 'rejected', detail: 'CloudSSO has no directory d-nope in cn-shanghai: check directoryId and region in the providers file' },
    })
  })

  it('reports a clock too far off as rejected, pointing at the clock', async () => {
    const late = createCloudSsoProvider(integration(), { now: () => new Date(Date.now() - 60 * 60_000) })

    expect(await late.checkConnection()).toMatchObject({
      ok: false,
      problem: { kind: 'rejected', detail: expect.stringMatching(/InvalidTimeStamp\.Expired.*check this machine's clock/) },
    })
  })

  it('reports an unreachable service as transient', async () => {
    const nowhere = createCloudSsoProvider(integration({ endpoint: 'http://127.0.0.1:1' }))

    expect(await nowhere.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'transient' } })
  })
})

describe('CloudSSO provider: findAccount', () => {
  it('finds a user whose UserName is the email, and reads status and names', async () => {
    expect(await provider.findAccount('alice@example.com')).toEqual({ id: 'u-alice', email: 'alice@example.com', displayName: 'Alice Admin', status: 'active' })
    expect(actions()).toEqual(['ListUsers'])
  })

  it('falls back to the local part as UserName, confirmed by the Email field', async () => {
    expect(await provider.findAccount('Bob@Example.com')).toEqual({ id: 'u-bob', email: 'bob@example.com', displayName: 'Bob Builder', status: 'active' })
    expect(requestsFor('ListUsers').map((params) => params.Filter)).toEqual(['UserName eq Bob@Example.com', 'UserName eq Bob'])
  })

  it("never answers with a user whose email is someone else's, even when the UserName matches", async () => {
    expect(await provider.findAccount('robert@example.com')).toBeNull()
    expect(requestsFor('ListUsers').map((params) => params.Filter)).toEqual(['UserName eq robert@example.com', 'UserName eq robert'])
  })

  it('asks GetUser when the list has no Email, and accepts a UserName that is the whole address', async () => {
    expect(await provider.findAccount('erin@example.com')).toEqual({
      id: 'u-erin',
      email: 'erin@example.com',
      displayName: 'erin@example.com',
      status: 'active',
    })
    expect(actions()).toEqual(['ListUsers', 'GetUser'])
    expect(requestsFor('GetUser')).toEqual([{ DirectoryId: DIRECTORY, UserId: 'u-erin' }])
  })

  it('reads Disabled as suspended', async () => {
    expect(await provider.findAccount('dave@example.com')).toMatchObject({ id: 'u-dave', status: 'suspended' })
  })

  it('answers null when neither the address nor its local part is a UserName', async () => {
    expect(await provider.findAccount('nobody@example.com')).toBeNull()
    expect(actions()).toEqual(['ListUsers', 'ListUsers'])
  })

  it('tries the address only once when it has no local part', () => {
    expect(userNameCandidates('alice@example.com')).toEqual(['alice@example.com', 'alice'])
    expect(userNameCandidates(' svc-bot ')).toEqual(['svc-bot'])
  })

  it('reports an answer without a Users list shape as rejected', async () => {
    sandbox.failNext({ action: 'ListUsers' }, { status: 200, body: { RequestId: 'r', Users: 'nope' } })

    expect(await problemOf(provider.findAccount('alice@example.com'))).toMatchObject({ kind: 'rejected', detail: expect.stringContaining('ListUsers') })
  })
})

describe('CloudSSO provider: suspend and restore', () => {
  it('suspends with UpdateUserStatus NewStatus=Disabled: done, and the user is disabled', async () => {
    const alice = await account('alice@example.com')

    expect(await act(provider, alice, 'suspend', {})).toEqual({ kind: 'done' })
    expect(actions()).toEqual(['GetUser', 'UpdateUserStatus'])
    expect(requestsFor('UpdateUserStatus')).toEqual([{ DirectoryId: DIRECTORY, UserId: 'u-alice', NewStatus: 'Disabled' }])
    expect(sandbox.state.users.get('u-alice')?.Status).toBe('Disabled')
  })

  it('restores with NewStatus=Enabled', async () => {
    const dave = await account('dave@example.com')

    expect(await act(provider, dave, 'restore', {})).toEqual({ kind: 'done' })
    expect(requestsFor('UpdateUserStatus')).toEqual([{ DirectoryId: DIRECTORY, UserId: 'u-dave', NewStatus: 'Enabled' }])
    expect(sandbox.state.users.get('u-dave')?.Status).toBe('Enabled')
  })

  it('does not change a user that is already in the requested state', async () => {
    const dave = await account('dave@example.com')

    expect(await act(provider, dave, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'already disabled' })
    expect(actions()).toEqual(['GetUser'])
  })

  it('counts a vanished user as suspended, but cannot restore one', async () => {
    const alice = await account('alice@example.com')
    sandbox.state.users.delete('u-alice')

    expect(await act(provider, alice, 'suspend', {})).toEqual({ kind: 'already-done', detail: 'the user no longer exists in CloudSSO' })
    expect(await act(provider, alice, 'restore', {})).toMatchObject({ kind: 'failed', problem: { kind: 'not-found' } })
  })

  it('suspends a SCIM user too, since CloudSSO allows status changes while SCIM sync is on', async () => {
    const carol = await account('carol@example.com')

    expect(await act(provider, carol, 'suspend', {})).toEqual({ kind: 'done' })
    expect(sandbox.state.users.get('u-carol')?.Status).toBe('Disabled')
  })
})

describe('CloudSSO provider: preflight', () => {
  it('lists what a delete removes, with counts and names, and says it cannot be undone', async () => {
    const alice = await account('alice@example.com')

    const preflight = ready(await provider.preflight(alice, 'delete'))

    expect(preflight.reversible).toBe(false)
    expect(preflight.account).toEqual({ id: 'u-alice', email: 'alice@example.com', displayName: 'Alice Admin', status: 'active' })
    expect(preflight.consequences).toEqual([
      'The user is disabled first, so they cannot sign in while the rest runs.',
      `3 access assignments are removed: "Admin" on account "prod" (${PROD}), "ReadOnly" on account "prod" (${PROD}), "Admin" on account "staging" (${STAGING}).`,
      'Where one of them is the last assignment of an access configuration on an account, the access configuration is also de-provisioned from that account.',
      'They are removed from 2 groups: ops, auditors.',
      'Their 1 MFA device is deleted: Alice phone.',
      `The user is deleted from CloudSSO directory ${DIRECTORY}. This cannot be undone: re-creating them gives a new user with no access.`,
    ])
    expect(preflight.warnings.join(' ')).toMatch(/takes a while: the bot reports progress/)
    expect(requestsFor('ListAccessAssignments')).toEqual([{ DirectoryId: DIRECTORY, PrincipalType: 'User', PrincipalId: 'u-alice', MaxResults: '100' }])
    expect(actions().sort()).toEqual(['GetUser', 'ListAccessAssignments', 'ListJoinedGroupsForUser', 'ListMFADevicesForUser'])
  })

  it('says so when there is nothing to remove besides the user', async () => {
    const dave = await account('dave@example.com')

    const preflight = ready(await provider.preflight(dave, 'delete'))

    expect(preflight.consequences).toEqual([
      'They have no access assignments, group memberships or MFA devices.',
      `The user is deleted from CloudSSO directory ${DIRECTORY}. This cannot be undone: re-creating them gives a new user with no access.`,
    ])
    expect(preflight.warnings.join(' ')).not.toMatch(/takes a while/)
  })

  it('blocks deleting a user synchronised by SCIM while SCIM sync is on', async () => {
    const carol = await account('carol@example.com')

    expect(await provider.preflight(carol, 'delete')).toEqual({
      kind: 'blocked',
      account: expect.objectContaining({ id: 'u-carol' }),
      blockers: [{ problem: { kind: 'api-prohibited', detail: SCIM_BLOCK_DETAIL } }],
    })
    expect(actions()).toEqual(['GetUser', 'GetSCIMSynchronizationStatus'])
  })

  it('lets a SCIM user be deleted once SCIM sync is off, warning that turning it on re-creates them', async () => {
    sandbox.state.scimSynchronization = 'Disabled'
    const carol = await account('carol@example.com')

    const preflight = ready(await provider.preflight(carol, 'delete'))

    expect(preflight.warnings.join(' ')).toMatch(/Synchronisation is off now.*re-creates them/)
  })

  it('prepares a suspend: reversible, nothing deleted, open sessions warned about', async () => {
    const alice = await account('alice@example.com')

    const preflight = ready(await provider.preflight(alice, 'suspend'))

    expect(preflight.reversible).toBe(true)
    expect(preflight.consequences.join(' ')).toMatch(/disabled in CloudSSO.*Nothing is deleted/)
    expect(preflight.warnings.join(' ')).toMatch(/stay valid until they expire/)
  })

  it('warns that a SCIM user may be enabled again by the next sync', async () => {
    const carol = await account('carol@example.com')

    expect(ready(await provider.preflight(carol, 'suspend')).warnings.join(' ')).toMatch(/synchronised from your identity provider by SCIM/)
  })

  it("uses CloudSSO's current status: warns that a user is already disabled", async () => {
    const alice = await account('alice@example.com')
    sandbox.state.users.get('u-alice')!.Status = 'Disabled'

    const preflight = ready(await provider.preflight(alice, 'suspend'))

    expect(preflight.account.status).toBe('suspended')
    expect(preflight.warnings).toContain('The user is already disabled in CloudSSO; nothing will change.')
  })

  it('answers gone when the user no longer exists, and blocks cancel-delete without calling', async () => {
    const alice = await account('alice@example.com')
    expect(await preflightAccount(provider, alice, 'cancel-delete')).toEqual({
      kind: 'blocked',
      account: alice,
      blockers: [{ problem: { kind: 'unsupported', action: 'cancel-delete' } }],
    })
    expect(sandbox.requests).toHaveLength(0)

    sandbox.state.users.delete('u-alice')
    expect(await provider.preflight(alice, 'delete')).toEqual({ kind: 'gone' })
  })
})

describe('CloudSSO provider: delete', () => {
  it('deletes a user without access assignments at once: groups, MFA devices, then the user', async () => {
    const bob = await account('bob@example.com')

    expect(await act(provider, bob, 'delete', {})).toEqual({ kind: 'done', detail: 'removed 1 group membership before deleting the user' })
    expect(actions()).toEqual([
      'GetUser',
      'UpdateUserStatus',
      'ListAccessAssignments',
      'ListJoinedGroupsForUser',
      'RemoveUserFromGroup',
      'ListMFADevicesForUser',
      'DeleteUser',
    ])
    expect(requestsFor('RemoveUserFromGroup')).toEqual([{ DirectoryId: DIRECTORY, UserId: 'u-bob', GroupId: 'g-ops' }])
    expect(sandbox.state.users.has('u-bob')).toBe(false)
  })

  it('removes several access assignments as tasks, reporting progress until the user is deleted', async () => {
    // The three removals end after 1, 2 and 3 polls.
    const order = [`${AC_ADMIN}|${PROD}`, `${AC_READONLY}|${PROD}`, `${AC_ADMIN}|${STAGING}`]
    pollsFor = (task) => order.indexOf(`${task.AccessConfigurationId}|${task.TargetId}`) + 1
    const alice = await account('alice@example.com')

    const first = await act(provider, alice, 'delete', {})

    expect(first).toMatchObject({
      kind: 'pending',
      task: { id: 'cloudsso:delete-user:u-alice', pollAfterMs: POLL_FIRST_MS },
      progress: { done: 0, total: 3, label: ASSIGNMENTS_LABEL },
    })
    expect(sandbox.state.users.get('u-alice')?.Status).toBe('Disabled')
    const removal = (accessConfigurationId: string, account: string) => ({
      DirectoryId: DIRECTORY,
      AccessConfigurationId: accessConfigurationId,
      TargetType: 'RD-Account',
      TargetId: account,
      PrincipalType: 'User',
      PrincipalId: 'u-alice',
      DeprovisionStrategy: 'DeprovisionForLastAccessAssignmentOnAccount',
    })
    expect(requestsFor('DeleteAccessAssignment')).toEqual([removal(AC_ADMIN, PROD), removal(AC_READONLY, PROD), removal(AC_ADMIN, STAGING)])

    const { last, seen } = await pollToEnd(first)

    expect(
      seen.map((outcome) => (outcome.kind === 'pending' ? [outcome.progress?.done, outcome.progress?.total, outcome.task.pollAfterMs] : outcome.kind)),
    ).toEqual([[1, 3, 4000], [2, 3, 8000], 'done'])
    expect(last).toEqual({ kind: 'done', detail: 'removed 3 access assignments, 2 group memberships and 1 MFA device before deleting the user' })
    expect(sandbox.state.users.has('u-alice')).toBe(false)
    expect(sandbox.state.memberships.filter((m) => m.UserId === 'u-alice')).toEqual([])
    expect(sandbox.state.mfaDevices.has('mfa-alice')).toBe(false)
    expect(requestsFor('DeleteMFADeviceForUser')).toEqual([{ DirectoryId: DIRECTORY, UserId: 'u-alice', MFADeviceId: 'mfa-alice' }])
    // The group "ops" still holds Admin on prod, so only the configurations alice was the last to use are de-provisioned.
    expect([...sandbox.state.provisionings].sort()).toEqual([`${AC_ADMIN}|${PROD}`, `${AC_BILLING}|${STAGING}`])
    expect(actions().slice(-7)).toEqual([
      'ListAccessAssignments',
      'ListJoinedGroupsForUser',
      'RemoveUserFromGroup',
      'RemoveUserFromGroup',
      'ListMFADevicesForUser',
      'DeleteMFADeviceForUser',
      'DeleteUser',
    ])
  })

  it('asks again later and later, up to 30 seconds apart', () => {
    expect([0, 1, 2, 3, 4, 5, 12].map(backoff)).toEqual([2000, 4000, 8000, 16000, POLL_MAX_MS, POLL_MAX_MS, POLL_MAX_MS])
  })

  it('carries on after a worker restart, from the task state read back from the job', async () => {
    const alice = await account('alice@example.com')
    const first = await act(provider, alice, 'delete', {})
    const saved = JSON.stringify(pendingTask(first))

    // A new worker: a new adapter instance, and only what was stored.
    const restarted = createCloudSsoProvider(integration(), { timeoutMs: 2000 })
    const { last } = await pollToEnd({ kind: 'pending', task: JSON.parse(saved) as TaskRef }, restarted)

    expect(last).toMatchObject({ kind: 'done' })
    expect(sandbox.state.users.has('u-alice')).toBe(false)
  })

  it('survives a poll repeated with old state: nothing is done twice and it still finishes', async () => {
    const alice = await account('alice@example.com')
    const first = await act(provider, alice, 'delete', {})
    const old = stored(pendingTask(first))

    const second = await provider.poll(old)
    const again = await provider.poll(old)

    expect(second).toMatchObject({ kind: 'pending' })
    expect(again).toMatchObject({ kind: 'done' })
    expect(requestsFor('DeleteAccessAssignment')).toHaveLength(3)
    expect(sandbox.state.users.has('u-alice')).toBe(false)
  })

  it('treats an assignment that is already gone as removed (a step repeated after a crash)', async () => {
    const alice = await account('alice@example.com')
    await act(provider, alice, 'delete', {})
    sandbox.finishTasks()
    sandbox.requests.length = 0
    // Stored before the worker recorded that it had started this removal.
    const crashed: TaskRef = {
      id: 'cloudsso:delete-user:u-alice',
      pollAfterMs: 0,
      state: { op: 'delete-user', userId: 'u-alice', done: 2, queued: [{ accessConfigurationId: AC_ADMIN, targetId: STAGING }], running: [], polls: 1 },
    }

    expect(await provider.poll(crashed)).toEqual({
      kind: 'done',
      detail: 'removed 3 access assignments, 2 group memberships and 1 MFA device before deleting the user',
    })
    expect(sandbox.requests.find((request) => request.action === 'DeleteAccessAssignment')).toMatchObject({
      status: 404,
      code: 'EntityNotExists.AccessAssignment',
    })
  })

  it('waits while its own removal is still running when only the task id survived', async () => {
    const alice = await account('alice@example.com')
    const first = await act(provider, alice, 'delete', {})

    // A worker that kept only the id: the adapter re-lists and finds the removals still running.
    const fromId = await provider.poll({ id: pendingTask(first).id, pollAfterMs: 0 })

    expect(fromId).toMatchObject({ kind: 'pending', progress: { done: 0, total: 3 } })
    expect(
      sandbox.requests
        .filter((r) => r.action === 'DeleteAccessAssignment')
        .slice(-3)
        .map((r) => r.code),
    ).toEqual(['OperationConflict.Task', 'OperationConflict.Task', 'OperationConflict.Task'])
    sandbox.finishTasks()
    expect((await pollToEnd(fromId)).last).toMatchObject({ kind: 'done' })
    expect(sandbox.state.users.has('u-alice')).toBe(false)
  })

  it('waits out CloudSSO still de-provisioning on an account: the removal is tried again at the next poll, then the user is deleted', async () => {
    sandbox.stillDeprovisioning({ accessConfigurationId: AC_ADMIN, targetId: STAGING }, 2)
    const alice = await account('alice@example.com')

    const first = await act(provider, alice, 'delete', {})
    const { last } = await pollToEnd(first)

    expect(first).toMatchObject({ kind: 'pending', progress: { total: 3 } })
    expect(last).toMatchObject({ kind: 'done', detail: expect.stringMatching(/^removed 3 access assignments/) })
    const onStaging = sandbox.requests.filter((r) => r.action === 'DeleteAccessAssignment' && r.params.TargetId === STAGING)
    expect(onStaging.map((r) => r.code ?? r.status)).toEqual([
      'DeletionConflict.AccessConfigurationProvisioning.AccessAssignment',
      'DeletionConflict.AccessConfigurationProvisioning.AccessAssignment',
      200,
    ])
    expect(sandbox.state.users.has('u-alice')).toBe(false)
  })

  it('gives up on a de-provisioning that never ends, naming the assignment, with the user disabled but not deleted', async () => {
    sandbox.stillDeprovisioning({ accessConfigurationId: AC_ADMIN, targetId: STAGING }, 1000)
    const alice = await account('alice@example.com')

    const { last } = await pollToEnd(await act(provider, alice, 'delete', {}))

    expect(last).toMatchObject({
      kind: 'failed',
      problem: { kind: 'conflict', detail: expect.stringMatching(/still de-provisioning "Admin" on account "staging".*disabled but not deleted/) },
    })
    expect(sandbox.requests.filter((r) => r.code === 'DeletionConflict.AccessConfigurationProvisioning.AccessAssignment')).toHaveLength(
      MAX_DEPROVISIONING_WAITS + 1,
    )
    expect(sandbox.state.users.get('u-alice')?.Status).toBe('Disabled')
  })

  it('ignores a group membership that disappeared between listing and removing it', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ action: 'RemoveUserFromGroup' }, { delayMs: 200 })

    const running = act(provider, bob, 'delete', {})
    await until(() => sandbox.requests.some((request) => request.action === 'RemoveUserFromGroup'))
    sandbox.state.memberships.length = 0

    expect(await running).toMatchObject({ kind: 'done' })
    expect(sandbox.requests.find((request) => request.action === 'RemoveUserFromGroup')).toMatchObject({ status: 404, code: 'EntityNotExists.GroupMember' })
    expect(sandbox.state.users.has('u-bob')).toBe(false)
  })

  it('also removes an access assignment added while the delete was running', async () => {
    pollsFor = () => 1
    const alice = await account('alice@example.com')
    const first = await act(provider, alice, 'delete', {})
    sandbox.seed({ assignments: [{ accessConfigurationId: AC_BILLING, targetId: STAGING, principalId: 'u-alice' }] })

    const next = await provider.poll(stored(pendingTask(first)))

    expect(next).toMatchObject({ kind: 'pending', progress: { done: 3, total: 4 } })
    expect((await pollToEnd(next)).last).toMatchObject({ kind: 'done', detail: expect.stringMatching(/^removed 4 access assignments/) })
    expect(sandbox.state.users.has('u-alice')).toBe(false)
  })

  it("fails with the task's FailureReason and which assignment, leaving the user disabled but not deleted", async () => {
    sandbox.failNextTask({ accessConfigurationId: AC_READONLY }, 'No Permission.')
    const alice = await account('alice@example.com')

    const { last } = await pollToEnd(await act(provider, alice, 'delete', {}))

    expect(last).toEqual({
      kind: 'failed',
      problem: {
        kind: 'rejected',
        detail: `CloudSSO could not remove the access assignment "ReadOnly" on account "prod" (${PROD}): No Permission. The user is disabled but not deleted; resolve this in the CloudSSO console, then retry the delete.`,
      },
    })
    expect(sandbox.state.users.get('u-alice')?.Status).toBe('Disabled')
    expect(actions()).not.toContain('DeleteUser')
  })

  it('reports a task that failed on a conflict as a conflict', async () => {
    sandbox.failNextTask({ accessConfigurationId: AC_ADMIN, targetId: STAGING }, 'The access configuration is being provisioned by another task.')
    const alice = await account('alice@example.com')

    const { last } = await pollToEnd(await act(provider, alice, 'delete', {}))

    expect(last).toMatchObject({ kind: 'failed', problem: { kind: 'conflict', detail: expect.stringContaining(`"Admin" on account "staging" (${STAGING})`) } })
  })

  it('refuses to delete a SCIM user while SCIM sync is on, without changing anything', async () => {
    const carol = await account('carol@example.com')

    expect(await act(provider, carol, 'delete', {})).toEqual({ kind: 'failed', problem: { kind: 'api-prohibited', detail: SCIM_BLOCK_DETAIL } })
    expect(actions()).toEqual(['GetUser', 'GetSCIMSynchronizationStatus'])
    expect(sandbox.state.users.get('u-carol')?.Status).toBe('Enabled')
  })

  it('answers already deleted when the user is gone before it starts', async () => {
    const alice = await account('alice@example.com')
    sandbox.state.users.delete('u-alice')

    expect(await act(provider, alice, 'delete', {})).toEqual({ kind: 'already-done', detail: 'already deleted' })
  })

  it('finishes as done when someone else deleted the user meanwhile', async () => {
    const alice = await account('alice@example.com')
    const first = await act(provider, alice, 'delete', {})
    sandbox.finishTasks()
    sandbox.state.users.delete('u-alice')

    expect(await provider.poll(stored(pendingTask(first)))).toEqual({ kind: 'done', detail: 'the user no longer exists in CloudSSO' })
  })

  it('refuses a task it did not start', async () => {
    expect(await problemOf(provider.poll({ id: 'something-else', pollAfterMs: 0 }))).toMatchObject({ kind: 'rejected' })
  })
})

describe('CloudSSO provider: service errors reach the caller as typed problems', () => {
  const cases: { name: string; status: number; code: string; headers?: Record<string, string>; expected: Partial<Problem> }[] = [
    { name: 'Throttling.User (HTTP 400) -> rate-limited', status: 400, code: 'Throttling.User', expected: { kind: 'rate-limited' } },
    {
      name: '429 Throttling with Retry-After: 3 -> rate-limited after 3000 ms',
      status: 429,
      code: 'Throttling',
      headers: { 'retry-after': '3' },
      expected: { kind: 'rate-limited', retryAfterMs: 3000 },
    },
    { name: 'Forbidden.RAM -> permission', status: 403, code: 'Forbidden.RAM', expected: { kind: 'permission', status: 403 } },
    { name: 'NoPermission -> permission', status: 403, code: 'NoPermission', expected: { kind: 'permission' } },
    { name: 'IncompleteSignature -> credentials', status: 400, code: 'IncompleteSignature', expected: { kind: 'credentials', status: 400 } },
    { name: 'ServiceUnavailable (503) -> transient', status: 503, code: 'ServiceUnavailable', expected: { kind: 'transient', status: 503 } },
    { name: 'InternalError (500) -> transient', status: 500, code: 'InternalError', expected: { kind: 'transient', status: 500 } },
    { name: 'OperationConflict.Task -> conflict', status: 409, code: 'OperationConflict.Task', expected: { kind: 'conflict' } },
    {
      name: 'an unknown 404 (a wrong action) -> rejected, never "already gone"',
      status: 404,
      code: 'InvalidApi.NotFound',
      expected: { kind: 'rejected', status: 404 },
    },
  ]

  for (const { name, status, code, headers, expected } of cases) {
    it(name, async () => {
      sandbox.failNext({ action: 'ListUsers' }, { status, code, ...(headers ? { headers } : {}) })

      expect(await problemOf(provider.findAccount('alice@example.com'))).toMatchObject(expected)
    })
  }

  it("keeps the service's Code, Message and RequestId in the detail", async () => {
    sandbox.failNext({ action: 'ListUsers' }, { status: 403, code: 'Forbidden.RAM', message: 'User not authorized to operate on the specified resource.' })

    expect(await problemOf(provider.findAccount('alice@example.com'))).toEqual({
      kind: 'permission',
      status: 403,
      detail: expect.stringMatching(/^Forbidden\.RAM: User not authorized to operate on the specified resource\. \(HTTP 403, request id [0-9A-F-]{36}\)$/),
    })
  })

  it('EntityNotExists.User -> not-found', async () => {
    const alice = await account('alice@example.com')
    sandbox.failNext({ action: 'UpdateUserStatus' }, { status: 404, code: 'EntityNotExists.User' })

    expect(await problemOf(act(provider, alice, 'suspend', {}))).toMatchObject({ kind: 'not-found' })
  })

  it('DeletionConflict.User.* on DeleteUser -> conflict', async () => {
    const bob = await account('bob@example.com')
    sandbox.failNext({ action: 'DeleteUser' }, { status: 409, code: 'DeletionConflict.User.MFADevice', message: 'The user still has MFA devices.' })

    expect(await problemOf(act(provider, bob, 'delete', {}))).toEqual({
      kind: 'conflict',
      detail: expect.stringMatching(/^DeletionConflict\.User\.MFADevice: /),
    })
  })

  it('a 502 from a proxy, not JSON -> transient', async () => {
    sandbox.failNext({ action: 'ListUsers' }, { status: 502, body: '<html>Bad Gateway</html>' })

    expect(await problemOf(provider.findAccount('alice@example.com'))).toMatchObject({ kind: 'transient', status: 502 })
  })

  it('a service slower than timeoutMs -> transient', async () => {
    const impatient = createCloudSsoProvider(integration(), { timeoutMs: 150 })
    sandbox.failNext({ action: 'ListUsers' }, { delayMs: 1500 })

    expect(await problemOf(impatient.findAccount('alice@example.com'))).toMatchObject({ kind: 'transient' })
  })
})

describe('CloudSSO provider: access configurations', () => {
  it('de-provisions an access configuration from an account end to end', async () => {
    const first = await provider.deprovisionAccessConfiguration({ accessConfigurationId: AC_BILLING, targetId: STAGING })

    expect(first).toMatchObject({ kind: 'pending', task: { pollAfterMs: POLL_FIRST_MS }, progress: { done: 0, total: 1, label: DEPROVISION_LABEL } })
    expect(requestsFor('DeprovisionAccessConfiguration')).toEqual([
      { DirectoryId: DIRECTORY, AccessConfigurationId: AC_BILLING, TargetType: 'RD-Account', TargetId: STAGING },
    ])

    const { last } = await pollToEnd(first)

    expect(last).toEqual({ kind: 'done', detail: `access configuration "Billing" (${AC_BILLING}) was de-provisioned from account "staging" (${STAGING})` })
    expect(sandbox.state.provisionings.has(`${AC_BILLING}|${STAGING}`)).toBe(false)
  })

  it('carries a de-provisioning on from its task id alone', async () => {
    const first = await provider.deprovisionAccessConfiguration({ accessConfigurationId: AC_BILLING, targetId: STAGING })

    const { last } = await pollToEnd({ kind: 'pending', task: { id: pendingTask(first).id, pollAfterMs: 0 } })

    expect(last).toMatchObject({ kind: 'done' })
    expect(sandbox.state.provisionings.has(`${AC_BILLING}|${STAGING}`)).toBe(false)
  })

  it('explains a conflict with who still holds assignments there', async () => {
    const outcome = await provider.deprovisionAccessConfiguration({ accessConfigurationId: AC_ADMIN, targetId: PROD })

    expect(outcome).toEqual({
      kind: 'failed',
      problem: {
        kind: 'conflict',
        detail: `access configuration "Admin" (${AC_ADMIN}) is still assigned on account "prod" (${PROD}) to 2 identities: user alice@example.com, group ops. Remove those access assignments first, then de-provision it.`,
      },
    })
    expect(sandbox.state.provisionings.has(`${AC_ADMIN}|${PROD}`)).toBe(true)
  })

  it('answers already done when the access configuration is not provisioned there', async () => {
    expect(await provider.deprovisionAccessConfiguration({ accessConfigurationId: AC_READONLY, targetId: STAGING })).toEqual({
      kind: 'already-done',
      detail: 'the access configuration is not provisioned on that account',
    })
  })

  it('fails with the FailureReason when the de-provisioning task fails', async () => {
    sandbox.failNextTask({ taskType: 'DeprovisionAccessConfiguration' }, 'Failed to delete the RAM role in the member account.')

    const { last } = await pollToEnd(await provider.deprovisionAccessConfiguration({ accessConfigurationId: AC_BILLING, targetId: STAGING }))

    expect(last).toMatchObject({
      kind: 'failed',
      problem: { kind: 'rejected', detail: expect.stringMatching(/: Failed to delete the RAM role in the member account$/) },
    })
  })

  it('returns a failure instead of throwing when the service cannot be asked', async () => {
    sandbox.failNext({ action: 'DeprovisionAccessConfiguration' }, { status: 503 })

    expect(await provider.deprovisionAccessConfiguration({ accessConfigurationId: AC_BILLING, targetId: STAGING })).toMatchObject({
      kind: 'failed',
      problem: { kind: 'transient', status: 503 },
    })
  })

  it('describes an access configuration and who uses it on an account, for a modal', async () => {
    expect(await provider.describeAccessConfiguration({ accessConfigurationId: AC_ADMIN, targetId: PROD })).toEqual({
      accessConfigurationId: AC_ADMIN,
      targetId: PROD,
      name: 'Admin',
      targetName: 'prod',
      assignments: [
        { principalType: 'User', principalId: 'u-alice', principalName: 'alice@example.com' },
        { principalType: 'Group', principalId: 'g-ops', principalName: 'ops' },
      ],
    })
    expect(requestsFor('ListAccessAssignments')).toEqual([
      { DirectoryId: DIRECTORY, AccessConfigurationId: AC_ADMIN, TargetType: 'RD-Account', TargetId: PROD, MaxResults: '100' },
    ])
  })

  it('says so when the access configuration does not exist', async () => {
    expect(await problemOf(provider.describeAccessConfiguration({ accessConfigurationId: 'ac-missing', targetId: PROD }))).toMatchObject({
      kind: 'not-found',
      detail: 'CloudSSO has no access configuration ac-missing in this directory',
    })
  })
})

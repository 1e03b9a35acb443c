/**
 * The GitHub adapter against the in-memory GitHub organisation: how a person is found
 * without an email on their account, what GitHub receives for a removal, and what the
 * caller sees for each answer GitHub gives (rate limits included).
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { GitHubIntegration } from '../../src/providers/github/config.js'
import { MATCHED_BY_LOGIN, SECONDARY_LIMIT_FALLBACK_MS, graphqlUrl } from '../../src/providers/github/adapter.js'
import { createGitHubProvider } from '../../src/providers/github/provider.js'
import { guardAccount } from '../../src/providers/guards.js'
import type { Provider } from '../../src/providers/types.js'
import { startGitHubSandbox } from '../../local/github-sandbox.js'
import type { GitHubSandbox, GitHubSeedMember, RecordedRequest } from '../../local/github-sandbox.js'
import { problemOf, ready } from '../support/provider-harness.js'
import { act } from '../../src/providers/run.js'

const TOKEN = 'github-sandbox-token-7d1e'
const ORG = 'acme'

const MEMBERS: GitHubSeedMember[] = [
  { login: 'octo-owner', name: 'Ada Admin', role: 'admin', samlNameId: 'ada@example.com' },
  { login: 'bobthebuilder', name: 'Bob Builder', samlNameId: 'Bob@Example.com', teams: ['backend', 'on-call'] },
  { login: 'carol-dev', verifiedEmails: ['carol@example.com'], teams: [] },
  { login: 'dmitri-gh' },
]

let sandbox: GitHubSandbox
let provider: Provider

function integration(overrides: Partial<GitHubIntegration> = {}): GitHubIntegration {
  return { id: 'acme-github', type: 'github', displayName: 'GitHub', org: ORG, token: TOKEN, apiUrl: sandbox.url, ...overrides }
}

/** What the bot changed: every request but reads and GraphQL queries, as "METHOD path". */
function writes(requests: RecordedRequest[] = sandbox.requests): string[] {
  return requests.filter((r) => r.method === 'DELETE').map((r) => `${r.method} ${r.path}`)
}

async function reseed(options: { members?: GitHubSeedMember[]; saml?: boolean; tokenUser?: string | null } = {}): Promise<void> {
  await sandbox?.stop()
  sandbox = await startGitHubSandbox({
    token: TOKEN,
    org: ORG,
    members: options.members ?? MEMBERS,
    outsideCollaborators: [{ login: 'vera-vendor', name: 'Vera Vendor' }],
    invitations: [
      { id: 4001, email: 'nina@example.com' },
      { id: 4002, email: 'bob@example.com' },
    ],
    ...(options.saml !== undefined ? { saml: options.saml } : {}),
    ...(options.tokenUser !== undefined ? { tokenUser: options.tokenUser } : {}),
  })
  provider = createGitHubProvider(integration(), { timeoutMs: 2000 })
}

beforeEach(async () => {
  await reseed()
})

afterAll(async () => {
  await sandbox?.stop()
})

describe('finding a person GitHub shows no email for', () => {
  it('finds a member by the email of their SAML SSO identity, and says so', async () => {
    const account = await provider.findAccount('bob@example.com')
    expect(account).toMatchObject({
      id: 'bobthebuilder',
      status: 'active',
      roles: ['member'],
      isAdmin: false,
      matchedBy: 'their SAML SSO identity (Bob@Example.com)',
    })
  })

  it('finds a member by their email on a verified domain when no SAML identity has it', async () => {
    const account = await provider.findAccount('carol@example.com')
    expect(account).toMatchObject({ id: 'carol-dev', matchedBy: `their email on a domain ${ORG} verified` })
  })

  it('falls back to the login the alert gives as its account id', async () => {
    expect(await provider.findAccount('dmitri@example.com')).toBeNull()
    expect(await provider.findAccount('dmitri@example.com', { accountId: 'dmitri-gh' })).toMatchObject({
      id: 'dmitri-gh',
      email: 'dmitri@example.com',
      matchedBy: MATCHED_BY_LOGIN,
    })
  })

  it('reads no SAML identities from an organisation that does not use SAML, and still finds by verified email', async () => {
    await reseed({ saml: false })
    // Only the pending invitation to Bob's address is left to find.
    expect(await provider.findAccount('bob@example.com')).toMatchObject({ id: 'invitation:4002', status: 'pending' })
    expect(await provider.findAccount('carol@example.com')).toMatchObject({ id: 'carol-dev' })
  })

  it('finds an outside collaborator by login, and a person who was only invited by the invitation email', async () => {
    expect(await provider.findAccount('vera@vendor.example', { accountId: 'vera-vendor' })).toMatchObject({
      id: 'vera-vendor',
      roles: ['outside collaborator'],
    })
    expect(await provider.findAccount('nina@example.com')).toMatchObject({ id: 'invitation:4001', status: 'pending' })
  })

  it('asks GraphQL at /api/graphql on GitHub Enterprise Server and at /graphql on api.github.com', async () => {
    expect(graphqlUrl('https://api.github.com')).toBe('https://api.github.com/graphql')
    expect(graphqlUrl('https://github.example.com/api/v3/')).toBe('https://github.example.com/api/graphql')
    const enterprise = createGitHubProvider(integration({ apiUrl: `${sandbox.url}/api/v3` }), { timeoutMs: 2000 })
    sandbox.requests.length = 0
    expect(await enterprise.findAccount('bob@example.com')).toMatchObject({ id: 'bobthebuilder' })
    expect(sandbox.requests.map((r) => r.path)).toContain('/graphql')
  })
})

describe('Delete', () => {
  it('removes the member, cancels the pending invitation to their email, and names their teams beforehand', async () => {
    const account = (await provider.findAccount('bob@example.com'))!
    const preflight = ready(await provider.preflight(account, 'delete'))
    expect(preflight.consequences.join('\n')).toMatch(/backend, on-call/)
    expect(preflight.consequences.join('\n')).toMatch(/personal GitHub account stays theirs/)
    expect(preflight.consequences.join('\n')).toMatch(/invitation to bob@example.com is cancelled too/)
    sandbox.requests.length = 0

    const outcome = await act(provider, account, 'delete', {})

    expect(outcome).toMatchObject({ kind: 'done' })
    expect(writes()).toEqual(['DELETE /orgs/acme/invitations/4002', 'DELETE /orgs/acme/members/bobthebuilder'])
    expect(sandbox.members.has('bobthebuilder')).toBe(false)
  })

  it('removes an outside collaborator as one', async () => {
    const account = (await provider.findAccount('vera@vendor.example', { accountId: 'vera-vendor' }))!
    sandbox.requests.length = 0
    expect(await act(provider, account, 'delete', {})).toMatchObject({ kind: 'done', detail: expect.stringMatching(/outside collaborator/) })
    expect(writes()).toEqual(['DELETE /orgs/acme/outside_collaborators/vera-vendor'])
  })

  it('cancels the invitation of a person who never joined, and says so', async () => {
    const account = (await provider.findAccount('nina@example.com'))!
    sandbox.requests.length = 0
    expect(await act(provider, account, 'delete', {})).toMatchObject({
      kind: 'done',
      detail: expect.stringMatching(/invitation to nina@example.com was cancelled; they had not joined/),
    })
    expect(writes()).toEqual(['DELETE /orgs/acme/invitations/4001'])
  })

  it('never removes the user whose token the bot uses', async () => {
    await reseed({ tokenUser: 'bobthebuilder' })
    const account = (await provider.findAccount('bob@example.com'))!
    expect(await provider.preflight(account, 'delete')).toMatchObject({ kind: 'blocked', blockers: [{ problem: { kind: 'integration-owner' } }] })
    expect(await act(provider, account, 'delete', {})).toMatchObject({ kind: 'failed', problem: { kind: 'integration-owner' } })
    expect(writes()).toEqual([])
  })

  it('never removes the last owner (the shared guard, counting the owners GitHub lists)', async () => {
    await reseed({ tokenUser: null })
    const owner = (await provider.findAccount('ada@example.com'))!
    expect(owner.isAdmin).toBe(true)
    expect((await guardAccount(provider, owner, 'delete', { actorEmail: 'someone@example.com' })).blockers).toEqual([{ kind: 'last-admin' }])
  })

  it('reports a member already gone as already done', async () => {
    const account = (await provider.findAccount('carol@example.com'))!
    sandbox.members.delete('carol-dev')
    expect(await act(provider, account, 'delete', {})).toMatchObject({ kind: 'already-done' })
  })
})

describe('rate limits', () => {
  it('a 403 with x-ratelimit-remaining 0 is a rate limit, waiting until x-ratelimit-reset', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 120
    sandbox.failNext(
      { method: 'GET', pathIncludes: '/invitations' },
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } },
    )
    const problem = await problemOf(provider.findAccount('nobody@example.com'))
    expect(problem.kind).toBe('rate-limited')
    expect(problem.kind === 'rate-limited' ? problem.retryAfterMs : 0).toBeGreaterThan(100_000)
  })

  it('a secondary limit waits for retry-after, or a minute when GitHub gave no wait', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/invitations' }, { status: 403, headers: { 'retry-after': '30' } })
    expect(await problemOf(provider.findAccount('nobody@example.com'))).toEqual({ kind: 'rate-limited', retryAfterMs: 30_000 })
    sandbox.failNext(
      { method: 'GET', pathIncludes: '/invitations' },
      { status: 403, headers: {}, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' } },
    )
    expect(await problemOf(provider.findAccount('nobody@example.com'))).toEqual({ kind: 'rate-limited', retryAfterMs: SECONDARY_LIMIT_FALLBACK_MS })
  })

  it('a plain 403 stays a missing permission', async () => {
    sandbox.failNext({ method: 'GET', pathIncludes: '/invitations' }, { status: 403, headers: {}, body: { message: 'Must have admin rights to Repository.' } })
    expect(await problemOf(provider.findAccount('nobody@example.com'))).toMatchObject({ kind: 'permission', status: 403 })
  })
})

describe('listing', () => {
  it('lists members under their verified-domain email for reconciliation, and the owners for the last-owner guard', async () => {
    const page = await provider.listAccounts!()
    expect(page.accounts.map((a) => [a.id, a.email, a.isAdmin])).toEqual([
      ['octo-owner', '', true],
      ['bobthebuilder', '', false],
      ['carol-dev', 'carol@example.com', false],
      ['dmitri-gh', '', false],
    ])
    expect((await provider.listAdmins!()).map((a) => a.id)).toEqual(['octo-owner'])
  })

  it('checks the connection with the owner-only invitations list', async () => {
    expect(await provider.checkConnection()).toMatchObject({ ok: true })
    const wrong = createGitHubProvider(integration({ token: 'wrong-token-value' }), { timeoutMs: 2000 })
    expect(await wrong.checkConnection()).toMatchObject({ ok: false, problem: { kind: 'credentials' } })
  })
})

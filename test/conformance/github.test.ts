/**
 * The GitHub adapter and its stand-in against GitHub's OpenAPI description, as
 * @octokit/openapi-types writes it: every REST request the adapter makes is an operation
 * the description defines (method, path, query parameters), and every answer the stand-in
 * gives fits the description's schema for it, field by field. The GraphQL queries are not
 * part of the REST description and are not checked here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGitHubProvider } from '../../src/providers/github/provider.js'
import { invitationSchema, membershipSchema, simpleUserSchema } from '../../src/providers/github/answers.js'
import { startGitHubSandbox } from '../../local/github-sandbox.js'
import type { GitHubSandbox } from '../../local/github-sandbox.js'
import { OCTOKIT_OPENAPI, githubOperations } from './support/github-source.js'
import { exchangeMismatches, requestLine } from './support/operations.js'
import type { Operation } from './support/operations.js'
import type { Exchange, RecordingProxy } from './support/recording-proxy.js'
import { startRecordingProxy } from './support/recording-proxy.js'
import { itemOf, zodMismatches } from './support/zod-fields.js'
import { act } from '../../src/providers/run.js'

const TOKEN = 'github-conformance-token-5a1f'
const operations = githubOperations()
const response = (name: string): NonNullable<Operation['response']> => operations.find((op) => op.name === name)?.response ?? { kind: 'any' }

let sandbox: GitHubSandbox
let proxy: RecordingProxy

beforeAll(async () => {
  sandbox = await startGitHubSandbox({
    token: TOKEN,
    org: 'acme',
    members: [
      { login: 'octo-owner', name: 'Ada Admin', role: 'admin', samlNameId: 'ada@example.com' },
      { login: 'oscar-ops', role: 'admin' },
      { login: 'bobthebuilder', samlNameId: 'bob@example.com', teams: ['backend'] },
    ],
    outsideCollaborators: [{ login: 'vera-vendor' }],
    invitations: [
      { id: 4001, email: 'nina@example.com' },
      { id: 4002, email: 'bob@example.com' },
    ],
  })
  proxy = await startRecordingProxy(sandbox.url)
  const provider = createGitHubProvider(
    { id: 'github', type: 'github', displayName: 'GitHub', org: 'acme', token: TOKEN, apiUrl: proxy.url },
    { timeoutMs: 5000 },
  )
  await provider.checkConnection()
  let page = await provider.listAccounts!()
  while (page.nextCursor) page = await provider.listAccounts!(page.nextCursor)
  await provider.listAdmins!()
  for (const [email, accountId] of [
    ['bob@example.com', undefined],
    ['vera@vendor.example', 'vera-vendor'],
    ['nina@example.com', undefined],
  ] as const) {
    const account = await provider.findAccount(email, accountId ? { accountId } : {})
    if (!account) throw new Error(`stand-in has no account ${email}`)
    await provider.preflight(account, 'delete')
    await act(provider, account, 'delete', {})
  }
}, 60_000)

afterAll(async () => {
  await proxy?.stop()
  await sandbox?.stop()
})

const rest = () => proxy.exchanges.filter((exchange) => exchange.path !== '/graphql')
const distinct = (exchanges: Exchange[]) => [...new Map(exchanges.map((e) => [`${requestLine(e)} ${e.status}`, e])).values()]

describe(`GitHub adapter and stand-in against ${OCTOKIT_OPENAPI}`, () => {
  it('exercised the organisation, owners, memberships, invitations and every removal', () => {
    expect(rest().map(requestLine)).toEqual(
      expect.arrayContaining([
        'GET /orgs/acme',
        'GET /user',
        'GET /orgs/acme/members?role&per_page&page',
        expect.stringMatching(/^GET \/orgs\/acme\/memberships\/[^/]+$/),
        'GET /orgs/acme/invitations?per_page&page',
        'GET /orgs/acme/outside_collaborators?per_page&page',
        'DELETE /orgs/acme/members/bobthebuilder',
        'DELETE /orgs/acme/outside_collaborators/vera-vendor',
        'DELETE /orgs/acme/invitations/4001',
        'DELETE /orgs/acme/invitations/4002',
      ]),
    )
  })

  it('sends only REST requests the description defines, and the stand-in answers only fields its schemas have', () => {
    expect(distinct(rest()).flatMap((exchange) => exchangeMismatches(operations, exchange))).toEqual([])
  })

  it('reads only fields the description defines: memberships, users, invitations', () => {
    expect([
      ...zodMismatches(membershipSchema, response('orgs/get-membership-for-user'), 'org-membership'),
      ...zodMismatches(simpleUserSchema, itemOf(response('orgs/list-members')), 'simple-user'),
      ...zodMismatches(simpleUserSchema, itemOf(response('orgs/list-outside-collaborators')), 'simple-user'),
      ...zodMismatches(invitationSchema, itemOf(response('orgs/list-pending-invitations')), 'organization-invitation'),
    ]).toEqual([])
  })
})

/**
 * An in-memory GitHub organisation (the REST and GraphQL parts the bot uses) on node:http,
 * for the adapter tests, the end-to-end tests and the demo. It checks the bearer token,
 * keeps members with their role, teams, SAML identity and verified-domain emails, outside
 * collaborators and pending invitations, pages REST lists by `page`/`per_page` with `Link`
 * headers and GraphQL connections by cursor, sends `x-ratelimit-*` headers, answers with
 * GitHub's error bodies, records every request and can be told to fail or stall the next
 * matching one. GraphQL documents are answered by operation name (the ones the adapter
 * sends), not interpreted. Served under `/api/v3` and `/api/graphql` too, as GitHub
 * Enterprise Server is.
 *
 * Run on its own: `tsx local/github-sandbox.ts` (GITHUB_SANDBOX_TOKEN, GITHUB_SANDBOX_PORT).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  authorized,
  createSandboxServer,
  envSecret,
  injectedAnswer,
  listen,
  newIntake,
  receive,
  requestBasics,
  runAsScript,
  sandboxHandle,
  scriptOptions,
  sender,
} from './sandbox-kit.js'
import type { InjectedReply, RequestBasics, RequestMatch, SandboxHandle, SandboxServerOptions } from './sandbox-kit.js'

const RATE_LIMIT = 5000
const MAX_PER_PAGE = 100

export interface GitHubSeedMember {
  login: string
  name?: string
  /** admin is an owner. Defaults to member. */
  role?: 'admin' | 'member' | 'billing_manager'
  /** The NameID of their linked SAML identity (organisations using SAML). */
  samlNameId?: string
  /** Their emails on domains the organisation verified. */
  verifiedEmails?: string[]
  teams?: string[]
}

export interface GitHubSeedInvitation {
  id?: number
  email?: string
  login?: string
  role?: 'direct_member' | 'admin' | 'billing_manager'
}

export interface GitHubMember extends Required<Pick<GitHubSeedMember, 'login' | 'role'>> {
  id: number
  name: string | null
  samlNameId?: string
  verifiedEmails: string[]
  teams: string[]
}

export interface GitHubInvitation {
  id: number
  email: string | null
  login: string | null
  role: string
  created_at: string
}

export interface RecordedRequest extends RequestBasics {
  /** The REST path without a GitHub Enterprise `/api/v3` prefix; `/graphql` for every GraphQL call. */
  path: string
  /** The GraphQL operation name, for GraphQL calls. */
  operation?: string
  /** The Authorization scheme sent; the credential itself is never recorded. */
  authScheme?: string
  apiVersion?: string
}

export type FailureMatch = RequestMatch & {
  /** A GraphQL operation name (SamlIdentityByEmail, ...). */
  operation?: string
}

export type FailureReply = InjectedReply

export interface GitHubSandboxOptions extends SandboxServerOptions {
  token: string
  org: string
  members?: GitHubSeedMember[]
  outsideCollaborators?: GitHubSeedMember[]
  invitations?: GitHubSeedInvitation[]
  /** Whether the organisation uses SAML single sign-on (its identities are then queried). Defaults to true. */
  saml?: boolean
  /** The login the token acts as (GET /user); null for a GitHub App installation token. Defaults to the first owner. */
  tokenUser?: string | null
}

export interface GitHubSandbox extends SandboxHandle<RecordedRequest, FailureMatch, FailureReply> {
  /** The REST API URL (the adapter's apiUrl), e.g. http://127.0.0.1:40123. */
  url: string
  org: string
  members: Map<string, GitHubMember>
  outsideCollaborators: Map<string, GitHubMember>
  invitations: Map<number, GitHubInvitation>
}

class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const notFound = () => new GitHubError(404, 'Not Found')

interface State {
  org: string
  saml: boolean
  members: Map<string, GitHubMember>
  outsideCollaborators: Map<string, GitHubMember>
  invitations: Map<number, GitHubInvitation>
  tokenUser: string | null | undefined
  baseUrl: string
}

export async function startGitHubSandbox(options: GitHubSandboxOptions): Promise<GitHubSandbox> {
  let nextId = 1000
  const toMember = (seed: GitHubSeedMember): GitHubMember => ({
    id: nextId++,
    login: seed.login,
    name: seed.name ?? null,
    role: seed.role ?? 'member',
    ...(seed.samlNameId ? { samlNameId: seed.samlNameId } : {}),
    verifiedEmails: seed.verifiedEmails ?? [],
    teams: seed.teams ?? [],
  })
  const state: State = {
    org: options.org,
    saml: options.saml ?? true,
    members: new Map((options.members ?? []).map((seed) => [seed.login.toLowerCase(), toMember(seed)])),
    outsideCollaborators: new Map((options.outsideCollaborators ?? []).map((seed) => [seed.login.toLowerCase(), toMember(seed)])),
    invitations: new Map(
      (options.invitations ?? []).map((seed) => {
        const id = seed.id ?? nextId++
        return [id, { id, email: seed.email ?? null, login: seed.login ?? null, role: seed.role ?? 'direct_member', created_at: new Date().toISOString() }]
      }),
    ),
    tokenUser: options.tokenUser,
    baseUrl: '',
  }
  const intake = newIntake<RecordedRequest, FailureMatch, FailureReply>(options.log, {
    matches: (match, recorded, url) =>
      (match.operation === undefined || match.operation === recorded.operation) &&
      (!match.method || match.method.toUpperCase() === recorded.method) &&
      (!match.pathIncludes || recorded.path.includes(match.pathIncludes)) &&
      (!match.queryIncludes || decodeURIComponent(url.search).includes(match.queryIncludes)),
    logLine: (recorded, url) => (recorded.operation ? `POST graphql ${recorded.operation}` : `${recorded.method} ${recorded.path}${url.search}`),
  })
  const server = createSandboxServer(handle, (res, error) => send(res, 500, { message: `Internal Server Error: ${String(error)}` }))

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = await receive(req, res, intake, (url, text) => record(req, url, text))
    if (!received) return
    const { recorded, failure } = received
    if (failure?.status !== undefined) return sendFailure(res, failure)
    if (!authorized(req.headers.authorization, options.token)) return send(res, 401, errorBody('Bad credentials'), rateLimitHeaders(RATE_LIMIT - 1))
    try {
      const answer = recorded.operation !== undefined || recorded.path === '/graphql' ? graphql(state, recorded) : rest(state, recorded)
      send(res, answer.status, answer.body, { ...rateLimitHeaders(RATE_LIMIT - 1), ...answer.headers })
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error
      send(res, error.status, errorBody(error.message), rateLimitHeaders(RATE_LIMIT - 1))
    }
  }

  state.baseUrl = (await listen(server, options.port, options.host)).origin
  return {
    url: state.baseUrl,
    org: state.org,
    members: state.members,
    outsideCollaborators: state.outsideCollaborators,
    invitations: state.invitations,
    ...sandboxHandle(server, intake),
  }
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

// --- REST ---------------------------------------------------------------------------

function rest(state: State, req: RecordedRequest): Answer {
  const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent)
  if (parts[0] === 'user' && parts.length === 1 && req.method === 'GET') {
    if (tokenUserOf(state) === null) throw new GitHubError(403, 'Resource not accessible by integration')
    const login = tokenUserOf(state) ?? 'unknown'
    return { status: 200, body: { login, id: state.members.get(login.toLowerCase())?.id ?? 1, type: 'User' } }
  }
  if (parts[0] !== 'orgs' || parts[1]?.toLowerCase() !== state.org.toLowerCase()) throw notFound()
  const [, , collection, key] = parts
  if (collection === undefined && req.method === 'GET')
    return { status: 200, body: { login: state.org, id: 1, url: `${state.baseUrl}/orgs/${state.org}`, description: null } }
  if (collection === 'members' && key === undefined && req.method === 'GET') {
    const role = req.query.role ?? 'all'
    const members = [...state.members.values()].filter((member) => role === 'all' || (role === 'admin' ? member.role === 'admin' : member.role !== 'admin'))
    return page(state, req, members.map(simpleUser))
  }
  if (collection === 'members' && key !== undefined && req.method === 'DELETE') {
    const member = state.members.get(key.toLowerCase())
    if (!member) throw notFound()
    state.members.delete(key.toLowerCase())
    return { status: 204 }
  }
  if (collection === 'memberships' && key !== undefined && req.method === 'GET') {
    const member = state.members.get(key.toLowerCase())
    const invited = [...state.invitations.values()].find((invitation) => invitation.login?.toLowerCase() === key.toLowerCase())
    if (!member && !invited) throw notFound()
    const user = member ? simpleUser(member) : { login: invited?.login ?? key, id: 0 }
    return {
      status: 200,
      body: {
        url: `${state.baseUrl}/orgs/${state.org}/memberships/${key}`,
        state: member ? 'active' : 'pending',
        role: member?.role ?? 'member',
        organization_url: `${state.baseUrl}/orgs/${state.org}`,
        organization: { login: state.org, id: 1 },
        user,
      },
    }
  }
  if (collection === 'outside_collaborators' && key === undefined && req.method === 'GET')
    return page(state, req, [...state.outsideCollaborators.values()].map(simpleUser))
  if (collection === 'outside_collaborators' && key !== undefined && req.method === 'DELETE') {
    if (state.members.has(key.toLowerCase())) throw new GitHubError(422, 'You cannot specify an organization member to remove as an outside collaborator.')
    if (!state.outsideCollaborators.delete(key.toLowerCase())) throw notFound()
    return { status: 204 }
  }
  if (collection === 'invitations' && key === undefined && req.method === 'GET') return page(state, req, [...state.invitations.values()].map(presentInvitation))
  if (collection === 'invitations' && key !== undefined && req.method === 'DELETE') {
    if (!state.invitations.delete(Number(key))) throw notFound()
    return { status: 204 }
  }
  throw notFound()
}

/** `page`/`per_page` paging, with GitHub's Link header naming the next and last pages. */
function page(state: State, req: RecordedRequest, items: unknown[]): Answer {
  const perPage = Math.max(1, Math.min(MAX_PER_PAGE, Number(req.query.per_page) || 30))
  const current = Math.max(1, Number(req.query.page) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (n: number) => `<${state.baseUrl}${req.path}?${new URLSearchParams({ ...req.query, page: String(n), per_page: String(perPage) }).toString()}>`
  const links = current < last ? [`${link(current + 1)}; rel="next"`, `${link(last)}; rel="last"`] : []
  return { status: 200, body: items.slice((current - 1) * perPage, current * perPage), headers: links.length > 0 ? { link: links.join(', ') } : {} }
}

function simpleUser(member: GitHubMember): Record<string, unknown> {
  return { login: member.login, id: member.id, type: 'User', site_admin: false, html_url: `https://github.com/${member.login}` }
}

function presentInvitation(invitation: GitHubInvitation): Record<string, unknown> {
  return {
    ...invitation,
    inviter: { login: 'sandbox-owner', id: 1, type: 'User', site_admin: false },
    team_count: 0,
    invitation_teams_url: '',
    node_id: `OI_${invitation.id}`,
  }
}

function tokenUserOf(state: State): string | null | undefined {
  if (state.tokenUser !== undefined) return state.tokenUser
  return [...state.members.values()].find((member) => member.role === 'admin')?.login
}

// --- GraphQL (by operation name) -------------------------------------------------------

function graphql(state: State, req: RecordedRequest): Answer {
  const variables = (req.body as { variables?: Record<string, unknown> } | undefined)?.variables ?? {}
  const text = (name: string) => (typeof variables[name] === 'string' ? variables[name] : '')
  if (text('org').toLowerCase() !== state.org.toLowerCase()) {
    return {
      status: 200,
      body: {
        data: { organization: null },
        errors: [{ type: 'NOT_FOUND', path: ['organization'], message: `Could not resolve to an Organization with the login of '${text('org')}'.` }],
      },
    }
  }
  switch (req.operation) {
    case 'SamlIdentityByEmail': {
      if (!state.saml) return data({ organization: { samlIdentityProvider: null } })
      const email = text('email').toLowerCase()
      const nodes = [...state.members.values()]
        .filter((member) => member.samlNameId?.toLowerCase() === email)
        .map((member) => ({
          samlIdentity: { nameId: member.samlNameId, emails: [{ value: member.samlNameId }] },
          user: { login: member.login, name: member.name },
        }))
      return data({ organization: { samlIdentityProvider: { externalIdentities: { nodes } } } })
    }
    case 'MembersWithVerifiedEmails': {
      const members = [...state.members.values()]
      const first = Math.min(MAX_PER_PAGE, Number(variables.first) || MAX_PER_PAGE)
      const start = typeof variables.after === 'string' ? Number(Buffer.from(variables.after, 'base64').toString('utf8').replace('cursor:', '')) : 0
      const slice = members.slice(start, start + first)
      const end = start + slice.length
      return data({
        organization: {
          membersWithRole: {
            pageInfo: { hasNextPage: end < members.length, endCursor: slice.length > 0 ? Buffer.from(`cursor:${end}`).toString('base64') : null },
            edges: slice.map((member) => ({
              role: member.role === 'admin' ? 'ADMIN' : 'MEMBER',
              node: { login: member.login, name: member.name, organizationVerifiedDomainEmails: member.verifiedEmails },
            })),
          },
        },
      })
    }
    case 'TeamsOfMember': {
      const member = state.members.get(text('login').toLowerCase())
      const teams = member?.teams ?? []
      return data({ organization: { teams: { totalCount: teams.length, nodes: teams.map((name) => ({ name })) } } })
    }
    default:
      return { status: 200, body: { errors: [{ message: `the sandbox does not answer the operation ${req.operation ?? '(unnamed)'}` }] } }
  }
}

function data(value: unknown): Answer {
  return { status: 200, body: { data: value } }
}

// --- HTTP plumbing ------------------------------------------------------------------

function record(req: IncomingMessage, url: URL, text: string): RecordedRequest {
  const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api\/graphql$/, '/graphql')
  const basics = requestBasics(req, url, text, path)
  const query = (basics.body as { query?: unknown } | undefined)?.query
  const operation = path === '/graphql' && typeof query === 'string' ? /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] : undefined
  const scheme = /^(\S+)\s/.exec(req.headers.authorization ?? '')?.[1]
  const version = req.headers['x-github-api-version']
  return {
    ...basics,
    ...(operation ? { operation } : {}),
    ...(scheme ? { authScheme: scheme } : {}),
    ...(typeof version === 'string' ? { apiVersion: version } : {}),
  }
}

const send = sender('application/json; charset=utf-8')

function errorBody(message: string): Record<string, unknown> {
  return { message, documentation_url: 'https://docs.github.com/rest', status: message === 'Not Found' ? '404' : undefined }
}

/** An injected 403 or 429 with no headers of its own looks like GitHub's primary rate limit: remaining 0, reset in a minute. */
function sendFailure(res: ServerResponse, reply: FailureReply): void {
  const { status, body } = injectedAnswer(reply, (code) =>
    errorBody(code === 429 || code === 403 ? 'API rate limit exceeded for installation.' : `Injected failure (HTTP ${code})`),
  )
  const limited = (status === 403 || status === 429) && reply.headers === undefined
  send(res, status, body, limited ? rateLimitHeaders(0) : { ...rateLimitHeaders(RATE_LIMIT - 1), ...reply.headers })
}

/** x-ratelimit-reset is UTC epoch seconds; GitHub's primary window is an hour. */
function rateLimitHeaders(remaining: number): Record<string, string> {
  return {
    'x-ratelimit-limit': String(RATE_LIMIT),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-used': String(RATE_LIMIT - remaining),
    'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
  }
}

// --- run on its own -------------------------------------------------------------------

export const DEMO_ORG = 'acme'

export const DEMO_MEMBERS: GitHubSeedMember[] = [
  { login: 'octo-owner', name: 'Ada Admin', role: 'admin', samlNameId: 'ada@example.com', teams: ['security'] },
  { login: 'oscar-ops', name: 'Oscar Operator', role: 'admin', verifiedEmails: ['oscar@example.com'], teams: ['platform'] },
  { login: 'bobthebuilder', name: 'Bob Builder', samlNameId: 'bob@example.com', teams: ['backend', 'on-call'] },
  { login: 'carol-dev', name: 'Carol Contractor', verifiedEmails: ['carol@example.com'], teams: ['frontend'] },
  { login: 'dmitri-gh' },
]

export const DEMO_OUTSIDE_COLLABORATORS: GitHubSeedMember[] = [{ login: 'vera-vendor', name: 'Vera Vendor' }]

export const DEMO_INVITATIONS: GitHubSeedInvitation[] = [{ id: 4001, email: 'nina@example.com' }]

async function main(): Promise<GitHubSandbox> {
  const token = envSecret('GITHUB_SANDBOX_TOKEN', 'sandbox-github-token')
  const sandbox = await startGitHubSandbox({
    token: token.value,
    org: DEMO_ORG,
    members: DEMO_MEMBERS,
    outsideCollaborators: DEMO_OUTSIDE_COLLABORATORS,
    invitations: DEMO_INVITATIONS,
    ...scriptOptions('GITHUB_SANDBOX', 4030),
  })
  console.log(`GitHub sandbox at ${sandbox.url} (organisation ${sandbox.org}, bearer token: ${token.source})`)
  for (const member of sandbox.members.values()) console.log(`  @${member.login}  ${member.role}${member.samlNameId ? `  SAML ${member.samlNameId}` : ''}`)
  return sandbox
}

await runAsScript(import.meta.url, main)

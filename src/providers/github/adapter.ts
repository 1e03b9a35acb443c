/**
 * A GitHub organisation (REST under {apiUrl}, GraphQL for what REST does not tell: SAML
 * identities, verified-domain emails, a member's teams). A token sent as `Bearer`.
 *
 * GitHub shows no member's email, so a person is found by the email of their SAML SSO
 * identity (organisations using SAML), else by their email on a domain the organisation
 * verified, else by the login the alert gives as its `accountId`; a pending invitation to
 * the email is found too. Delete removes the member (DELETE /orgs/{org}/members/{login})
 * or the outside collaborator (DELETE /orgs/{org}/outside_collaborators/{login}) and cancels
 * pending invitations to the email; a person who was only invited has their invitation
 * cancelled. Ordinary organisations cannot suspend a member, so Delete is the only action.
 * The last owner (the shared guard, from listAdmins) and the token's own user are never removed.
 */
import { z } from 'zod'
import { comparableEmail } from '../addresses.js'
import { parseRateLimitReset, parseRetryAfter } from '../kit/http.js'
import type { HttpClient } from '../kit/http.js'
import { ProviderError, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import type { Account, AccountHint, AccountPage, Health } from '../types.js'
import { isNotFound, unreadable } from '../kit/errors.js'
import { type Page, readAllPages } from '../kit/pagination.js'
import {
  errorSchema,
  graphqlAnswerSchema,
  invitationSchema,
  MEMBERS_QUERY,
  membershipSchema,
  membersPageSchema,
  SAML_IDENTITY_QUERY,
  samlIdentitiesSchema,
  simpleUserSchema,
} from './answers.js'
import type { Invitation, MemberEdge } from './answers.js'

/** GitHub's REST lists answer at most 100 per page; GraphQL connections take at most 100 too. */
export const PAGE_SIZE = 100
/** A runaway list stops here instead of paging forever (100,000 entries). */
const MAX_PAGES = 1_000
/**
 * GitHub asks clients to wait at least a minute after a secondary rate limit that came
 * without retry-after or x-ratelimit-reset.
 */
export const SECONDARY_LIMIT_FALLBACK_MS = 60_000

export const MATCHED_BY_LOGIN = "the login given as the alert's account ID (GitHub shows no email for this person)"

// --- the provider -------------------------------------------------------------

export interface Context {
  http: HttpClient
  graphql: HttpClient
  org: string
  service: string
}

/** What an account id names: a member or outside collaborator by login, or a pending invitation. */
export const INVITATION_ID = /^invitation:(\d+)$/

/** GraphQL lives at {apiUrl}/graphql on api.github.com, and at https://{host}/api/graphql on GitHub Enterprise Server (apiUrl …/api/v3). */
export function graphqlUrl(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, '')
  return /\/api\/v3$/.test(base) ? base.replace(/\/api\/v3$/, '/api/graphql') : `${base}/graphql`
}

/** The web host people use: github.com for api.github.com, the server itself for Enterprise Server. */
export function webUrl(apiUrl: string): string {
  const url = new URL(apiUrl)
  if (url.hostname === 'api.github.com') return 'https://github.com'
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '')}`
}

/**
 * GitHub's rule for a refusal over its limits (403 or 429): wait for `retry-after` when given;
 * else, with `x-ratelimit-remaining: 0` (the primary limit), until `x-ratelimit-reset`; else
 * (a secondary limit) at least a minute. Any other 403 is a missing permission.
 */
export function gitHubRateLimit(status: number, headers: Record<string, string>, detail: string | undefined): { retryAfterMs: number } | undefined {
  if (status !== 403 && status !== 429) return undefined
  const retryAfterMs = parseRetryAfter(headers['retry-after'])
  if (retryAfterMs !== undefined) return { retryAfterMs }
  if (headers['x-ratelimit-remaining'] === '0')
    return { retryAfterMs: parseRateLimitReset(headers['x-ratelimit-reset'], headers.date) ?? SECONDARY_LIMIT_FALLBACK_MS }
  return status === 429 || /secondary rate limit/i.test(detail ?? '') ? { retryAfterMs: SECONDARY_LIMIT_FALLBACK_MS } : undefined
}

/** GitHub error bodies: `{message, errors: [{message, code}], documentation_url}`. */
export function describeGitHubError(_status: number, body: unknown): string | undefined {
  const parsed = errorSchema.safeParse(body)
  if (!parsed.success || !parsed.data.message) return undefined
  const causes = (parsed.data.errors ?? []).flatMap((error) => ((error.message ?? error.code) ? [error.message ?? error.code ?? ''] : []))
  return causes.length > 0 ? `${parsed.data.message}: ${causes.join('; ')}` : parsed.data.message
}

// --- GraphQL --------------------------------------------------------------------

/**
 * GitHub answers GraphQL errors with 200 and `errors`: RATE_LIMITED waits for x-ratelimit-reset,
 * FORBIDDEN is a missing permission, anything else a rejected request.
 */
export async function graphql<T>(ctx: Context, query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
  const response = await ctx.graphql.send({ method: 'POST', path: '', json: { query, variables } })
  const answer = graphqlAnswerSchema.safeParse(response.body)
  if (!answer.success) throw unreadable('GitHub', response.status, 'GraphQL', 'a GraphQL answer')
  const errors = answer.data.errors ?? []
  if (errors.length > 0) throw new ProviderError(graphqlProblem(errors, response.headers))
  const data = schema.safeParse(answer.data.data)
  if (!data.success) throw unreadable('GitHub', response.status, 'GraphQL', 'the data the bot asked for')
  return data.data
}

function graphqlProblem(errors: { type?: string | undefined; message?: string | undefined }[], headers: Record<string, string>): Problem {
  const detail = errors.map((error) => error.message ?? error.type ?? 'error').join('; ')
  const types = new Set(errors.map((error) => error.type))
  if (types.has('RATE_LIMITED')) {
    const reset = Number(headers['x-ratelimit-reset'])
    const retryAfterMs = Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : SECONDARY_LIMIT_FALLBACK_MS
    return { kind: 'rate-limited', retryAfterMs }
  }
  if (types.has('FORBIDDEN')) return { kind: 'permission', detail }
  if (types.has('NOT_FOUND')) return { kind: 'rejected', detail: `GitHub does not show the organisation to this token: ${detail}` }
  return { kind: 'rejected', detail: `GitHub refused the GraphQL query: ${detail}` }
}

// --- connection -------------------------------------------------------------------

/** Listing pending invitations needs owner rights: the call every removal depends on. */
export async function checkConnection(ctx: Context): Promise<Health> {
  try {
    await ctx.http.send({ method: 'GET', path: orgPath(ctx) })
    await ctx.http.send({ method: 'GET', path: `${orgPath(ctx)}/invitations`, query: { per_page: 1 } })
    const me = await tokenUser(ctx)
    return { ok: true, detail: `connected to the ${ctx.org} organisation${me ? ` as ${me}` : ' as a GitHub App'}; members can be removed` }
  } catch (error) {
    return { ok: false, problem: toProblem(error) }
  }
}

/** The login the token acts as; undefined for a GitHub App installation token, which acts as no user. */
export async function tokenUser(ctx: Context): Promise<string | undefined> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: '/user' })
    const user = simpleUserSchema.safeParse(response.body)
    if (!user.success) throw unreadable('GitHub', response.status, 'GET /user', 'a user')
    return user.data.login
  } catch (error) {
    // "Resource not accessible by integration": an installation token has no user of its own.
    if (error instanceof ProviderError && error.problem.kind === 'permission' && /integration/i.test(error.problem.detail ?? '')) return undefined
    throw error
  }
}

// --- finding a person ---------------------------------------------------------------

export type Membership = { kind: 'member'; role: string } | { kind: 'outside-collaborator' } | { kind: 'none' }

export async function findAccount(ctx: Context, email: string, hint: AccountHint = {}): Promise<Account | null> {
  const bySaml = await findBySamlIdentity(ctx, email)
  if (bySaml) return accountFor(ctx, bySaml.login, bySaml.name, email, `their SAML SSO identity (${bySaml.nameId})`)
  const byDomain = await findByVerifiedEmail(ctx, email)
  if (byDomain) return accountFor(ctx, byDomain.node.login, byDomain.node.name, email, `their email on a domain ${ctx.org} verified`)
  const login = hint.accountId && !INVITATION_ID.test(hint.accountId) ? hint.accountId : undefined
  if (login) {
    const account = await accountFor(ctx, login, undefined, email, MATCHED_BY_LOGIN)
    if (account) return account
  }
  const invitation = (await pendingInvitations(ctx)).find((candidate) => invitedAs(candidate, email, login))
  return invitation ? invitationAccount(invitation, email) : null
}

/** The organisation's SAML identity whose NameID (or one of its emails) is the address; none when the organisation does not use SAML. */
async function findBySamlIdentity(ctx: Context, email: string): Promise<{ login: string; name?: string | null | undefined; nameId: string } | undefined> {
  const data = await graphql(ctx, SAML_IDENTITY_QUERY, { org: ctx.org, email }, samlIdentitiesSchema)
  const wanted = comparableEmail(email)
  for (const node of data.organization?.samlIdentityProvider?.externalIdentities.nodes ?? []) {
    const identity = node.samlIdentity
    const addresses = [identity?.nameId, ...(identity?.emails ?? []).map((entry) => entry.value)].filter((value): value is string => Boolean(value))
    // An identity not yet linked to a GitHub account (user null) cannot be removed from the organisation.
    if (node.user && addresses.some((address) => comparableEmail(address) === wanted))
      return { login: node.user.login, name: node.user.name, nameId: identity?.nameId ?? email }
  }
  return undefined
}

async function findByVerifiedEmail(ctx: Context, email: string): Promise<MemberEdge | undefined> {
  const wanted = comparableEmail(email)
  let after: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const { edges, next } = await membersPage(ctx, after)
    const found = edges.find((edge) => edge.node.organizationVerifiedDomainEmails.some((address) => comparableEmail(address) === wanted))
    if (found || next === undefined) return found
    after = next
  }
  throw tooMany('members')
}

async function membersPage(ctx: Context, after: string | undefined): Promise<{ edges: MemberEdge[]; next?: string }> {
  const data = await graphql(ctx, MEMBERS_QUERY, { org: ctx.org, first: PAGE_SIZE, after: after ?? null }, membersPageSchema)
  if (!data.organization) throw new ProviderError({ kind: 'rejected', detail: `GitHub does not show the ${ctx.org} organisation to this token` })
  const { edges, pageInfo } = data.organization.membersWithRole
  const next = pageInfo.hasNextPage && pageInfo.endCursor ? pageInfo.endCursor : undefined
  if (next !== undefined && next === after) throw new ProviderError({ kind: 'rejected', detail: "GitHub's list of members repeats the same page" })
  return { edges, ...(next !== undefined ? { next } : {}) }
}

/** The login as a member or outside collaborator of the organisation; null when it is neither. */
async function accountFor(ctx: Context, login: string, name: string | null | undefined, email: string, matchedBy: string): Promise<Account | null> {
  const membership = await membershipOf(ctx, login)
  if (membership.kind === 'none') return null
  const admin = membership.kind === 'member' && membership.role === 'admin'
  return {
    id: login,
    email,
    displayName: name ? `${name} (@${login})` : `@${login}`,
    status: 'active',
    roles: [roleLabel(membership)],
    isAdmin: admin,
    matchedBy,
  }
}

function roleLabel(membership: Membership): string {
  if (membership.kind !== 'member') return 'outside collaborator'
  return membership.role === 'admin' ? 'owner' : membership.role === 'billing_manager' ? 'billing manager' : 'member'
}

/** An active membership, or outside collaboration on any repository; a membership still pending is an invitation. */
export async function membershipOf(ctx: Context, login: string): Promise<Membership> {
  try {
    const response = await ctx.http.send({ method: 'GET', path: `${orgPath(ctx)}/memberships/${encodeURIComponent(login)}` })
    const membership = membershipSchema.safeParse(response.body)
    if (!membership.success) throw unreadable('GitHub', response.status, 'GET /orgs/{org}/memberships/{username}', 'a membership')
    if (membership.data.state === 'active') return { kind: 'member', role: membership.data.role }
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
  return (await outsideCollaborators(ctx)).some((user) => sameLogin(user.login, login)) ? { kind: 'outside-collaborator' } : { kind: 'none' }
}

export function invitedAs(invitation: Invitation, email: string, login: string | undefined): boolean {
  if (invitation.email && comparableEmail(invitation.email) === comparableEmail(email)) return true
  return login !== undefined && invitation.login !== null && invitation.login !== undefined && sameLogin(invitation.login, login)
}

function invitationAccount(invitation: Invitation, email: string): Account {
  return {
    id: `invitation:${invitation.id}`,
    email: invitation.email ?? email,
    ...(invitation.login ? { displayName: `@${invitation.login}` } : {}),
    status: 'pending',
    roles: [`invited as ${invitation.role ?? 'member'}`],
    isAdmin: false,
    matchedBy: invitation.email ? 'the email their invitation was sent to' : MATCHED_BY_LOGIN,
  }
}

// --- lists ---------------------------------------------------------------------------

export async function pendingInvitations(ctx: Context): Promise<Invitation[]> {
  return restList(ctx, `${orgPath(ctx)}/invitations`, {}, invitationSchema, 'invitations')
}

async function outsideCollaborators(ctx: Context): Promise<z.infer<typeof simpleUserSchema>[]> {
  return restList(ctx, `${orgPath(ctx)}/outside_collaborators`, {}, simpleUserSchema, 'outside collaborators')
}

/** Every page of a REST list, by page number (GitHub's Link header names the same pages). */
async function restList<T>(ctx: Context, path: string, query: Record<string, string>, schema: z.ZodType<T>, what: string): Promise<T[]> {
  const readPage = async (page = 1): Promise<Page<T, number>> => {
    const response = await ctx.http.send({ method: 'GET', path, query: { ...query, per_page: PAGE_SIZE, page } })
    const items = z.array(schema).safeParse(response.body ?? [])
    if (!items.success) throw unreadable('GitHub', response.status, `GET ${path}`, `a list of ${what}`)
    return items.data.length < PAGE_SIZE ? { items: items.data } : { items: items.data, next: page + 1 }
  }
  return readAllPages(readPage, MAX_PAGES, () => tooMany(what))
}

/**
 * One page of members for reconciliation, each under their verified-domain email (GitHub
 * shows no other); members without one are listed with no address, so they are not judged.
 * GitHub reports no last activity for members. The cursor is GraphQL's endCursor.
 */
export async function listAccounts(ctx: Context, cursor?: string): Promise<AccountPage> {
  const { edges, next } = await membersPage(ctx, cursor || undefined)
  const accounts = edges.map((edge): Account => {
    const [email = '', ...others] = edge.node.organizationVerifiedDomainEmails
    const admin = edge.role === 'ADMIN'
    return {
      id: edge.node.login,
      email,
      ...(others.length > 0 ? { emails: [email, ...others] } : {}),
      displayName: edge.node.name ? `${edge.node.name} (@${edge.node.login})` : `@${edge.node.login}`,
      status: 'active',
      roles: [admin ? 'owner' : 'member'],
      isAdmin: admin,
    }
  })
  return { accounts, ...(next !== undefined ? { nextCursor: next } : {}) }
}

/** The organisation's owners (GET /orgs/{org}/members?role=admin). */
export async function listAdmins(ctx: Context): Promise<Account[]> {
  const owners = await restList(ctx, `${orgPath(ctx)}/members`, { role: 'admin' }, simpleUserSchema, 'owners')
  return owners.map((owner) => ({ id: owner.login, email: '', displayName: `@${owner.login}`, status: 'active', roles: ['owner'], isAdmin: true }))
}

// --- small helpers -------------------------------------------------------------------

export function orgPath(ctx: Context): string {
  return `/orgs/${encodeURIComponent(ctx.org)}`
}

/** GitHub logins are case-insensitive. */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function tooMany(what: string): ProviderError {
  return new ProviderError({
    kind: 'rejected',
    detail: `GitHub listed more than ${MAX_PAGES * PAGE_SIZE} ${what}; the bot stopped rather than work from a partial list`,
  })
}

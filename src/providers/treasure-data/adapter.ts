/**
 * Treasure Data (v3 REST): delete a user of the account. `POST /v3/user/remove/<email>`
 * deletes the user and every API key of the user; Treasure Data has no suspend.
 *
 * Treasure Data's role rules are checked here, before any write call, from the role
 * of the user the bot's own API key belongs to (`GET /v3/user/show`): the account
 * owner deletes administrators and restricted users, an administrator only
 * restricted users, and nobody deletes the account owner.
 *
 * Reassigning a deleted user's API keys to someone else is offered only by the
 * Treasure Data console: the documented remove call takes nothing but the email,
 * so the modal asks no question and says the keys are deleted (Treasure Data's
 * recommendation).
 */
import { z } from 'zod'
import { TREASURE_DATA_HOSTS } from './config.js'
import type { TreasureDataIntegration } from './config.js'
import { createHttpClient } from '../kit/http.js'
import type { HttpClient } from '../kit/http.js'
import { ProviderError, describeProblem, toProblem } from '../problems.js'
import type { Problem } from '../problems.js'
import type { Account, Adapter, Blocker, Deletes, ListsAccounts, Health, Outcome, Preflight, Provider, ProviderOptions } from '../types.js'
import { provide } from '../capabilities.js'
import { capitalize } from '../kit/text.js'
import { unreadable } from '../kit/errors.js'

export type TreasureDataRole = 'owner' | 'administrator' | 'restricted'

const ROLE_LABEL: Record<TreasureDataRole, string> = {
  owner: 'the account owner',
  administrator: 'an administrator',
  restricted: 'a restricted user',
}

export const API_KEYS_CONSOLE_ONLY_WARNING =
  "Treasure Data can hand a deleted user's API keys to another user only in its console; its API always deletes them, " +
  "which is what Treasure Data recommends, since a reassigned key takes on the new user's permissions. " +
  'If a script must keep its key, delete this user in the Treasure Data console instead and choose who receives the keys.'

export const AUDIENCE_OWNER_WARNING =
  'If this user owns an Audience (master segment), its workflow fails once they are deleted; Treasure Data support must change the audience owner first. ' +
  'The bot cannot check this through the API.'

// --- what the service answers ---------------------------------------------------

const userSchema = z.object({
  id: z.union([z.number(), z.string().min(1)]),
  email: z.string().min(1),
  name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  // Required in Treasure Data's User schema; the role rules depend on them, so no default.
  account_owner: z.boolean(),
  administrator: z.boolean(),
})

// The current docs show a bare array; the official clients read `users` from an object.
const userListSchema = z.union([z.array(userSchema), z.object({ users: z.array(userSchema) })])

// The official clients get key strings; the OpenAPI ApiKey is {type, name, value}. The value
// is a secret and is deliberately not declared, so zod strips it.
const apiKeySchema = z.union([z.string(), z.object({ type: z.string().optional(), name: z.string().nullish() })])
const apiKeyListSchema = z.object({ apikeys: z.array(apiKeySchema) })

type TdUser = z.infer<typeof userSchema>

/** What the bot knows of a user's API keys: never their values. */
interface ApiKeyInfo {
  type?: string
}

type KeyListing = { kind: 'listed'; keys: ApiKeyInfo[] } | { kind: 'unlisted'; reason: string }

interface Context {
  http: HttpClient
  service: string
}

// --- the provider -----------------------------------------------------------------

/**
 * `TD1 <key>`, whether the key was pasted bare or with its `TD1 ` prefix (as Treasure
 * Data's Java client accepts both): `TD1 TD1 …` would be refused as a wrong key.
 */
export function tdAuthorization(apiKey: string): string {
  return `TD1 ${apiKey.trim().replace(/^TD1\s+/i, '')}`
}

export function createTreasureDataProvider(config: TreasureDataIntegration, options: ProviderOptions = {}): Provider {
  const http = createHttpClient({
    baseUrl: treasureDataBaseUrl(config),
    headers: { authorization: tdAuthorization(config.apiKey), accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeTreasureDataError,
  })
  const ctx: Context = { http, service: config.displayName }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'treasure-data',
    ...(config.adminConsoleUrl ? { adminConsoleUrl: config.adminConsoleUrl } : {}),
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account) => preflight(ctx, account),
    delete: (account) => deleteUser(ctx, account),
    // GET /v3/user/list has no pagination: the whole list is one page.
    listAccounts: async () => ({ accounts: (await listUsers(ctx.http)).map(toAccount) }),
  } satisfies Adapter & Deletes & ListsAccounts)
}

/** The API host: `baseUrl` wins over the region; a trailing /v3 is dropped since every path carries it. */
export function treasureDataBaseUrl(config: Pick<TreasureDataIntegration, 'id' | 'region' | 'baseUrl'>): string {
  const base = config.baseUrl ?? (config.region ? TREASURE_DATA_HOSTS[config.region] : undefined)
  if (!base) throw new Error(`Treasure Data integration "${config.id}" needs a region or a baseUrl`)
  return base.replace(/\/+$/, '').replace(/\/v3$/, '')
}

/**
 * Treasure Data's OpenAPI ErrorResponse carries `error`, `message` and `text` (the exact
 * wording per endpoint is not documented); the Ruby client reads message, then error.
 */
export function describeTreasureDataError(_status: number, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const record = body as Record<string, unknown>
  for (const key of ['message', 'error', 'text']) {
    const value = record[key]
    if (typeof value === 'string' && value.trim() !== '') return value
  }
  return undefined
}

// --- roles ------------------------------------------------------------------------

export function roleOf(user: Pick<TdUser, 'account_owner' | 'administrator'>): TreasureDataRole {
  if (user.account_owner) return 'owner'
  return user.administrator ? 'administrator' : 'restricted'
}

/**
 * Why the key's user may not delete the target, or undefined when Treasure Data allows it
 * (docs: "Deleting Users", Delete User Authorization). The detail names who could do it.
 */
export function deletionBlockers(caller: TdUser, target: TdUser): Blocker[] {
  // Deleting the key's own user would delete the key the bot uses.
  if (sameUser(caller, target)) return [{ problem: { kind: 'integration-owner', owner: caller.email } }]
  const callerRole = roleOf(caller)
  const targetRole = roleOf(target)
  const key = `the bot's API key belongs to ${caller.email}, ${ROLE_LABEL[callerRole]}`
  if (targetRole === 'owner') {
    return [
      refusal(
        'nobody can delete the account owner of a Treasure Data account (the user who created it), through the API or the console; if this user must go, contact Treasure Data support',
      ),
    ]
  }
  if (targetRole === 'administrator' && callerRole !== 'owner') {
    return [
      refusal(
        `only the account owner can delete an administrator, and ${key}. Ask the account owner to delete this user, or re-link the integration with a master API key of the account owner`,
      ),
    ]
  }
  if (callerRole === 'restricted') {
    return [
      refusal(
        `only the account owner or an administrator can delete a user, and ${key}. Re-link the integration with a master API key of an administrator or the account owner`,
      ),
    ]
  }
  return []
}

function refusal(detail: string): Blocker {
  // No status: the bot refuses from the roles before any call, so no HTTP answer is quoted.
  return { problem: { kind: 'permission', detail } }
}

function sameUser(a: TdUser, b: TdUser): boolean {
  return String(a.id) === String(b.id) || a.email.toLowerCase() === b.email.toLowerCase()
}

// --- checkConnection ----------------------------------------------------------------

async function checkConnection(ctx: Context): Promise<Health> {
  try {
    const caller = await showCaller(ctx.http)
    const role = roleOf(caller)
    if (role === 'restricted') {
      return {
        ok: false,
        problem: {
          kind: 'permission',
          detail: `the API key belongs to ${caller.email}, a restricted user, who cannot delete anyone; link a master API key of the account owner or an administrator`,
        },
      }
    }
    return {
      ok: true,
      detail:
        role === 'owner'
          ? `connected as ${caller.email}, the account owner: can delete administrators and restricted users`
          : `connected as ${caller.email}, an administrator: can delete restricted users only (only the account owner can delete administrators)`,
    }
  } catch (error) {
    return { ok: false, problem: withKeyHint(toProblem(error)) }
  }
}

/** A write-only key is valid but may read nothing: say which key to link instead. */
function withKeyHint(problem: Problem): Problem {
  if (problem.kind !== 'permission') return problem
  const hint = 'a write-only API key cannot read users; link a master API key of the account owner or an administrator'
  return { ...problem, detail: problem.detail ? `${problem.detail} (${hint})` : hint }
}

// --- findAccount ----------------------------------------------------------------------

async function findAccount(ctx: Context, email: string): Promise<Account | null> {
  const user = pickUser(await listUsers(ctx.http), email)
  return user ? toAccount(user) : null
}

async function showCaller(http: HttpClient): Promise<TdUser> {
  const response = await http.send({ method: 'GET', path: '/v3/user/show' })
  const parsed = userSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Treasure Data', response.status, 'GET /v3/user/show', 'a user with its role flags')
  return parsed.data
}

async function listUsers(http: HttpClient): Promise<TdUser[]> {
  const response = await http.send({ method: 'GET', path: '/v3/user/list' })
  const parsed = userListSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Treasure Data', response.status, 'GET /v3/user/list', 'a list of users with their role flags')
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.users
}

/** Only an exact address (ignoring case): a loose match must never lead the bot to delete someone else. */
function pickUser(users: TdUser[], email: string): TdUser | undefined {
  const wanted = email.trim().toLowerCase()
  return users.find((user) => user.email.toLowerCase() === wanted)
}

/** The same user as the alert's account: by id first (the email may have changed), else by email. */
function currentUser(users: TdUser[], account: Account): TdUser | undefined {
  return users.find((user) => String(user.id) === account.id) ?? pickUser(users, account.email)
}

export function toAccount(user: TdUser): Account {
  const displayName = displayNameOf(user)
  return {
    id: String(user.id),
    email: user.email,
    ...(displayName ? { displayName } : {}),
    // Treasure Data users have no disabled state: a listed user can sign in.
    status: 'active',
    roles: [roleOf(user)],
  }
}

function displayNameOf(user: TdUser): string | undefined {
  // `name` falls back to the email when the user set no name.
  if (user.name && user.name.toLowerCase() !== user.email.toLowerCase()) return user.name
  const parts = [user.first_name, user.last_name].filter((part): part is string => Boolean(part))
  return parts.length > 0 ? parts.join(' ') : undefined
}

// --- preflight --------------------------------------------------------------------------

async function preflight(ctx: Context, account: Account): Promise<Preflight> {
  // Both read fresh: roles may have changed since the alert.
  const caller = await showCaller(ctx.http)
  const target = currentUser(await listUsers(ctx.http), account)
  if (!target) return { kind: 'gone' }
  const current = toAccount(target)
  const blockers = deletionBlockers(caller, target)
  if (blockers.length > 0) return { kind: 'blocked', account: current, blockers }
  const keys = await listApiKeys(ctx.http, target.email)
  return {
    kind: 'ready',
    account: current,
    consequences: consequences(ctx.service, target, keys),
    warnings: warnings(keys),
    reversible: false,
  }
}

/**
 * `GET /v3/user/apikey/list/<user>` (official clients; not on the current public User API
 * page, and taken here to accept the same email as remove). It only informs the modal and
 * the outcome, so a refusal or failure never stops the deletion: it is said instead.
 */
async function listApiKeys(http: HttpClient, email: string): Promise<KeyListing> {
  try {
    const response = await http.send({ method: 'GET', path: userPath('apikey/list', email) })
    const parsed = apiKeyListSchema.safeParse(response.body)
    if (!parsed.success) return { kind: 'unlisted', reason: 'Treasure Data answered with something that is not a key list' }
    return { kind: 'listed', keys: parsed.data.apikeys.map(keyInfo) }
  } catch (error) {
    return { kind: 'unlisted', reason: describeProblem(toProblem(error)) }
  }
}

function keyInfo(key: z.infer<typeof apiKeySchema>): ApiKeyInfo {
  return typeof key === 'string' || !key.type ? {} : { type: key.type }
}

function consequences(service: string, target: TdUser, keys: KeyListing): string[] {
  return [
    `${who(target)}, ${ROLE_LABEL[roleOf(target)]}, is deleted from ${service} and can no longer sign in.`,
    keysConsequence(keys),
    'Databases, saved queries and sources they own move to the account owner, who is emailed; the schedules of those queries and sources are deactivated and must be re-enabled by hand.',
    'Their Treasure Insights dashboards are deleted; data models they own stay, but only Treasure Data support can give them a new owner.',
    'Tables, jobs and authentications they created stay available.',
    'This cannot be undone: inviting the address again creates a new user with new API keys.',
  ]
}

function keysConsequence(keys: KeyListing): string {
  const breaking =
    "every script or automation using one fails at once (streaming ingestion may keep working for about a minute, until Treasure Data's cache expires)"
  if (keys.kind === 'unlisted') return `Every API key they have is deleted with them: ${breaking}.`
  if (keys.keys.length === 0) return 'They have no API keys, so no script loses access through them.'
  return `${capitalize(countKeys(keys.keys, 'their'))} ${keys.keys.length === 1 ? 'is' : 'are'} deleted with them: ${breaking}.`
}

function warnings(keys: KeyListing): string[] {
  const list = [API_KEYS_CONSOLE_ONLY_WARNING, AUDIENCE_OWNER_WARNING]
  if (keys.kind === 'unlisted') list.push(`The bot could not list their API keys (${keys.reason}), so it cannot say how many there are.`)
  return list
}

/** "their 3 API keys (1 master, 2 write-only)": types only when the service gave them. */
function countKeys(keys: ApiKeyInfo[], owner: string): string {
  const noun = keys.length === 1 ? 'API key' : 'API keys'
  const types = new Map<string, number>()
  for (const key of keys) if (key.type) types.set(key.type, (types.get(key.type) ?? 0) + 1)
  const breakdown = [...types].map(([type, count]) => `${count} ${type}`).join(', ')
  return `${owner} ${keys.length === 1 ? 'only' : keys.length} ${noun}${breakdown ? ` (${breakdown})` : ''}`
}

function who(user: TdUser): string {
  const name = displayNameOf(user)
  return name ? `${name} (${user.email})` : user.email
}

// --- execute ------------------------------------------------------------------------------

/**
 * Re-checks the role rules against fresh data before the only write call: the worker runs
 * the delete without a new preflight, and roles (or the bot's key) may have changed since the
 * modal. Failures are thrown as ProviderError; the caller turns them into a failed outcome.
 */
async function deleteUser(ctx: Context, account: Account): Promise<Outcome> {
  const caller = await showCaller(ctx.http)
  const target = currentUser(await listUsers(ctx.http), account)
  if (!target) return { kind: 'already-done', detail: 'already deleted' }
  const blocker = deletionBlockers(caller, target)[0]
  if (blocker) throw new ProviderError(blocker.problem)
  // Listed before the removal, which takes them away: the outcome says what happened to them.
  const keys = await listApiKeys(ctx.http, target.email)
  try {
    await ctx.http.send({ method: 'POST', path: userPath('remove', target.email) })
  } catch (error) {
    // Slack retries and double clicks: a second delete finding nothing is a success.
    if (error instanceof ProviderError && error.problem.kind === 'not-found') return { kind: 'already-done', detail: 'already deleted' }
    throw error
  }
  return { kind: 'done', detail: keysOutcome(keys) }
}

function keysOutcome(keys: KeyListing): string {
  if (keys.kind === 'unlisted') return 'every API key they had was deleted with them (the bot could not list the keys beforehand)'
  if (keys.keys.length === 0) return 'they had no API keys'
  return `${countKeys(keys.keys, 'their')} ${keys.keys.length === 1 ? 'was' : 'were'} deleted with them (Treasure Data's API cannot reassign keys)`
}

/** `/v3/user/<verb>/<email>`, the email percent-encoded as the official clients do. */
function userPath(verb: string, email: string): string {
  return `/v3/user/${verb}/${encodeURIComponent(email)}`
}

/** The entra-id adapter as the bot uses it: the capabilities it implements, wired to its reads, its preflight and its writes. */
import { authorized, checkConnection, DEFAULT_ADMIN_CONSOLE_URL, describeGraphError, findAccount, listAccounts, listAdmins } from './adapter.js'
import type { Context } from './adapter.js'
import type { EntraIdIntegration } from './config.js'
import { createTokenSource } from './token.js'
import { createHttpClient } from '../kit/http.js'
import type { Adapter, CancelsDeletion, Deletes, ListsAccounts, ListsAdmins, Provider, ProviderOptions, Suspends } from '../types.js'
import { provide } from '../capabilities.js'
import { reactivate, remove, restoreDeleted, suspend } from './actions.js'
import { preflight } from './preflight.js'
export function createEntraIdProvider(config: EntraIdIntegration, options: ProviderOptions = {}): Provider {
  const graphUrl = config.graphUrl.replace(/\/+$/, '')
  const tokens = createTokenSource({
    loginUrl: config.loginUrl,
    tenantId: config.tenantId,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    scope: `${graphUrl}/.default`,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  })
  const http = createHttpClient({
    baseUrl: `${graphUrl}/v1.0`,
    headers: { accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeGraphError,
  })
  const ctx: Context = {
    http: authorized(http, tokens),
    tokens,
    graph: new URL(`${graphUrl}/v1.0`),
    clientId: config.clientId,
    service: config.displayName,
    now: options.now ?? (() => new Date()),
    signInActivity: 'unknown',
  }
  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'entra-id',
    adminConsoleUrl: config.adminConsoleUrl ?? DEFAULT_ADMIN_CONSOLE_URL,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => suspend(ctx, account),
    restore: (account) => reactivate(ctx, account),
    delete: (account, _choices, context) => remove(ctx, account, context),
    cancelDelete: (account) => restoreDeleted(ctx, account),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
    listAdmins: () => listAdmins(ctx),
  } satisfies Adapter & Suspends & Deletes & CancelsDeletion & ListsAccounts & ListsAdmins)
}

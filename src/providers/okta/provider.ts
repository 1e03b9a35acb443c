/** The okta adapter as the bot uses it: the capabilities it implements, wired to its reads, its preflight and its writes. */
import type { OktaIntegration } from './config.js'
import type { Adapter, Deletes, ListsAccounts, ListsAdmins, Provider, ProviderOptions, Suspends } from '../types.js'
import { createHttpClient } from '../kit/http.js'
import { checkConnection, describeOktaError, findAccount, listAccounts, listAdmins, oktaAdminConsoleUrl, withOktaProblems } from './adapter.js'
import type { Context } from './adapter.js'
import { provide } from '../capabilities.js'
import { preflight } from './preflight.js'
import { remove, restore, suspend } from './actions.js'
export function createOktaProvider(config: OktaIntegration, options: ProviderOptions = {}): Provider {
  const orgUrl = config.orgUrl.replace(/\/+$/, '')
  const http = createHttpClient({
    baseUrl: orgUrl,
    headers: { authorization: `SSWS ${config.apiToken}`, accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeOktaError,
  })
  const ctx: Context = { http: withOktaProblems(http), service: config.displayName, org: new URL(orgUrl) }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'okta',
    adminConsoleUrl: config.adminConsoleUrl ?? oktaAdminConsoleUrl(orgUrl),
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => suspend(ctx, account.id),
    restore: (account) => restore(ctx, account.id),
    delete: (account) => remove(ctx, account.id),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
    listAdmins: () => listAdmins(ctx),
  } satisfies Adapter & Suspends & Deletes & ListsAccounts & ListsAdmins)
}

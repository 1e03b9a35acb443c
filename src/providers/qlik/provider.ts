/** The qlik adapter as the bot uses it: the capabilities it implements, wired to its reads, its preflight and its writes. */
import { checkConnection, describeQlikError, findAccount, listAccounts, suggest } from './adapter.js'
import type { Context } from './adapter.js'
import type { QlikIntegration } from './config.js'
import { createHttpClient } from '../kit/http.js'
import type { Adapter, Deletes, ListsAccounts, Provider, ProviderOptions, SuggestsAnswers, Suspends } from '../types.js'
import { provide } from '../capabilities.js'
import { deleteAccount, setStatus } from './actions.js'
import { preflight } from './preflight.js'
export function createQlikProvider(config: QlikIntegration, options: ProviderOptions = {}): Provider {
  const tenantUrl = config.tenantUrl.replace(/\/+$/, '')
  const http = createHttpClient({
    baseUrl: tenantUrl,
    headers: { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeQlikError,
  })
  const ctx: Context = { http, service: config.displayName, tenant: new URL(tenantUrl) }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'qlik',
    adminConsoleUrl: config.adminConsoleUrl ?? `${tenantUrl}/console/users`,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => setStatus(ctx, account, 'disabled'),
    restore: (account) => setStatus(ctx, account, 'active'),
    delete: (account, choices) => deleteAccount(ctx, account, choices),
    suggest: (account, questionId, query) => suggest(ctx, account, questionId, query),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
  } satisfies Adapter & Suspends & Deletes & ListsAccounts & SuggestsAnswers)
}

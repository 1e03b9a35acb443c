/** The atlassian adapter as the bot uses it: the capabilities it implements, wired to its reads, its preflight and its writes. */
import type { Context } from './adapter.js'
import { cachedDirectories, checkConnection, DEFAULT_ADMIN_CONSOLE_URL, findAccount, listAccounts } from './adapter.js'
import type { AtlassianIntegration } from './config.js'
import { createHttpClient } from '../kit/http.js'
import type { Adapter, CancelsDeletion, Deletes, ListsAccounts, Provider, ProviderOptions, Suspends } from '../types.js'
import { provide } from '../capabilities.js'
import { cancelDeletion, deleteAccount, reclassifying, restore, suspend } from './actions.js'
import { preflight } from './preflight.js'
import { describeAtlassianError } from './errors.js'
export function createAtlassianProvider(config: AtlassianIntegration, options: ProviderOptions = {}): Provider {
  const http = createHttpClient({
    baseUrl: config.baseUrl,
    headers: { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeAtlassianError,
  })
  const { directoryId } = config
  const ctx: Context = {
    http,
    orgId: config.orgId,
    service: config.displayName,
    now: options.now ?? (() => new Date()),
    directories: directoryId ? async () => [directoryId] : cachedDirectories(http, config.orgId),
  }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'atlassian',
    adminConsoleUrl: config.adminConsoleUrl ?? DEFAULT_ADMIN_CONSOLE_URL,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: reclassifying('suspend', (account) => suspend(ctx, account)),
    restore: reclassifying('restore', (account) => restore(ctx, account)),
    delete: reclassifying('delete', (account, context) => deleteAccount(ctx, account, context)),
    cancelDelete: reclassifying('cancel-delete', (account) => cancelDeletion(ctx, account)),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
  } satisfies Adapter & Suspends & Deletes & CancelsDeletion & ListsAccounts)
}

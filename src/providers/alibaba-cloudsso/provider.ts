/** The alibaba-cloudsso adapter as the bot uses it: the capabilities it implements, wired to its reads, its preflight and its writes. */
import type { CloudSsoExtras, CloudSsoProvider } from './adapter.js'
import { accessPreflight, checkConnection, deprovisionAccessConfiguration, describeAccessConfiguration, findAccount, listAccounts, poll } from './adapter.js'
import type { Adapter, Deletes, DeprovisionsAccess, ListsAccounts, PollsTasks, ProviderOptions, Suspends } from '../types.js'
import type { AlibabaCloudSsoIntegration } from './config.js'
import { provide } from '../capabilities.js'
import { setStatus, startDelete } from './actions.js'
import { preflight } from './preflight.js'
import { createApi } from './client.js'
export function createCloudSsoProvider(config: AlibabaCloudSsoIntegration, options: ProviderOptions = {}): CloudSsoProvider {
  const api = createApi(config, options)
  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'alibaba-cloudsso',
    ...(config.adminConsoleUrl ? { adminConsoleUrl: config.adminConsoleUrl } : {}),
    checkConnection: () => checkConnection(api),
    findAccount: (email) => findAccount(api, email),
    listAccounts: (cursor) => listAccounts(api, cursor),
    preflight: (account, action) => preflight(api, account, action),
    suspend: (account) => setStatus(api, account, 'Disabled'),
    restore: (account) => setStatus(api, account, 'Enabled'),
    delete: (account) => startDelete(api, account),
    poll: (task) => poll(api, task),
    deprovisionAccessConfiguration: (target) => deprovisionAccessConfiguration(api, target),
    describeAccessConfiguration: (target) => describeAccessConfiguration(api, target),
    preflightAccess: async (target) => accessPreflight(await describeAccessConfiguration(api, target)),
    deprovisionAccess: (target) => deprovisionAccessConfiguration(api, target),
  } satisfies Adapter & Suspends & Deletes & PollsTasks & ListsAccounts & DeprovisionsAccess & CloudSsoExtras)
}

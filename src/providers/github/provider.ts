/** The github adapter as the bot uses it: the capabilities it implements, wired to its reads, its preflight and its writes. */
import { checkConnection, describeGitHubError, findAccount, gitHubRateLimit, graphqlUrl, listAccounts, listAdmins, webUrl } from './adapter.js'
import type { Context } from './adapter.js'
import type { GitHubIntegration } from './config.js'
import { createHttpClient } from '../kit/http.js'
import type { Adapter, Deletes, ListsAccounts, ListsAdmins, Provider, ProviderOptions } from '../types.js'
import { provide } from '../capabilities.js'
import { removeMember } from './actions.js'
import { preflight } from './preflight.js'
export function createGitHubProvider(config: GitHubIntegration, options: ProviderOptions = {}): Provider {
  const apiUrl = config.apiUrl.replace(/\/+$/, '')
  const common = {
    headers: {
      authorization: `Bearer ${config.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'deprovision-bot',
    },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeGitHubError,
    rateLimit: gitHubRateLimit,
  }
  const ctx: Context = {
    http: createHttpClient({ baseUrl: apiUrl, ...common }),
    graphql: createHttpClient({ baseUrl: graphqlUrl(apiUrl), ...common }),
    org: config.org,
    service: config.displayName,
  }
  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'github',
    adminConsoleUrl: config.adminConsoleUrl ?? `${webUrl(apiUrl)}/orgs/${encodeURIComponent(config.org)}/people`,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email, hint) => findAccount(ctx, email, hint),
    preflight: (account) => preflight(ctx, account),
    delete: (account) => removeMember(ctx, account),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
    listAdmins: () => listAdmins(ctx),
  } satisfies Adapter & Deletes & ListsAccounts & ListsAdmins)
}

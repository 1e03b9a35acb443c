/** The google-workspace adapter as the bot uses it: the capabilities it implements, wired to its reads, its preflight and its writes. */
import type { GoogleWorkspaceIntegration } from './config.js'
import {
  checkConnection,
  DEFAULT_ADMIN_CONSOLE_URL,
  DEFAULT_BASE_URL,
  describeGoogleError,
  findAccount,
  listAccounts,
  listAdmins,
  readKey,
  suggest,
} from './adapter.js'
import type { Context } from './adapter.js'
import { createTokenSource, DATATRANSFER_SCOPE, DIRECTORY_USER_SCOPE, DIRECTORY_USER_SECURITY_SCOPE, GOOGLE_TOKEN_URL } from './auth.js'
import { createHttpClient } from '../kit/http.js'
import { provide } from '../capabilities.js'
import { execute, poll } from './actions.js'
import { preflight } from './preflight.js'
import type { Adapter, Deletes, ListsAccounts, ListsAdmins, PollsTasks, Provider, ProviderOptions, SuggestsAnswers, Suspends } from '../types.js'
/**
 * Throws ServiceAccountKeyError at once when `serviceAccountKey` is not a service
 * account's JSON key, so a wrong secret stops start-up with a clear line instead of
 * failing every alert later. The message never quotes the key.
 */
export function createGoogleWorkspaceProvider(config: GoogleWorkspaceIntegration, options: ProviderOptions = {}): Provider {
  const key = readKey(config)
  const now = options.now ?? (() => new Date())
  const tokenSource = (scope: string) =>
    createTokenSource({ key, subject: config.adminEmail, scopes: [scope], tokenUrl: config.tokenUrl ?? GOOGLE_TOKEN_URL, timeoutMs: options.timeoutMs, now })
  const tokens = tokenSource(DIRECTORY_USER_SCOPE)
  const securityTokens = tokenSource(DIRECTORY_USER_SECURITY_SCOPE)
  const transferTokens = tokenSource(DATATRANSFER_SCOPE)
  const http = createHttpClient({
    baseUrl: config.baseUrl ?? DEFAULT_BASE_URL,
    headers: { accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    pace: options.pace,
    describeError: describeGoogleError,
  })
  const ctx: Context = { http, tokens, securityTokens, transferTokens, service: config.displayName, domain: config.domain, adminEmail: config.adminEmail, now }

  return provide({
    id: config.id,
    displayName: config.displayName,
    type: 'google-workspace',
    adminConsoleUrl: config.adminConsoleUrl ?? DEFAULT_ADMIN_CONSOLE_URL,
    checkConnection: () => checkConnection(ctx),
    findAccount: (email) => findAccount(ctx, email),
    preflight: (account, action) => preflight(ctx, account, action),
    suspend: (account) => execute(ctx, account, 'suspend', {}),
    restore: (account) => execute(ctx, account, 'restore', {}),
    delete: (account, choices) => execute(ctx, account, 'delete', choices),
    poll: (task) => poll(ctx, task),
    suggest: (account, questionId, query) => suggest(ctx, account, questionId, query),
    listAccounts: (cursor) => listAccounts(ctx, cursor),
    listAdmins: () => listAdmins(ctx),
  } satisfies Adapter & Suspends & Deletes & PollsTasks & SuggestsAnswers & ListsAccounts & ListsAdmins)
}

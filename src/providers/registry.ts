/**
 * Builds one adapter per configured integration. Adding a service is one case here
 * and one adapter file.
 */
import type { IntegrationConfig } from '../config.js'
import { createCloudSsoProvider } from './alibaba-cloudsso.js'
import { createEntraIdProvider } from './entra-id.js'
import { createAtlassianProvider } from './atlassian.js'
import { createGitHubProvider } from './github.js'
import { createGoogleWorkspaceProvider } from './google-workspace.js'
import { createOktaProvider } from './okta.js'
import { createQlikProvider } from './qlik.js'
import { createScimProvider } from './scim.js'
import { createTreasureDataProvider } from './treasure-data.js'
import { limitActions } from './capabilities.js'
import type { GuardContext } from './guards.js'
import type { Action, Provider, ProviderOptions } from './types.js'

/** What each kind of integration's credentials must allow, for "re-integrate with these permissions". */
export const CREDENTIALS_NEEDED: Readonly<Record<IntegrationConfig['type'], string>> = {
  scim: 'a SCIM bearer token allowed to read, update and delete Users',
  atlassian: 'an organization admin API key (user lifecycle: deactivate, delete, cancel deletion)',
  qlik: 'an API key of a user with the TenantAdmin role',
  'alibaba-cloudsso': 'a RAM AccessKey allowed the cloudsso: actions listed in the README',
  'treasure-data': 'a master API key of the account owner or an administrator',
  okta: 'an API token of an admin allowed to manage users (okta.users.manage)',
  'google-workspace': 'a service account with domain-wide delegation for the admin.directory.user scope, acting as a super admin',
  github: "a GitHub App installation token (organisation Members: read and write) or an owner's token with the admin:org scope",
  'entra-id': 'an app registration with a client secret and the application permissions User.EnableDisableAccount.All, User.RevokeSessions.All, User.ReadWrite.All, AuditLog.Read.All and RoleManagement.Read.Directory, admin-consented',
}

export interface IntegrationSummary {
  capabilities: ReadonlySet<Action>
  adminConsoleUrl?: string
}

export class ProviderRegistry {
  private readonly byId: ReadonlyMap<string, Provider>
  private readonly owners: ReadonlyMap<string, string>
  private readonly identityProviderIds: ReadonlySet<string>

  /**
   * `owners`: integration id -> the configured owner of its credentials (integrationOwner);
   * `identityProviderIds`: the integrations marked `identityProvider: true`.
   */
  constructor(providers: Provider[], owners: ReadonlyMap<string, string> = new Map(), identityProviderIds: ReadonlySet<string> = new Set()) {
    this.byId = new Map(providers.map((provider) => [provider.id, provider]))
    this.owners = owners
    this.identityProviderIds = identityProviderIds
  }

  static fromConfig(integrations: IntegrationConfig[], options: ProviderOptions = {}): ProviderRegistry {
    const owners = new Map(integrations.flatMap((integration) => (integration.integrationOwner ? [[integration.id, integration.integrationOwner] as const] : [])))
    return new ProviderRegistry(
      integrations.map((integration) => limitActions(createProvider(integration, withPace(integration, options)), integration.actions)),
      owners,
      new Set(integrations.filter((integration) => integration.identityProvider).map((integration) => integration.id)),
    )
  }

  /** Whether the integration is an identity provider people sign in through (offboarded first). */
  isIdentityProvider(id: string): boolean {
    return this.identityProviderIds.has(id)
  }

  /** What the guards need to know beyond the adapter: the integration's owner, and who acts. */
  guardContext(id: string, actorEmail: string | undefined): GuardContext {
    const owner = this.owners.get(id)
    return { ...(actorEmail ? { actorEmail } : {}), ...(owner ? { integrationOwner: owner } : {}) }
  }

  get(id: string): Provider | undefined {
    return this.byId.get(id)
  }

  /** What views need to know of an integration; one no longer configured offers no action. */
  summary(id: string): IntegrationSummary {
    const provider = this.byId.get(id)
    return {
      capabilities: provider?.capabilities ?? new Set(),
      ...(provider?.adminConsoleUrl ? { adminConsoleUrl: provider.adminConsoleUrl } : {}),
    }
  }

  /** What the integration's credentials must allow, in words. */
  credentialsNeeded(id: string): string {
    const type = this.byId.get(id)?.type
    return type && type in CREDENTIALS_NEEDED ? CREDENTIALS_NEEDED[type as IntegrationConfig['type']] : 'credentials with admin rights over users'
  }

  all(): Provider[] {
    return [...this.byId.values()]
  }

  ids(): string[] {
    return [...this.byId.keys()]
  }
}

/**
 * Each service's published limit, the pace its integration starts at until the service says otherwise
 * (sources in README, "Rate limits"). Services without one start unpaced and learn from their answers.
 */
export const DEFAULT_REQUESTS_PER_SECOND: Partial<Record<IntegrationConfig['type'], number>> = {
  // Qlik Cloud Tier 1: 1,000 requests a minute per user per tenant (qlik.dev/apis/rest/rate-limiting).
  qlik: 1000 / 60,
  // Okta's Users API org-wide default: 600 requests a minute (developer.okta.com/docs/reference/rl-global-mgmt).
  okta: 600 / 60,
}

/** Every integration gets its own flow control, bounded by `requestsPerSecond` when set. */
function withPace(integration: IntegrationConfig, { paceFor, ...options }: ProviderOptions): ProviderOptions {
  if (!paceFor) return options
  const cap = integration.requestsPerSecond
  const fallback = DEFAULT_REQUESTS_PER_SECOND[integration.type]
  return { ...options, pace: paceFor(integration.id, { ...(cap ? { requestsPerSecond: cap } : {}), ...(fallback ? { defaultRequestsPerSecond: fallback } : {}) }) }
}

function createProvider(integration: IntegrationConfig, options: ProviderOptions): Provider {
  switch (integration.type) {
    case 'scim':
      return createScimProvider(integration, options)
    case 'atlassian':
      return createAtlassianProvider(integration, options)
    case 'alibaba-cloudsso':
      return createCloudSsoProvider(integration, options)
    case 'qlik':
      return createQlikProvider(integration, options)
    case 'okta':
      return createOktaProvider(integration, options)
    case 'google-workspace':
      return createGoogleWorkspaceProvider(integration, options)
    case 'treasure-data':
      return createTreasureDataProvider(integration, options)
    case 'github':
      return createGitHubProvider(integration, options)
    case 'entra-id':
      return createEntraIdProvider(integration, options)
  }
}

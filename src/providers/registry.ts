/**
 * Builds one adapter per configured integration, from the catalogue's definition of its type.
 */
import { CATALOGUE, definitionOf, type IntegrationConfig, type IntegrationType } from './catalogue.js'
import { limitActions } from './capabilities.js'
import type { GuardContext } from './guards.js'
import type { Action, Provider, ProviderOptions } from './types.js'

/** What each kind of integration's credentials must allow, for "re-integrate with these permissions". */
export const CREDENTIALS_NEEDED: Readonly<Record<IntegrationType, string>> = Object.fromEntries(
  CATALOGUE.map((definition) => [definition.type, definition.credentialsNeeded]),
) as Record<IntegrationType, string>

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
    const owners = new Map(
      integrations.flatMap((integration) => (integration.integrationOwner ? [[integration.id, integration.integrationOwner] as const] : [])),
    )
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
    return type && type in CREDENTIALS_NEEDED ? CREDENTIALS_NEEDED[type as IntegrationType] : 'credentials with admin rights over users'
  }

  all(): Provider[] {
    return [...this.byId.values()]
  }

  ids(): string[] {
    return [...this.byId.keys()]
  }
}

/** Every integration gets its own flow control, bounded by `requestsPerSecond` when set. */
function withPace(integration: IntegrationConfig, { paceFor, ...options }: ProviderOptions): ProviderOptions {
  if (!paceFor) return options
  const cap = integration.requestsPerSecond
  const fallback = definitionOf(integration.type).defaultRequestsPerSecond
  return {
    ...options,
    pace: paceFor(integration.id, { ...(cap ? { requestsPerSecond: cap } : {}), ...(fallback ? { defaultRequestsPerSecond: fallback } : {}) }),
  }
}

function createProvider(integration: IntegrationConfig, options: ProviderOptions): Provider {
  // The definition's create takes exactly what its own schema parsed, which the union cannot show here.
  const { create } = definitionOf(integration.type) as { create: (config: IntegrationConfig, options: ProviderOptions) => Provider }
  return create(integration, options)
}

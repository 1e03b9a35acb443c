/** Which requests need a second person's approval (per integration and action, from the providers file), and for how long they wait. */
import { ConfigError, type IntegrationConfig } from '../../config.js'
import type { ProviderRegistry } from '../../providers/registry.js'
import type { Action } from '../../providers/types.js'

export interface ApprovalPolicy {
  /** How long a request waits for a decision before it expires. */
  ttlMs: number
  required(integration: string, action: Action): boolean
}

/**
 * The `approval` lists of the providers file, checked against what each integration offers (its service's actions,
 * narrowed by `actions`): asking approval for an action that is never offered is a configuration error.
 */
export function approvalPolicy(integrations: readonly IntegrationConfig[], providers: ProviderRegistry, ttlMs: number): ApprovalPolicy {
  const required = new Map<string, ReadonlySet<Action>>()
  const problems: string[] = []
  for (const integration of integrations) {
    const offered = providers.summary(integration.id).capabilities
    const unoffered = (integration.approval ?? []).filter((action) => !offered.has(action))
    if (unoffered.length > 0) {
      problems.push(
        `PROVIDERS_FILE (${integration.id}): approval: ${unoffered.join(', ')} is not one of this integration's actions (${[...offered].join(', ') || 'none'})`,
      )
    }
    required.set(integration.id, new Set(integration.approval))
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return { ttlMs, required: (integration, action) => required.get(integration)?.has(action) ?? false }
}

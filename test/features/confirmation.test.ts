/**
 * The confirmation of a refused action: the person sees why it is refused even when the refusal cannot be
 * audited (the audit log unreachable), instead of a misleading "could not check the account".
 */
import { describe, expect, it } from 'vitest'
import type { Alert } from '../../src/domain/alert.js'
import type { AlertDeps } from '../../src/features/alerts/deps.js'
import { showConfirmation } from '../../src/features/alerts/confirmation.js'
import { createLogger } from '../../src/logger.js'
import type { ProviderRegistry } from '../../src/providers/registry.js'
import type { Account, Provider } from '../../src/providers/types.js'
import type { SlackPort } from '../../src/slack/web-api.js'

const ACTOR_EMAIL = 'ann@example.com'
const ACCOUNT: Account = { id: 'u-ann', email: ACTOR_EMAIL, status: 'active', isAdmin: false }

const provider = {
  id: 'hr',
  displayName: 'HR',
  capabilities: new Set(['delete']),
  findAccount: async () => ACCOUNT,
  preflight: async () => ({ kind: 'ready', account: ACCOUNT, consequences: [], warnings: [], reversible: false }),
} as unknown as Provider

const alert = { id: 'al_1', integration: 'hr', integrationName: 'HR', email: ACTOR_EMAIL, state: { kind: 'open' } } as unknown as Alert

describe('the confirmation of an action a guard refuses', () => {
  it('still says why it is refused when the refusal cannot be written to the audit log', async () => {
    const updated: { view: unknown }[] = []
    const slack = { views: { update: async (args: { view: unknown }) => void updated.push(args) } } as unknown as SlackPort
    const deps = {
      providers: {
        get: () => provider,
        summary: () => ({ capabilities: new Set(['delete']) }),
        guardContext: () => ({ actorEmail: ACTOR_EMAIL }),
      } as unknown as ProviderRegistry,
      actorEmails: { of: async () => ACTOR_EMAIL },
      audit: { append: () => Promise.reject(new Error('Redis is gone')) },
      logger: createLogger('silent'),
      preflightTimeoutMs: 1_000,
    } as unknown as AlertDeps

    await showConfirmation(deps, slack, { viewId: 'V1' }, alert, 'delete', 'U0ANN')

    expect(updated).toHaveLength(1)
    const shown = JSON.stringify(updated[0]!.view)
    expect(shown).toContain('This is your own HR account')
    expect(shown).not.toContain('could not check')
  })
})

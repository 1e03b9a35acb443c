/**
 * Checks every integration's credentials and permissions, records the result, and
 * tells its routed channel (the routes file's `kind: health`) once when one breaks and once when it recovers (never again
 * while it stays broken). Runs on a schedule and for `/deprovision status`.
 */
import { ProviderError, toProblem } from '../../providers/problems.js'
import type { Health, Provider } from '../../providers/types.js'
import type { IntegrationHealth } from '../../store/health.js'
import { integrationBrokenMessage, integrationRecoveredMessage, type IntegrationStatus } from '../../views/health.js'
import type { AlertJobDeps } from '../alerts/deps.js'
import { postRouted } from '../routing/fallback.js'
import { routeFor } from '../routing/rules.js'
import { withMissedRoute } from '../../views/missed-route.js'

const CHECK_TIMEOUT_MS = 10_000

export type HealthCheckDeps = Pick<AlertJobDeps, 'health' | 'providers' | 'slack' | 'routes' | 'logger' | 'metrics' | 'now'>

export async function checkIntegrations(ctx: HealthCheckDeps): Promise<IntegrationStatus[]> {
  return Promise.all(ctx.providers.all().map((provider) => checkOne(ctx, provider)))
}

async function checkOne(ctx: HealthCheckDeps, provider: Provider): Promise<IntegrationStatus> {
  const now = ctx.now().toISOString()
  const result = await withTimeout(provider)
  const previous = await ctx.health.all().then((all) => all[provider.id])
  const since = previous && previous.ok === result.ok ? previous.since : now
  const next: IntegrationHealth = result.ok
    ? { ok: true, ...(result.detail ? { detail: result.detail } : {}), checkedAt: now, since }
    : { ok: false, problem: result.problem, checkedAt: now, since }
  const replaced = await ctx.health.record(provider.id, next)
  ctx.metrics.integrationUp.set({ integration: provider.id }, next.ok ? 1 : 0)

  const status: IntegrationStatus = {
    name: provider.displayName,
    health: next,
    ...(provider.adminConsoleUrl ? { adminConsoleUrl: provider.adminConsoleUrl } : {}),
    credentialsNeeded: ctx.providers.credentialsNeeded(provider.id),
  }
  const broke = !next.ok && (replaced === undefined || replaced.ok)
  const recovered = next.ok && replaced !== undefined && !replaced.ok
  if (broke || recovered) {
    const message = next.ok ? integrationRecoveredMessage(status) : integrationBrokenMessage({ ...status, health: next })
    const route = routeFor(ctx.routes, { kind: 'health', integration: provider.id })
    const log = ctx.logger.child({ integration: provider.id })
    const routed = { slack: ctx.slack, defaultChannel: ctx.routes.defaultChannel, metrics: ctx.metrics, logger: log }
    if (route.kind === 'post') await postRouted(routed, route, 'health', (missed) => withMissedRoute(message, missed))
    else ctx.metrics.routedMuted.inc({ kind: 'health', rule: route.rule })
    log.warn(
      {
        ok: next.ok,
        problem: next.ok ? undefined : next.problem.kind,
        ...(route.kind === 'mute' ? { mutedByRule: route.rule } : {}),
      },
      broke ? 'integration broke' : 'integration recovered',
    )
  }
  return status
}

async function withTimeout(provider: Provider): Promise<Health> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Health>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, problem: { kind: 'transient', detail: `${provider.displayName} did not answer within ${CHECK_TIMEOUT_MS / 1000} s` } }),
      CHECK_TIMEOUT_MS,
    )
  })
  const check = provider
    .checkConnection()
    .catch((error: unknown): Health => ({ ok: false, problem: error instanceof ProviderError ? error.problem : toProblem(error) }))
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer))
}

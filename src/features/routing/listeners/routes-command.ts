/**
 * `/deprovision routes [integration severity kind]`: the routing rules in force and, for a sample, which rule
 * matches and where it would go. Ephemeral; the actor check is done by the /deprovision handler before this.
 */
import type { SlackCommandMiddlewareArgs } from '@slack/bolt'
import type { ProviderRegistry } from '../../../providers/registry.js'
import { inline } from '../../../views/text.js'
import { configuredId, routeFor, type RouteSubject, type RoutingTable } from '../rules.js'
import { routesMessage } from '../views/routes.js'

export async function routesCommand(
  deps: { routes: RoutingTable; providers: Pick<ProviderRegistry, 'ids'> },
  ack: SlackCommandMiddlewareArgs['ack'],
  sample?: RouteSubject,
): Promise<void> {
  const integration = sample?.integration === undefined ? undefined : configuredId(deps.providers.ids(), sample.integration)
  if (sample?.integration !== undefined && integration === undefined) {
    await ack({
      response_type: 'ephemeral',
      text: `⚠️ “${inline(sample.integration, 60)}” is not an integration. Configured: ${deps.providers.ids().join(', ') || 'none'}.`,
    })
    return
  }
  const subject = sample && { ...sample, ...(integration ? { integration } : {}) }
  await ack({ response_type: 'ephemeral', ...routesMessage(deps.routes, subject && { subject, route: routeFor(deps.routes, subject) }) })
}

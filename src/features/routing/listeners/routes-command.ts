/**
 * `/deprovision routes [integration severity kind]`: the routing rules in force and, for a sample, which rule
 * matches and where it would go. Ephemeral; the actor check is done by the /deprovision handler before this.
 */
import type { SlackCommandMiddlewareArgs } from '@slack/bolt'
import type { ProviderRegistry } from '../../../providers/registry.js'
import { inline } from '../../../views/text.js'
import { routeFor, type RouteSubject, type RoutingTable } from '../rules.js'
import { routesMessage } from '../views/routes.js'

export async function routesCommand(
  deps: { routes: RoutingTable; providers: Pick<ProviderRegistry, 'get' | 'ids'> },
  ack: SlackCommandMiddlewareArgs['ack'],
  sample?: RouteSubject,
): Promise<void> {
  if (sample?.integration !== undefined && !deps.providers.get(sample.integration)) {
    await ack({
      response_type: 'ephemeral',
      text: `⚠️ “${inline(sample.integration, 60)}” is not an integration. Configured: ${deps.providers.ids().join(', ') || 'none'}.`,
    })
    return
  }
  await ack({ response_type: 'ephemeral', ...routesMessage(deps.routes, sample && { subject: sample, route: routeFor(deps.routes, sample) }) })
}

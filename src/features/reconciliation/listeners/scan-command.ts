/**
 * `/deprovision scan [integration]`: starts a reconciliation run now, of every integration
 * or of one, and says where its summary will be posted (its routed channel). A name that is not an integration
 * that can be compared gets an ephemeral answer naming those that can. The actor check is
 * done by the /deprovision handler before it hands the command here.
 */
import type { SlackCommandMiddlewareArgs } from '@slack/bolt'
import { requestRun } from '../reconcile-jobs.js'
import { planRun } from '../jobs/reconcile-run.js'
import { inline } from '../../../views/text.js'
import type { AlertDeps } from '../../alerts/deps.js'
import { routeFor } from '../../routing/rules.js'

type ListenerDeps = Pick<AlertDeps, 'logger' | 'now' | 'providers' | 'queues' | 'routes'>

type Args = Pick<SlackCommandMiddlewareArgs, 'ack' | 'command'>

export function isScanRequest(text: string | undefined): boolean {
  return (text ?? '').trim().split(/\s+/)[0]?.toLowerCase() === 'scan'
}

export async function scanCommand(deps: ListenerDeps, { ack, command }: Args): Promise<void> {
  const [, name, ...extra] = command.text.trim().split(/\s+/)
  const refusal = refusalFor(deps, name, extra.length > 0)
  if (refusal) {
    await ack({ response_type: 'ephemeral', text: refusal })
    return
  }
  const integrations = name ? [name] : undefined
  try {
    const runId = await requestRun(deps.queues, { kind: 'command', user: command.user_id }, (deps.now ?? (() => new Date()))(), integrations)
    deps.logger.info({ runId, actor: command.user_id, integrations }, 'reconciliation requested')
  } catch (error) {
    deps.logger.error({ err: error }, 'reconciliation could not be queued')
    await ack({ response_type: 'ephemeral', text: '⚠️ The reconciliation could not be started: the job queue (Redis) is unavailable. Try again shortly.' })
    return
  }
  const what = name ? `*${deps.providers.get(name)?.displayName ?? name}*` : 'every integration'
  const route = routeFor(deps.routes, { kind: 'reconcile-summary' })
  const summary = route.kind === 'post' ? `Its summary will be posted in <#${route.channel}>` : `Routes file rule ${route.rule} mutes its summary`
  await ack({ response_type: 'ephemeral', text: `🔎 Reconciliation of ${what} started. ${summary}, with the findings as alerts.` })
}

/** Why the request cannot start, or undefined when it can. */
function refusalFor(deps: ListenerDeps, name: string | undefined, tooMany: boolean): string | undefined {
  const plan = planRun(deps)
  const scannable = plan.compare.map((provider) => `\`${provider.id}\``).join(', ') || 'none'
  if (plan.identityProviders.length === 0) {
    return '⚠️ Reconciliation needs an identity provider to compare with: mark one integration `identityProvider: true` in the providers file.'
  }
  if (tooMany) return `⚠️ One integration at a time: \`/deprovision scan\` (every integration) or \`/deprovision scan <integration>\`, one of ${scannable}.`
  if (name === undefined) return plan.compare.length === 0 ? '⚠️ No integration can list its accounts, so there is nothing to compare.' : undefined
  const provider = deps.providers.get(name)
  if (!provider) return `⚠️ There is no integration “${inline(name, 60)}”. Integrations that can be scanned: ${scannable}.`
  if (deps.providers.isIdentityProvider(name))
    return `⚠️ \`${name}\` is the identity provider: the other integrations are compared with it. Scan one of ${scannable}.`
  const skipped = plan.skipped.find((entry) => entry.integration === name)
  return skipped ? `⚠️ ${skipped.reason}` : undefined
}

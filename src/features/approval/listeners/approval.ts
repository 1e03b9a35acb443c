/**
 * Two-person approval: which requests need it (per integration and action, from the
 * providers file), holding a confirmed request until someone decides, and the
 * Approve / Reject buttons. The requester cannot decide on their own request; any
 * other actor can; the alert's atomic transitions make exactly one decision count.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt'
import { threadOf, type Alert, type PendingApproval } from '../../../domain/alert.js'
import { alertSurface } from '../../alerts/surface.js'
import { ConfigError, type IntegrationConfig } from '../../../config.js'
import type { ModalContext } from '../../../constants.js'
import { closeApproval, recordDecision } from '../decisions.js'
import type { Logger } from '../../../logger.js'
import { comparableEmail, isAddressOf } from '../../../providers/addresses.js'
import { takesAccessAway } from '../../../providers/guards.js'
import { describeProblem, toProblem, type Problem } from '../../../providers/problems.js'
import type { ProviderRegistry } from '../../../providers/registry.js'
import type { Action, Choices } from '../../../providers/types.js'
import { newApprovalId, type ApprovalRecord } from '../store.js'
import { alreadyDecidedText, approvalRequestMessage, ownAccountRefusal, ownRequestRefusal } from '../views/approval.js'
import { busyModal, notAuthorizedText } from '../../alerts/views/modals.js'
import { isActor, type HandlerDeps } from '../../../slack/deps.js'
import { withTimeout } from '../../alerts/listeners/request-action.js'
import { startAction } from '../../alerts/start-action.js'

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs
type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

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
      problems.push(`PROVIDERS_FILE (${integration.id}): approval: ${unoffered.join(', ')} is not one of this integration's actions (${[...offered].join(', ') || 'none'})`)
    }
    required.set(integration.id, new Set(integration.approval))
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return { ttlMs, required: (integration, action) => required.get(integration)?.has(action) ?? false }
}

interface HeldRequest {
  ack: ViewArgs['ack']
  client: ViewArgs['client']
  alert: Alert
  context: ModalContext
  actor: string
  choices: Choices
  log: Logger
}

/**
 * A confirmation that needs approval: record the request (with its expiry timer), hold the alert for it
 * atomically, then post "awaiting approval" with Approve and Reject in the thread and say so on the alert.
 */
export async function requestApproval(deps: HandlerDeps, { ack, client, alert, context, actor, choices, log }: HeldRequest): Promise<void> {
  const now = clock(deps)
  const approval: PendingApproval = {
    id: newApprovalId(),
    action: context.action,
    requester: actor,
    at: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.approval.ttlMs).toISOString(),
    ...(context.accountId ? { accountId: context.accountId } : {}),
  }
  // Record and timer first: a held alert always has both. If the hold loses, the timer finds nothing to expire.
  await deps.approvals.create(alert.id, approval, choices)
  await deps.timers.schedule({ kind: 'approval-expiry', alertId: alert.id, approvalId: approval.id }, new Date(approval.expiresAt))
  if (!(await deps.alerts.holdForApproval(alert, approval, deps.providers.summary(alert.integration).capabilities))) {
    await ack({ response_action: 'update', view: busyModal(context, (await deps.alerts.get(alert.id)) ?? alert) })
    log.info('approval request refused: the alert moved on')
    return
  }
  await ack()
  log.info({ approvalId: approval.id, expiresAt: approval.expiresAt }, 'action awaits approval')
  await deps.audit.append({
    event: 'approval-requested',
    alertId: alert.id,
    actor,
    action: approval.action,
    integration: alert.integration,
    email: alert.email,
    detail: `awaits approval until ${approval.expiresAt}`,
  })
  const thread = threadOf(alert)
  if (!thread) return
  const { channel, ts } = thread
  const held: Alert = { ...alert, state: { kind: 'awaiting-approval', approval, previous: alert.state } }
  try {
    const posted = await client.chat.postMessage({ channel, thread_ts: ts, ...approvalRequestMessage(alert, approval, choices) })
    if (posted.ts) await deps.approvals.setMessage(approval.id, { channel, ts: posted.ts })
    await client.chat.update({ channel, ts, ...(await alertSurface(held, deps.providers, deps.mutes)) })
  } catch (error) {
    log.error({ err: error, approvalId: approval.id }, 'could not post the approval request; it expires unless approved')
  }
}

/** Approve or Reject on an "awaiting approval" message. */
export function decideApproval(deps: HandlerDeps, pressed: 'approve' | 'reject') {
  return async ({ ack, body, action, client, respond }: ButtonArgs): Promise<void> => {
    await ack()
    const actor = body.user.id
    const tell = async (text: string) => {
      await respond({ response_type: 'ephemeral', replace_original: false, text })
    }
    const record = await deps.approvals.get(action.value ?? '')
    if (!record) return tell('This approval request is no longer stored (it ended long ago), so nothing was changed.')
    const { approval } = record
    const log = deps.logger.child({ alertId: record.alertId, action: approval.action, actor, approvalId: approval.id })

    const alert = await deps.alerts.get(record.alertId)
    const ownAccount = pressed === 'approve' && alert && isActor(deps, actor) && actor !== approval.requester ? await ownAccountProblem(deps, actor, alert, approval.action) : undefined
    const refusal = !isActor(deps, actor)
      ? { text: notAuthorizedText(approval.action), detail: 'not an authorized actor' }
      : actor === approval.requester
        ? { text: ownRequestRefusal(approval, pressed), detail: `the requester cannot ${pressed} their own request` }
        : ownAccount && alert
          ? {
              text: ownAccountRefusal(ownAccount, { serviceName: alert.integrationName, action: approval.action }),
              detail: ownAccount.kind === 'self' ? 'the approver’s own account' : `the approver’s own account could not be ruled out: ${describeProblem(ownAccount)}`,
            }
          : undefined
    if (refusal) {
      log.warn({ reason: refusal.detail }, `${pressed} refused`)
      await deps.audit.append({ event: 'action-refused', alertId: record.alertId, actor, requester: approval.requester, action: approval.action, detail: refusal.detail })
      return tell(refusal.text)
    }

    const decided =
      alert !== null &&
      (pressed === 'approve'
        ? await approve(deps, client, alert, record, actor, log)
        : await closeApproval(deps, client, alert, record, { kind: 'rejected', by: actor, at: clock(deps).toISOString() }))
    if (!decided) {
      log.info(`${pressed} came too late: the request no longer awaits approval`)
      await tell(alreadyDecidedText((await deps.approvals.get(approval.id))?.decision))
    }
  }
}

/** The approved request becomes the requester's attempt (once, however many approvers press) and runs. */
async function approve(deps: HandlerDeps, client: ButtonArgs['client'], alert: Alert, record: ApprovalRecord, approver: string, log: Logger): Promise<boolean> {
  const now = clock(deps)
  const claim = await deps.alerts.claimApproved(alert, record.approval.id, approver, now)
  if (claim.status !== 'claimed') return false
  await recordDecision(deps, client, alert, record, { kind: 'approved', by: approver, at: now.toISOString() })
  await startAction(deps, client, alert, claim.request, record.choices, log)
  return true
}

/**
 * Why the approver may not approve an action that takes access away: the account is theirs (its address, or any other
 * address the service reports for it, is their Slack email), or that cannot be ruled out (Slack did not say who they
 * are, the service did not answer). Undefined when they may.
 */
async function ownAccountProblem(deps: HandlerDeps, approver: string, alert: Alert, action: Action): Promise<Problem | undefined> {
  if (!takesAccessAway(action) || alert.access) return undefined
  const own = await deps.actorEmails.of(approver)
  if (own === undefined) return { kind: 'unknown-actor' }
  if (comparableEmail(own) === comparableEmail(alert.email)) return { kind: 'self' }
  const provider = deps.providers.get(alert.integration)
  if (!provider) return undefined
  try {
    const account = await withTimeout(provider.findAccount(alert.email), deps.preflightTimeoutMs, provider.displayName)
    return account && isAddressOf(account, own) ? { kind: 'self' } : undefined
  } catch (error) {
    return toProblem(error)
  }
}

function clock(deps: Pick<HandlerDeps, 'now'>): Date {
  return (deps.now ?? (() => new Date()))()
}

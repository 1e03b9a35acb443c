/**
 * A confirmation that needs approval: the request recorded (with its expiry timer) and the alert held for it
 * atomically, then "awaiting approval" with Approve and Reject in the thread and on the alert.
 */
import { threadOf, type Alert, type PendingApproval } from '../../domain/alert.js'
import type { ModalContext } from '../../constants.js'
import type { Logger } from '../../logger.js'
import type { Choices } from '../../providers/types.js'
import type { TimerStore } from '../../jobs/timers.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { AlertDeps } from '../alerts/deps.js'
import { alertSurface } from '../alerts/surface.js'
import type { ApprovalPolicy } from './policy.js'
import { newApprovalId, type ApprovalStore } from './store.js'
import { approvalRequestMessage } from './views/approval.js'

export interface ApprovalRequestDeps extends Pick<AlertDeps, 'alerts' | 'audit' | 'providers' | 'mutes' | 'now'> {
  approvals: ApprovalStore
  approval: ApprovalPolicy
  timers: TimerStore
}

/** Records the request and its timer, then holds the alert for it. Undefined when the alert moved on meanwhile. */
export async function holdForApproval(
  deps: ApprovalRequestDeps,
  alert: Alert,
  context: ModalContext,
  actor: string,
  choices: Choices,
): Promise<PendingApproval | undefined> {
  const now = (deps.now ?? (() => new Date()))()
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
  const held = await deps.alerts.holdForApproval(alert, approval, deps.providers.summary(alert.integration).capabilities)
  return held ? approval : undefined
}

/** Audits the held request and says so in the thread (with Approve and Reject) and on the alert. */
export async function announceApprovalRequest(
  deps: ApprovalRequestDeps,
  slack: SlackPort,
  alert: Alert,
  approval: PendingApproval,
  choices: Choices,
  log: Logger,
): Promise<void> {
  log.info({ approvalId: approval.id, expiresAt: approval.expiresAt }, 'action awaits approval')
  await deps.audit.append({
    event: 'approval-requested',
    alertId: alert.id,
    actor: approval.requester,
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
    const posted = await slack.chat.postMessage({ channel, thread_ts: ts, ...approvalRequestMessage(alert, approval, choices) })
    if (posted.ts) await deps.approvals.setMessage(approval.id, { channel, ts: posted.ts })
    await slack.chat.update({ channel, ts, ...(await alertSurface(held, deps.providers, deps.mutes)) })
  } catch (error) {
    log.error({ err: error, approvalId: approval.id }, 'could not post the approval request; it expires unless approved')
  }
}

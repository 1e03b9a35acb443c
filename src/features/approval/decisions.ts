/**
 * How a request awaiting approval ends, told the same way whoever ends it: an
 * approver (Approve, Reject, in a handler) or the clock (the expiry timer, here).
 * The alert's own atomic transition decides that it ends; this says so in the
 * thread, on the alert and in the audit log.
 */
import type { Alert } from '../../domain/alert.js'
import { alertSurface } from '../alerts/surface.js'
import type { Logger } from '../../logger.js'
import type { ProviderRegistry } from '../../providers/registry.js'
import type { AlertStore } from '../../store/alerts.js'
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from './store.js'
import type { AuditLog, AuditEvent } from '../../store/audit.js'
import type { MuteStore } from '../mutes/store.js'
import { approvalClosedMessage, approvalDecisionReply } from './views/approval.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { Timer } from '../../jobs/timers.js'

/** What ending a request needs; handlers and jobs both have it. */
export interface ApprovalParts {
  alerts: AlertStore
  approvals: ApprovalStore
  audit: AuditLog
  providers: ProviderRegistry
  mutes: MuteStore
  logger: Logger
}

const AUDIT_EVENT: Readonly<Record<ApprovalDecision['kind'], AuditEvent>> = {
  approved: 'approval-granted',
  rejected: 'approval-rejected',
  expired: 'approval-expired',
}

/**
 * Records a decision the alert's transition already made: on the approval record, in the audit log (who decided,
 * who asked), and on the "awaiting approval" message, which loses its buttons. A Slack failure is logged, not
 * thrown: the decision stands either way.
 */
export async function recordDecision(parts: ApprovalParts, slack: SlackPort, alert: Alert, record: ApprovalRecord, decision: ApprovalDecision): Promise<void> {
  const { approval } = record
  await parts.approvals.setDecision(approval.id, decision)
  await parts.audit.append({
    event: AUDIT_EVENT[decision.kind],
    alertId: alert.id,
    ...(decision.kind === 'expired' ? {} : { actor: decision.by }),
    requester: approval.requester,
    action: approval.action,
    integration: alert.integration,
    email: alert.email,
  })
  parts.logger.info({ alertId: alert.id, action: approval.action, approvalId: approval.id, decision: decision.kind }, 'approval decided')
  if (!record.message) return
  await slack.chat
    .update({ channel: record.message.channel, ts: record.message.ts, ...approvalClosedMessage(alert, approval, decision) })
    .catch((error: unknown) => parts.logger.warn({ err: error, alertId: alert.id, action: approval.action }, 'could not edit the approval message'))
}

/**
 * Ends a request without running it (rejected, or expired): the alert goes back where it was, and the thread and
 * the alert say so. False when the request no longer awaited approval (someone decided first).
 */
export async function closeApproval(
  parts: ApprovalParts,
  slack: SlackPort,
  alert: Alert,
  record: ApprovalRecord,
  decision: Exclude<ApprovalDecision, { kind: 'approved' }>,
): Promise<boolean> {
  if (!(await parts.alerts.releaseApproval(alert, record.approval.id))) return false
  await recordDecision(parts, slack, alert, record, decision)
  const released = await parts.alerts.get(alert.id)
  if (!released?.message) return true
  const { channel, ts } = released.message
  await Promise.all([
    slack.chat.postMessage({ channel, thread_ts: ts, ...approvalDecisionReply(alert, record.approval, decision) }),
    alertSurface(released, parts.providers, parts.mutes).then((message) => slack.chat.update({ channel, ts, ...message })),
  ]).catch((error: unknown) =>
    parts.logger.warn({ err: error, alertId: alert.id, action: record.approval.action }, 'could not tell Slack how the approval ended'),
  )
  return true
}

/** The expiry timer: a request nobody decided on in time ends, unless it already did. */
export async function expireApproval(
  ctx: ApprovalParts & { slack: SlackPort; now: () => Date },
  timer: Extract<Timer, { kind: 'approval-expiry' }>,
): Promise<void> {
  const [alert, record] = await Promise.all([ctx.alerts.get(timer.alertId), ctx.approvals.get(timer.approvalId)])
  if (!alert || !record) return
  const expired = await closeApproval(ctx, ctx.slack, alert, record, { kind: 'expired', at: ctx.now().toISOString() })
  if (!expired) ctx.logger.info({ alertId: alert.id, approvalId: timer.approvalId }, 'approval expiry skipped: already decided')
}

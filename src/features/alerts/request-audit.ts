/** What every audit entry about a requested action says: which alert, who asked (and approved), what, on which account. */
import type { Alert, Request } from '../../domain/alert.js'
import type { AuditEntry } from '../../store/audit.js'

export function requestAuditFields(
  alert: Pick<Alert, 'id' | 'integration' | 'email' | 'accountId'>,
  request: Request,
): Omit<AuditEntry, 'event' | 'outcome' | 'detail'> {
  // The account the person confirmed, else the one the alert named.
  const accountId = request.accountId ?? alert.accountId
  return {
    alertId: alert.id,
    actor: request.actor,
    ...(request.approvedBy ? { approver: request.approvedBy } : {}),
    action: request.action,
    integration: alert.integration,
    email: alert.email,
    ...(accountId ? { accountId } : {}),
  }
}

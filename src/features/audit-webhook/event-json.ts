/**
 * An audit entry as the webhook's receiver reads it: one JSON object with the stream id (`id`, also the
 * idempotency key), the time (`at`) and the entry's fields, only those set. The `/deprovision audit` export
 * writes entries too: one shape for both is a merge away.
 */
import type { StoredAuditEntry } from '../../store/audit.js'

const FIELDS = ['id', 'at', 'event', 'alertId', 'actor', 'requester', 'approver', 'action', 'integration', 'email', 'outcome', 'detail'] as const

export function auditEntryJson(entry: StoredAuditEntry): string {
  return JSON.stringify(Object.fromEntries(FIELDS.flatMap((field) => (entry[field] === undefined ? [] : [[field, entry[field]]]))))
}

/**
 * The audit log: an append-only Redis Stream, one entry per decision (requested,
 * refused) and per outcome, with who, what, which account and when.
 */
import type { Redis } from 'ioredis'
import { KEY_PREFIX } from './redis.js'

export const AUDIT_STREAM = `${KEY_PREFIX}audit`
/** Approximate cap: old entries are trimmed, recent history always kept. */
const MAX_ENTRIES = 1_000_000

export type AuditEvent =
  | 'alert-received'
  | 'action-refused'
  | 'action-requested'
  | 'action-completed'
  | 'action-failed'
  /** An outcome Slack never accepted (every try refused): the alert message still says in progress. */
  | 'result-unreported'
  | 'alert-muted'
  | 'alert-unmuted'
  | 'approval-requested'
  | 'approval-granted'
  | 'approval-rejected'
  | 'approval-expired'
  /** A scheduled deletion the service no longer holds at its final date: it was cancelled outside the bot. */
  | 'deletion-cancelled-elsewhere'
  | 'offboard-requested'
  | 'offboard-refused'
  /** `/deprovision` (any subcommand) refused. */
  | 'command-refused'

export interface AuditEntry {
  event: AuditEvent
  /** The alert, or the offboarding run (`ob_…`) for /deprovision user@corp. */
  alertId: string
  actor?: string
  /** Two-person approval: who asked for the action, and who approved it (the other is `actor`). */
  requester?: string
  approver?: string
  action?: string
  integration?: string
  email?: string
  outcome?: string
  detail?: string
}

export interface StoredAuditEntry extends AuditEntry {
  id: string
  at: string
}

export class AuditLog {
  constructor(private readonly redis: Redis) {}

  async append(entry: AuditEntry, now: Date = new Date()): Promise<void> {
    const fields = Object.entries({ ...entry, at: now.toISOString() }).flatMap(([key, value]) =>
      value === undefined ? [] : [key, String(value)],
    )
    await this.redis.xadd(AUDIT_STREAM, 'MAXLEN', '~', MAX_ENTRIES, '*', ...fields)
  }

  /** The `count` newest entries, newest first (the App Home's "latest activity"). */
  async latest(count: number): Promise<StoredAuditEntry[]> {
    const rows = await this.redis.xrevrange(AUDIT_STREAM, '+', '-', 'COUNT', count)
    return rows.map(([id, fields]) => ({ id, ...pairs(fields) }) as StoredAuditEntry)
  }

  /** Entries for one alert, oldest first (a scan: the audit log is for people, not hot paths). */
  async forAlert(alertId: string, count = 10_000): Promise<StoredAuditEntry[]> {
    const rows = await this.redis.xrange(AUDIT_STREAM, '-', '+', 'COUNT', count)
    return rows.map(([id, fields]) => ({ id, ...pairs(fields) }) as StoredAuditEntry).filter((e) => e.alertId === alertId)
  }
}

function pairs(fields: string[]): Record<string, string> {
  const result: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) result[fields[i]!] = fields[i + 1]!
  return result
}

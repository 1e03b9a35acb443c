/**
 * The audit log: an append-only Redis Stream, one entry per decision (requested,
 * refused) and per outcome, with who, what, which account and when. Entries are kept
 * for the operator's AUDIT_RETENTION_DAYS, then trimmed by the minute's sweep.
 */
import type { Redis } from 'ioredis'
import { KEY_PREFIX } from './redis.js'

export const AUDIT_STREAM = `${KEY_PREFIX}audit`
export const DEFAULT_AUDIT_RETENTION_MS = 400 * 86_400_000

export type AuditEvent =
  | 'alert-received'
  | 'action-refused'
  | 'action-requested'
  | 'action-completed'
  | 'action-failed'
  /** An outcome Slack never accepted (every try refused): the alert message still says in progress. */
  | 'result-unreported'
  | 'alert-muted'
  /** A routes file rule with `mute: true` matched a new alert: it was not stored or posted. */
  | 'alert-route-muted'
  | 'alert-unmuted'
  | 'approval-requested'
  | 'approval-granted'
  | 'approval-rejected'
  | 'approval-expired'
  /** A scheduled deletion the service no longer holds at its final date: it was cancelled outside the bot. */
  | 'deletion-cancelled-elsewhere'
  | 'offboard-requested'
  /** `/deprovision user@corp at …`: a run planned for later, then started (at its time, or Run now) or cancelled. */
  | 'offboard-scheduled'
  | 'offboard-started'
  | 'offboard-cancelled'
  | 'offboard-refused'
  /** `/deprovision` (any subcommand) refused. */
  | 'command-refused'
  /** `/deprovision audit`: who exported which entries (`detail` says the range and filter). */
  | 'audit-exported'

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
  /** The service's id of the account acted on (the one the person confirmed). */
  accountId?: string
  outcome?: string
  detail?: string
}

export interface StoredAuditEntry extends AuditEntry {
  id: string
  at: string
}

/**
 * Every field an entry may carry, in the order exports show them: which entry and when, what
 * happened, the alert and the account, who acted (requested, approved), the outcome and the
 * service's answer (`detail`).
 */
export const AUDIT_COLUMNS = [
  'id',
  'at',
  'event',
  'alertId',
  'integration',
  'email',
  'accountId',
  'action',
  'actor',
  'requester',
  'approver',
  'outcome',
  'detail',
] as const

/** The entry as one JSON object: the known fields in AUDIT_COLUMNS order, then any other field it was written with. */
export function auditRecord(entry: StoredAuditEntry): Record<string, string> {
  const fields = entry as unknown as Record<string, string | undefined>
  const record: Record<string, string> = {}
  for (const column of AUDIT_COLUMNS) if (fields[column] !== undefined) record[column] = fields[column]
  for (const [key, value] of Object.entries(fields)) if (!(key in record) && value !== undefined) record[key] = value
  return record
}

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly retentionMs: number = DEFAULT_AUDIT_RETENTION_MS,
  ) {}

  async append(entry: AuditEntry, now: Date = new Date()): Promise<void> {
    const fields = Object.entries({ ...entry, at: now.toISOString() }).flatMap(([key, value]) => (value === undefined ? [] : [key, String(value)]))
    await this.redis.xadd(AUDIT_STREAM, '*', ...fields)
  }

  /**
   * Removes entries older than the retention; answers how many. Entry ids are Redis's clock in ms, so the cut
   * is taken on Redis's clock too. Exact, not `~`: run once a minute, it only ever removes that minute's few.
   */
  async trimExpired(): Promise<number> {
    const [seconds] = await this.redis.time()
    return this.redis.xtrim(AUDIT_STREAM, 'MINID', Number(seconds) * 1000 - this.retentionMs)
  }

  /** The `count` newest entries, newest first (the App Home's "latest activity"). */
  async latest(count: number): Promise<StoredAuditEntry[]> {
    const rows = await this.redis.xrevrange(AUDIT_STREAM, '+', '-', 'COUNT', count)
    return rows.map(storedEntry)
  }

  /** At most `count` entries between two XRANGE bounds (`(id` leaves that id out), oldest first: one page of an export. */
  async range(start: string, end: string, count: number): Promise<StoredAuditEntry[]> {
    const rows = await this.redis.xrange(AUDIT_STREAM, start, end, 'COUNT', count)
    return rows.map(([id, fields]) => ({ id, ...pairs(fields) }) as StoredAuditEntry)
  }

  /** Entries for one alert, oldest first (a scan: the audit log is for people, not hot paths). */
  async forAlert(alertId: string, count = 10_000): Promise<StoredAuditEntry[]> {
    const rows = await this.redis.xrange(AUDIT_STREAM, '-', '+', 'COUNT', count)
    return rows.map(storedEntry).filter((e) => e.alertId === alertId)
  }
}

/** A stream row (`[id, [field, value, …]]`, as XRANGE and XREADGROUP answer) as an entry. */
export function storedEntry([id, fields]: [string, string[]]): StoredAuditEntry {
  return { id, ...pairs(fields) } as StoredAuditEntry
}

function pairs(fields: string[]): Record<string, string> {
  const result: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) result[fields[i]!] = fields[i + 1]!
  return result
}

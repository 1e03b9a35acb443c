/**
 * The audit entry as it leaves the bot: one JSON object per line (JSON Lines) and a CSV
 * row. Both `/deprovision audit` and `GET /audit` (and anything else that sends entries
 * out) use these, so every export has the same shape. Pure.
 */
import { stringify } from 'csv-stringify/sync'
import type { StoredAuditEntry } from '../../store/audit.js'

/**
 * Every field an entry may carry, in the order exports show them: which entry and when, what
 * happened, the alert and the account, who acted (requested, approved), the outcome and the
 * service's answer (`detail`).
 */
export const AUDIT_COLUMNS = ['id', 'at', 'event', 'alertId', 'integration', 'email', 'action', 'actor', 'requester', 'approver', 'outcome', 'detail'] as const

/** The entry as one JSON object: the known fields in AUDIT_COLUMNS order, then any other field it was written with. */
export function auditRecord(entry: StoredAuditEntry): Record<string, string> {
  const fields = entry as unknown as Record<string, string | undefined>
  const record: Record<string, string> = {}
  for (const column of AUDIT_COLUMNS) if (fields[column] !== undefined) record[column] = fields[column]
  for (const [key, value] of Object.entries(fields)) if (!(key in record) && value !== undefined) record[key] = value
  return record
}

/** One JSON Lines line (with its newline). JSON escapes newlines inside values, so an entry is always one line. */
export function auditJsonLine(entry: StoredAuditEntry): string {
  return `${JSON.stringify(auditRecord(entry))}\n`
}

export function auditJsonLines(entries: readonly StoredAuditEntry[]): string {
  return entries.map(auditJsonLine).join('')
}

/**
 * A cell a spreadsheet would run as a formula gets a leading `'` (OWASP, CSV injection): a
 * `detail` or an email comes from services and detectors, so it may start with `=`, `+`, `-`, `@`,
 * a tab or a carriage return.
 */
export function neutralizeFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell
}

/** RFC 4180 CSV with a header row (AUDIT_COLUMNS); commas, quotes and line breaks inside a cell are quoted by csv-stringify. */
export function auditCsv(entries: readonly StoredAuditEntry[]): string {
  return stringify(
    entries.map((entry) => auditRecord(entry)),
    {
      header: true,
      columns: [...AUDIT_COLUMNS],
      record_delimiter: 'windows',
      // csv-stringify quotes a cell holding the whole delimiter (CRLF) but not a lone CR or LF, which readers split on.
      quoted_match: /[\r\n]/,
      cast: { string: neutralizeFormula },
    },
  )
}

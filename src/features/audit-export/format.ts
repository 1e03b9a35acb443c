/**
 * The audit entry as it leaves the bot: one JSON object per line (JSON Lines) and a CSV
 * row, of the one record shape every way out uses (`auditRecord`: these, and the webhook's
 * body). Pure.
 */
import { stringify } from 'csv-stringify/sync'
import { AUDIT_COLUMNS, auditRecord, type StoredAuditEntry } from '../../store/audit.js'

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

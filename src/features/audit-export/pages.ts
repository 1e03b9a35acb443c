/**
 * Reads the audit stream between two XRANGE bounds one page at a time, so no export holds
 * more than a page of entries it has not used yet.
 */
import type { AuditLog, StoredAuditEntry } from '../../store/audit.js'

export const PAGE_SIZE = 500

/**
 * Pages of entries from `start` to `end` (XRANGE bounds), oldest first, `max` entries in all at most; each
 * page starts after the last id of the one before.
 */
export async function* auditPages(
  audit: Pick<AuditLog, 'range'>,
  start: string,
  end: string,
  { max = Infinity, pageSize = PAGE_SIZE }: { max?: number; pageSize?: number } = {},
): AsyncGenerator<StoredAuditEntry[]> {
  let from = start
  let left = max
  while (left > 0) {
    const count = Math.min(pageSize, left)
    const page = await audit.range(from, end, count)
    if (page.length > 0) yield page
    if (page.length < count) return
    left -= page.length
    from = `(${page[page.length - 1]!.id}`
  }
}

/** The line posted with an export: what it holds, in counts a reviewer reads first. Pure. */
import type { StoredAuditEntry } from '../../store/audit.js'
import { describeFilter, type AuditFilter } from './request.js'
import { slackDate } from '../../views/text.js'

export interface ExportCounts {
  entries: number
  done: number
  failed: number
  refused: number
}

export function countEntries(entries: readonly StoredAuditEntry[]): ExportCounts {
  return {
    entries: entries.length,
    done: entries.filter((entry) => entry.event === 'action-completed').length,
    failed: entries.filter((entry) => entry.event === 'action-failed').length,
    refused: entries.filter((entry) => entry.event.endsWith('-refused')).length,
  }
}

/** `cutAt` is the time of the last entry kept when the export reached its cap (more matching entries follow it). */
export function exportSummary(filter: AuditFilter, counts: ExportCounts, cutAt?: string): string {
  const lines = [
    `📄 Audit log, ${describeFilter(filter)}: ${counts.entries} ${counts.entries === 1 ? 'entry' : 'entries'}; actions done ${counts.done}, failed ${counts.failed}, refused ${counts.refused}.`,
  ]
  if (cutAt !== undefined) {
    lines.push(
      `✂️ Cut at ${counts.entries} entries (the oldest first, up to ${slackDate(cutAt)}): later entries are not in the file. Narrow the days, or name a person or an integration.`,
    )
  }
  return lines.join('\n')
}

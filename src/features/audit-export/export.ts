/**
 * `/deprovision audit`: gathers the matching entries (at most MAX_EXPORT_ENTRIES, oldest
 * first), uploads them as CSV and JSON Lines to the conversation with a summary line, and
 * audits the export itself (`audit-exported`).
 */
import { slackErrorCode, type FileUploader } from '../../slack/files.js'
import type { Logger } from '../../logger.js'
import type { AuditLog, StoredAuditEntry } from '../../store/audit.js'
import { auditCsv, auditJsonLines } from './format.js'
import { auditPages } from './pages.js'
import { describeFilter, matches, streamBounds, type AuditFilter } from './request.js'
import { countEntries, exportSummary, type ExportCounts } from './summary.js'

/** A file a person opens in a spreadsheet: past this many entries the export is cut, and the summary says how to narrow it. */
export const MAX_EXPORT_ENTRIES = 10_000

export interface AuditExportDeps {
  audit: AuditLog
  logger: Logger
  /** MAX_EXPORT_ENTRIES unless a test lowers it. */
  maxExportEntries?: number
}

export type ExportOutcome =
  | { kind: 'uploaded'; counts: ExportCounts; cut: boolean }
  /** No entry matches: nothing is uploaded (Slack refuses an empty file, and the JSON Lines one would be). */
  | { kind: 'empty' }
  /** Slack will not share a file where the bot is not a member (`not_in_channel`, or a DM it is not part of: `channel_not_found`). */
  | { kind: 'not-in-channel' }
  /** What went wrong, in words for the person who asked. */
  | { kind: 'failed'; error: string }

export interface ExportRequest {
  filter: AuditFilter
  channel: string
  actor: string
}

/** The matching entries, oldest first, at most `max`; `cutAt` is the last one's time when more match after it. */
export async function collectEntries(
  audit: Pick<AuditLog, 'range'>,
  filter: AuditFilter,
  max: number,
): Promise<{ entries: StoredAuditEntry[]; cutAt?: string }> {
  const { start, end } = streamBounds(filter)
  const entries: StoredAuditEntry[] = []
  for await (const page of auditPages(audit, start, end)) {
    for (const entry of page) {
      if (!matches(entry, filter)) continue
      if (entries.length === max) return { entries, cutAt: entries[entries.length - 1]!.at }
      entries.push(entry)
    }
  }
  return { entries }
}

export async function exportToSlack(deps: AuditExportDeps, slack: FileUploader, request: ExportRequest): Promise<ExportOutcome> {
  const { filter, channel, actor } = request
  const log = deps.logger.child({ action: 'audit-export', actor, channel })
  const { entries, cutAt } = await collectEntries(deps.audit, filter, deps.maxExportEntries ?? MAX_EXPORT_ENTRIES)
  const counts = countEntries(entries)
  const outcome: ExportOutcome = entries.length === 0 ? { kind: 'empty' } : await upload(slack, log, { filter, channel, entries, counts, cutAt })
  const detail = `${describeFilter(filter)}: ${counts.entries} entries${cutAt ? ' (cut)' : ''}`
  log.info({ entries: counts.entries, cut: cutAt !== undefined, outcome: outcome.kind }, 'audit exported')
  await deps.audit
    .append({ event: 'audit-exported', alertId: '', actor, action: '/deprovision audit', outcome: outcome.kind, detail })
    .catch((error: unknown) => log.error({ err: error }, 'could not audit an audit export'))
  return outcome
}

/** Both files and the summary line, shared in one message. */
async function upload(
  slack: FileUploader,
  log: Logger,
  { filter, channel, entries, counts, cutAt }: { filter: AuditFilter; channel: string; entries: StoredAuditEntry[]; counts: ExportCounts; cutAt?: string },
): Promise<ExportOutcome> {
  const who = filter.email ?? filter.integration
  // A cut file says so in its name: saved or passed on without the summary, it must not pass for the whole range.
  const name = `audit-${filter.from}_${filter.to}${who ? `-${who.replace(/[^\w.@-]/g, '_')}` : ''}${cutAt ? '-cut' : ''}`
  return slack
    .filesUploadV2({
      channel_id: channel,
      initial_comment: exportSummary(filter, counts, cutAt),
      file_uploads: [
        { content: auditCsv(entries), filename: `${name}.csv`, title: `${name}.csv` },
        { content: auditJsonLines(entries), filename: `${name}.jsonl`, title: `${name}.jsonl` },
      ],
    })
    .then(
      (): ExportOutcome => ({ kind: 'uploaded', counts, cut: cutAt !== undefined }),
      (error: unknown): ExportOutcome => {
        const code = slackErrorCode(error)
        if (code === 'not_in_channel' || code === 'channel_not_found') return { kind: 'not-in-channel' }
        log.error({ err: error }, 'audit export could not be uploaded')
        return { kind: 'failed', error: `Slack answered ${code ?? 'nothing usable'}` }
      },
    )
}

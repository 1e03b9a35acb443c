/**
 * `/deprovision audit [from] [to] [person or integration]`: acks at once (the upload may take
 * longer than Slack's 3 s), then uploads the export to the conversation the command was typed
 * in. Bad input gets the usage with the reason. The actor check is done by the /deprovision
 * handler before it hands the command here.
 */
import type { SlackCommandMiddlewareArgs } from '@slack/bolt'
import type { ProviderRegistry } from '../../../providers/registry.js'
import type { FileUploader } from '../../../slack/files.js'
import { exportToSlack, type AuditExportDeps, type ExportOutcome } from '../export.js'
import { DEFAULT_DAYS, describeFilter, parseAuditRequest } from '../request.js'

type ListenerDeps = AuditExportDeps & { providers: Pick<ProviderRegistry, 'all'>; now?: () => Date }

type Args = Pick<SlackCommandMiddlewareArgs, 'ack' | 'command' | 'respond'> & { client: FileUploader }

export const AUDIT_USAGE = `\`/deprovision audit [from] [to] [email or integration]\` uploads the audit log here as CSV and JSON Lines: days as YYYY-MM-DD (UTC, both included; the last ${DEFAULT_DAYS} days when left out, one day means from it to today), e.g. \`/deprovision audit 2026-11-01 2026-11-30 ada@corp.example\`.`

export async function auditCommand(deps: ListenerDeps, { ack, command, respond, client }: Args): Promise<void> {
  const integrations = deps.providers.all().map((provider) => provider.id)
  const request = parseAuditRequest(command.text, integrations, (deps.now ?? (() => new Date()))())
  if (request.kind === 'usage') {
    await ack({ response_type: 'ephemeral', text: `⚠️ ${request.problem}\n${AUDIT_USAGE}` })
    return
  }
  await ack({ response_type: 'ephemeral', text: '⏳ Gathering the audit log…' })
  const outcome = await exportToSlack(deps, client, { filter: request.filter, channel: command.channel_id, actor: command.user_id }).catch(
    (error: unknown): ExportOutcome => {
      deps.logger.error({ err: error, action: 'audit-export', actor: command.user_id }, 'audit log could not be read for an export')
      return { kind: 'failed', error: 'the audit log (Redis) could not be read' }
    },
  )
  if (outcome.kind === 'uploaded') return
  const text =
    outcome.kind === 'empty'
      ? `📄 No audit entries for ${describeFilter(request.filter)}: nothing to upload.`
      : outcome.kind === 'not-in-channel'
        ? '⚠️ I cannot share files in this conversation because I am not in it. Invite me (`/invite @deprovision-bot`) and run the command again, or run it in a direct message with me.'
        : `⚠️ The audit export failed: ${outcome.error}. Try again shortly.`
  await respond({ response_type: 'ephemeral', text })
}

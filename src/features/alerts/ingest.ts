/**
 * POST /alerts: where detectors report accounts that should not exist. Checks the
 * bearer token, the rate (INGEST_MAX_PER_MINUTE), the size and the shape, stores the
 * alert (deduplicated by dedupKey) and queues its Slack message. Every refusal says why; nothing is
 * stored unless the alert is accepted whole.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BodyTooLargeError, hasBearerToken, readBody, sendJson } from '../../http.js'
import type { JobQueues } from '../../jobs/queues.js'
import type { Logger } from '../../logger.js'
import type { Metrics } from '../../metrics.js'
import type { ProviderRegistry } from '../../providers/registry.js'
import type { AlertStore } from '../../store/alerts.js'
import type { AuditLog } from '../../store/audit.js'
import type { IngestLimit } from './ingest-limit.js'
import type { Mute, MuteStore } from '../mutes/store.js'
import type { AlertReport } from '../../domain/alert.js'
import { parseAlertReport } from './schema.js'
import { alertSubject, routeFor, type RoutingTable } from '../routing/rules.js'

export const MAX_ALERT_BYTES = 64 * 1024

export interface IngestDeps {
  ingestToken: string
  alerts: AlertStore
  audit: AuditLog
  mutes: MuteStore
  queues: JobQueues
  providers: ProviderRegistry
  /** INGEST_MAX_PER_MINUTE, every replica together. */
  ingestLimit: IngestLimit
  metrics: Pick<Metrics, 'ingestRefused' | 'routedMuted'>
  /** The routes file's rules: where each accepted alert is posted, or that it is muted. */
  routes: RoutingTable
  logger: Logger
  now?: () => Date
}

/** A plain callback, as Bolt's custom routes are: every failure is logged and answered here, none left unhandled. */
export function createIngestRoute(deps: IngestDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    ingest(deps, req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'alert ingest failed')
      if (!res.headersSent) sendJson(res, 503, { error: 'The alert store is unavailable; the alert was not accepted. Retry shortly.' })
    })
  }
}

async function ingest(deps: IngestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!hasBearerToken(req.headers.authorization, deps.ingestToken)) {
    res.setHeader('www-authenticate', 'Bearer')
    return sendJson(res, 401, { error: 'Missing or wrong bearer token: send Authorization: Bearer <ALERT_INGEST_TOKEN>.' })
  }
  // Counted once the token is right, so nobody without it can use up the detectors' minute.
  const admission = await deps.ingestLimit.admit((deps.now ?? (() => new Date()))())
  if (!admission.admitted) {
    deps.metrics.ingestRefused.inc({ reason: 'rate-limit' })
    deps.logger.warn({ retryAfterSeconds: admission.retryAfterSeconds }, 'alert refused: INGEST_MAX_PER_MINUTE reached')
    res.setHeader('retry-after', String(admission.retryAfterSeconds))
    return sendJson(res, 429, {
      error: `Too many alerts this minute (INGEST_MAX_PER_MINUTE); the alert was not accepted. Retry after ${admission.retryAfterSeconds} s.`,
    })
  }
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    return sendJson(res, 415, { error: 'Send the alert as JSON with Content-Type: application/json.' })
  }
  let text: string
  try {
    text = await readBody(req, MAX_ALERT_BYTES)
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error
    res.setHeader('connection', 'close')
    return sendJson(res, 413, { error: `An alert is at most ${MAX_ALERT_BYTES} bytes.` })
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return sendJson(res, 400, { error: 'The body is not valid JSON.' })
  }
  const parsed = parseAlertReport(body)
  if (!parsed.success) {
    return sendJson(res, 400, {
      error: 'The alert is not valid.',
      issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    })
  }
  const report = parsed.data
  const provider = deps.providers.get(report.integration)
  if (!provider) {
    return sendJson(res, 404, { error: `Unknown integration "${report.integration}".`, integrations: deps.providers.ids() })
  }

  const accepted = await acceptAlert(deps, report, provider.displayName)
  if (accepted.status === 'muted') {
    if ('rule' in accepted) return sendJson(res, 202, { alertId: null, status: 'muted', route: { rule: accepted.rule } })
    const { id: _id, suppressed: _suppressed, ...matched } = accepted.mute
    return sendJson(res, 202, { alertId: null, status: 'muted', mute: matched })
  }
  sendJson(res, 202, accepted)
}

export type Acceptance = { status: 'posted' | 'duplicate'; alertId: string } | { status: 'muted'; mute: Mute } | { status: 'muted'; rule: number }

/**
 * The core every alert goes through, whether a detector sent it or the bot found it
 * (reconciliation): a mute, or a routing rule that mutes, counts it instead, a known dedupKey answers the first
 * alert, else it is stored with its route, queued for its channel and audited.
 */
export async function acceptAlert(
  deps: Pick<IngestDeps, 'alerts' | 'audit' | 'mutes' | 'queues' | 'logger' | 'now' | 'routes'> & { metrics: Pick<Metrics, 'routedMuted'> },
  report: AlertReport,
  integrationName: string,
  options: { ignoreMutes?: boolean; postJobDelayMs?: number } = {},
): Promise<Acceptance> {
  // A mute silences what detectors report; a person acting on an account on purpose still gets its thread.
  const mute = options.ignoreMutes ? null : await deps.mutes.matching(report.integration, report.email)
  if (mute) {
    await deps.mutes.countSuppressed(mute.id)
    return { status: 'muted', mute }
  }
  const subject = alertSubject(report)
  const route = routeFor(deps.routes, subject)
  if (route.kind === 'mute' && !options.ignoreMutes) {
    deps.metrics.routedMuted.inc({ kind: subject.kind, rule: route.rule })
    await deps.audit
      .append({ event: 'alert-route-muted', alertId: '', integration: report.integration, email: report.email, detail: `routes file rule ${route.rule}` })
      .catch((error: unknown) => deps.logger.warn({ err: error, integration: report.integration }, 'audit append failed'))
    deps.logger.info({ integration: report.integration, kind: subject.kind, rule: route.rule }, 'alert muted by a routing rule')
    return { status: 'muted', rule: route.rule }
  }
  // A person acting on purpose gets the alert posted whatever mutes it: to the default channel.
  const { kind: _kind, ...where } = route.kind === 'post' ? route : { kind: 'post', channel: deps.routes.defaultChannel }
  const created = await deps.alerts.create({ ...report, route: where }, integrationName, (deps.now ?? (() => new Date()))())
  if (created.status === 'duplicate') return { status: 'duplicate', alertId: created.alertId }
  const { alert } = created
  try {
    await deps.queues.enqueuePostAlert(alert.id, options.postJobDelayMs)
  } catch (error) {
    await deps.alerts.discard(alert).catch(() => undefined)
    throw error
  }
  await deps.audit
    .append({ event: 'alert-received', alertId: alert.id, integration: alert.integration, email: alert.email, detail: alert.reason })
    .catch((error: unknown) => deps.logger.warn({ err: error, alertId: alert.id }, 'audit append failed'))
  deps.logger.info({ alertId: alert.id, integration: alert.integration }, 'alert accepted')
  return { status: 'posted', alertId: alert.id }
}

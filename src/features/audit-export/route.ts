/**
 * GET /audit: the audit log as JSON Lines for a SIEM to pull, streamed a page at a time. Guarded by its own
 * bearer token (AUDIT_READ_TOKEN, not the detectors' ingest token); without one configured the route answers
 * 404 and says how to turn it on. Every response ends with a cursor line, `{"cursor":{"after":…,"more":…}}`:
 * the next request passes `after` and gets exactly the entries that follow.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { hasBearerToken, sendJson } from '../../http.js'
import type { Logger } from '../../logger.js'
import type { AuditLog } from '../../store/audit.js'
import { auditJsonLine } from './format.js'
import { auditPages } from './pages.js'
import { parseReadQuery } from './read-query.js'

export interface AuditRouteDeps {
  audit: AuditLog
  logger: Logger
  /** AUDIT_READ_TOKEN; undefined turns the route off. */
  auditReadToken?: string
}

/** A plain callback, as Bolt's custom routes are: every failure is logged and answered here. */
export function createAuditRoute(deps: AuditRouteDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(deps, req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'GET /audit failed')
      // Once lines are out, a response without its cursor line tells the reader it was cut.
      if (res.headersSent) res.destroy()
      else sendJson(res, 503, { error: 'The audit log (Redis) is unavailable. Retry shortly.' })
    })
  }
}

async function serve(deps: AuditRouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.auditReadToken === undefined) {
    return sendJson(res, 404, { error: 'GET /audit is off: set AUDIT_READ_TOKEN on the bot to turn it on.' })
  }
  if (!hasBearerToken(req.headers.authorization, deps.auditReadToken)) {
    res.setHeader('www-authenticate', 'Bearer')
    return sendJson(res, 401, { error: 'Missing or wrong bearer token: send Authorization: Bearer <AUDIT_READ_TOKEN>.' })
  }
  const query = parseReadQuery(new URL(req.url ?? '/', 'http://localhost').searchParams)
  if (!query.ok) return sendJson(res, 400, { error: `Bad query: ${query.problem}.` })
  const { start, end, limit } = query.read
  let last = query.read.after
  let sent = 0
  for await (const page of auditPages(deps.audit, start, end, { max: limit })) {
    // The status waits for the first page: Redis down answers a clear 503, not a 200 cut before its first line.
    if (!res.headersSent) startStream(res)
    for (const entry of page) {
      if (!res.write(auditJsonLine(entry))) await drained(res)
      // Checked after every line: a write to a closed response answers false and no event follows, so waiting would hang.
      if (res.destroyed) {
        deps.logger.info({ action: 'audit-read', entries: sent }, 'audit log read stopped: the reader went away')
        return
      }
      sent += 1
    }
    last = page[page.length - 1]!.id
  }
  if (!res.headersSent) startStream(res)
  const more = sent === limit && last !== undefined && (await deps.audit.range(`(${last}`, end, 1)).length > 0
  res.end(`${JSON.stringify({ cursor: { after: last ?? null, more } })}\n`)
  deps.logger.info({ action: 'audit-read', entries: sent, more }, 'audit log read')
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' })
}

/** Waits until the reader takes more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.once('drain', done)
    res.once('close', done)
  })
}

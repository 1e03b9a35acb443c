/**
 * Bolt's HTTPReceiver with one step in front of POST /slack/events: a payload
 * whose shape Bolt cannot survive is answered 400 before Bolt sees it.
 *
 * Bolt 5.1 reads `body.ssl_check` from the parsed payload outside any try, so a
 * signed `payload=null` rejects a promise nobody awaits and the process exits;
 * an interaction without `user`, or with a team id such as "constructor" (its
 * client pool is a plain object), is answered 500. Signature checking, parsing
 * and routing stay Bolt's: this step only buffers the body (Bolt reuses the
 * buffer) and looks at the shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HTTPModuleFunctions, HTTPReceiver, type HTTPReceiverOptions } from '@slack/bolt'

const EVENTS_PATH = '/slack/events'

/** Interaction payloads that always carry the acting user; view payloads carry the view. */
const INTERACTIONS_WITH_USER = new Set(['block_actions', 'block_suggestion', 'view_submission', 'view_closed', 'shortcut', 'message_action'])
const INTERACTIONS_WITH_VIEW = new Set(['view_submission', 'view_closed'])
/**
 * Fields Bolt dereferences while routing, before any listener: when present they must be
 * objects, or lists. Slack itself sends `team` and `enterprise` as null (org installs, no grid).
 */
const OBJECT_FIELDS = ['user', 'view', 'channel', 'event']
const OBJECT_OR_NULL_FIELDS = ['team', 'enterprise']
const ARRAY_FIELDS = ['actions', 'response_urls']

export type PayloadVerdict = { ok: true } | { ok: false; reason: string }

/** Pure: whether a parsed Slack request body is one Bolt can route safely. */
export function checkPayloadShape(body: unknown): PayloadVerdict {
  if (!isObject(body)) return { ok: false, reason: 'payload is not an object' }
  for (const field of OBJECT_FIELDS) {
    if (field in body && !isObject(body[field])) return { ok: false, reason: `${field} is not an object` }
  }
  for (const field of OBJECT_OR_NULL_FIELDS) {
    if (field in body && body[field] !== null && !isObject(body[field])) return { ok: false, reason: `${field} is not an object` }
  }
  for (const field of ARRAY_FIELDS) {
    if (field in body && !Array.isArray(body[field])) return { ok: false, reason: `${field} is not a list` }
  }
  const type = typeof body.type === 'string' ? body.type : ''
  if (INTERACTIONS_WITH_USER.has(type) && !hasStringId(body.user)) return { ok: false, reason: `${type} payload has no user id` }
  // Bolt takes any body with `name` for an options request and reads its user.
  if ('name' in body && !hasStringId(body.user)) return { ok: false, reason: 'options request has no user id' }
  if (INTERACTIONS_WITH_VIEW.has(type) && !('view' in body)) return { ok: false, reason: `${type} payload has no view` }
  if (type === 'event_callback' && !('event' in body)) return { ok: false, reason: 'event_callback has no event' }
  for (const id of workspaceIds(body)) {
    if (id in Object.prototype) return { ok: false, reason: 'workspace id is not an id' }
  }
  return { ok: true }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasStringId(value: unknown): boolean {
  return isObject(value) && typeof value.id === 'string'
}

function workspaceIds(body: Record<string, unknown>): string[] {
  const nested = (key: string, field: string): unknown => {
    const value = body[key]
    return isObject(value) ? value[field] : undefined
  }
  return [body.team_id, body.enterprise_id, body.api_app_id, nested('team', 'id'), nested('enterprise', 'id'), nested('user', 'team_id')].filter(
    (id): id is string => typeof id === 'string',
  )
}

export function createGuardedReceiver(options: HTTPReceiverOptions & { bodyLimit?: number }): HTTPReceiver {
  const receiver = new HTTPReceiver(options)
  const boltListener = receiver.requestListener
  const bodyLimit = options.bodyLimit ?? HTTPModuleFunctions.defaultBodyLimit
  receiver.requestListener = (req, res) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://localhost').pathname !== EVENTS_PATH) return boltListener(req, res)
    void guard(req, res, bodyLimit).then(
      (pass) => (pass ? boltListener(req, res) : undefined),
      () => HTTPModuleFunctions.buildNoBodyResponse(res, 400),
    )
  }
  return receiver
}

/** Buffers the body where Bolt will find it, and answers 4xx for shapes Bolt cannot handle. */
async function guard(req: IncomingMessage, res: ServerResponse, bodyLimit: number): Promise<boolean> {
  let buffered: Awaited<ReturnType<typeof HTTPModuleFunctions.bufferIncomingMessage>>
  try {
    buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit)
  } catch (error) {
    HTTPModuleFunctions.buildNoBodyResponse(res, HTTPModuleFunctions.isRawBodyError(error) && error.statusCode === 413 ? 413 : 400)
    return false
  }
  let body: unknown
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(buffered)
  } catch {
    return true // Bolt checks the signature first, then answers 400 for what it cannot parse.
  }
  if (checkPayloadShape(body).ok) return true
  HTTPModuleFunctions.buildNoBodyResponse(res, 400)
  return false
}

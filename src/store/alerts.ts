/**
 * Alerts in Redis: one hash per alert (`data` = the report and message ref as JSON,
 * `state` = the AlertState as JSON, `stateKind` for the atomic scripts). Every
 * transition that decides "does this run?" is one Lua script, so two replicas or
 * a double click can never both win it.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Alert, AlertReport, AlertState, MessageRef, Request } from '../alerts/alert.js'
import type { AlertAction } from '../providers/types.js'
import { KEY_PREFIX } from './redis.js'

/** How long a dedupKey keeps matching, and how long a closed alert stays actionable. */
const RETENTION_SECONDS = 90 * 24 * 3600

const alertKey = (id: string) => `${KEY_PREFIX}alert:${id}`
const dedupKey = (integration: string, key: string) => `${KEY_PREFIX}dedup:${integration}:${key}`

/** KEYS: alert, dedup (or ''), ARGV: id, data, state, ttl. Returns the existing alert id on a duplicate. */
const CREATE = `
if KEYS[2] ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return {'duplicate', existing} end
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[4])
end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'state', ARGV[3], 'stateKind', 'open', 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {'created', ARGV[1]}
`

/** KEYS: alert, ARGV: action, actor, at. Only an open or failed alert may be claimed; a claim is a new attempt. */
const CLAIM = `
local kind = redis.call('HGET', KEYS[1], 'stateKind')
if not kind then return {'missing'} end
if kind ~= 'open' and kind ~= 'failed' then return {'refused', redis.call('HGET', KEYS[1], 'state')} end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local state = cjson.encode({kind = 'in-progress', request = {action = ARGV[1], actor = ARGV[2], attempt = attempt, at = ARGV[3]}})
redis.call('HSET', KEYS[1], 'state', state, 'stateKind', 'in-progress')
return {'claimed', state}
`

/** KEYS: alert, ARGV: attempt, new state, new kind. Moves an attempt's in-progress state on, once. */
const SETTLE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
local current = cjson.decode(state)
if current.kind ~= 'in-progress' or tostring(current.request.attempt) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'stateKind', ARGV[3])
return 1
`

export type CreateResult = { status: 'created'; alert: Alert } | { status: 'duplicate'; alertId: string }
export type ClaimResult =
  | { status: 'claimed'; request: Request }
  | { status: 'refused'; state: AlertState }
  | { status: 'missing' }

type StoredData = Omit<Alert, 'state'>

export class AlertStore {
  constructor(private readonly redis: Redis) {}

  async create(report: AlertReport, integrationName: string, now: Date): Promise<CreateResult> {
    const id = newAlertId()
    const data: StoredData = { ...report, id, integrationName, createdAt: now.toISOString() }
    const state: AlertState = { kind: 'open' }
    const dedup = report.dedupKey ? dedupKey(report.integration, report.dedupKey) : ''
    const [status, alertId] = (await this.redis.eval(
      CREATE,
      2,
      alertKey(id),
      dedup,
      id,
      JSON.stringify(data),
      JSON.stringify(state),
      RETENTION_SECONDS,
    )) as [string, string]
    return status === 'duplicate' ? { status: 'duplicate', alertId } : { status: 'created', alert: { ...data, state } }
  }

  async get(id: string): Promise<Alert | null> {
    if (!isAlertId(id)) return null
    const [data, state] = await this.redis.hmget(alertKey(id), 'data', 'state')
    if (!data || !state) return null
    return { ...(JSON.parse(data) as StoredData), state: JSON.parse(state) as AlertState }
  }

  /** Undo a create whose posting could not be queued, so the detector's retry is not taken for a duplicate. */
  async discard(alert: Alert): Promise<void> {
    const keys = [alertKey(alert.id)]
    if (alert.dedupKey) keys.push(dedupKey(alert.integration, alert.dedupKey))
    await this.redis.del(...keys)
  }

  async setMessage(id: string, message: MessageRef): Promise<void> {
    const alert = await this.get(id)
    if (!alert) return
    const { state: _state, ...data } = alert
    await this.redis.hset(alertKey(id), 'data', JSON.stringify({ ...data, message }))
  }

  async claim(id: string, action: AlertAction, actor: string, now: Date): Promise<ClaimResult> {
    if (!isAlertId(id)) return { status: 'missing' }
    const [status, state] = (await this.redis.eval(CLAIM, 1, alertKey(id), action, actor, now.toISOString())) as [
      string,
      string | undefined,
    ]
    if (status === 'missing' || !state) return { status: 'missing' }
    const parsed = JSON.parse(state) as AlertState
    if (status === 'refused' || parsed.kind !== 'in-progress') return { status: 'refused', state: parsed }
    return { status: 'claimed', request: parsed.request }
  }

  /** Moves attempt `attempt` from in-progress to `next`; false if that attempt was already settled. */
  async settle(id: string, attempt: number, next: AlertState): Promise<boolean> {
    const changed = await this.redis.eval(SETTLE, 1, alertKey(id), String(attempt), JSON.stringify(next), next.kind)
    return changed === 1
  }

  /** Whether the result of `attempt` was already posted to Slack (a re-run job must not post it twice). */
  async wasReported(id: string, attempt: number): Promise<boolean> {
    return Number((await this.redis.hget(alertKey(id), 'reportedAttempt')) ?? 0) >= attempt
  }

  async markReported(id: string, attempt: number): Promise<void> {
    await this.redis.hset(alertKey(id), 'reportedAttempt', attempt)
  }
}

export function newAlertId(): string {
  return `al_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`
}

const ALERT_ID = /^al_[A-Za-z0-9]{12}$/
export function isAlertId(value: string): boolean {
  return ALERT_ID.test(value)
}

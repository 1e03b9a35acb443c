/**
 * Alerts in Redis: one hash per alert (`data` = the report and message ref as JSON,
 * `state` = the AlertState as JSON, `stateKind` for the atomic scripts). Every
 * transition that decides "does this run?" is one Lua script, so two replicas or
 * a double click can never both win it.
 *
 * Long because: every transition is a Lua script beside its typed method, sharing the key layout and the
 * state encoding; split, a script and the code that reads what it wrote would drift apart.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import {
  acceptsRequest,
  type Alert,
  type AlertReport,
  type AlertRoute,
  type AlertState,
  type Dedup,
  type MessageRef,
  type PendingApproval,
  type Request,
  type Resolution,
  type RunRef,
  type Waiting,
} from '../domain/alert.js'
import type { Action } from '../providers/types.js'
import { KEY_PREFIX } from './redis.js'

/**
 * How long a dedupKey keeps matching, and how long an alert stays actionable after it last changed (each state
 * change keeps it at least this long again). The dedupKey keeps its window from creation: it is a promise to
 * detectors (a sighting after 90 days is a new alert), not something a timer refers to.
 */
const RETENTION_SECONDS = 90 * 24 * 3600
/** How long an alert outlives the latest timer due on it (a final date, an approval expiry, a report retry). */
export const REFERENCE_MARGIN_SECONDS = 7 * 24 * 3600

export const alertKey = (id: string) => `${KEY_PREFIX}alert:${id}`
/**
 * Detectors' keys and the bot's own live under different prefixes, chosen by the Dedup's origin, so no key text can
 * reach the other's. Detectors keep the prefix they always had, so the keys they sent before still match.
 */
const DEDUP_PREFIX: Readonly<Record<Dedup['origin'], string>> = { detector: `${KEY_PREFIX}dedup:`, bot: `${KEY_PREFIX}own-dedup:` }
const dedupKey = (integration: string, dedup: Dedup | undefined) => (dedup ? `${DEDUP_PREFIX[dedup.origin]}${integration}:${dedup.key}` : '')
/** The account's latest alert per integration (address -> alert id), so acting on an account finds its thread. */
const accountIndexKey = (integration: string) => `${KEY_PREFIX}alerts:by-account:${integration}`

/**
 * Lua: keep(key, seconds) makes a key with an expiry last at least `seconds` more; it never shortens one, never
 * brings back a missing key, and never adds an expiry to a key without one.
 */
export const KEEP = `
local function keep(key, seconds)
  local ttl = redis.call('TTL', key)
  if ttl >= 0 and ttl < tonumber(seconds) then redis.call('EXPIRE', key, seconds) end
end
`

/** States the App Home lists; each has a sorted set of alert ids (scheduled: by final date, others: by start). */
export const INDEXED_STATES = ['in-progress', 'awaiting-approval', 'scheduled'] as const
export type IndexedState = (typeof INDEXED_STATES)[number]
const stateIndexKey = (kind: IndexedState) => `${KEY_PREFIX}alerts:by-state:${kind}`
const STATE_INDEX_KEYS = INDEXED_STATES.map(stateIndexKey)

/**
 * Prepended to every script that changes an alert's state. KEYS[1] is the alert, KEYS[2..4] the state indexes
 * (in INDEXED_STATES order): the alert leaves every index and joins its new state's, in the same script as the
 * change, so the indexes can never drift from the states.
 */
const REINDEX = `
local function reindex(kind, score)
  local id = string.match(KEYS[1], 'alert:([^:]+)$')
  local slot = ({['in-progress'] = 2, ['awaiting-approval'] = 3, scheduled = 4})[kind]
  for i = 2, 4 do redis.call('ZREM', KEYS[i], id) end
  if slot then redis.call('ZADD', KEYS[slot], score, id) end
end
`

/**
 * KEYS: alert, dedup (or ''), ARGV: resolution, id. The problem went away: its dedupKey is freed (so the problem
 * coming back raises a new alert), and an alert nobody acted on (open, or a failed attempt) is marked resolved, once.
 */
const RESOLVE = `
if KEYS[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
local kind = redis.call('HGET', KEYS[1], 'stateKind')
if (kind ~= 'open' and kind ~= 'failed') or redis.call('HEXISTS', KEYS[1], 'resolved') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'resolved', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
`

/**
 * KEYS: alert, dedup (or ''), account index, ARGV: id, data, state, ttl, address (or '').
 * Returns the existing alert id on a duplicate.
 */
const CREATE = `
if KEYS[2] ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return {'duplicate', existing} end
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[4])
end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'state', ARGV[3], 'stateKind', 'open', 'attempts', 0, 'version', 0)
redis.call('EXPIRE', KEYS[1], ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return {'created', ARGV[1]}
`

/**
 * KEYS: alert, state indexes, ARGV: action, actor, at, version, score (at, in ms), approvedBy (or ''), accountId (or ''). Succeeds only if
 * nothing changed the alert since the caller read it at `version` and decided the action is allowed: two claims
 * can never both win.
 */
const CLAIM = `${REINDEX}${KEEP}
local kind = redis.call('HGET', KEYS[1], 'stateKind')
if not kind then return {'missing'} end
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[4] then return {'refused', redis.call('HGET', KEYS[1], 'state')} end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local request = {action = ARGV[1], actor = ARGV[2], attempt = attempt, at = ARGV[3]}
if ARGV[6] ~= '' then request.approvedBy = ARGV[6] end
if ARGV[7] ~= '' then request.accountId = ARGV[7] end
local state = cjson.encode({kind = 'in-progress', request = request})
redis.call('HSET', KEYS[1], 'state', state, 'stateKind', 'in-progress')
redis.call('HINCRBY', KEYS[1], 'version', 1)
reindex('in-progress', ARGV[5])
keep(KEYS[1], ${RETENTION_SECONDS})
return {'claimed', state}
`

/**
 * KEYS: alert, state indexes[, lease], ARGV: attempt, expected kind, new state, new kind, index score. Moves an attempt
 * on from one state, once; not while the lease (when given) exists, checked in the same script so a worker renewing
 * it cannot slip in between.
 */
const SETTLE = `${REINDEX}${KEEP}
if KEYS[5] and redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
local current = cjson.decode(state)
if current.kind ~= ARGV[2] or tostring(current.request.attempt) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'stateKind', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'version', 1)
reindex(ARGV[4], ARGV[5])
keep(KEYS[1], ${RETENTION_SECONDS})
return 1
`

/**
 * KEYS: alert, ARGV: message ref (JSON). Records where the alert was posted, in its own field (no read-modify-write of
 * `data`) and only once: answers the ref recorded first, this one or an earlier try's, or nothing if the alert is gone.
 */
const RECORD_MESSAGE = `
if not redis.call('HGET', KEYS[1], 'stateKind') then return false end
local recorded = redis.call('HGET', KEYS[1], 'message')
if recorded then return recorded end
redis.call('HSET', KEYS[1], 'message', ARGV[1])
return ARGV[1]
`

/** KEYS: alert, state indexes, ARGV: version, state, kind, index score. Replaces the state only if nothing changed the alert since `version`. */
const TRANSITION = `${REINDEX}${KEEP}
if not redis.call('HGET', KEYS[1], 'stateKind') then return 0 end
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'stateKind', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'version', 1)
reindex(ARGV[3], ARGV[4])
keep(KEYS[1], ${RETENTION_SECONDS})
return 1
`

export type CreateResult = { status: 'created'; alert: Alert } | { status: 'duplicate'; alertId: string }
export type ClaimResult = { status: 'claimed'; request: Request } | { status: 'refused'; state: AlertState } | { status: 'missing' }

type StoredData = Omit<Alert, 'state' | 'version'>

/** Alerts stored before keys had an origin carry a bare `dedupKey`, stored under the detectors' prefix. */
interface LegacyDedup {
  dedupKey?: string
}

function withDedup({ dedupKey: legacy, ...data }: StoredData & LegacyDedup): StoredData {
  return legacy === undefined || data.dedup ? data : { ...data, dedup: { origin: 'detector', key: legacy } }
}

/** How far the report of a result got: its thread reply posted, or all of it (reply, alert update, offboarding run). */
export type ReportStage = 'replied' | 'reported'

export class AlertStore {
  constructor(private readonly redis: Redis) {}

  /** `route`: where it is to be posted, decided once by its routing rules and kept with it. */
  async create(report: AlertReport & Pick<Alert, 'route'>, integrationName: string, now: Date, run?: RunRef): Promise<CreateResult> {
    if (run && report.dedup?.origin === 'bot') {
      const earlier = await this.stepOpenedBeforeOrigins(report.integration, report.dedup.key, run.id)
      if (earlier) return { status: 'duplicate', alertId: earlier }
    }
    const id = newAlertId()
    const data: StoredData = { ...report, id, integrationName, createdAt: now.toISOString(), ...(run ? { run } : {}) }
    const state: AlertState = { kind: 'open' }
    const [status, alertId] = (await this.redis.eval(
      CREATE,
      3,
      alertKey(id),
      dedupKey(report.integration, report.dedup),
      accountIndexKey(report.integration),
      id,
      JSON.stringify(data),
      JSON.stringify(state),
      RETENTION_SECONDS,
      report.access ? '' : normalizeAddress(report.email),
    )) as [string, string]
    return status === 'duplicate' ? { status: 'duplicate', alertId } : { status: 'created', alert: { ...data, state, version: 0 } }
  }

  /**
   * The step alert of offboarding run `runId` opened before keys had an origin, under the detectors' prefix, so a
   * run going on across the upgrade does not open (and run) its steps twice. Only the bot sets `run` on an alert,
   * so a detector's alert under that key never matches. The run's lock keeps this read and the create together.
   */
  private async stepOpenedBeforeOrigins(integration: string, key: string, runId: string): Promise<string | undefined> {
    const id = await this.redis.get(dedupKey(integration, { origin: 'detector', key }))
    const alert = id ? await this.get(id) : null
    return alert?.run?.id === runId ? alert.id : undefined
  }

  async get(id: string): Promise<Alert | null> {
    if (!isAlertId(id)) return null
    const [data, state, version, resolved, message, waiting] = await this.redis.hmget(
      alertKey(id),
      'data',
      'state',
      'version',
      'resolved',
      'message',
      'waiting',
    )
    if (!data || !state) return null
    return {
      ...withDedup(JSON.parse(data) as StoredData & LegacyDedup),
      // Alerts posted before the message had a field of its own keep it in `data`.
      ...(message ? { message: JSON.parse(message) as MessageRef } : {}),
      state: JSON.parse(state) as AlertState,
      version: Number(version ?? 0),
      ...(resolved ? { resolved: JSON.parse(resolved) as Resolution } : {}),
      ...(waiting ? { waiting: JSON.parse(waiting) as Waiting } : {}),
    }
  }

  /** Undo a create whose posting could not be queued, so the detector's retry is not taken for a duplicate. */
  async discard(alert: Alert): Promise<void> {
    const keys = [alertKey(alert.id)]
    if (alert.dedup) keys.push(dedupKey(alert.integration, alert.dedup))
    await this.redis.del(...keys)
  }

  /**
   * Records where the alert was posted, in one command, unless a message is recorded already: answers the recorded
   * one (another try's, when two tries posted), or null when the alert no longer exists.
   */
  async recordMessage(id: string, message: MessageRef): Promise<MessageRef | null> {
    const recorded = (await this.redis.eval(RECORD_MESSAGE, 1, alertKey(id), JSON.stringify(message))) as string | null
    return recorded ? (JSON.parse(recorded) as MessageRef) : null
  }

  /** Where the alert is posted from now on: its routed channel refused it for good, so it goes to ALERT_CHANNEL_ID. */
  async setRoute(id: string, route: AlertRoute): Promise<void> {
    await this.updateData(id, (data) => ({ ...data, route }))
  }

  async setMute(id: string, muteId: string | undefined): Promise<void> {
    await this.updateData(id, ({ muteId: _previous, ...data }) => (muteId ? { ...data, muteId } : data))
  }

  /** Changes the alert's data (not its state, which only the scripts move). */
  private async updateData(id: string, change: (data: StoredData) => StoredData): Promise<void> {
    const alert = await this.get(id)
    if (!alert) return
    const { state: _state, version: _version, ...data } = alert
    await this.redis.hset(alertKey(id), 'data', JSON.stringify(change(data)))
  }

  /**
   * Claims `alert` (as read, at its version) for `action` by `actor`: a new attempt, in progress, bound to the
   * account the actor confirmed (`accountId`, when the confirmation found one).
   * Refused when the action is not available in the alert's state or the alert changed meanwhile.
   */
  async claim(alert: Alert, action: Action, actor: string, capabilities: ReadonlySet<Action>, now: Date, accountId?: string): Promise<ClaimResult> {
    if (!acceptsRequest(alert, capabilities, action)) return { status: 'refused', state: alert.state }
    return this.runClaim(alert, [action, actor, now.toISOString(), String(alert.version), String(now.getTime()), '', accountId ?? ''])
  }

  /**
   * Holds `alert` (as read, at its version) until a second person decides on `approval`: nothing runs meanwhile,
   * and no other request can start. False when the action is not available or the alert changed meanwhile.
   */
  async holdForApproval(alert: Alert, approval: PendingApproval, capabilities: ReadonlySet<Action>): Promise<boolean> {
    if (!acceptsRequest(alert, capabilities, approval.action)) return false
    return this.transition(alert, { kind: 'awaiting-approval', approval, previous: alert.state })
  }

  /**
   * Claims the request held for `approvalId` (the alert as read, at its version), approved by `approver`: the
   * requester's attempt, in progress. Atomic like `claim`: of two approvers pressing at once, one wins.
   */
  async claimApproved(alert: Alert, approvalId: string, approver: string, now: Date): Promise<ClaimResult> {
    const held = heldFor(alert, approvalId)
    if (!held) return { status: 'refused', state: alert.state }
    const { action, requester, accountId } = held.approval
    return this.runClaim(alert, [action, requester, now.toISOString(), String(alert.version), String(now.getTime()), approver, accountId ?? ''])
  }

  /** Ends the request held for `approvalId` without running it (rejected, expired): the alert is back where it was. */
  async releaseApproval(alert: Alert, approvalId: string): Promise<boolean> {
    const held = heldFor(alert, approvalId)
    return held ? this.transition(alert, held.previous) : false
  }

  private async runClaim(alert: Alert, args: string[]): Promise<ClaimResult> {
    const [status, state] = (await this.redis.eval(CLAIM, 4, alertKey(alert.id), ...STATE_INDEX_KEYS, ...args)) as [string, string | undefined]
    if (status === 'missing' || !state) return { status: 'missing' }
    const parsed = JSON.parse(state) as AlertState
    if (status === 'refused' || parsed.kind !== 'in-progress') return { status: 'refused', state: parsed }
    return { status: 'claimed', request: parsed.request }
  }

  private async transition(alert: Alert, next: AlertState): Promise<boolean> {
    const args = [String(alert.version), JSON.stringify(next), next.kind, indexScore(next)]
    return (await this.redis.eval(TRANSITION, 4, alertKey(alert.id), ...STATE_INDEX_KEYS, ...args)) === 1
  }

  /**
   * Moves attempt `attempt` on from a state of kind `from` (in progress, or scheduled) to `next`; false if it already
   * moved, or while the key `unlessLeased` exists (a worker's lease on the attempt).
   */
  async settle(id: string, attempt: number, next: AlertState, from: AlertState['kind'] = 'in-progress', unlessLeased?: string): Promise<boolean> {
    const keys = [alertKey(id), ...STATE_INDEX_KEYS, ...(unlessLeased ? [unlessLeased] : [])]
    const changed = await this.redis.eval(SETTLE, keys.length, ...keys, String(attempt), from, JSON.stringify(next), next.kind, indexScore(next))
    return changed === 1
  }

  /** The alert's problem went away: frees its dedupKey, and marks it resolved if nobody acted on it (false otherwise). */
  async resolve(alert: Pick<Alert, 'id' | 'integration' | 'dedup'>, resolution: Resolution): Promise<boolean> {
    return (await this.redis.eval(RESOLVE, 2, alertKey(alert.id), dedupKey(alert.integration, alert.dedup), JSON.stringify(resolution), alert.id)) === 1
  }

  /**
   * Up to `limit` alerts in `kind` (scheduled: soonest final date first; others: oldest first) and how many there
   * are: read from the state index, never a scan. Alerts that expired meanwhile are dropped from the index.
   */
  async inState(kind: IndexedState, limit: number): Promise<{ alerts: Alert[]; total: number }> {
    const key = stateIndexKey(kind)
    const [ids, total] = await Promise.all([this.redis.zrange(key, 0, limit - 1), this.redis.zcard(key)])
    const found = await Promise.all(ids.map((id) => this.get(id)))
    const expired = ids.filter((_, position) => !found[position])
    if (expired.length > 0) await this.redis.zrem(key, ...expired)
    return { alerts: found.filter((alert): alert is Alert => alert !== null), total: total - expired.length }
  }

  /** The latest alert raised for an account of an integration (by its address), if it is still stored. */
  async latestForAccount(integration: string, email: string): Promise<Alert | null> {
    const id = await this.redis.hget(accountIndexKey(integration), normalizeAddress(email))
    return id ? this.get(id) : null
  }

  /** Whether the result of `attempt` was already posted to Slack (a re-run job must not post it twice). */
  /** Whether the report of `attempt` got as far as `stage` (a re-run after a Slack failure resumes after it). */
  async reportReached(id: string, attempt: number, stage: ReportStage): Promise<boolean> {
    return Number((await this.redis.hget(alertKey(id), `${stage}Attempt`)) ?? 0) >= attempt
  }

  async markReportReached(id: string, attempt: number, stage: ReportStage): Promise<void> {
    await this.redis.hset(alertKey(id), `${stage}Attempt`, attempt)
  }

  /** When `attempt` first went to write to the service (set by the job's ownership check); null before any write. */
  async writeStartedAt(id: string, attempt: number): Promise<Date | null> {
    const at = await this.redis.hget(alertKey(id), `writeAt:${attempt}`)
    return at ? new Date(at) : null
  }

  /** The ts of the thread message that shows an attempt's progress, once posted. */
  async progressMessage(id: string, attempt: number): Promise<string | null> {
    return this.redis.hget(alertKey(id), `progress:${attempt}`)
  }

  async setProgressMessage(id: string, attempt: number, ts: string): Promise<void> {
    await this.redis.hset(alertKey(id), `progress:${attempt}`, ts)
  }

  /** Records that `attempt` waits for its service's rate limit until `until`; answers whether it is the attempt's first wait. */
  async markWaiting(id: string, attempt: number, until: Date): Promise<boolean> {
    const waiting: Waiting = { attempt, until: until.toISOString() }
    const results = await this.redis.multi().hset(alertKey(id), 'waiting', JSON.stringify(waiting)).hsetnx(alertKey(id), `waitNoted:${attempt}`, '1').exec()
    return results?.[1]?.[1] === 1
  }
}

/** Where a state sorts in its index: a scheduled deletion by its final date, anything else by when it began. */
function indexScore(state: AlertState): string {
  switch (state.kind) {
    case 'scheduled':
      return String(Date.parse(state.until) || 0)
    case 'in-progress':
      return String(Date.parse(state.request.at) || 0)
    case 'awaiting-approval':
      return String(Date.parse(state.approval.at) || 0)
    default:
      return '0'
  }
}

function normalizeAddress(email: string): string {
  return email.trim().toLowerCase()
}

function heldFor(alert: Alert, approvalId: string): Extract<AlertState, { kind: 'awaiting-approval' }> | undefined {
  return alert.state.kind === 'awaiting-approval' && alert.state.approval.id === approvalId ? alert.state : undefined
}

export function newAlertId(): string {
  return `al_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`
}

const ALERT_ID = /^al_[A-Za-z0-9]{12}$/
export function isAlertId(value: string): boolean {
  return ALERT_ID.test(value)
}

/**
 * Alert mutes: one account in one service, or every alert of a service, for a
 * while or until unmuted. Each mute is a Redis hash that expires with the mute, so
 * mutes survive restarts and end by themselves; an index set lists them (members of
 * expired mutes are dropped as they are found missing).
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { KEY_PREFIX } from '../../store/redis.js'

const INDEX = `${KEY_PREFIX}mutes`

export type MuteScope = 'account' | 'service'
export const MUTE_DURATIONS = ['1d', '7d', '30d', 'forever'] as const
export type MuteDuration = (typeof MUTE_DURATIONS)[number]

const DURATION_MS: Readonly<Record<Exclude<MuteDuration, 'forever'>, number>> = {
  '1d': 24 * 3600 * 1000,
  '7d': 7 * 24 * 3600 * 1000,
  '30d': 30 * 24 * 3600 * 1000,
}

export interface Mute {
  /** Stable for the same scope: muting again replaces it. */
  id: string
  scope: MuteScope
  integration: string
  /** For an account mute. */
  email?: string
  by: string
  at: string
  /** Absent for "until unmuted". */
  until?: string
  /** Alerts that arrived while muted and were not posted. */
  suppressed: number
}

export function muteId(scope: MuteScope, integration: string, email?: string): string {
  const subject = scope === 'account' ? `${integration}:${(email ?? '').trim().toLowerCase()}` : integration
  return `${scope}.${createHash('sha256').update(subject).digest('hex').slice(0, 20)}`
}

const key = (id: string) => `${KEY_PREFIX}mute:${id}`

const COUNT_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'suppressed', 1)
`

export class MuteStore {
  constructor(private readonly redis: Redis) {}

  async mute(spec: { scope: MuteScope; integration: string; email?: string; by: string; duration: MuteDuration }, now: Date): Promise<Mute> {
    const id = muteId(spec.scope, spec.integration, spec.email)
    const until = spec.duration === 'forever' ? undefined : new Date(now.getTime() + DURATION_MS[spec.duration])
    const mute: Omit<Mute, 'suppressed'> = {
      id,
      scope: spec.scope,
      integration: spec.integration,
      ...(spec.scope === 'account' && spec.email ? { email: spec.email } : {}),
      by: spec.by,
      at: now.toISOString(),
      ...(until ? { until: until.toISOString() } : {}),
    }
    const multi = this.redis.multi().del(key(id)).hset(key(id), 'data', JSON.stringify(mute), 'suppressed', 0).sadd(INDEX, id)
    if (until) multi.pexpireat(key(id), until.getTime())
    await multi.exec()
    return { ...mute, suppressed: 0 }
  }

  async unmute(id: string): Promise<Mute | null> {
    const mute = await this.get(id)
    await this.redis.multi().del(key(id)).srem(INDEX, id).exec()
    return mute
  }

  async get(id: string): Promise<Mute | null> {
    const [data, suppressed] = await this.redis.hmget(key(id), 'data', 'suppressed')
    if (!data) return null
    return { ...(JSON.parse(data) as Omit<Mute, 'suppressed'>), suppressed: Number(suppressed ?? 0) }
  }

  /** The mute covering an alert for this account (the account's own first, then the service's), if any. */
  async matching(integration: string, email: string): Promise<Mute | null> {
    return (await this.get(muteId('account', integration, email))) ?? (await this.get(muteId('service', integration)))
  }

  /** Counts an alert the mute kept from being posted. */
  async countSuppressed(id: string): Promise<number> {
    // Only while the mute exists: a mute that expired meanwhile must not come back as a bare counter.
    return (await this.redis.eval(COUNT_IF_EXISTS, 1, key(id))) as number
  }

  /** Every active mute, soonest to end first (until-unmuted last). */
  async list(): Promise<Mute[]> {
    const ids = await this.redis.smembers(INDEX)
    const mutes = await Promise.all(ids.map((id) => this.get(id)))
    const gone = ids.filter((_, i) => !mutes[i])
    if (gone.length > 0) await this.redis.srem(INDEX, ...gone)
    return mutes.filter((mute): mute is Mute => mute !== null).sort((a, b) => (a.until ?? '~').localeCompare(b.until ?? '~'))
  }
}

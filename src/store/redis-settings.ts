/**
 * Whether the Redis the bot runs on keeps what the bot promises to keep: scheduled deletions, approvals,
 * timers, jobs and the audit log all live there. Checked at every start (and by `/deprovision status`): an
 * eviction policy stops the bot (BullMQ requires noeviction), no persistence is warned about. Managed Redis
 * may refuse CONFIG; then INFO answers what it can, and what nobody answers is reported as unchecked.
 */
import type { Redis } from 'ioredis'

export interface RedisSettings {
  /** undefined: neither CONFIG nor INFO said. */
  maxmemoryPolicy?: string
  appendonly?: boolean
  /** RDB save points ("3600 1 300 100"), '' for none; undefined: CONFIG was refused (INFO does not show them). */
  save?: string
}

export type RedisFinding =
  /** Redis may delete keys under memory pressure: jobs, timers and alerts would vanish. */
  | { kind: 'evicts'; policy: string }
  /** Neither AOF nor RDB save points: a restart of Redis loses everything. */
  | { kind: 'not-persistent' }
  /** Redis would not tell (CONFIG refused, INFO silent). */
  | { kind: 'unchecked'; setting: 'maxmemory-policy' | 'persistence' }

export class RedisSettingsError extends Error {
  override readonly name = 'RedisSettingsError'
}

/** What the settings mean for the bot; pure. */
export function judgeRedisSettings(settings: RedisSettings): RedisFinding[] {
  const findings: RedisFinding[] = []
  if (settings.maxmemoryPolicy === undefined) findings.push({ kind: 'unchecked', setting: 'maxmemory-policy' })
  else if (settings.maxmemoryPolicy !== 'noeviction') findings.push({ kind: 'evicts', policy: settings.maxmemoryPolicy })
  if (settings.appendonly === true || (settings.save !== undefined && settings.save.trim() !== '')) return findings
  findings.push(settings.appendonly === false && settings.save !== undefined ? { kind: 'not-persistent' } : { kind: 'unchecked', setting: 'persistence' })
  return findings
}

/** One line per finding (about Redis, which the reader is told), for the log, the start-up error and `/deprovision status`. */
export function describeRedisFinding(finding: RedisFinding): string {
  switch (finding.kind) {
    case 'evicts':
      return `maxmemory-policy is ${finding.policy}: set it to noeviction (BullMQ requires it; an evicting Redis would drop jobs, scheduled deletions, approvals and audit entries)`
    case 'not-persistent':
      return 'no persistence (appendonly no and no save points): a restart of Redis loses scheduled deletions, approvals and the audit log; set appendonly yes'
    case 'unchecked':
      return finding.setting === 'maxmemory-policy'
        ? 'could not read maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction'
        : 'could not read the persistence settings (CONFIG refused): make sure AOF (appendonly yes) or RDB snapshots are on'
  }
}

/** Reads the settings through CONFIG GET, or INFO where CONFIG is refused (managed Redis); never throws. */
export async function readRedisSettings(redis: Redis): Promise<RedisSettings> {
  const [policy, appendonly, save] = await Promise.all(['maxmemory-policy', 'appendonly', 'save'].map((name) => configGet(redis, name)))
  if (policy !== undefined && appendonly !== undefined && save !== undefined) return { maxmemoryPolicy: policy, appendonly: appendonly === 'yes', save }
  const info = await infoFields(redis)
  const maxmemoryPolicy = policy ?? info.maxmemory_policy
  const aof = appendonly ?? (info.aof_enabled === undefined ? undefined : info.aof_enabled === '1' ? 'yes' : 'no')
  return {
    ...(maxmemoryPolicy !== undefined ? { maxmemoryPolicy } : {}),
    ...(aof !== undefined ? { appendonly: aof === 'yes' } : {}),
    ...(save !== undefined ? { save } : {}),
  }
}

export async function checkRedisSettings(redis: Redis): Promise<RedisFinding[]> {
  return judgeRedisSettings(await readRedisSettings(redis))
}

async function configGet(redis: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', name)) as string[]
    return reply.length >= 2 ? reply[1] : undefined
  } catch {
    return undefined
  }
}

async function infoFields(redis: Redis): Promise<Record<string, string>> {
  const sections = await Promise.all(['memory', 'persistence'].map((section) => redis.info(section).catch(() => '')))
  return Object.fromEntries(
    sections
      .join('\n')
      .split(/\r?\n/)
      .map((line) => /^([a-z_]+):(.*)$/.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1]!, match[2]!]),
  )
}

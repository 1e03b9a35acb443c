/**
 * Configuration from the environment and the providers file, validated once at
 * start-up. A bad value stops the process with one line per problem naming the
 * variable (or the providers file entry) and what is expected; secret values are
 * never echoed back.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { integrationSchema, type IntegrationConfig } from './providers/catalogue.js'
import type { RedisConnectionSettings } from './store/redis.js'
import { DEFAULT_INACTIVE_DAYS, FINDING_KINDS, type ReconcileSettings } from './domain/reconciliation.js'

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
  }
}

const SLACK_ID = /^[A-Z][A-Z0-9]{2,}$/

/** Five or six cron fields (BullMQ's job scheduler reads them), or "off". */
const CRON_OR_OFF = /^(off|(\S+\s+){4,5}\S+)$/
const DEFAULT_RECONCILE_SCHEDULE = '0 6 * * *'
/** What one process does: everything, only the HTTP side (Slack, POST /alerts), or only the background work. */
export const BOT_ROLES = ['all', 'web', 'worker'] as const
export type BotRole = (typeof BOT_ROLES)[number]
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string({ error: 'required: the bot token (xoxb-...)' }).startsWith('xox', 'expected a Slack bot token (xoxb-...)'),
  SLACK_SIGNING_SECRET: z.string().min(1, "expected the app's signing secret").optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'expected an app-level token (xapp-...) for Socket Mode').optional(),
  SLACK_API_URL: z.url({ error: 'expected a URL such as https://slack.com/api/' }).default('https://slack.com/api/'),
  ALERT_CHANNEL_ID: z
    .string({ error: 'required: the channel ID alerts are posted to (C0123456789)' })
    .regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a channel ID like C0123456789, not a channel name'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected redis://host:port or rediss://...')
    .default('redis://127.0.0.1:6379'),
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_TLS_CA_FILE: z.string().optional(),
  PORT: z.coerce.number({ error: 'expected a port number' }).int().min(1).max(65535).default(3000),
  ALERT_INGEST_TOKEN: z
    .string({ error: 'required: the bearer token detectors send to POST /alerts' })
    .min(16, 'expected at least 16 characters: it guards POST /alerts'),
  AUDIT_READ_TOKEN: z.string().min(16, 'expected at least 16 characters: it guards GET /audit').optional(),
  PROVIDERS_FILE: z.string({ error: 'required: path to the YAML list of integrations' }).min(1),
  ROUTES_FILE: z.string().min(1).optional(),
  ACTORS: z
    .string({ error: 'required: comma-separated Slack user IDs allowed to act (U0123,U0456)' })
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(SLACK_ID, 'expected Slack user IDs like U0123ABCD')).min(1, 'expected at least one Slack user ID')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  HEALTH_CHECK_INTERVAL_MINUTES: z.coerce
    .number({ error: 'expected a number of minutes' })
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  RECONCILE_SCHEDULE: z
    .string()
    .trim()
    .regex(CRON_OR_OFF, 'expected a cron expression such as "0 6 * * *" (minute hour day month weekday, in UTC), or "off"')
    .default(DEFAULT_RECONCILE_SCHEDULE),
  RECONCILE_INACTIVE_DAYS: z.coerce.number({ error: 'expected a number of days' }).int().min(1).max(3650).default(DEFAULT_INACTIVE_DAYS),
  RECONCILE_KINDS: commaList.pipe(z.array(z.enum(FINDING_KINDS, { error: `expected some of ${FINDING_KINDS.join(', ')}` }))).default([...FINDING_KINDS]),
  RECONCILE_EXTERNAL_DOMAINS: commaList
    .pipe(z.array(z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'expected domains such as partner.example')))
    .default([]),
  BOT_ROLE: z.enum(BOT_ROLES, { error: `expected ${BOT_ROLES.join(', ')}` }).default('all'),
  LOOKUP_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'expected a number of seconds' })
    .min(1, 'expected at least 1 second')
    .max(60, 'expected at most 60 seconds')
    .default(8),
  APPROVAL_TTL_HOURS: z.coerce
    .number({ error: 'expected a number of hours' })
    .positive('expected more than 0 hours')
    .max(30 * 24, 'expected at most 720 hours (30 days)')
    .default(24),
  AUDIT_RETENTION_DAYS: z.coerce
    .number({ error: 'expected a number of days' })
    .int('expected a whole number of days')
    .min(1, 'expected at least 1 day')
    .max(36_500, 'expected at most 36500 days')
    .default(400),
  MAX_RATE_LIMIT_WAIT_SECONDS: z.coerce
    .number({ error: 'expected a number of seconds' })
    .int('expected a whole number of seconds')
    .min(1, 'expected at least 1 second')
    .max(86_400, 'expected at most 86400 seconds (a day)')
    .default(900),
  INGEST_MAX_PER_MINUTE: z.coerce
    .number({ error: 'expected a number of alerts' })
    .int('expected a whole number of alerts')
    .min(1, 'expected at least 1 alert a minute')
    .max(10_000_000, 'expected at most 10000000')
    .default(6000),
  AUDIT_WEBHOOK_URL: z
    .url({ error: 'expected a URL such as https://siem.example.com/hooks/deprovision' })
    .refine(isWebhookUrl, 'expected https://…, or http:// only on localhost or 127.0.0.1 (audit events are sent in the body)')
    .optional(),
  AUDIT_WEBHOOK_SECRET: z.string().min(32, 'expected at least 32 characters: it signs every audit event sent to AUDIT_WEBHOOK_URL').optional(),
})

/** Audit events leave the bot in clear only to this machine (local testing); anywhere else over TLS. */
function isWebhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
}

/** Every environment variable the bot reads (besides the secrets the providers file refers to). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape)

export type { IntegrationConfig }

export interface Config {
  slack: {
    botToken: string
    signingSecret?: string
    appToken?: string
    apiUrl: string
  }
  alertChannelId: string
  redisUrl: string
  /** What REDIS_URL does not carry: credentials kept apart from it, the CA bundle a rediss:// server is checked against. */
  redisConnection: RedisConnectionSettings
  port: number
  alertIngestToken: string
  /** The bearer token GET /audit asks for; undefined leaves the route off. */
  auditReadToken?: string
  actors: ReadonlySet<string>
  integrations: IntegrationConfig[]
  /** Path to the routing rules (read and checked by the runtime, features/routing); unset: everything to ALERT_CHANNEL_ID. */
  routesFile?: string
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL']
  workerConcurrency: number
  healthCheckIntervalMs: number
  reconcile: {
    /** Cron pattern (UTC) of the scheduled reconciliation; undefined when it is off (`/deprovision scan` still works). */
    schedule?: string
    settings: ReconcileSettings
  }
  /** How long the confirmation modal and /deprovision wait for each service's account lookup. */
  lookupTimeoutMs: number
  /** How long a request awaiting approval waits before it expires. */
  approvalTtlMs: number
  /** What this process does (BOT_ROLE); main.ts turns it into runtime options. */
  role: BotRole
  /** How long audit entries are kept (older ones are trimmed by the minute's sweep). */
  auditRetentionMs: number
  /** POST /alerts accepts at most this many requests a minute, every replica together. */
  ingestMaxPerMinute: number
  /** The longest a service's rate limit may hold its integration's work, whatever its Retry-After or reset header says. */
  maxRateLimitWaitMs: number
  /** Where every audit event is pushed, signed with `secret` (AUDIT_WEBHOOK_URL, AUDIT_WEBHOOK_SECRET); undefined: no push. */
  auditWebhook?: { url: string; secret: string }
}

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = process.env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Config {
  const present = withoutBlanks(env)
  const parsed = envSchema.safeParse(present)
  // Checked apart from the schema so it is reported together with every other problem.
  // A worker answers no Slack request, so it has no signature to check.
  const needsSecret = !present.SLACK_APP_TOKEN && !present.SLACK_SIGNING_SECRET && present.BOT_ROLE !== 'worker'
  const webhookHalf = Boolean(present.AUDIT_WEBHOOK_URL) !== Boolean(present.AUDIT_WEBHOOK_SECRET)
  if (!parsed.success || needsSecret || webhookHalf) {
    const problems = (parsed.error?.issues ?? []).map((issue) => `${String(issue.path[0])}: ${issue.message}`)
    if (needsSecret) problems.push('SLACK_SIGNING_SECRET: required over HTTP (set SLACK_APP_TOKEN instead to use Socket Mode)')
    if (webhookHalf)
      problems.push(
        present.AUDIT_WEBHOOK_URL
          ? 'AUDIT_WEBHOOK_SECRET: required with AUDIT_WEBHOOK_URL (every event is signed with it)'
          : 'AUDIT_WEBHOOK_URL: required with AUDIT_WEBHOOK_SECRET (where to send the audit events)',
      )
    throw new ConfigError(problems)
  }
  const e = parsed.data
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
    },
    alertChannelId: e.ALERT_CHANNEL_ID,
    redisUrl: e.REDIS_URL,
    redisConnection: loadRedisConnection(e, readFile),
    port: e.PORT,
    alertIngestToken: e.ALERT_INGEST_TOKEN,
    ...(e.AUDIT_READ_TOKEN ? { auditReadToken: e.AUDIT_READ_TOKEN } : {}),
    actors: new Set(e.ACTORS),
    integrations: loadIntegrations(e.PROVIDERS_FILE, env, readFile),
    ...(e.ROUTES_FILE ? { routesFile: e.ROUTES_FILE } : {}),
    logLevel: e.LOG_LEVEL,
    workerConcurrency: e.WORKER_CONCURRENCY,
    healthCheckIntervalMs: e.HEALTH_CHECK_INTERVAL_MINUTES * 60_000,
    reconcile: {
      ...(e.RECONCILE_SCHEDULE === 'off' ? {} : { schedule: e.RECONCILE_SCHEDULE }),
      settings: { kinds: new Set(e.RECONCILE_KINDS), inactiveDays: e.RECONCILE_INACTIVE_DAYS, externalDomains: e.RECONCILE_EXTERNAL_DOMAINS },
    },
    lookupTimeoutMs: e.LOOKUP_TIMEOUT_SECONDS * 1_000,
    approvalTtlMs: e.APPROVAL_TTL_HOURS * 3_600_000,
    role: e.BOT_ROLE,
    auditRetentionMs: e.AUDIT_RETENTION_DAYS * 86_400_000,
    ingestMaxPerMinute: e.INGEST_MAX_PER_MINUTE,
    maxRateLimitWaitMs: e.MAX_RATE_LIMIT_WAIT_SECONDS * 1_000,
    ...(e.AUDIT_WEBHOOK_URL && e.AUDIT_WEBHOOK_SECRET ? { auditWebhook: { url: e.AUDIT_WEBHOOK_URL, secret: e.AUDIT_WEBHOOK_SECRET } } : {}),
  }
}

function loadRedisConnection(e: z.infer<typeof envSchema>, readFile: (path: string) => string): RedisConnectionSettings {
  const credentials = { ...(e.REDIS_USERNAME ? { username: e.REDIS_USERNAME } : {}), ...(e.REDIS_PASSWORD ? { password: e.REDIS_PASSWORD } : {}) }
  if (!e.REDIS_TLS_CA_FILE) return credentials
  // A CA bundle says the operator expects TLS: connecting in clear instead would be a silent downgrade.
  if (!e.REDIS_URL.startsWith('rediss://'))
    throw new ConfigError(['REDIS_TLS_CA_FILE: set, but REDIS_URL is not rediss://: use rediss://host:port to connect over TLS'])
  try {
    return { ...credentials, tlsCa: readFile(e.REDIS_TLS_CA_FILE) }
  } catch (error) {
    throw new ConfigError([`REDIS_TLS_CA_FILE: cannot read ${e.REDIS_TLS_CA_FILE} (${(error as NodeJS.ErrnoException).code ?? String(error)})`])
  }
}

/** An empty variable means "not set": `FOO=` in a .env file should fall back to the default. */
function withoutBlanks(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''))
}

function loadIntegrations(path: string, env: Env, readFile: (path: string) => string): IntegrationConfig[] {
  let text: string
  try {
    text = readFile(path)
  } catch (error) {
    throw new ConfigError([`PROVIDERS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`])
  }
  let document: unknown
  try {
    document = parseYaml(text)
  } catch (error) {
    throw new ConfigError([`PROVIDERS_FILE: ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`])
  }
  const list = z.array(z.unknown(), { error: 'expected a YAML list of integrations' }).safeParse(document ?? [])
  if (!list.success) throw new ConfigError([`PROVIDERS_FILE: ${path}: expected a YAML list of integrations`])

  const schema = integrationSchema(env)
  const problems: string[] = []
  const integrations: IntegrationConfig[] = []
  list.data.forEach((entry, index) => {
    const label = `PROVIDERS_FILE ${path} entry ${index + 1}${idOf(entry)}`
    const result = schema.safeParse(entry)
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`${label}: ${issue.path.join('.') || 'type'}: ${issue.message}`)
      return
    }
    if (integrations.some((other) => other.id === result.data.id)) {
      problems.push(`${label}: id "${result.data.id}" is used twice`)
      return
    }
    const offered = result.data.actions
    const unoffered = offered ? (result.data.approval ?? []).filter((action) => !offered.includes(action)) : []
    if (unoffered.length > 0) {
      problems.push(`${label}: approval: ${unoffered.join(', ')} is not one of this integration's actions (${offered?.join(', ') || 'none'})`)
      return
    }
    integrations.push(result.data)
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return integrations
}

function idOf(entry: unknown): string {
  const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined
  return typeof id === 'string' ? ` (${id})` : ''
}

/** What the alert's path needs: built once by the composition root (src/runtime.ts), one part each. */
import type { Logger } from '../../logger.js'
import type { Metrics } from '../../metrics.js'
import type { JobQueues, RetryPolicy } from '../../jobs/queues.js'
import type { TimerStore } from '../../jobs/timers.js'
import type { ProviderRegistry } from '../../providers/registry.js'
import type { ActorEmails } from '../../slack/actors.js'
import type { SlackPort } from '../../slack/web-api.js'
import type { AdminLocks } from '../../store/admin-lock.js'
import type { AlertStore } from '../../store/alerts.js'
import type { AuditLog } from '../../store/audit.js'
import type { HealthStore } from '../../store/health.js'
import type { MuteStore } from '../mutes/store.js'
import type { AttemptLeases } from './attempt-lease.js'
import type { AttemptOwner } from './attempt-ownership.js'
import type { RoutingTable } from '../routing/rules.js'

/** The listeners (a button, the confirmation) and starting the confirmed action. */
export interface AlertDeps {
  alerts: AlertStore
  audit: AuditLog
  mutes: MuteStore
  queues: JobQueues
  providers: ProviderRegistry
  actors: ReadonlySet<string>
  /** Actors' emails from Slack, for the own-account guard. */
  actorEmails: ActorEmails
  /** A Slack client that fails fast (short timeout, no retries) for status posts that must not delay work. */
  announcer: SlackPort
  logger: Logger
  /** How long the confirmation modal waits for the service before showing a timeout. */
  preflightTimeoutMs: number
  /** Where alerts opened here (the App Home) are posted. */
  routes: RoutingTable
  /** Alerts a routing rule muted, or posted to ALERT_CHANNEL_ID because their channel refused them, are counted. */
  metrics: Pick<Metrics, 'routedMuted' | 'routedFallback'>
  now?: () => Date
}

/** The jobs: posting the alert, running the action, reporting it, its timers. */
export interface AlertJobDeps {
  alerts: AlertStore
  audit: AuditLog
  timers: TimerStore
  health: HealthStore
  mutes: MuteStore
  metrics: Metrics
  queues: JobQueues
  /** Held by the action worker on the attempt it runs, so no sweep settles it meanwhile. */
  leases: AttemptLeases
  providers: ProviderRegistry
  /** Serialises "read the admins, then write" per integration, across replicas. */
  adminLocks: AdminLocks
  /** Whether an action job still owns its attempt (its BullMQ lock, and the alert in progress for it): checked before any write. */
  ownsAttempt: (job: AttemptOwner) => Promise<boolean>
  /** Retries: results and failures must land. */
  slack: SlackPort
  /** Posts new alerts without waiting out a 429 itself, so the posting queue pauses for exactly Retry-After. */
  poster: SlackPort
  /** Actors' emails from Slack, for the own-account guard checked again when the action runs. */
  actorEmails: ActorEmails
  /** Offboarding checklists are posted here (ALERT_CHANNEL_ID); alerts, health messages and summaries follow `routes`. */
  alertChannelId: string
  /** The routes file's rules (without one, everything goes to ALERT_CHANNEL_ID). */
  routes: RoutingTable
  logger: Logger
  retry: RetryPolicy
  /** The longest a service's rate limit holds an action (MAX_RATE_LIMIT_WAIT_SECONDS). */
  maxRateLimitWaitMs: number
  now: () => Date
}

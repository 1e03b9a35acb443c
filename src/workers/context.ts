/** What every background job needs; one object built by the runtime. */
import type { WebClient } from '@slack/web-api'
import type { ActorEmails } from '../slack/actors.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { HealthStore } from '../store/health.js'
import type { MuteStore } from '../features/mutes/store.js'
import type { OffboardStore } from '../features/offboarding/store.js'
import type { ProviderRegistry } from '../providers/registry.js'
import type { AlertStore } from '../store/alerts.js'
import type { AuditLog } from '../store/audit.js'
import type { ApprovalStore } from '../features/approval/store.js'
import type { AttemptLeases } from '../features/alerts/attempt-lease.js'
import type { JobQueues, RetryPolicy } from '../jobs/queues.js'
import type { TimerStore } from '../jobs/timers.js'
import type { AdminLocks } from '../store/admin-lock.js'
import type { AttemptOwner } from '../features/alerts/attempt-ownership.js'

export interface JobContext {
  alerts: AlertStore
  audit: AuditLog
  timers: TimerStore
  health: HealthStore
  mutes: MuteStore
  approvals: ApprovalStore
  offboard: OffboardStore
  metrics: Metrics
  queues: JobQueues
  /** Held by the action worker on the attempt it runs, so no sweep settles it meanwhile. */
  leases: AttemptLeases
  providers: ProviderRegistry
  /** Serialises "read the admins, then write" per integration, across replicas. */
  adminLocks: AdminLocks
  /** Whether an action job still owns its attempt (its BullMQ lock, and the alert in progress for it): checked before any write. */
  ownsAttempt: (job: AttemptOwner) => Promise<boolean>
  slack: WebClient
  /**
   * Posts new alerts. It does not wait out a 429 itself (`rejectRateLimitedCalls`): @slack/web-api would add its
   * retry backoff on top of Retry-After, so the posting queue pauses for exactly Retry-After instead.
   */
  poster: WebClient
  /** Actors' emails from Slack, for the own-account guard checked again when the action runs. */
  actorEmails: ActorEmails
  alertChannelId: string
  logger: Logger
  retry: RetryPolicy
  /** The longest a service's rate limit holds an action (MAX_RATE_LIMIT_WAIT_SECONDS). */
  maxRateLimitWaitMs: number
  now: () => Date
}

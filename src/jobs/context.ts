/** What every background job needs; one object built by the runtime. */
import type { WebClient } from '@slack/web-api'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { HealthStore } from '../store/health.js'
import type { MuteStore } from '../store/mutes.js'
import type { OffboardStore } from '../store/offboard.js'
import type { ProviderRegistry } from '../providers/registry.js'
import type { AlertStore } from '../store/alerts.js'
import type { AuditLog } from '../store/audit.js'
import type { ApprovalStore } from '../store/approvals.js'
import type { AttemptLeases } from './attempt-lease.js'
import type { JobQueues, RetryPolicy } from './queues.js'
import type { TimerStore } from './timers.js'

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
  slack: WebClient
  /**
   * Posts new alerts. It does not wait out a 429 itself (`rejectRateLimitedCalls`): @slack/web-api would add its
   * retry backoff on top of Retry-After, so the posting queue pauses for exactly Retry-After instead.
   */
  poster: WebClient
  alertChannelId: string
  logger: Logger
  retry: RetryPolicy
  now: () => Date
}

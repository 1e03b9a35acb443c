/** What Slack handlers need; passed in so tests and replicas wire the same handlers to real or local parts. */
import type { WebClient } from '@slack/web-api'
import type { ActorEmails } from './actors.js'
import type { IntegrationStatus } from '../views/health.js'
import type { JobQueues } from '../jobs/queues.js'
import type { Logger } from '../logger.js'
import type { ProviderRegistry } from '../providers/registry.js'
import type { AlertStore } from '../store/alerts.js'
import type { AuditLog } from '../store/audit.js'
import type { ApprovalStore } from '../features/approval/store.js'
import type { TimerStore } from '../jobs/timers.js'
import type { ApprovalPolicy } from '../features/approval/listeners/approval.js'
import type { MuteStore } from '../features/mutes/store.js'
import type { OffboardStore } from '../features/offboarding/store.js'
import type { RedisFinding } from '../store/redis-settings.js'

export interface HandlerDeps {
  alerts: AlertStore
  audit: AuditLog
  mutes: MuteStore
  approvals: ApprovalStore
  /** Which requests need a second person's approval, and for how long they wait. */
  approval: ApprovalPolicy
  timers: TimerStore
  offboard: OffboardStore
  queues: JobQueues
  providers: ProviderRegistry
  actors: ReadonlySet<string>
  /** Actors' emails from Slack, for the own-account guard. */
  actorEmails: ActorEmails
  /** A Slack client that fails fast (short timeout, no retries) for status posts that must not delay work. */
  announcer: WebClient
  logger: Logger
  /** Checks every integration now (for /deprovision status). */
  checkIntegrations: () => Promise<IntegrationStatus[]>
  /** Checks the Redis settings the bot relies on now (for /deprovision status). */
  checkRedis: () => Promise<RedisFinding[]>
  /** How long the confirmation modal waits for the service before showing a timeout. */
  preflightTimeoutMs: number
  now?: () => Date
}

export function isActor(deps: Pick<HandlerDeps, 'actors'>, userId: string): boolean {
  return deps.actors.has(userId)
}

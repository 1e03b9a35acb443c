/** What the Slack listeners need: every feature's listener dependencies, one object built by the composition root. */
import type { AlertDeps } from '../features/alerts/deps.js'
import type { ApprovalPolicy } from '../features/approval/policy.js'
import type { ApprovalStore } from '../features/approval/store.js'
import type { OffboardStore } from '../features/offboarding/store.js'
import type { RedisFinding } from '../store/redis-settings.js'
import type { TimerStore } from '../jobs/timers.js'
import type { IntegrationStatus } from '../views/health.js'
import type { WebhookStatus } from '../features/audit-webhook/views/status.js'
import type { MembershipProblem } from '../features/routing/membership.js'

export interface HandlerDeps extends AlertDeps {
  approvals: ApprovalStore
  /** Which requests need a second person's approval, and for how long they wait. */
  approval: ApprovalPolicy
  timers: TimerStore
  offboard: OffboardStore
  /** Checks every integration now (for /deprovision status). */
  checkIntegrations: () => Promise<IntegrationStatus[]>
  /** Checks the Redis settings the bot relies on now (for /deprovision status). */
  checkRedis: () => Promise<RedisFinding[]>
  /** How the audit webhook is doing (for /deprovision status); unset when AUDIT_WEBHOOK_URL is not. */
  webhookStatus?: () => Promise<WebhookStatus>
  /** Checks the bot is in every routed channel now (for /deprovision status). */
  checkRouting: () => Promise<MembershipProblem[]>
}

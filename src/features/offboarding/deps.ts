/** What offboarding's listeners need: the alert path's parts (each step is an alert), its runs, the approval policy. */
import type { AlertDeps } from '../alerts/deps.js'
import type { ApprovalPolicy } from '../approval/policy.js'
import type { OffboardStore } from './store.js'
import type { TimerStore } from '../../jobs/timers.js'

export interface OffboardingDeps extends AlertDeps {
  offboard: OffboardStore
  approval: ApprovalPolicy
  /** A run planned for later starts on a durable timer. */
  timers: TimerStore
}

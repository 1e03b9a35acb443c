/** What the workers hand to the features' jobs: every feature's job dependencies, one object built by the runtime. */
import type { AlertJobDeps } from '../features/alerts/deps.js'
import type { ApprovalStore } from '../features/approval/store.js'
import type { OffboardStore } from '../features/offboarding/store.js'

export interface JobContext extends AlertJobDeps {
  approvals: ApprovalStore
  offboard: OffboardStore
}

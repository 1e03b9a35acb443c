/**
 * Every refusal is audited: who was refused, what they asked for, and why. Handlers answer
 * the person first (Slack's trigger and ack do not wait), then record it here; an audit
 * write that fails is logged, never thrown at the person who was refused.
 */
import type { AuditEntry, AuditLog } from '../store/audit.js'
import type { Logger } from '../logger.js'

/** Why anyone outside ACTORS is refused. */
export const NOT_AN_ACTOR = 'not an authorized actor'

export type Refusal = Omit<AuditEntry, 'event' | 'alertId'> & {
  event: Extract<AuditEntry['event'], 'action-refused' | 'command-refused' | 'offboard-refused'>
  /** The alert or offboarding form refused, when there is one. */
  alertId?: string
  actor: string
  action: string
  detail: string
}

export async function auditRefusal(deps: { audit: AuditLog; logger: Logger }, { alertId = '', ...refusal }: Refusal): Promise<void> {
  const log = deps.logger.child({ alertId, action: refusal.action, actor: refusal.actor })
  log.warn({ reason: refusal.detail }, refusal.event)
  await deps.audit.append({ alertId, ...refusal }).catch((error: unknown) => log.error({ err: error }, 'could not audit a refusal'))
}

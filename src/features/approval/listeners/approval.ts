/**
 * Two-person approval, its Approve / Reject buttons (holding a request: ../request.ts). The requester cannot decide on their own request; any
 * other actor can; the alert's atomic transitions make exactly one decision count.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import type { Alert } from '../../../domain/alert.js'
import { closeApproval, recordDecision } from '../decisions.js'
import type { Logger } from '../../../logger.js'
import { comparableEmail, isAddressOf } from '../../../providers/addresses.js'
import { takesAccessAway } from '../../../providers/guards.js'
import { describeProblem, toProblem, type Problem } from '../../../providers/problems.js'
import type { Action } from '../../../providers/types.js'
import type { ApprovalRecord } from '../store.js'
import { alreadyDecidedText, ownAccountRefusal, ownRequestRefusal } from '../views/approval.js'
import { notAuthorizedText } from '../../alerts/views/modals.js'
import type { AlertDeps } from '../../alerts/deps.js'
import type { ApprovalRequestDeps } from '../request.js'
import { isActor } from '../../../slack/actors.js'
import { auditRefusal, NOT_AN_ACTOR } from '../../../slack/refusal.js'
import { withTimeout } from '../../alerts/confirmation.js'
import { startAction } from '../../alerts/start-action.js'

type ListenerDeps = AlertDeps & ApprovalRequestDeps

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

/** Approve or Reject on an "awaiting approval" message. */
export function decideApproval(deps: ListenerDeps, pressed: 'approve' | 'reject') {
  return async ({ ack, body, action, client, respond }: ButtonArgs): Promise<void> => {
    await ack()
    const actor = body.user.id
    const tell = async (text: string) => {
      await respond({ response_type: 'ephemeral', replace_original: false, text })
    }
    const record = await deps.approvals.get(action.value ?? '')
    if (!record) return tell('This approval request is no longer stored (it ended long ago), so nothing was changed.')
    const { approval } = record
    const log = deps.logger.child({ alertId: record.alertId, action: approval.action, actor, approvalId: approval.id })

    const alert = await deps.alerts.get(record.alertId)
    const ownAccount =
      pressed === 'approve' && alert && isActor(deps, actor) && actor !== approval.requester
        ? await ownAccountProblem(deps, actor, alert, approval.action)
        : undefined
    const refusal = !isActor(deps, actor)
      ? { text: notAuthorizedText(approval.action), detail: NOT_AN_ACTOR }
      : actor === approval.requester
        ? { text: ownRequestRefusal(approval, pressed), detail: `the requester cannot ${pressed} their own request` }
        : ownAccount && alert
          ? {
              text: ownAccountRefusal(ownAccount, { serviceName: alert.integrationName, action: approval.action }),
              detail:
                ownAccount.kind === 'self' ? 'the approver’s own account' : `the approver’s own account could not be ruled out: ${describeProblem(ownAccount)}`,
            }
          : undefined
    if (refusal) {
      await auditRefusal(deps, {
        event: 'action-refused',
        alertId: record.alertId,
        actor,
        requester: approval.requester,
        action: approval.action,
        detail: refusal.detail,
      })
      return tell(refusal.text)
    }

    const decided =
      alert !== null &&
      (pressed === 'approve'
        ? await approve(deps, client, alert, record, actor, log)
        : await closeApproval(deps, client, alert, record, { kind: 'rejected', by: actor, at: clock(deps).toISOString() }))
    if (!decided) {
      log.info(`${pressed} came too late: the request no longer awaits approval`)
      await tell(alreadyDecidedText((await deps.approvals.get(approval.id))?.decision))
    }
  }
}

/** The approved request becomes the requester's attempt (once, however many approvers press) and runs. */
async function approve(
  deps: ListenerDeps,
  client: ButtonArgs['client'],
  alert: Alert,
  record: ApprovalRecord,
  approver: string,
  log: Logger,
): Promise<boolean> {
  const now = clock(deps)
  const claim = await deps.alerts.claimApproved(alert, record.approval.id, approver, now)
  if (claim.status !== 'claimed') return false
  await recordDecision(deps, client, alert, record, { kind: 'approved', by: approver, at: now.toISOString() })
  await startAction(deps, client, alert, claim.request, record.choices, log)
  return true
}

/**
 * Why the approver may not approve an action that takes access away: the account is theirs (its address, or any other
 * address the service reports for it, is their Slack email), or that cannot be ruled out (Slack did not say who they
 * are, the service did not answer). Undefined when they may.
 */
async function ownAccountProblem(deps: ListenerDeps, approver: string, alert: Alert, action: Action): Promise<Problem | undefined> {
  if (!takesAccessAway(action) || alert.access) return undefined
  const own = await deps.actorEmails.of(approver)
  if (own === undefined) return { kind: 'unknown-actor' }
  if (comparableEmail(own) === comparableEmail(alert.email)) return { kind: 'self' }
  const provider = deps.providers.get(alert.integration)
  if (!provider) return undefined
  try {
    const account = await withTimeout(provider.findAccount(alert.email), deps.preflightTimeoutMs, provider.displayName)
    return account && isAddressOf(account, own) ? { kind: 'self' } : undefined
  } catch (error) {
    return toProblem(error)
  }
}

function clock(deps: Pick<ListenerDeps, 'now'>): Date {
  return (deps.now ?? (() => new Date()))()
}

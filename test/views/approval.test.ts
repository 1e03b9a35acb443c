import { describe, expect, it } from 'vitest'
import type { PendingApproval } from '../../src/domain/alert.js'
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../src/constants.js'
import type { ApprovalDecision } from '../../src/features/approval/store.js'
import { alertMessage } from '../../src/features/alerts/views/alert-message.js'
import {
  alreadyDecidedText,
  approvalClosedMessage,
  approvalDecisionReply,
  approvalRequestMessage,
  awaitingApprovalLine,
  ownRequestRefusal,
} from '../../src/features/approval/views/approval.js'
import type { ActionsBlock, Button, KnownBlock } from '../../src/views/blocks.js'
import { messageViolations, modalViolations } from '../support/slack-limits.js'
import { busyModal } from '../../src/features/alerts/views/modals.js'
import { HOSTILE, allText, hostileAlert, injectedMarkup, makeAlert } from './fixtures.js'

const alert = makeAlert()
const approval: PendingApproval = {
  id: 'ap_0123456789ab',
  action: 'delete',
  requester: 'U0ACTOR1',
  at: '2024-05-01T12:00:00.000Z',
  expiresAt: '2024-05-02T12:00:00.000Z',
}
const DECISIONS: readonly ApprovalDecision[] = [
  { kind: 'approved', by: 'U0ACTOR2', at: '2024-05-01T13:00:00.000Z' },
  { kind: 'rejected', by: 'U0ACTOR2', at: '2024-05-01T13:00:00.000Z' },
  { kind: 'expired', at: '2024-05-02T12:00:30.000Z' },
]
const ENDED = DECISIONS.filter((d): d is Exclude<ApprovalDecision, { kind: 'approved' }> => d.kind !== 'approved')

function buttons(blocks: readonly KnownBlock[]): Button[] {
  return blocks
    .filter((b): b is ActionsBlock => b.type === 'actions')
    .flatMap((b) => b.elements)
    .filter((e): e is Button => e.type === 'button')
}

describe('approvalRequestMessage', () => {
  it('says who asks for what, until when, with Approve and Reject carrying the approval id', () => {
    const message = approvalRequestMessage(alert, approval, {})
    expect(messageViolations(message)).toEqual([])
    expect(message.text).toBe('🛂 Awaiting approval: <@U0ACTOR1> asks to delete ann.retired@corp.example from Atlassian.')
    expect(allText(message.blocks)).toContain('Anyone in ACTORS except <@U0ACTOR1> may approve or reject')
    expect(allText(message.blocks)).toContain('<!date^1714651200^')
    expect(buttons(message.blocks).map((b) => [b.action_id, b.value, b.style])).toEqual([
      [APPROVE_ACTION_ID, approval.id, 'primary'],
      [REJECT_ACTION_ID, approval.id, 'danger'],
    ])
  })

  it('shows the answers given in the confirmation, so the approver sees what will be done', () => {
    const message = approvalRequestMessage(alert, approval, { newOwner: 'u-42', apiKeys: 'delete' })
    expect(allText(message.blocks)).toContain('Answers given in the confirmation: newOwner: u-42; apiKeys: delete')
    expect(allText(approvalRequestMessage(alert, approval, {}).blocks)).not.toContain('Answers')
  })

  it('stays within Slack limits and lets no markup through for hostile names and answers', () => {
    const answers = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`q${i}${HOSTILE.name}`, HOSTILE.detail]))
    const message = approvalRequestMessage(hostileAlert(), approval, answers)
    expect(messageViolations(message)).toEqual([])
    expect(injectedMarkup(message)).toEqual([])
  })
})

describe('approvalClosedMessage', () => {
  it.each(DECISIONS)('says the request ended ($kind), without buttons, within limits', (decision) => {
    const message = approvalClosedMessage(alert, approval, decision)
    expect(messageViolations(message)).toEqual([])
    expect(buttons(message.blocks)).toEqual([])
    expect(message.text).toContain('<@U0ACTOR1> asked to delete ann.retired@corp.example from Atlassian')
    expect(injectedMarkup(approvalClosedMessage(hostileAlert(), approval, decision))).toEqual([])
  })

  it('names who decided', () => {
    expect(approvalClosedMessage(alert, approval, DECISIONS[0]!).text).toContain('approved by <@U0ACTOR2>')
    expect(approvalClosedMessage(alert, approval, DECISIONS[1]!).text).toContain('rejected by <@U0ACTOR2>')
    expect(approvalClosedMessage(alert, approval, DECISIONS[2]!).text).toContain('it expired after 24 h without a decision')
  })
})

describe('approvalDecisionReply', () => {
  it('names who rejected whose request, and that nothing was done', () => {
    const reply = approvalDecisionReply(alert, approval, ENDED[0]!)
    expect(messageViolations(reply)).toEqual([])
    expect(reply.text).toBe(
      '🚫 <@U0ACTOR2> rejected <@U0ACTOR1>’s request to delete ann.retired@corp.example from Atlassian. Nothing was done; the alert is open again.',
    )
  })

  it('says how long an expired request waited: the configured time, not how late the timer ran', () => {
    expect(approvalDecisionReply(alert, approval, ENDED[1]!).text).toBe(
      '⌛ <@U0ACTOR1>’s request to delete ann.retired@corp.example from Atlassian expired after 24 h without approval. Nothing was done; the alert is open again.',
    )
  })

  it.each(ENDED)('stays within limits for hostile input ($kind)', (decision) => {
    const reply = approvalDecisionReply(hostileAlert(), approval, decision)
    expect(messageViolations(reply)).toEqual([])
    expect(injectedMarkup(reply)).toEqual([])
  })
})

describe('the alert while a request awaits approval', () => {
  const held = makeAlert({ state: { kind: 'awaiting-approval', approval, previous: { kind: 'open' } } })

  it('says so and offers no action or mute, so nothing else can start meanwhile', () => {
    const message = alertMessage(held, { capabilities: new Set(['delete', 'suspend']) })
    expect(messageViolations(message)).toEqual([])
    expect(allText(message.blocks)).toContain(awaitingApprovalLine(approval))
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false)
    expect(message.text).toContain('Delete awaits approval.')
  })

  it('answers a confirmation opened before the request with a modal saying it awaits approval', () => {
    const modal = busyModal({ alertId: held.id, action: 'delete' }, held)
    expect(modalViolations(modal)).toEqual([])
    expect(modal.submit).toBeUndefined()
    expect(allText(modal.blocks)).toContain('requested by <@U0ACTOR1>')
  })
})

describe('refusals', () => {
  it('tell the requester why they cannot decide on their own request', () => {
    expect(ownRequestRefusal(approval, 'approve')).toContain('You asked to delete this account, so you cannot approve it yourself: two people must agree.')
    expect(ownRequestRefusal(approval, 'reject')).toContain('cannot reject it yourself')
  })

  it('tell a late click how the request ended', () => {
    expect(alreadyDecidedText(DECISIONS[0])).toBe('This request no longer awaits approval: approved by <@U0ACTOR2>. Nothing was changed.')
    expect(alreadyDecidedText(undefined)).toBe('This request no longer awaits approval, so nothing was changed.')
  })
})

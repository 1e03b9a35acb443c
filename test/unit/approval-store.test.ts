/**
 * Holding an alert for approval in Redis: exactly one decision counts (approve,
 * reject or expire), however many replicas race, and a held alert accepts no other
 * request. The approval record keeps what the approver and the thread are told.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Alert, PendingApproval } from '../../src/domain/alert.js'
import type { Action } from '../../src/providers/types.js'
import { AlertStore } from '../../src/store/alerts.js'
import { ApprovalStore, newApprovalId } from '../../src/features/approval/store.js'
import { useRedis } from '../support/redis.js'

const CAPABILITIES: ReadonlySet<Action> = new Set(['delete', 'suspend'])
const NOW = new Date('2026-11-22T10:00:00.000Z')

/** `connect` gives other "replicas" their own connection. */
const { redis, connect: replica } = useRedis()
let alerts: AlertStore
beforeAll(() => {
  alerts = new AlertStore(redis())
})

async function heldAlert(): Promise<{ alert: Alert; approval: PendingApproval }> {
  const created = await alerts.create({ integration: 'hr', email: 'ann@example.com', reason: 'left', severity: 'high' }, 'HR', NOW)
  if (created.status !== 'created') throw new Error('not created')
  const approval: PendingApproval = {
    id: newApprovalId(),
    action: 'delete',
    requester: 'U0REQUESTER',
    at: NOW.toISOString(),
    expiresAt: '2026-11-23T10:00:00.000Z',
  }
  expect(await alerts.holdForApproval(created.alert, approval, CAPABILITIES)).toBe(true)
  return { alert: (await alerts.get(created.alert.id))!, approval }
}

describe('an alert held for approval', () => {
  it('accepts no other request meanwhile: neither a claim nor a second hold', async () => {
    const { alert } = await heldAlert()
    expect(await alerts.claim(alert, 'suspend', 'U0OTHER', CAPABILITIES, NOW)).toMatchObject({ status: 'refused', state: { kind: 'awaiting-approval' } })
    const another: PendingApproval = { id: newApprovalId(), action: 'delete', requester: 'U0OTHER', at: NOW.toISOString(), expiresAt: NOW.toISOString() }
    expect(await alerts.holdForApproval(alert, another, CAPABILITIES)).toBe(false)
  })

  it('becomes exactly one attempt, the requester’s, when ten approvers press at once', async () => {
    const { alert, approval } = await heldAlert()
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => new AlertStore(replica()).claimApproved(alert, approval.id, `U0APPROVER${i}`, NOW)))
    const claimed = results.filter((r) => r.status === 'claimed')
    expect(claimed).toHaveLength(1)
    expect(claimed[0]).toMatchObject({ request: { action: 'delete', actor: 'U0REQUESTER', attempt: 1, approvedBy: expect.stringMatching(/^U0APPROVER\d$/) } })
    expect((await alerts.get(alert.id))!.state).toMatchObject({
      kind: 'in-progress',
      request: { approvedBy: (claimed[0] as { request: { approvedBy: string } }).request.approvedBy },
    })
  })

  it('is either approved or rejected, never both, when Approve and Reject race', async () => {
    for (let round = 0; round < 20; round++) {
      const { alert, approval } = await heldAlert()
      const [approved, released] = await Promise.all([alerts.claimApproved(alert, approval.id, 'U0APPROVER', NOW), alerts.releaseApproval(alert, approval.id)])
      expect([approved.status === 'claimed', released].filter(Boolean)).toHaveLength(1)
      expect((await alerts.get(alert.id))!.state.kind).toBe(released ? 'open' : 'in-progress')
    }
  })

  it('returns to where it stood when released, and a late approval of it is refused', async () => {
    const { alert, approval } = await heldAlert()
    expect(await alerts.releaseApproval(alert, approval.id)).toBe(true)
    const open = (await alerts.get(alert.id))!
    expect(open.state).toEqual({ kind: 'open' })
    expect(await alerts.claimApproved(open, approval.id, 'U0APPROVER', NOW)).toMatchObject({ status: 'refused' })
    expect(await alerts.releaseApproval(open, approval.id)).toBe(false)
  })
})

describe('the approval record', () => {
  it('keeps the request, the answers, the message and the decision', async () => {
    const approvals = new ApprovalStore(redis())
    const { alert, approval } = await heldAlert()
    await approvals.create(alert.id, approval, { newOwner: 'u-42' })
    await approvals.setMessage(approval.id, { channel: 'C0ALERTS', ts: '1.000100' })
    await approvals.setDecision(approval.id, { kind: 'rejected', by: 'U0APPROVER', at: NOW.toISOString() })
    expect(await new ApprovalStore(replica()).get(approval.id)).toEqual({
      alertId: alert.id,
      approval,
      choices: { newOwner: 'u-42' },
      message: { channel: 'C0ALERTS', ts: '1.000100' },
      decision: { kind: 'rejected', by: 'U0APPROVER', at: NOW.toISOString() },
    })
    expect(await redis().pttl(`dpb:approval:${approval.id}`)).toBeGreaterThan(24 * 3_600_000)
  })

  it('is not found for an id that is not an approval id', async () => {
    expect(await new ApprovalStore(redis()).get('dpb:alert:x')).toBeNull()
  })
})

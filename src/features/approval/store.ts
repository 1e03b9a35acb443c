/**
 * Requests awaiting a second person's approval (two-person rule), in Redis: who
 * asked for which action on which alert, the answers given in the confirmation,
 * when, until when, where the "awaiting approval" message is, and how it ended.
 * Whether the request may still run is decided atomically on the alert itself
 * (store/alerts.ts); this record is what the approver and the thread are told.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { MessageRef, PendingApproval } from '../../domain/alert.js'
import type { Choices } from '../../providers/types.js'
import { KEY_PREFIX } from '../../store/redis.js'

/** How long a decided or expired request is remembered, to tell a late click how it ended. */
const KEEP_AFTER_EXPIRY_MS = 30 * 24 * 3600 * 1000

const approvalKey = (id: string) => `${KEY_PREFIX}approval:${id}`

/** How a request awaiting approval ended. */
export type ApprovalDecision = { kind: 'approved'; by: string; at: string } | { kind: 'rejected'; by: string; at: string } | { kind: 'expired'; at: string }

export interface ApprovalRecord {
  alertId: string
  approval: PendingApproval
  /** The requester's answers to the confirmation's questions, used as they were when the action runs. */
  choices: Choices
  /** The "awaiting approval" message in the alert's thread, once posted. */
  message?: MessageRef
  decision?: ApprovalDecision
}

export class ApprovalStore {
  constructor(private readonly redis: Redis) {}

  async create(alertId: string, approval: PendingApproval, choices: Choices): Promise<void> {
    const keepMs = Date.parse(approval.expiresAt) - Date.parse(approval.at) + KEEP_AFTER_EXPIRY_MS
    await this.redis
      .multi()
      .hset(approvalKey(approval.id), 'alertId', alertId, 'approval', JSON.stringify(approval), 'choices', JSON.stringify(choices))
      .pexpire(approvalKey(approval.id), keepMs)
      .exec()
  }

  async get(id: string): Promise<ApprovalRecord | null> {
    if (!isApprovalId(id)) return null
    const [alertId, approval, choices, message, decision] = await this.redis.hmget(approvalKey(id), 'alertId', 'approval', 'choices', 'message', 'decision')
    if (!alertId || !approval || !choices) return null
    return {
      alertId,
      approval: JSON.parse(approval) as PendingApproval,
      choices: JSON.parse(choices) as Choices,
      ...(message ? { message: JSON.parse(message) as MessageRef } : {}),
      ...(decision ? { decision: JSON.parse(decision) as ApprovalDecision } : {}),
    }
  }

  async setMessage(id: string, message: MessageRef): Promise<void> {
    await this.redis.hset(approvalKey(id), 'message', JSON.stringify(message))
  }

  /** Records how the request ended (the alert's own transition already decided that it did). */
  async setDecision(id: string, decision: ApprovalDecision): Promise<void> {
    await this.redis.hset(approvalKey(id), 'decision', JSON.stringify(decision))
  }
}

export function newApprovalId(): string {
  return `ap_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`
}

const APPROVAL_ID = /^ap_[A-Za-z0-9]{12}$/
export function isApprovalId(value: string): boolean {
  return APPROVAL_ID.test(value)
}

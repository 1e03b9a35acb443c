/**
 * Google Workspace deletion through the real Bolt app, with the hand-over of the
 * person's files: a new owner picked in a searchable select, a Data Transfer started
 * and polled with progress in the thread, the user deleted only once it completed,
 * kept when it failed; skipping is a choice the thread and the audit show; without
 * the data transfer scope the modal says the hand-over is unavailable.
 */
import { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DATATRANSFER_SCOPE } from '../../local/google-workspace-sandbox.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { newOwnerSuggestions } from '../support/new-owner-suggestions.js'
import { AuditLog } from '../../src/store/audit.js'

const BOB = '100000000000000000003'
const CAROL = '100000000000000000004'

let env: LocalEnvironment
let redis: Redis
beforeEach(async () => {
  env = await startLocalEnvironment({ googleWorkspace: {}, retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100, maxPollDelayMs: 60 } })
  redis = new Redis(env.redisUrl)
})
afterEach(async () => {
  redis?.disconnect()
  await env?.stop()
})

const text = (item: StoredView | StoredMessage) => JSON.stringify(item.blocks)

async function openDelete(email: string): Promise<{ message: StoredMessage; view: StoredView; alertId: string }> {
  const accepted = await env.postAlert({ integration: LOCAL.googleId, email, reason: 'Left the company' })
  const alertId = String(accepted.body.alertId)
  const message = await env.alertMessage(alertId)
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return { message, view: await env.confirmation(since), alertId }
}

const suggestions = async (view: StoredView, typed: string) => (await newOwnerSuggestions(env, view, typed)).map((o) => o.value)

describe('Google Workspace delete with a hand-over of their files', () => {
  it('hands their Drive files to the chosen new owner, shows the progress, and deletes the user once the transfer completed', async () => {
    const { message, view } = await openDelete('bob@example.com')
    expect(view.blocks.map((b) => b.block_id)).toEqual(expect.arrayContaining(['question:hand-over', 'question:new-owner']))
    expect(await suggestions(view, 'car')).toEqual([CAROL])

    await env.submit(view, undefined, { 'hand-over': 'drive', 'new-owner': CAROL })

    await env.threadReply(message, /0 of 1 transfers to Carol Contractor/)
    const reply = await env.threadReply(message, /was deleted/, 20_000)
    expect(reply.text).toMatch(/Drive and Docs data was handed over to Carol Contractor/)
    const [transfer] = [...env.googleWorkspace!.transfers.values()]
    expect(transfer).toMatchObject({ oldOwnerUserId: BOB, newOwnerUserId: CAROL, overallTransferStatusCode: 'completed' })
    expect(env.googleWorkspace!.users.has(BOB)).toBe(false)
  })

  it('keeps the user when the transfer fails, and says which application failed and what to do', async () => {
    env.googleWorkspace!.failingTransfers.add('Calendar')
    const { message, view } = await openDelete('bob@example.com')

    await env.submit(view, undefined, { 'hand-over': 'drive-calendar', 'new-owner': CAROL })

    const reply = await env.threadReply(message, /failed|could not|must be resolved/i, 20_000)
    expect(text(reply)).toMatch(/transfer of their Calendar data to Carol Contractor/)
    expect(text(reply)).toMatch(/user was kept/)
    expect(text(reply)).toMatch(/Retry/)
    expect(env.googleWorkspace!.users.has(BOB)).toBe(true)
    expect(env.googleWorkspace!.requests.some((r) => r.method === 'DELETE')).toBe(false)
  })

  it('deletes without a transfer only when skipping was chosen, and the thread and the audit say so', async () => {
    const { message, view, alertId } = await openDelete('bob@example.com')

    await env.submit(view, undefined, { 'hand-over': 'skip' })

    const reply = await env.threadReply(message, /was deleted/)
    expect(reply.text).toMatch(/hand-over was skipped by choice/)
    expect(env.googleWorkspace!.transfers.size).toBe(0)
    const entries = await new AuditLog(redis).forAlert(alertId)
    expect(entries.find((e) => e.event === 'action-requested')?.detail).toMatch(/"hand-over":"skip"/)
    expect(entries.find((e) => e.event === 'action-completed')?.detail).toMatch(/hand-over was skipped by choice/)
  })

  it('says in the modal that the hand-over is unavailable, and why, when the data transfer scope is not delegated', async () => {
    env.googleWorkspace!.delegatedScopes.delete(DATATRANSFER_SCOPE)

    const { view } = await openDelete('bob@example.com')

    expect(text(view)).toMatch(/cannot be handed over/)
    expect(text(view)).toContain(DATATRANSFER_SCOPE)
    expect(view.blocks.map((b) => b.block_id)).not.toContain('question:new-owner')
    expect(view.submit).toBeDefined()
  })
})

/**
 * The account a person confirmed is the account acted on. When the service holds another account for the same
 * email by the time the action runs (a re-hire, an account deleted and created again), nothing is written: the
 * thread says the account changed since it was confirmed, and Retry opens a fresh confirmation of the account as
 * the service holds it now. Through a confirmation, an approval that waited, and an offboarding step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APPROVE_ACTION_ID, OFFBOARD_DECISION_ACTION_ID, offboardDecisionBlockId } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'

let env: LocalEnvironment

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [
      { id: 'u-alice', userName: 'alice@example.com', displayName: 'Alice Departed' },
      { id: 'u-bob', userName: 'bob@example.com', displayName: 'Bob Departed' },
      { id: 'u-carol', userName: 'carol@example.com', displayName: 'Carol Departed' },
    ],
    scimEntry: { approval: ['suspend'] },
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
  })
})
afterAll(async () => {
  await env?.stop()
})

const text = (value: unknown) => JSON.stringify(value)
const writesTo = (id: string) => env.scim.requests.filter((r) => r.method !== 'GET' && r.path.includes(id))

/** The service replaces the person's account: the old one goes, a new one with the same email arrives. */
function replaceAccount(oldId: string, email: string): string {
  env.scim.users.delete(oldId)
  return env.scim.addUser({ id: `${oldId}-rehired`, userName: email, displayName: 'Rehired Person' }).id
}

async function raise(email: string): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Left the company' })
  expect(accepted.status).toBe(202)
  return env.alertMessage(String(accepted.body.alertId))
}

async function openConfirmation(message: StoredMessage, action: 'delete' | 'suspend'): Promise<StoredView> {
  const since = env.slack.calls.length
  expect((await env.click(message, action)).status).toBe(200)
  return env.confirmation(since)
}

describe('the account a person confirmed', () => {
  it('is the only one a confirmed deletion acts on: a replacement found at run time is left alone, and the thread says why, with Retry', async () => {
    const alert = await raise('alice@example.com')
    const view = await openConfirmation(alert, 'delete')
    expect(text(view.blocks)).toContain('Alice Departed')

    const newId = replaceAccount('u-alice', 'alice@example.com')
    expect((await env.submit(view)).status).toBe(200)

    const reply = await env.threadReply(alert, /changed since it was confirmed/)
    expect(text(reply.blocks)).toContain('u-alice')
    expect(text(reply.blocks)).toContain(newId)
    expect(env.scim.users.has(newId)).toBe(true)
    expect(writesTo(newId)).toEqual([])

    // Retry opens a fresh confirmation: the account as the service holds it now.
    const retry = await openConfirmation(reply, 'delete')
    expect(text(retry.blocks)).toContain('Rehired Person')
  })

  it('is the only one an approved request acts on, however long the approval waited', async () => {
    const alert = await raise('bob@example.com')
    expect((await env.submit(await openConfirmation(alert, 'suspend'))).status).toBe(200)
    const request = await env.threadReply(alert, /Awaiting approval/)

    const newId = replaceAccount('u-bob', 'bob@example.com')
    expect((await env.press(request, APPROVE_ACTION_ID, { id: LOCAL.approver })).status).toBe(200)

    await env.threadReply(alert, /changed since it was confirmed/)
    expect(env.scim.users.get(newId)?.active).toBe(true)
    expect(writesTo(newId)).toEqual([])
  })

  it('is the only one an offboarding step acts on: the account looked up in the modal', async () => {
    const modal = (await env.offboardForm('carol@example.com')).final

    const newId = replaceAccount('u-carol', 'carol@example.com')
    await env.submitValues(modal, { [offboardDecisionBlockId(LOCAL.integrationId)]: { [OFFBOARD_DECISION_ACTION_ID]: 'delete' } })

    await env.slack.waitFor('chat.postMessage', (c) => Boolean(c.args.thread_ts) && /changed since it was confirmed/.test(text(c.args)), 10_000)
    expect(env.scim.users.has(newId)).toBe(true)
    expect(writesTo(newId)).toEqual([])
  })
})

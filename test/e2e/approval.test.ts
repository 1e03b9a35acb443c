/**
 * Two-person approval through the real Bolt app: an integration configured with
 * `approval: [delete]` holds a confirmed deletion until another authorized actor
 * approves it in the thread. The requester cannot decide on their own request,
 * outsiders cannot either, exactly one of two simultaneous approvals counts,
 * Reject and expiry put the alert back, and actions without approval run as before.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { blockActionsPayload, interactionBody, postToSlackApp } from '../../local/slack-signing.js'
import type { StoredMessage } from '../../local/slack-stand-in.js'
import { AuditLog, type StoredAuditEntry } from '../../src/store/audit.js'

const HOUR = 3_600_000
const USERS = ['ann', 'ben', 'cat', 'dee', 'eve', 'fay', 'gil', 'hal', 'ivy'].map((name) => ({
  id: `u-${name}`,
  userName: `${name}@example.com`,
  displayName: name,
}))

let env: LocalEnvironment
let redis: Redis
let clock = new Date('2026-11-22T10:00:00.000Z')

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: USERS,
    scimEntry: { approval: ['delete'] },
    now: () => clock,
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
  })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

async function raise(email: string): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Left the company' })
  expect(accepted.status).toBe(202)
  return env.alertMessage(String(accepted.body.alertId))
}

/** Clicks the action on the alert and returns the confirmation modal, as the actor sees it. */
async function openConfirmation(message: StoredMessage, action: 'delete' | 'suspend') {
  const since = env.slack.calls.length
  expect((await env.click(message, action)).status).toBe(200)
  return env.confirmation(since)
}

/** The requester confirms a deletion; the thread gets "awaiting approval". */
async function requestDeletion(email: string): Promise<{ alert: StoredMessage; request: StoredMessage }> {
  const alert = await raise(email)
  expect((await env.submit(await openConfirmation(alert, 'delete'))).status).toBe(200)
  return { alert, request: await env.threadReply(alert, /Awaiting approval/) }
}

const alertIdOf = (message: StoredMessage) => /Alert ID: (al_\w+)/.exec(JSON.stringify(message.blocks))![1]!
const current = (message: StoredMessage) => env.slack.message(LOCAL.channel, message.ts)!
const actionIds = (message: StoredMessage) => [...JSON.stringify(current(message).blocks).matchAll(/"action_id":"([^"]+)"/g)].map((m) => m[1])
const deletesOf = (email: string) =>
  env.scim.requests.filter((r) => r.method === 'DELETE' && r.path.includes(USERS.find((u) => u.userName === email)!.id)).length
const audit = (message: StoredMessage): Promise<StoredAuditEntry[]> => new AuditLog(redis).forAlert(alertIdOf(message))

/** Presses Approve or Reject on the request, as `user`. */
async function press(request: StoredMessage, actionId: string, user: string) {
  expect((await env.press(request, actionId, { id: user })).status).toBe(200)
}

/** Presses a button of the request as it was first posted: a client that has not yet seen the edit. */
async function pressStale(request: StoredMessage, actionId: string, user: string) {
  const payload = blockActionsPayload({ message: request, channel: LOCAL.channel, actionId, user: { id: user }, responseUrlBase: env.slack.responseUrlBase })
  expect((await postToSlackApp(`${env.bot.url}/slack/events`, LOCAL.signingSecret, interactionBody(payload))).status).toBe(200)
}

describe('a deletion on an integration that requires approval', () => {
  it('is held: "awaiting approval" in the thread with Approve and Reject, the alert says so without buttons, the service is untouched', async () => {
    const { alert, request } = await requestDeletion('ann@example.com')
    expect(request.text).toContain(`<@${LOCAL.actor}> asks to delete ann@example.com`)
    expect(actionIds(request)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID])

    await env.slack.waitFor('chat.update', (c) => c.args.ts === alert.ts && /awaits approval/.test(JSON.stringify(c.args.blocks)))
    expect(JSON.stringify(current(alert).blocks)).toContain(`requested by <@${LOCAL.actor}>`)
    expect(actionIds(alert)).toEqual([])
    expect(deletesOf('ann@example.com')).toBe(0)
    expect(env.scim.findUser('ann@example.com')).toBeDefined()
    expect((await audit(alert)).map((e) => e.event)).toContain('approval-requested')
  })

  it('cannot be requested twice: a second confirmation meanwhile says it awaits approval and posts nothing', async () => {
    const alert = await raise('ben@example.com')
    const first = await openConfirmation(alert, 'delete')
    const second = await openConfirmation(alert, 'delete')
    await env.submit(first)
    await env.threadReply(alert, /Awaiting approval/)

    const answer = await env.submit(second)
    expect(JSON.parse(String(answer.body))).toMatchObject({ response_action: 'update', view: { title: { text: 'Awaiting approval' } } })
    expect(String(answer.body)).toContain(`requested by <@${LOCAL.actor}>`)
    const requests = env.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === alert.ts && /Awaiting approval/.test(String(c.args.text)))
    expect(requests).toHaveLength(1)
  })

  it('cannot be approved or rejected by the requester: an ephemeral says why, and it still waits', async () => {
    const { alert, request } = await requestDeletion('cat@example.com')
    await press(request, APPROVE_ACTION_ID, LOCAL.actor)
    await env.slack.waitFor('response_url', (c) => /cannot approve it yourself: two people must agree/.test(String(c.args.text)))
    await press(request, REJECT_ACTION_ID, LOCAL.actor)
    await env.slack.waitFor('response_url', (c) => /cannot reject it yourself/.test(String(c.args.text)))

    expect(actionIds(request)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID])
    expect(deletesOf('cat@example.com')).toBe(0)
    const refusals = (await audit(alert)).filter((e) => e.event === 'action-refused')
    expect(refusals.map((e) => e.detail)).toEqual(['the requester cannot approve their own request', 'the requester cannot reject their own request'])
  })

  it('cannot be approved by someone outside ACTORS: the usual refusal, and it still waits', async () => {
    const { alert, request } = await requestDeletion('dee@example.com')
    await press(request, APPROVE_ACTION_ID, LOCAL.outsider)
    await env.slack.waitFor('response_url', (c) => /not allowed to delete accounts with this bot/.test(String(c.args.text)))
    expect(actionIds(request)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID])
    expect(deletesOf('dee@example.com')).toBe(0)
    expect((await audit(alert)).find((e) => e.event === 'action-refused')).toMatchObject({ actor: LOCAL.outsider, detail: 'not an authorized actor' })
  })

  it('cannot be approved by the person whose account it is: an ephemeral says why, and it still waits for someone else', async () => {
    env.scim.addUser({ id: 'u-approver', userName: 'sandbox.approver@example.com', displayName: 'Sandbox Approver' })
    const { alert, request } = await requestDeletion('sandbox.approver@example.com')
    await press(request, APPROVE_ACTION_ID, LOCAL.approver)
    await env.slack.waitFor('response_url', (c) => /about your own account, so you cannot approve it/.test(String(c.args.text)))
    expect(actionIds(request)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID])
    expect(env.scim.users.has('u-approver')).toBe(true)
    expect((await audit(alert)).find((e) => e.event === 'action-refused')).toMatchObject({ actor: LOCAL.approver, detail: 'the approver’s own account' })
  })

  it('runs once another actor approves: the service deletes the account, the thread and the audit log name both people', async () => {
    const { alert, request } = await requestDeletion('eve@example.com')
    await press(request, APPROVE_ACTION_ID, LOCAL.approver)

    const running = await env.threadReply(alert, /Deleting/)
    expect(running.text).toContain(`requested by <@${LOCAL.actor}>, approved by <@${LOCAL.approver}>`)
    const done = await env.threadReply(alert, /was deleted/)
    expect(JSON.stringify(done.blocks)).toContain(`Requested by <@${LOCAL.actor}>, approved by <@${LOCAL.approver}>`)
    expect(env.scim.findUser('eve@example.com')).toBeUndefined()
    expect(deletesOf('eve@example.com')).toBe(1)

    expect(current(request).text).toContain(`approved by <@${LOCAL.approver}>`)
    expect(actionIds(request)).toEqual([])
    const entries = await audit(alert)
    expect(entries.find((e) => e.event === 'approval-granted')).toMatchObject({ actor: LOCAL.approver, requester: LOCAL.actor, action: 'delete' })
    // Both entries name the account the requester confirmed, so an export answers "which account" without the alert.
    const accountId = expect.stringMatching(/\S/)
    expect(entries.find((e) => e.event === 'action-requested')).toMatchObject({ actor: LOCAL.actor, approver: LOCAL.approver, accountId })
    expect(entries.find((e) => e.event === 'action-completed')).toMatchObject({ actor: LOCAL.actor, approver: LOCAL.approver, accountId, outcome: 'done' })
  })

  it('takes exactly one approval when two people press Approve at once', async () => {
    const { alert, request } = await requestDeletion('fay@example.com')
    await Promise.all([press(request, APPROVE_ACTION_ID, LOCAL.approver), press(request, APPROVE_ACTION_ID, LOCAL.secondApprover)])

    await env.threadReply(alert, /was deleted/)
    await env.slack.waitFor('response_url', (c) => /no longer awaits approval/.test(String(c.args.text)))
    const running = env.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === alert.ts && /^⏳ Deleting/.test(String(c.args.text)))
    expect(running).toHaveLength(1)
    expect(deletesOf('fay@example.com')).toBe(1)
    const entries = await audit(alert)
    expect(entries.filter((e) => e.event === 'approval-granted')).toHaveLength(1)
    expect(entries.filter((e) => e.event === 'action-requested')).toHaveLength(1)
  })

  it('does nothing when rejected: the thread says who rejected whose request, and the alert is open again', async () => {
    const { alert, request } = await requestDeletion('gil@example.com')
    await press(request, REJECT_ACTION_ID, LOCAL.approver)

    const rejected = await env.threadReply(alert, /rejected/)
    expect(rejected.text).toBe(
      `🚫 <@${LOCAL.approver}> rejected <@${LOCAL.actor}>’s request to delete gil@example.com from Acme HR (SCIM). Nothing was done; the alert is open again.`,
    )
    await env.slack.waitFor('chat.update', (c) => c.args.ts === alert.ts && JSON.stringify(c.args.blocks).includes('"action_id":"alert_action:delete"'))
    expect(actionIds(request)).toEqual([])
    expect(env.scim.findUser('gil@example.com')).toBeDefined()
    expect(deletesOf('gil@example.com')).toBe(0)
    expect((await audit(alert)).find((e) => e.event === 'approval-rejected')).toMatchObject({ actor: LOCAL.approver, requester: LOCAL.actor })

    await pressStale(request, APPROVE_ACTION_ID, LOCAL.secondApprover)
    await env.slack.waitFor('response_url', (c) => String(c.args.text).includes(`no longer awaits approval: rejected by <@${LOCAL.approver}>`))
    expect(deletesOf('gil@example.com')).toBe(0)
  })

  it('expires after APPROVAL_TTL_HOURS (24 by default) without a decision: the message and the thread say so, the alert is open again', async () => {
    const { alert, request } = await requestDeletion('hal@example.com')
    clock = new Date(clock.getTime() + 23 * HOUR)
    await env.bot.sweepTimers()
    expect(actionIds(request)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID])

    clock = new Date(clock.getTime() + HOUR + 60_000)
    expect(await env.bot.sweepTimers()).toBeGreaterThanOrEqual(1)
    const expired = await env.threadReply(alert, /expired/)
    expect(expired.text).toContain(`<@${LOCAL.actor}>’s request to delete hal@example.com from Acme HR (SCIM) expired after 24 h without approval`)
    await env.slack.waitFor('chat.update', (c) => c.args.ts === request.ts && /Expired/.test(JSON.stringify(c.args.blocks)))
    expect(actionIds(request)).toEqual([])
    await env.slack.waitFor('chat.update', (c) => c.args.ts === alert.ts && JSON.stringify(c.args.blocks).includes('"action_id":"alert_action:delete"'))
    expect((await audit(alert)).map((e) => e.event)).toContain('approval-expired')

    await pressStale(request, APPROVE_ACTION_ID, LOCAL.approver)
    await env.slack.waitFor('response_url', (c) => /no longer awaits approval: it expired/.test(String(c.args.text)))
    expect(deletesOf('hal@example.com')).toBe(0)
  })
})

describe('an action the integration does not require approval for', () => {
  it('runs at once as before: Suspend goes straight to the service', async () => {
    const alert = await raise('ivy@example.com')
    await env.submit(await openConfirmation(alert, 'suspend'))
    await env.threadReply(alert, /was suspended/)
    expect(env.scim.findUser('ivy@example.com')?.active).toBe(false)
    const thread = env.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === alert.ts)
    expect(thread.some((c) => /Awaiting approval/.test(String(c.args.text)))).toBe(false)
  })
})

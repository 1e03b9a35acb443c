/**
 * The own-account guard fails closed, through the real Bolt app and Redis: when Slack
 * does not tell the bot who is acting (users.info fails, is rate limited past its
 * retries, or the profile has no email), nothing that takes access away happens, in
 * the confirmation modal, the job, the approval or the offboarding. A lookup that
 * fails once is retried; addresses match whatever their case, Unicode form or alias.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { APPROVE_ACTION_ID, OFFBOARD_DECISION_ACTION_ID, offboardDecisionBlockId } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { Fault, StoredMessage, StoredView } from '../../local/slack-stand-in.js'

const NO_EMAIL_ACTOR = 'U0NOEMAIL01'
const UNKNOWN_ACTOR = /could not check that this is not your own account/
/** users.info is asked three times (two retries) before the bot gives up. */
const ATTEMPTS = 3

let env: LocalEnvironment
let clock = new Date('2026-03-02T09:00:00.000Z')

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [
      { id: 'u-bob', userName: 'bob@example.com', roles: ['user'] },
      { id: 'u-cat', userName: 'cat@example.com', roles: ['user'] },
      { id: 'u-dan', userName: 'dan@example.com', roles: ['user'] },
      { id: 'u-eve', userName: 'eve@example.com', roles: ['user'] },
      { id: 'u-fox', userName: 'fox@example.com', roles: ['user'] },
      // The approvers' own accounts, under another primary address: an alias differing in case, a Unicode form.
      { id: 'u-appr', userName: 'approver.old@example.com', emails: ['approver.old@example.com', 'Sandbox.Approver@Example.com'], roles: ['user'] },
      { id: 'u-zoe', userName: 'zoe.old@example.com', emails: ['zoe.old@example.com', 'ZO\u00cb@example.com'], roles: ['user'] },
    ],
    scimEntry: { approval: ['delete'] },
    slackUsers: {
      [LOCAL.secondApprover]: { email: 'zoe\u0308@example.com', name: 'zoe' },
      [NO_EMAIL_ACTOR]: { name: 'no.email' },
    },
    env: { ACTORS: [LOCAL.actor, LOCAL.approver, LOCAL.secondApprover, NO_EMAIL_ACTOR].join(',') },
    now: () => clock,
  })
})
afterAll(async () => {
  await env?.stop()
})
// Each test starts after the answers kept from the one before are no longer recent (10 minutes).
beforeEach(() => {
  clock = new Date(clock.getTime() + 11 * 60_000)
})

const text = (item: unknown) => JSON.stringify(item)
const writesTo = (id: string) => env.scim.requests.filter((r) => r.method !== 'GET' && r.path.includes(id))

async function raise(email: string): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Left the company' })
  expect(accepted.status).toBe(202)
  return env.alertMessage(String(accepted.body.alertId))
}

async function confirmation(message: StoredMessage, action: 'delete' | 'suspend', user: string = LOCAL.actor): Promise<StoredView> {
  const since = env.slack.calls.length
  expect((await env.click(message, action, { id: user })).status).toBe(200)
  return env.confirmation(since)
}

describe('when Slack does not tell the bot who is acting', () => {
  it.each<[string, Fault | undefined, number, string]>([
    ['users.info answers an error', { error: 'user_not_found' }, 1, LOCAL.actor],
    ['users.info keeps failing (HTTP 500) past its retries', { status: 500 }, ATTEMPTS, LOCAL.actor],
    ['users.info is rate limited (HTTP 429) past its retries', { status: 429, retryAfterSeconds: 0 }, ATTEMPTS, LOCAL.actor],
    ['the Slack profile has no email', undefined, 0, NO_EMAIL_ACTOR],
  ])('the modal refuses Delete when %s, saying why, and the service is not touched', async (_case, fault, times, actor) => {
    const message = await raise('bob@example.com')
    if (fault) env.slack.failNext('users.info', fault, times)
    const view = await confirmation(message, 'delete', actor)
    expect(view.submit).toBeUndefined()
    expect(text(view.blocks)).toMatch(UNKNOWN_ACTOR)
    expect(text(view.blocks)).toMatch(/Slack did not tell the bot who you are/)
    expect(writesTo('u-bob')).toEqual([])
  })

  it('a lookup that fails once is retried, and the confirmation is offered with no doubt about who acts', async () => {
    const message = await raise('cat@example.com')
    const before = env.slack.callsTo('users.info').length
    env.slack.failNext('users.info', { status: 500 }, 1)
    const view = await confirmation(message, 'delete')
    expect(view.submit).toBeDefined()
    expect(text(view.blocks)).not.toMatch(UNKNOWN_ACTOR)
    expect(env.slack.callsTo('users.info').length - before).toBe(2)
  })

  it('the job refuses when it cannot read the actor’s email at run time: a failed reply says why, and nothing is suspended', async () => {
    const message = await raise('dan@example.com')
    const view = await confirmation(message, 'suspend')
    expect(view.submit).toBeDefined()
    clock = new Date(clock.getTime() + 11 * 60_000)
    env.slack.failNext('users.info', { error: 'user_not_found' }, 1)
    await env.submit(view)
    const reply = await env.threadReply(message, /Suspend failed/)
    expect(text(reply.blocks)).toMatch(UNKNOWN_ACTOR)
    expect(writesTo('u-dan')).toEqual([])
  })

  it('the job refuses the actor’s own account matched through a secondary address the account gained after the modal', async () => {
    const message = await raise('eve@example.com')
    const view = await confirmation(message, 'suspend')
    expect(view.submit).toBeDefined()
    env.scim.users.get('u-eve')!.emails.push({ value: 'Sandbox.Admin@example.com', type: 'other', primary: false })
    await env.submit(view)
    const reply = await env.threadReply(message, /Suspend failed/)
    expect(text(reply.blocks)).toMatch(/your own/)
    expect(writesTo('u-eve')).toEqual([])
  })
})

describe('approving a deletion', () => {
  async function requestDeletion(email: string): Promise<{ alert: StoredMessage; request: StoredMessage }> {
    const alert = await raise(email)
    expect((await env.submit(await confirmation(alert, 'delete'))).status).toBe(200)
    return { alert, request: await env.threadReply(alert, /Awaiting approval/) }
  }

  async function approveAs(request: StoredMessage, user: string, answer: RegExp) {
    const since = env.slack.calls.length
    expect((await env.press(request, APPROVE_ACTION_ID, { id: user })).status).toBe(200)
    return env.slack.waitFor('response_url', (c) => env.slack.calls.indexOf(c) >= since && answer.test(String(c.args.text)))
  }

  it('is refused when Slack does not tell who the approver is, and the request still waits', async () => {
    const { request } = await requestDeletion('fox@example.com')
    env.slack.failNext('users.info', { error: 'user_not_found' }, 1)
    await approveAs(request, LOCAL.approver, /Not approved: The bot could not check that this is not your own account/)
    expect(text(env.slack.message(LOCAL.channel, request.ts)!.blocks)).toContain(APPROVE_ACTION_ID)
    expect(writesTo('u-fox')).toEqual([])
  })

  it.each([
    ['an alias differing in case', LOCAL.approver, 'approver.old@example.com', 'u-appr'],
    ['an alias in another Unicode form and case', LOCAL.secondApprover, 'zoe.old@example.com', 'u-zoe'],
  ])('is refused to the approver whose own account it is, matched through %s', async (_case, approver, email, id) => {
    const { request } = await requestDeletion(email)
    await approveAs(request, approver, /about your own account, so you cannot approve it/)
    expect(writesTo(id)).toEqual([])
    expect(env.scim.users.has(id)).toBe(true)
  })
})

describe('/deprovision when Slack does not tell who the actor is', () => {
  it('offers neither Suspend nor Delete in any row, says why, and a submit choosing Suspend is refused', async () => {
    env.slack.failNext('users.info', { error: 'user_not_found' }, 1)
    const modal = (await env.offboardForm('bob@example.com')).final
    expect(text(modal.blocks)).toMatch(/Suspend not possible:\* The bot could not check that this is not your own account/)
    expect(text(modal.blocks)).toMatch(/Delete not possible:\* The bot could not check that this is not your own account/)

    const answer = await env.submitValues(modal, { [offboardDecisionBlockId(LOCAL.integrationId)]: { [OFFBOARD_DECISION_ACTION_ID]: 'suspend' } })
    expect(JSON.parse(String(answer.body))).toMatchObject({ response_action: 'errors' })
    expect(writesTo('u-bob')).toEqual([])
  })
})

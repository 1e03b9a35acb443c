/**
 * The whole path as a user meets it: a detector posts an alert, someone clicks
 * Delete or Suspend, confirms, and reads the result in the thread. Real Bolt over
 * HTTP with signed requests, real Redis and BullMQ, the SCIM sandbox as the service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { interactionBody, postToSlackApp, blockActionsPayload, nowSeconds } from '../../local/slack-signing.js'
import { requestActionId } from '../../src/constants.js'
import { Redis } from 'ioredis'
import { AuditLog } from '../../src/store/audit.js'

let env: LocalEnvironment
let seq = 0

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [
      { id: 'u-alice', userName: 'alice@example.com', displayName: 'Alice Example' },
      { id: 'u-bob', userName: 'bob@example.com', displayName: 'Bob Example' },
      { id: 'u-carol', userName: 'carol@example.com', displayName: 'Carol Example' },
      { id: 'u-dan', userName: 'dan@example.com', displayName: 'Dan Example' },
      { id: 'u-erin', userName: 'erin@example.com', displayName: 'Erin Example' },
      { id: 'u-frank', userName: 'frank@example.com', displayName: 'Frank Example' },
    ],
    retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    slackRetry: { retries: 2, minTimeout: 10, maxTimeout: 50 },
    providerTimeoutMs: 2_000,
  })
})
afterAll(async () => {
  await env?.stop()
})

async function raise(email: string) {
  const accepted = await env.postAlert({
    integration: LOCAL.integrationId,
    email,
    reason: 'Departed employee still active',
    severity: 'high',
    dedupKey: `e2e-${email}-${++seq}`,
  })
  expect(accepted.status).toBe(202)
  const alertId = String(accepted.body.alertId)
  return { alertId, message: await env.alertMessage(alertId) }
}

async function confirm(message: Awaited<ReturnType<typeof raise>>['message'], action: 'delete' | 'suspend') {
  const since = env.slack.calls.length
  const clicked = await env.click(message, action)
  expect(clicked.status).toBe(200)
  const view = await env.confirmation(since)
  const submitted = await env.submit(view)
  expect(submitted.status).toBe(200)
  return view
}

const buttonsOf = (message: { blocks?: unknown }) =>
  JSON.stringify(message.blocks ?? [])
    .match(/"action_id":"alert_action:\w+"/g)
    ?.map((id) => id.slice(26, -1)) ?? []

describe('an account alert', () => {
  it('is posted to the alert channel with Delete and Suspend buttons', async () => {
    const { message } = await raise('alice@example.com')
    expect(message.channel).toBe(LOCAL.channel)
    expect(message.text).toContain('alice@example.com')
    expect(buttonsOf(message)).toEqual(['delete', 'suspend'])
  })

  it('is deleted after confirmation: the service loses the account and the thread says so', async () => {
    const { message } = await raise('bob@example.com')
    const view = await confirm(message, 'delete')
    expect(JSON.stringify(view.blocks)).toContain('bob@example.com')
    expect(view.submit).toBeDefined()

    await env.threadReply(message, /in progress|Deleting/i)
    const done = await env.threadReply(message, /deleted/i)
    expect(done.text).toContain('bob@example.com')
    expect(env.scim.findUser('bob@example.com')).toBeUndefined()
    expect(env.scim.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1)

    await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && /deleted/i.test(String(c.args.text)))
    const alert = env.slack.message(LOCAL.channel, message.ts)!
    expect(buttonsOf(alert)).toEqual([])
    expect(alert.text).toMatch(/deleted/i)
    const replies = env.slack.messages(LOCAL.channel).find((m) => m.ts === message.ts)!.replies
    expect(replies.map((r) => r.text)).toEqual([expect.stringMatching(/Deleting/), expect.stringMatching(/was deleted/)])
  })

  it('is suspended after confirmation with a SCIM PATCH setting active to false', async () => {
    const { message } = await raise('carol@example.com')
    await confirm(message, 'suspend')
    await env.threadReply(message, /suspended/i)
    expect(env.scim.findUser('carol@example.com')?.active).toBe(false)
    const patch = env.scim.requests.find((r) => r.method === 'PATCH' && r.path === '/Users/u-carol')
    expect(patch?.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    })
  })

  it('reaches the provider once however often the confirmation is submitted', async () => {
    const { message } = await raise('dan@example.com')
    const since = env.slack.calls.length
    await env.click(message, 'delete')
    const view = await env.confirmation(since)
    const submits = await Promise.all([env.submit(view), env.submit(view), env.submit(view)])
    expect(submits.map((s) => s.status)).toEqual([200, 200, 200])
    // The losers are told it is already in progress, in the modal.
    expect(submits.filter((s) => s.body.includes('response_action'))).toHaveLength(2)

    await env.threadReply(message, /deleted/i)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === '/Users/u-dan')).toHaveLength(1)
    const replies = env.slack.messages(LOCAL.channel).find((m) => m.ts === message.ts)!.replies
    expect(replies.filter((r) => /deleted/i.test(r.text) && !/progress/i.test(r.text))).toHaveLength(1)
  })

  it('reports "already deleted" when the account is gone by the time the job runs', async () => {
    const { message } = await raise('erin@example.com')
    const since = env.slack.calls.length
    await env.click(message, 'delete')
    const view = await env.confirmation(since)
    env.scim.users.delete('u-erin')
    await env.submit(view)
    const reply = await env.threadReply(message, /already/i)
    expect(reply.text).toMatch(/already deleted/i)
    expect(JSON.stringify(reply.blocks)).not.toContain('alert_action:')
  })

  it('gives the credentials reply, with Retry, when the service answers 401', async () => {
    const { message } = await raise('frank@example.com')
    const since = env.slack.calls.length
    await env.click(message, 'delete')
    const view = await env.confirmation(since)
    env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
    await env.submit(view)
    const reply = await env.threadReply(message, /credentials/i)
    expect(reply.text).toMatch(/incorrect or have expired/i)
    expect(JSON.stringify(reply.blocks)).toContain('alert_action:delete')
    expect(env.scim.findUser('frank@example.com')).toBeDefined()

    // Retry re-runs the preflight and, once confirmed, completes.
    const again = env.slack.calls.length
    await env.click(reply, 'delete')
    const retryView = await env.confirmation(again)
    await env.submit(retryView)
    await env.threadReply(message, /was deleted/i)
    expect(env.scim.findUser('frank@example.com')).toBeUndefined()
  })
})

describe('who may act', () => {
  it('refuses an actor outside ACTORS with an ephemeral message and an audit entry, and opens no modal', async () => {
    const { alertId, message } = await raise('alice@example.com')
    const opened = env.slack.callsTo('views.open').length
    const clicked = await env.click(message, 'delete', { id: LOCAL.outsider })
    expect(clicked.status).toBe(200)
    const ephemeral = await env.slack.waitFor('chat.postEphemeral', (c) => c.args.user === LOCAL.outsider)
    expect(String(ephemeral.args.text)).toMatch(/not allowed/i)
    expect(env.slack.callsTo('views.open')).toHaveLength(opened)

    const redis = new Redis(env.redisUrl)
    try {
      const entries = await new AuditLog(redis).forAlert(alertId)
      expect(entries).toContainEqual(expect.objectContaining({ event: 'action-refused', actor: LOCAL.outsider, action: 'delete' }))
    } finally {
      redis.disconnect()
    }
  })
})

describe('request signing', () => {
  async function clickWith(options: { secret?: string; timestampSeconds?: number }) {
    const { message } = await raise('alice@example.com')
    const payload = blockActionsPayload({
      message,
      channel: LOCAL.channel,
      actionId: requestActionId('delete'),
      responseUrlBase: env.slack.responseUrlBase,
    })
    const opened = env.slack.callsTo('views.open').length
    const response = await postToSlackApp(`${env.bot.url}/slack/events`, options.secret ?? LOCAL.signingSecret, interactionBody(payload), {
      ...(options.timestampSeconds ? { timestampSeconds: options.timestampSeconds } : {}),
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    return { status: response.status, opened: env.slack.callsTo('views.open').length - opened }
  }

  it('refuses a forged signature', async () => {
    expect(await clickWith({ secret: 'not-the-signing-secret' })).toEqual({ status: 401, opened: 0 })
  })

  it('refuses a stale timestamp (a replay older than five minutes)', async () => {
    expect(await clickWith({ timestampSeconds: nowSeconds() - 6 * 60 })).toEqual({ status: 401, opened: 0 })
  })

  it('accepts a correctly signed click', async () => {
    expect(await clickWith({})).toEqual({ status: 200, opened: 1 })
  })
})

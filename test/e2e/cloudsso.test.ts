/**
 * Alibaba Cloud CloudSSO through the real Bolt app: a delete that must first remove
 * every access assignment (asynchronous tasks, polled durably), its progress shown
 * by editing one thread message, a worker replica stopped mid-task and another one
 * finishing it with one result, and a Failed task answered with its reason and Retry.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { DEMO_SEED as CLOUDSSO_DEMO_SEED } from '../../local/cloudsso-sandbox.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'

let env: LocalEnvironment | undefined
afterEach(async () => {
  await env?.stop()
  env = undefined
})

const RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 100, maxPollDelayMs: 60 }
const text = (item: StoredView | StoredMessage) => JSON.stringify(item.blocks)

async function requestDelete(current: LocalEnvironment, email: string): Promise<{ message: StoredMessage; view: StoredView }> {
  const accepted = await current.postAlert({ integration: LOCAL.cloudSsoId, email, reason: 'Departed employee' })
  const message = await current.alertMessage(String(accepted.body.alertId))
  const since = current.slack.calls.length
  await current.click(message, 'delete')
  return { message, view: await current.confirmation(since) }
}

const calls = (current: LocalEnvironment, action: string) => current.cloudSso!.requests.filter((r) => r.action === action)

describe('CloudSSO delete', () => {
  it('removes every access assignment, group membership and MFA device first, showing progress in one edited message', async () => {
    env = await startLocalEnvironment({ cloudSso: { taskPolls: 2 }, retry: RETRY })
    const { message, view } = await requestDelete(env, 'alice@example.com')
    expect(text(view)).toMatch(/access assignment/)
    await env.submit(view)

    const progress = await env.threadReply(message, /of 3 access assignments removed/)
    const result = await env.threadReply(message, /was deleted/, 20_000)
    expect(result.text).toMatch(/3 access assignments, 2 group memberships and 1 MFA device/)
    expect(calls(env, 'DeleteAccessAssignment')).toHaveLength(3)
    expect(calls(env, 'DeleteUser')).toHaveLength(1)

    // Progress is one message, edited in place: no reply per poll.
    const replies = env.slack.messages(LOCAL.channel).find((m) => m.ts === message.ts)!.replies
    expect(replies.filter((r) => /access assignments removed/.test(r.text))).toHaveLength(1)
    expect(env.slack.callsTo('chat.update').some((c) => c.args.ts === progress.ts)).toBe(true)
  })

  it('completes, and reports once, when the worker is stopped mid-task and another replica takes over', async () => {
    env = await startLocalEnvironment({ cloudSso: { taskPolls: 6 }, retry: RETRY, workers: false })
    const first = await env.startWorker()
    const { message, view } = await requestDelete(env, 'alice@example.com')
    await env.submit(view)
    await env.threadReply(message, /access assignments removed/)
    await first.stop()
    const pollsWhileStopped = calls(env, 'GetTask').length
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(calls(env, 'GetTask').length).toBe(pollsWhileStopped)

    await env.startWorker()
    await env.threadReply(message, /was deleted/, 20_000)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(calls(env, 'DeleteUser')).toHaveLength(1)
    const replies = env.slack.messages(LOCAL.channel).find((m) => m.ts === message.ts)!.replies
    expect(replies.filter((r) => /was deleted/.test(r.text))).toHaveLength(1)
  })

  it('answers a Failed task with its reason and a Retry, leaving the user in place', async () => {
    env = await startLocalEnvironment({ cloudSso: { taskPolls: 1 }, retry: RETRY })
    env.cloudSso!.failNextTask({}, 'The access configuration is being modified by another task')
    const { message, view } = await requestDelete(env, 'alice@example.com')
    await env.submit(view)
    const reply = await env.threadReply(message, /failed/, 20_000)
    expect(text(reply)).toMatch(/being modified by another task/)
    expect(text(reply)).toContain('alert_action:delete')
    expect(calls(env, 'DeleteUser')).toHaveLength(0)
  })

  it('refuses to delete a user synchronised from the identity provider, saying where to remove them', async () => {
    env = await startLocalEnvironment({ cloudSso: { scimSynchronization: 'Enabled' }, retry: RETRY })
    const { view } = await requestDelete(env, 'carol@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/identity provider/)
  })
})

describe('CloudSSO access-configuration alert', () => {
  async function raiseAccess(current: LocalEnvironment, accessConfigurationId: string, targetId: string) {
    const accepted = await current.postAlert({
      integration: LOCAL.cloudSsoId,
      accessConfigurationId,
      targetId,
      reason: 'Provisioned on an account nobody should reach',
    })
    expect(accepted.status).toBe(202)
    const message = await current.alertMessage(String(accepted.body.alertId))
    const since = current.slack.calls.length
    await current.click(message, 'deprovision-access')
    return { message, view: await current.confirmation(since) }
  }

  it('offers only De-provision, names who still uses it, and de-provisions it end to end', async () => {
    env = await startLocalEnvironment({
      cloudSso: { taskPolls: 1, seed: { ...CLOUDSSO_DEMO_SEED, provisionings: [{ accessConfigurationId: 'ac-admin0001', targetId: '1142405247840003' }] } },
      retry: RETRY,
    })
    const { message, view } = await raiseAccess(env, 'ac-admin0001', '1142405247840003')
    expect([...JSON.stringify(message.blocks).matchAll(/alert_action:([\w-]+)/g)].map((m) => m[1])).toEqual(['deprovision-access'])
    expect(text(view)).toMatch(/everyone still using it there loses that access/)
    await env.submit(view)
    await env.threadReply(message, /was de-provisioned/, 20_000)
    expect(calls(env, 'DeprovisionAccessConfiguration')).toHaveLength(1)
  })

  it('answers "assignments still exist" with who holds them and what to do first', async () => {
    env = await startLocalEnvironment({ cloudSso: { taskPolls: 1 }, retry: RETRY })
    const { message, view } = await raiseAccess(env, 'ac-readonly1', '1142405247840002')
    expect(text(view)).toMatch(/Still assigned there to 1 identity/)
    await env.submit(view)
    const reply = await env.threadReply(message, /failed/, 20_000)
    expect(text(reply)).toMatch(/Remove those access assignments first/)
  })

  it('refuses a malformed access alert with the validation issues', async () => {
    env = await startLocalEnvironment({ cloudSso: {}, retry: RETRY })
    const refused = await env.postAlert({ integration: LOCAL.cloudSsoId, accessConfigurationId: 'ac 1', reason: 'x' })
    expect(refused.status).toBe(400)
    expect((refused.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['accessConfigurationId', 'targetId'])
  })
})

/**
 * Alibaba Cloud CloudSSO through the real Bolt app: a delete that must first remove
 * every access assignment (asynchronous tasks, polled durably), its progress shown
 * by editing one thread message, a worker replica stopped mid-task and another one
 * finishing it with one result, and a Failed task answered with its reason and Retry.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../src/sandbox/local-environment.js'
import type { StoredMessage, StoredView } from '../../src/sandbox/slack-stand-in.js'

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

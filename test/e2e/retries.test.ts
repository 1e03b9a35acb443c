/**
 * When the service or Slack fails while an action runs: retried within bounds,
 * honouring Retry-After, then an actionable reply; the provider call is never
 * repeated just because reporting to Slack failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'

let env: LocalEnvironment

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: ['gina', 'hank', 'ivan', 'judy'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    slackRetry: { retries: 0 },
    providerTimeoutMs: 2_000,
  })
})
afterAll(async () => {
  await env?.stop()
})

async function requestDelete(email: string): Promise<{ message: StoredMessage; view: StoredView }> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Unknown account' })
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  const view = await env.confirmation(since)
  // Faults are armed only now, after the preflight has read the account.
  return { message, view }
}

const deletesOf = (id: string) => env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === `/Users/${id}`)

describe('a running action', () => {
  it('waits as long as Retry-After says when the service rate-limits it, then completes', async () => {
    const { message, view } = await requestDelete('gina@example.com')
    env.scim.failNext({ method: 'DELETE' }, { status: 429, headers: { 'retry-after': '1' } })
    const submittedAt = Date.now()
    await env.submit(view)
    await env.threadReply(message, /was deleted/i)
    const [limited, accepted] = deletesOf('u-gina')
    expect(limited).toBeDefined()
    expect(accepted).toBeDefined()
    expect(Date.now() - submittedAt).toBeGreaterThanOrEqual(950)
    expect(env.scim.findUser('gina@example.com')).toBeUndefined()
  })

  it('reports a service that keeps failing with the transient reply and a Retry button, after bounded attempts', async () => {
    const { message, view } = await requestDelete('hank@example.com')
    for (let i = 0; i < 3; i++) env.scim.failNext({ method: 'DELETE' }, { status: 503 })
    await env.submit(view)
    const reply = await env.threadReply(message, /failed|did not|temporar/i)
    expect(deletesOf('u-hank')).toHaveLength(3)
    expect(JSON.stringify(reply.blocks)).toContain('alert_action:delete')
    expect(env.scim.findUser('hank@example.com')).toBeDefined()
  })

  it('still runs the action when the "in progress" announcement cannot be posted', async () => {
    const { message, view } = await requestDelete('ivan@example.com')
    const before = env.slack.callsTo('chat.postMessage').length
    // The first post after this is the "in progress" announcement, the second the result.
    env.slack.failNext('chat.postMessage', { status: 500 }, 1)
    await env.submit(view)
    await env.threadReply(message, /was deleted/i)
    expect(env.slack.callsTo('chat.postMessage').length).toBeGreaterThan(before)
    expect(deletesOf('u-ivan')).toHaveLength(1)
  })

  it('posts the result once, without calling the service again, when Slack refuses the first result post', async () => {
    const { message, view } = await requestDelete('judy@example.com')
    env.scim.failNext({ method: 'DELETE' }, { delayMs: 400 })
    await env.submit(view)
    await env.threadReply(message, /Deleting/)
    // The DELETE is still in flight: the job's next Slack post is its result, and Slack refuses it.
    env.slack.failNext('chat.postMessage', { error: 'internal_error' }, 1)
    await env.threadReply(message, /was deleted/i)
    expect(env.slack.callsTo('chat.postMessage').some((c) => (c.response as { error?: string }).error === 'internal_error')).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const results = env.slack
      .messages(LOCAL.channel)
      .find((m) => m.ts === message.ts)!
      .replies.filter((r) => /was deleted/i.test(r.text))
    expect(results).toHaveLength(1)
    expect(deletesOf('u-judy')).toHaveLength(1)
  })
})

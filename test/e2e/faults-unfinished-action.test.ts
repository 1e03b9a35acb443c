/**
 * An action job that fails for good before it records the service's answer (here: the
 * store refuses the settlement on the job's only attempt, after the service deleted the
 * account) does not leave the alert "in progress": the thread says the bot could not
 * confirm the result, with Retry, and the Retry finds the account already gone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../src/sandbox/local-environment.js'
import { AlertStore } from '../../src/store/alerts.js'

let env: LocalEnvironment

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [{ id: 'u-kai', userName: 'kai@example.com' }],
    retry: { attempts: 1, baseDelayMs: 50, maxDelayMs: 100 },
    slackRetry: { retries: 0 },
  })
})
afterAll(async () => {
  await env?.stop()
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('an action job that fails for good before it records the result', () => {
  it('reports the result as unconfirmed with Retry instead of leaving the alert in progress, and the Retry says the account no longer exists', async () => {
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'kai@example.com', reason: 'Departed employee' })
    const message = await env.alertMessage(String(accepted.body.alertId))
    const since = env.slack.calls.length
    await env.click(message, 'delete')
    const view = await env.confirmation(since)
    vi.spyOn(AlertStore.prototype, 'settle').mockRejectedValueOnce(new Error('Connection is closed.'))

    await env.submit(view)
    const reply = await env.threadReply(message, /could not confirm/i)
    expect(reply.text).toMatch(/could not confirm whether the account was deleted in Acme HR/i)
    expect(JSON.stringify(reply.blocks)).toContain('alert_action:delete')
    // The service did delete it: the job failed only afterwards.
    expect(env.scim.findUser('kai@example.com')).toBeUndefined()
    const updated = env.slack.message(LOCAL.channel, message.ts)
    expect(JSON.stringify(updated?.blocks)).not.toMatch(/in progress/i)

    // Retry looks the account up first: the modal says it is gone, and nothing is sent again.
    const again = env.slack.calls.length
    await env.click(reply, 'delete')
    expect(JSON.stringify((await env.confirmation(again)).blocks)).toMatch(/kai@example\.com\* no longer exists in Acme HR/)
    expect(env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === '/Users/u-kai')).toHaveLength(1)
  })
})

/**
 * A burst of confirmed actions larger than the service's rate limit: the 429s pause
 * the action queue for Retry-After instead of using up each job's attempts, so every
 * account is acted on once and every thread says it was done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../src/sandbox/local-environment.js'
import type { StoredMessage, StoredView } from '../../src/sandbox/slack-stand-in.js'

const PEOPLE = ['kim', 'lee', 'max', 'ned', 'oda', 'pam']

let env: LocalEnvironment

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: PEOPLE.map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    // Two tries per job: with each job sleeping its own Retry-After, most of this burst would fail.
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
    slackRetry: { retries: 0 },
  })
})
afterAll(async () => {
  await env?.stop()
})

async function confirmationFor(email: string): Promise<{ message: StoredMessage; view: StoredView }> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Departed employee' })
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return { message, view: await env.confirmation(since) }
}

describe('a burst of deletions beyond the service rate limit', () => {
  it('deletes every account once and reports each as deleted', async () => {
    const pending: Array<{ message: StoredMessage; view: StoredView }> = []
    for (const name of PEOPLE) pending.push(await confirmationFor(`${name}@example.com`))
    // Each deletion is a lookup and a DELETE: the service lets two deletions through per second.
    env.scim.setRateLimit({ requests: 4, windowMs: 1_000 })

    await Promise.all(pending.map(({ view }) => env.submit(view)))
    const replies = await Promise.all(pending.map(({ message }) => env.threadReply(message, /was deleted|failed|could not/i, 30_000)))

    for (const reply of replies) expect(reply.text).toMatch(/was deleted/i)
    for (const name of PEOPLE) {
      expect(env.scim.findUser(`${name}@example.com`)).toBeUndefined()
      expect(env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === `/Users/u-${name}`).length).toBeGreaterThanOrEqual(1)
    }
    // The service did refuse some calls: the limit was really reached.
    expect(env.scim.requests.length).toBeGreaterThan(PEOPLE.length * 2)
  }, 60_000)
})

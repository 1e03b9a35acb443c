/**
 * A burst of confirmed actions larger than the service's rate limit. Unpaced, the 429s
 * pause the action queue for Retry-After instead of using up each job's attempts, so
 * every account is acted on once and every thread says it was done. Paced
 * (`requestsPerSecond` under the service's limit), the service never has to refuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment, type LocalEnvironmentOptions } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'

const PEOPLE = ['kim', 'lee', 'max', 'ned', 'oda', 'pam']
/** Each deletion is a lookup and a DELETE: the service lets two deletions through per second. */
const LIMIT = { requests: 4, windowMs: 1_000 }

function environment(scimEntry?: LocalEnvironmentOptions['scimEntry']): () => LocalEnvironment {
  let env: LocalEnvironment | undefined
  beforeAll(async () => {
    env = await startLocalEnvironment({
      users: PEOPLE.map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
      // Two tries per job: with each job sleeping its own Retry-After, most of this burst would fail.
      retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
      slackRetry: { retries: 0 },
      ...(scimEntry ? { scimEntry } : {}),
    })
  })
  afterAll(async () => {
    await env?.stop()
  })
  return () => env!
}

async function confirmationFor(env: LocalEnvironment, email: string): Promise<{ message: StoredMessage; view: StoredView }> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Departed employee' })
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return { message, view: await env.confirmation(since) }
}

/** Confirms a deletion of everyone at once against the rate-limited service; answers how many requests it received meanwhile. */
async function deleteEveryoneAtOnce(env: LocalEnvironment): Promise<number> {
  const pending: Array<{ message: StoredMessage; view: StoredView }> = []
  for (const name of PEOPLE) pending.push(await confirmationFor(env, `${name}@example.com`))
  env.scim.setRateLimit(LIMIT)
  const before = env.scim.requests.length

  await Promise.all(pending.map(({ view }) => env.submit(view)))
  const replies = await Promise.all(pending.map(({ message }) => env.threadReply(message, /was deleted|failed|could not/i, 30_000)))

  for (const reply of replies) expect(reply.text).toMatch(/was deleted/i)
  for (const name of PEOPLE) {
    expect(env.scim.findUser(`${name}@example.com`)).toBeUndefined()
    expect(env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === `/Users/u-${name}`).length).toBeGreaterThanOrEqual(1)
  }
  return env.scim.requests.length - before
}

describe('a burst of deletions beyond the service rate limit', () => {
  const env = environment()

  it('deletes every account once and reports each as deleted', async () => {
    const received = await deleteEveryoneAtOnce(env())
    // The service did refuse some calls (each refused call is sent again): the limit was really reached.
    expect(received).toBeGreaterThan(PEOPLE.length * 2)
  }, 60_000)
})

describe('the same burst to an integration paced under the service limit (requestsPerSecond)', () => {
  const env = environment({ requestsPerSecond: LIMIT.requests - 0.5 })

  it('deletes every account once without a single request refused', async () => {
    const received = await deleteEveryoneAtOnce(env())
    // One lookup and one DELETE each, and nothing sent again.
    expect(received).toBe(PEOPLE.length * 2)
  }, 60_000)
})

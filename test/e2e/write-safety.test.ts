/**
 * Writes that must not happen twice or on a stale decision. Two deletions of the last two admins racing on one
 * integration: one goes, the other is refused as the last admin, and both threads say so. A job that no longer
 * owns its attempt (its lock went to another worker while it was stalled, or the attempt was settled meanwhile)
 * makes no write at all.
 */
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { actionJobLockKey } from '../../src/features/alerts/attempt-ownership.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'

let env: LocalEnvironment
let redis: Redis

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [
      { id: 'u-ann', userName: 'ann@example.com', roles: ['admin'] },
      { id: 'u-ben', userName: 'ben@example.com', roles: ['admin'] },
      { id: 'u-cat', userName: 'cat@example.com', roles: ['user'] },
      { id: 'u-dov', userName: 'dov@example.com', roles: ['user'] },
    ],
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
  })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})
afterEach(() => {
  env.scim.requests.splice(0)
})

const text = (value: unknown) => JSON.stringify(value)
const deletes = () => env.scim.requests.filter((r) => r.method === 'DELETE')

async function raise(email: string): Promise<{ alertId: string; message: StoredMessage }> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Left the company' })
  expect(accepted.status).toBe(202)
  const alertId = String(accepted.body.alertId)
  return { alertId, message: await env.alertMessage(alertId) }
}

async function openConfirmation(message: StoredMessage): Promise<StoredView> {
  const since = env.slack.calls.length
  expect((await env.click(message, 'delete')).status).toBe(200)
  return env.confirmation(since)
}

describe('two deletions of the last two admins at once', () => {
  it('delete exactly one: the other is refused as the last admin, and both results are in their threads', async () => {
    const ann = await raise('ann@example.com')
    const ben = await raise('ben@example.com')
    const views = [await openConfirmation(ann.message), await openConfirmation(ben.message)]
    // Each DELETE takes a while at the service, so both jobs read the admin list before either write lands.
    env.scim.failNext({ method: 'DELETE' }, { delayMs: 700 })
    env.scim.failNext({ method: 'DELETE' }, { delayMs: 700 })
    await Promise.all(views.map((view) => env.submit(view)))

    const replies = await Promise.all([ann, ben].map(({ message }) => env.threadReply(message, /deleted from|last admin/)))
    const refused = replies.filter((reply) => /last admin/.test(text(reply.blocks)))
    expect(refused).toHaveLength(1)
    expect(deletes()).toHaveLength(1)
    expect([env.scim.users.has('u-ann'), env.scim.users.has('u-ben')].filter(Boolean)).toHaveLength(1)
  })
})

describe('a job that no longer owns its attempt', () => {
  it('makes no write when its lock went to another worker while it was stalled', async () => {
    const cat = await raise('cat@example.com')
    const view = await openConfirmation(cat.message)
    // The job's lookup stalls; meanwhile its BullMQ lock lapses and another worker's token holds it.
    env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { delayMs: 800 })
    await env.submit(view)
    const jobId = `${cat.alertId}.delete.1`
    await until(async () => (await redis.exists(actionJobLockKey(jobId))) === 1)
    await redis.set(actionJobLockKey(jobId), 'another-worker-token')

    await sleep(2_000)
    expect(deletes()).toEqual([])
    expect(env.scim.users.has('u-cat')).toBe(true)
  })

  it('makes no write when its attempt was settled meanwhile (reported as unconfirmed by the sweep)', async () => {
    const dov = await raise('dov@example.com')
    const view = await openConfirmation(dov.message)
    env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { delayMs: 800 })
    const before = env.scim.requests.length
    await env.submit(view)
    // The job is looking the account up (its lookup stalls at the service).
    await until(async () => env.scim.requests.slice(before).some((r) => r.method === 'GET'))
    // What the sweep does to an attempt it takes for lost: settle it, so the alert is no longer in progress.
    const state = JSON.parse((await redis.hget(`dpb:alert:${dov.alertId}`, 'state'))!) as { request: unknown }
    await redis.hset(
      `dpb:alert:${dov.alertId}`,
      'state',
      JSON.stringify({ kind: 'failed', request: state.request, problem: { kind: 'unconfirmed' }, at: new Date().toISOString() }),
      'stateKind',
      'failed',
    )

    await sleep(2_000)
    expect(deletes()).toEqual([])
    expect(env.scim.users.has('u-dov')).toBe(true)
  })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(20)
  }
}

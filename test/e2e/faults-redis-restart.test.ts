/**
 * Redis restarts in the middle of the flow (same port, same append-only data): while it is
 * away the bot says it is not ready and refuses what it cannot store with a clear error (a
 * detector's alert, a click, a confirmation), and nothing waits in silence; once it is back
 * the bot reconnects by itself and everything it had accepted completes, once.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { startRedisServer, type RedisServerHandle } from '../../local/redis-server.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { eventually, repliesMatching } from '../support/fault-replicas.js'

const RESULT = /^(✅|⚠️)/

let dataDir: string
let redis: RedisServerHandle
let env: LocalEnvironment

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dpb-redis-'))
  redis = await startRedisServer({ dataDir })
  env = await startLocalEnvironment({
    redisUrl: redis.url,
    users: ['oli', 'pam', 'quin', 'rex', 'sol'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    retry: { attempts: 4, baseDelayMs: 200, maxDelayMs: 1_000 },
  })
})
afterAll(async () => {
  await env?.stop()
  await redis?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function readiness(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${env.bot.url}/readyz`)
  return { status: response.status, body: await response.json() }
}

async function stopRedis(): Promise<void> {
  await redis.stop()
  await eventually('the bot says it is not ready', async () => (await readiness()).status === 503)
}

async function startRedisAgain(): Promise<void> {
  redis = await startRedisServer({ port: redis.port, dataDir })
  await eventually('the bot says it is ready again', async () => (await readiness()).status === 200)
}

async function postedAlert(email: string): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Left the company' })
  return env.alertMessage(String(accepted.body.alertId))
}

async function confirmationFor(message: StoredMessage): Promise<StoredView> {
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return env.confirmation(since)
}

const deletesOf = (id: string) => env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === `/Users/${id}`)

describe('while Redis restarts', () => {
  it('the bot says it is not ready, refuses an alert, a click, a confirmation and /deprovision with a clear error, then serves them all once Redis is back', async () => {
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready' } })
    const clicked = await postedAlert('oli@example.com')
    const confirmed = await postedAlert('pam@example.com')
    const view = await confirmationFor(confirmed)

    await stopRedis()
    expect(await readiness()).toEqual({ status: 503, body: { status: 'not ready', redis: 'unreachable' } })

    const refused = await env.postAlert({ integration: LOCAL.integrationId, email: 'quin@example.com', reason: 'Left the company' })
    expect(refused).toEqual({ status: 503, body: { error: expect.stringMatching(/not accepted.*retry/i) } })

    const ephemeralsBefore = env.slack.ephemerals().length
    await env.click(clicked, 'delete')
    const ephemeral = await eventually('the click is answered', () => env.slack.ephemerals().length > ephemeralsBefore).then(() =>
      env.slack.ephemerals().at(-1)!,
    )
    expect(ephemeral).toMatchObject({ user: LOCAL.actor, text: expect.stringMatching(/nothing was done.*try again/i) })

    const submitted = await env.submit(view)
    expect(submitted.status).toBe(200)
    expect(JSON.stringify(submitted.body)).toMatch(/nothing was done.*try again/i)

    const opensBefore = env.slack.callsTo('views.open').length
    await env.command('oli@example.com')
    const offboard = await env.slack.waitFor('response_url', (c) => /nothing was done.*try again/i.test(JSON.stringify(c.args)))
    expect(offboard.args).toMatchObject({ response_type: 'ephemeral' })
    expect(env.slack.callsTo('views.open')).toHaveLength(opensBefore)

    await startRedisAgain()
    // Nothing was claimed or written while Redis was away: the same confirmation now goes through.
    expect((await env.submit(view)).status).toBe(200)
    await env.threadReply(confirmed, /pam@example\.com was deleted/i)
    const retried = await env.postAlert({ integration: LOCAL.integrationId, email: 'quin@example.com', reason: 'Left the company' })
    expect(retried).toMatchObject({ status: 202, body: { status: 'posted' } })
    await env.alertMessage(String(retried.body.alertId))
    expect(deletesOf('u-oli')).toEqual([])
    expect(env.scim.findUser('oli@example.com')).toBeDefined()
  })

  it('loses nothing accepted: an alert accepted just before and an action running during the restart both complete, once', async () => {
    const running = await postedAlert('rex@example.com')
    const view = await confirmationFor(running)
    env.scim.failNext({ method: 'DELETE' }, { delayMs: 1_000 })
    await env.submit(view)
    await eventually('the DELETE reaches the service', () => deletesOf('u-rex').length === 1)
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'sol@example.com', reason: 'Left the company' })
    expect(accepted.status).toBe(202)

    await stopRedis()
    await startRedisAgain()

    const posted = await env.alertMessage(String(accepted.body.alertId))
    await env.threadReply(running, RESULT, 15_000)
    expect(env.scim.findUser('rex@example.com')).toBeUndefined()
    expect(repliesMatching(env, running, RESULT).map((reply) => reply.text)).toEqual([expect.stringMatching(/rex@example\.com|Already deleted/)])
    const alertPosts = env.slack
      .callsTo('chat.postMessage')
      .filter((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks ?? []).includes(String(accepted.body.alertId)))
    expect(alertPosts).toHaveLength(1)
    expect(posted.ts).toBe((alertPosts[0]!.response as { ts: string }).ts)
  })
})

/**
 * BOT_ROLE=worker serves only the probes and runs the background work; BOT_ROLE=web serves
 * Slack and POST /alerts and runs none of it. A web replica queues what a worker replica
 * performs, as a split deployment would, on one Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_RETRY, JobQueues } from '../../src/jobs/queues.js'
import { createLogger } from '../../src/logger.js'
import { ROLE_OPTIONS, startRuntime, type Runtime } from '../../src/runtime.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { slashCommandBody, postToSlackApp } from '../../local/slack-signing.js'
import { connectStore, whenReady } from '../../src/store/redis.js'
import { clickAt, deletesOf, sleep, startReplica, submitAt, type Replica } from '../support/fault-replicas.js'

// Replicas start as processes of their own, which takes a while on a busy machine.
const CHILD_PROCESS_TIMEOUT_MS = 60_000

describe('a worker-role runtime', () => {
  let env: LocalEnvironment
  let worker: Runtime
  beforeAll(async () => {
    env = await startLocalEnvironment({ workers: false })
    worker = await startRuntime(env.config, { ...ROLE_OPTIONS.worker, logger: createLogger('silent'), host: '127.0.0.1', stopGraceMs: 1_000 })
  })
  afterAll(async () => {
    await worker?.stop()
    await env?.stop()
  })

  it('answers the probes and the scrape on its port, and nothing meant for Slack or detectors', async () => {
    expect(worker.url).not.toBe(env.bot.url)
    const healthz = await fetch(`${worker.url}/healthz`)
    expect([healthz.status, await healthz.json()]).toEqual([200, { status: 'ok' }])
    const readyz = await fetch(`${worker.url}/readyz`)
    expect([readyz.status, await readyz.json()]).toEqual([200, { status: 'ready' }])
    const metrics = await fetch(`${worker.url}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toMatch(/^deprovision_bot_queue_depth\{queue="post-alert"\} \d+$/m)

    const slash = slashCommandBody({
      command: '/deprovision',
      text: 'status',
      user_id: LOCAL.actor,
      user_name: 'sandbox.admin',
      channel_id: LOCAL.channel,
      response_url: `${env.slack.responseUrlBase}/x`,
    })
    expect((await postToSlackApp(`${worker.url}/slack/events`, LOCAL.signingSecret, slash)).status).toBe(404)
    const alert = await fetch(`${worker.url}/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ integration: LOCAL.integrationId, email: 'ada@example.com', reason: 'Left the company' }),
    })
    expect(alert.status).toBe(404)
    expect((await fetch(`${worker.url}/metrics`, { method: 'POST' })).status).toBe(404)
  })

  it('closes its HTTP server when stopped', async () => {
    await worker.stop()
    await expect(fetch(`${worker.url}/healthz`)).rejects.toThrow()
  })
})

describe('a web replica and a worker replica on one Redis', () => {
  let env: LocalEnvironment
  let web: Replica | undefined
  let worker: Replica | undefined
  beforeAll(async () => {
    // The environment's own bot runs no workers either: only the worker replica can do the work.
    env = await startLocalEnvironment({ users: [{ id: 'u-zed', userName: 'zed@example.com' }], workers: false })
  }, CHILD_PROCESS_TIMEOUT_MS)
  afterAll(async () => {
    await Promise.all([web?.stop(), worker?.stop()])
    await env?.stop()
  })

  const doneActions = async (replica: Replica): Promise<string[]> =>
    (await (await fetch(`${replica.url}/metrics`)).text())
      .split('\n')
      .filter((line) => line.startsWith('deprovision_bot_actions_total{') && line.includes('outcome="done"'))

  it(
    'the web replica accepts and queues; the worker replica posts, deletes and reports',
    async () => {
      const redis = connectStore(env.redisUrl)
      const queues = new JobQueues(redis, DEFAULT_RETRY, () => undefined)
      try {
        await whenReady(redis)
        web = await startReplica(env.config, ROLE_OPTIONS.web)
        const accepted = await fetch(`${web.url}/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ integration: LOCAL.integrationId, email: 'zed@example.com', reason: 'Left the company' }),
        })
        expect(accepted.status).toBe(202)
        const { alertId } = (await accepted.json()) as { alertId: string }

        // Nothing runs the posting job yet, and the web replica registered no schedule.
        await sleep(1_500)
        expect(env.slack.calls.filter((call) => call.method === 'chat.postMessage')).toEqual([])
        expect(await queues.timers.getJobSchedulersCount()).toBe(0)

        worker = await startReplica(env.config, ROLE_OPTIONS.worker)
        const message = await env.alertMessage(alertId)
        expect(await queues.timers.getJobSchedulersCount()).toBe(2) // the timer sweep and the health check

        const since = env.slack.calls.length
        expect((await clickAt(web.url, env, message, 'delete')).status).toBe(200)
        expect((await submitAt(web.url, await env.confirmation(since))).status).toBe(200)
        await env.threadReply(message, /zed@example\.com was deleted/, 15_000)
        expect(deletesOf(env, 'u-zed')).toHaveLength(1)
        expect(await doneActions(worker)).toEqual([expect.stringMatching(/ 1$/)])
        expect(await doneActions(web)).toEqual([])
      } finally {
        await queues.close()
        redis.disconnect()
      }
    },
    CHILD_PROCESS_TIMEOUT_MS,
  )
})

/**
 * SIGTERM, as an orchestrator sends it before replacing a replica: the replica stops taking
 * requests, lets its running action finish within the grace period or hands it back to
 * another replica, closes Redis and exits 0. The replica under test runs in a process of its
 * own (test/support/fault-replica.ts, stopping exactly as src/main.ts does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { startRuntime, type Runtime } from '../../src/runtime.js'
import { startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { deleteHeldAtTheService, deletesOf, eventually, repliesMatching, startReplica, type Replica } from '../support/fault-replicas.js'

// Replicas start as processes of their own, which takes a while on a busy machine.
const CHILD_PROCESS_TIMEOUT_MS = 60_000

const RESULT = /^(✅|⚠️)/
const JOB_LOCK_MS = 800

let env: LocalEnvironment
const replicas: Replica[] = []
const others: Runtime[] = []

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: ['mia', 'ned'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    workers: false,
  })
})
afterAll(async () => {
  await Promise.all([...replicas.map((replica) => replica.stop()), ...others.map((other) => other.stop())])
  await env?.stop()
})

async function replica(options: Parameters<typeof startReplica>[1]): Promise<Replica> {
  const started = await startReplica(env.config, { jobLockMs: JOB_LOCK_MS, ...options })
  replicas.push(started)
  return started
}

const answers = (url: string) =>
  fetch(`${url}/healthz`).then(
    () => true,
    () => false,
  )

describe('SIGTERM', () => {
  it(
    'stops taking requests at once, lets the running action finish and report, then closes Redis and exits 0',
    async () => {
      const stopping = await replica({ stopGraceMs: 10_000 })
      expect(await answers(stopping.url)).toBe(true)
      const message = await deleteHeldAtTheService(env, 'mia@example.com', 'u-mia', 3_000)

      stopping.signal('SIGTERM')
      await eventually('the replica refuses new connections', async () => !(await answers(stopping.url)))
      // Refusing requests while its action is still at the service: it did not wait for the job to stop serving.
      expect(repliesMatching(env, message, RESULT)).toEqual([])
      expect(await stopping.exitWithin(0)).toBe('running')

      expect(await stopping.exited).toEqual({ code: 0, signal: null })
      expect(repliesMatching(env, message, RESULT).map((reply) => reply.text)).toEqual([expect.stringMatching(/mia@example\.com was deleted/)])
      expect(deletesOf(env, 'u-mia')).toHaveLength(1)
      expect(stopping.logs().map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']))
    },
    CHILD_PROCESS_TIMEOUT_MS,
  )

  it(
    'hands back an action that outlasts the grace period: another replica completes it, once, and the thread gets one result',
    async () => {
      const stopping = await replica({ serve: false, stopGraceMs: 200 })
      const message = await deleteHeldAtTheService(env, 'ned@example.com', 'u-ned', 5_000)
      // The replica that takes over, started once the action is in flight so that only the stopping one had it.
      others.push(await startRuntime(env.config, { serve: false, jobLockMs: JOB_LOCK_MS, logger: createLogger('silent') }))

      stopping.signal('SIGTERM')
      expect(await stopping.exited).toEqual({ code: 0, signal: null })
      expect(stopping.logs().map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']))

      await env.threadReply(message, /ned@example\.com was deleted/i, 15_000)
      expect(env.scim.findUser('ned@example.com')).toBeUndefined()
      // The first DELETE died with its caller before the service acted on it; the second one deleted the account.
      expect(deletesOf(env, 'u-ned')).toHaveLength(2)
      expect(repliesMatching(env, message, RESULT)).toHaveLength(1)
    },
    CHILD_PROCESS_TIMEOUT_MS,
  )
})

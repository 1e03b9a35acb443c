/**
 * The worker process dies (SIGKILL) while the service is answering its write call, and a
 * worker is started again: the action completes, the service carries it out once, and the
 * thread gets exactly one result. The HTTP side runs in this process; the worker in a
 * process of its own, which the test kills.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { deleteHeldAtTheService, deletesOf, repliesMatching, startReplica, type Replica } from '../support/fault-replicas.js'

// Replicas start as processes of their own, which takes a while on a busy machine.
const CHILD_PROCESS_TIMEOUT_MS = 60_000

const RESULT = /^(✅|⚠️)/
// A killed worker's job is taken over once its claim lapses: one to three times this.
const JOB_LOCK_MS = 800

let env: LocalEnvironment
let worker: Replica
const replicas: Replica[] = []

async function startWorker(): Promise<Replica> {
  const replica = await startReplica(env.config, { serve: false, jobLockMs: JOB_LOCK_MS, retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 } })
  replicas.push(replica)
  return replica
}

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: ['kim', 'lou'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    workers: false,
  })
  worker = await startWorker()
}, CHILD_PROCESS_TIMEOUT_MS)
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()))
  await env?.stop()
})

async function killWorker(): Promise<void> {
  worker.signal('SIGKILL')
  expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' })
}

describe('a worker killed in the middle of the provider call', () => {
  it(
    'before the service acted: a new worker takes the job over, the account is deleted once, and the thread gets one result',
    async () => {
      const message = await deleteHeldAtTheService(env, 'kim@example.com', 'u-kim', 3_000)
      await killWorker()
      // The service never acted on the DELETE whose caller died.
      expect(env.scim.findUser('kim@example.com')).toBeDefined()

      worker = await startWorker()
      await env.threadReply(message, /kim@example\.com was deleted/i, 15_000)
      expect(env.scim.findUser('kim@example.com')).toBeUndefined()
      expect(deletesOf(env, 'u-kim')).toHaveLength(2)
      expect(repliesMatching(env, message, RESULT).map((reply) => reply.text)).toEqual([expect.stringMatching(/kim@example\.com was deleted/)])
      await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && /deleted/i.test(String(c.args.text)))
    },
    CHILD_PROCESS_TIMEOUT_MS,
  )

  it(
    'after the service acted but before its answer arrived: the new worker finds the account gone, does not call again, and reports it deleted (not "already deleted") once',
    async () => {
      const message = await deleteHeldAtTheService(env, 'lou@example.com', 'u-lou', 3_000)
      // The service carries the deletion out; its answer is lost with the worker.
      env.scim.users.delete('u-lou')
      await killWorker()

      worker = await startWorker()
      // Its own lost request did it: reported as that request's result, not as someone else's.
      const reply = await env.threadReply(message, RESULT, 15_000)
      expect(reply.text).toMatch(/was deleted/i)
      expect(reply.text).not.toMatch(/already/i)
      expect(deletesOf(env, 'u-lou')).toHaveLength(1)
      expect(repliesMatching(env, message, RESULT)).toHaveLength(1)
      await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && /deleted/i.test(String(c.args.text)))
    },
    CHILD_PROCESS_TIMEOUT_MS,
  )
})

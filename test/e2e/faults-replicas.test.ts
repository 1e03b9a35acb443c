/**
 * Two bot processes, each serving Slack and running a worker, against one Redis, with the
 * interactions spread across them as a load balancer would: the click on one, the
 * confirmation on the other, the same confirmation submitted to both at once. Every action
 * runs exactly once at the service and every thread gets one result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { clickAt, repliesMatching, startReplica, submitAt, type Replica } from '../support/fault-replicas.js'

// Replicas start as processes of their own, which takes a while on a busy machine.
const CHILD_PROCESS_TIMEOUT_MS = 60_000

const RESULT = /^(✅|⚠️)/
const NAMES = ['tia', 'uma', 'vic', 'wes', 'xan', 'yul']

let env: LocalEnvironment
let replicas: Replica[] = []

beforeAll(async () => {
  env = await startLocalEnvironment({ users: NAMES.map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })), workers: false })
  replicas = await Promise.all([startReplica(env.config), startReplica(env.config)])
}, CHILD_PROCESS_TIMEOUT_MS)
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()))
  await env?.stop()
})

async function alertPostedVia(replica: Replica, email: string): Promise<{ alertId: string; message: StoredMessage }> {
  const response = await fetch(`${replica.url}/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ integration: LOCAL.integrationId, email, reason: 'Left the company' }),
  })
  expect(response.status).toBe(202)
  const { alertId } = (await response.json()) as { alertId: string }
  return { alertId, message: await env.alertMessage(alertId) }
}

/** The confirmation modal of this alert (several flows run at once, so the latest modal may be another's). */
async function confirmationOf(alertId: string): Promise<StoredView> {
  const call = await env.slack.waitFor('views.update', (c) => JSON.stringify(c.args.view).includes(alertId))
  return env.slack.view(String(call.args.view_id))!
}

const deletesOf = (id: string) => env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === `/Users/${id}`)

async function deletedCount(replica: Replica): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('deprovision_bot_actions_total{') && l.includes('outcome="done"'))
  return line ? Number(line.split(' ').at(-1)) : 0
}

describe('two bot processes on one Redis', () => {
  it(
    'run every action exactly once when the click goes to one, the confirmation to the other, and double submits to both',
    async () => {
      const [a, b] = replicas as [Replica, Replica]
      const flows = NAMES.map(async (name, i) => {
        const [first, second] = i % 2 === 0 ? [a, b] : [b, a]
        const { alertId, message } = await alertPostedVia(first, `${name}@example.com`)
        await clickAt(second.url, env, message, 'delete')
        const view = await confirmationOf(alertId)
        // The same confirmation, twice to each process at once (a double click, a retried request).
        const submits = await Promise.all([submitAt(first.url, view), submitAt(second.url, view), submitAt(first.url, view), submitAt(second.url, view)])
        return { name, message, submits }
      })
      const done = await Promise.all(flows)

      for (const { name, message, submits } of done) {
        expect(submits.map((s) => s.status)).toEqual([200, 200, 200, 200])
        // One submission claims the alert (a bare ack); the modal tells the others it is already under way.
        const told = submits.filter((s) => s.body.includes('response_action'))
        expect(told).toHaveLength(3)
        for (const loser of told) expect(loser.body).toMatch(/already/i)
        await env.threadReply(message, new RegExp(`${name}@example\\.com was deleted`), 15_000)
        expect(deletesOf(`u-${name}`)).toHaveLength(1)
        expect(repliesMatching(env, message, RESULT)).toHaveLength(1)
        expect(env.scim.findUser(`${name}@example.com`)).toBeUndefined()
      }
      // Each replica counts the actions it settled; together, one per alert.
      expect((await deletedCount(a)) + (await deletedCount(b))).toBe(NAMES.length)
    },
    CHILD_PROCESS_TIMEOUT_MS,
  )
})

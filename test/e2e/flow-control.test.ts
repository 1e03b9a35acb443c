/**
 * A service's rate limit holds only its own integration, and never longer than
 * MAX_RATE_LIMIT_WAIT_SECONDS: the action that met it waits (and its thread and
 * alert say so), while every other integration's actions go on, on every replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment, type LocalEnvironmentOptions } from '../../local/local-environment.js'
import type { StoredMessage } from '../../local/slack-stand-in.js'

const TD_USERS = [{ email: 'olivia.owner@example.com', role: 'owner' as const }, { email: 'rob.retired@example.com' }, { email: 'ria.retired@example.com' }]
const SCIM_USERS = [
  { id: 'u-kim', userName: 'kim@example.com' },
  { id: 'u-lee', userName: 'lee@example.com' },
]

function environment(options: LocalEnvironmentOptions): () => LocalEnvironment {
  let env: LocalEnvironment | undefined
  beforeAll(async () => {
    env = await startLocalEnvironment({ users: SCIM_USERS, treasureData: { users: TD_USERS }, slackRetry: { retries: 0 }, ...options })
  })
  afterAll(async () => {
    await env?.stop()
  })
  return () => env!
}

/** `beforeSubmit` runs once the confirmation modal is open: the service's refusal is meant for the action, not the modal's lookup. */
async function confirmDeletion(env: LocalEnvironment, integration: string, email: string, beforeSubmit = () => {}): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration, email, reason: 'Departed employee' })
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  const view = await env.confirmation(since)
  beforeSubmit()
  await env.submit(view)
  return message
}

describe('one service answering 429 with Retry-After: 3600', () => {
  // The web replica runs no jobs; two worker replicas share the action queue.
  const env = environment({ workers: false })

  it('holds only that integration: a Treasure Data deletion confirmed afterwards completes within seconds on either worker replica', async () => {
    await env().startWorker()
    await env().startWorker()
    const held = await confirmDeletion(env(), LOCAL.integrationId, 'kim@example.com', () =>
      env().scim.failNext({ queryIncludes: 'kim@example.com' }, { status: 429, headers: { 'retry-after': '3600' } }),
    )
    const waiting = await env().threadReply(held, /waiting for Acme HR \(SCIM\)'s rate limit/i)
    expect(waiting.text).toMatch(/next try at/)

    for (const email of ['rob.retired@example.com', 'ria.retired@example.com']) {
      const other = await confirmDeletion(env(), LOCAL.treasureDataId, email)
      expect((await env().threadReply(other, /was deleted|failed/i, 8_000)).text).toMatch(/was deleted/)
      expect(env().treasureData!.findUser(email)).toBeUndefined()
    }
    // The SCIM account waits, untouched: the bot sent nothing more to a service that asked it to stop.
    expect(env().scim.findUser('kim@example.com')).toBeDefined()
    expect(env().scim.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0)
  }, 60_000)
})

describe('a Retry-After years ahead (an HTTP-date)', () => {
  const env = environment({ env: { MAX_RATE_LIMIT_WAIT_SECONDS: '4' } })

  it('waits at most MAX_RATE_LIMIT_WAIT_SECONDS, says so in the thread and on the alert, then deletes the account', async () => {
    const message = await confirmDeletion(env(), LOCAL.integrationId, 'lee@example.com', () =>
      env().scim.failNext({ queryIncludes: 'lee@example.com' }, { status: 429, headers: { 'retry-after': 'Fri, 31 Dec 2100 23:59:59 GMT' } }),
    )

    const waiting = await env().threadReply(message, /waiting for/i)
    expect(waiting.text).toMatch(/Deleting lee@example\.com is waiting for Acme HR \(SCIM\)'s rate limit, next try at <!date\^\d+/)
    const alert = await env().slack.waitFor('chat.update', (c) => c.args.ts === message.ts && /waiting for the service's rate limit/.test(String(c.args.text)))
    expect(JSON.stringify(alert.args.blocks)).toMatch(/waiting\* for Acme HR \(SCIM\)'s rate limit/)

    expect((await env().threadReply(message, /was deleted|failed/i, 15_000)).text).toMatch(/was deleted/)
    expect(env().scim.findUser('lee@example.com')).toBeUndefined()
    // Said once, not once per look at the block.
    const parent = env()
      .slack.messages(LOCAL.channel)
      .find((m) => m.ts === message.ts)!
    expect(parent.replies.filter((reply) => /waiting for/.test(String(reply.text)))).toHaveLength(1)

    // An operator sees it per integration on /metrics: the 429 counted, and every integration's pace (none learned: 0).
    const metrics = await (await fetch(`${env().bot.url}/metrics`)).text()
    expect(metrics).toMatch(new RegExp(`^deprovision_bot_rate_limited_total\\{integration="${LOCAL.integrationId}"\\} 1$`, 'm'))
    expect(metrics).toMatch(new RegExp(`^deprovision_bot_integration_pace\\{integration="${LOCAL.treasureDataId}"\\} 0$`, 'm'))
  }, 30_000)
})

/**
 * An alert is posted once. Slack has no idempotency key, so a try that Slack accepted but that could not record the
 * message (Redis failed in between) must not lead its retry to post a second alert with buttons; and when two tries
 * did both post, one copy keeps the buttons and the other points to it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { MessageRef } from '../../src/domain/alert.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage } from '../../local/slack-stand-in.js'
import { AlertStore } from '../../src/store/alerts.js'
import { eventually } from '../support/fault-replicas.js'

let env: LocalEnvironment

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: ['pia', 'rex', 'sam'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 100 },
  })
})
afterAll(async () => {
  await env?.stop()
})
afterEach(() => {
  vi.restoreAllMocks()
})

/** The channel's top-level messages about the alert. */
const copiesOf = (alertId: string): StoredMessage[] => env.slack.messages(LOCAL.channel).filter((m) => JSON.stringify(m.blocks ?? []).includes(alertId))
const hasButtons = (message: StoredMessage): boolean => JSON.stringify(message.blocks ?? []).includes('alert_action:delete')

/** Clicks Delete on `message`, confirms, and answers the result posted in its thread. */
async function deleteFrom(message: StoredMessage): Promise<StoredMessage> {
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  await env.submit(await env.confirmation(since))
  return env.threadReply(message, /^✅/)
}

describe('posting an alert', () => {
  it('posts once when Slack accepted the post and recording its message failed: the retry records that message, whose buttons work', async () => {
    const record = vi.spyOn(AlertStore.prototype, 'recordMessage').mockRejectedValueOnce(new Error('Connection is closed.'))
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'pia@example.com', reason: 'Departed employee' })
    const alertId = String(accepted.body.alertId)
    await eventually('the retry records the message', () => record.mock.results.length === 2)
    await record.mock.results[1]!.value

    const copies = copiesOf(alertId)
    expect(copies).toHaveLength(1)
    expect(hasButtons(copies[0]!)).toBe(true)
    const reply = await deleteFrom(copies[0]!)
    expect(reply.text).toMatch(/pia@example\.com was deleted/)
    expect(env.scim.findUser('pia@example.com')).toBeUndefined()
  })

  /** Another run of the same job posts its copy and records it first, while this one is between its post and its record. */
  function anotherRunRecordsFirst(refusedEdits: number): { first: () => MessageRef | undefined } {
    let first: MessageRef | undefined
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the unmocked method, always called with .call(this)
    const original = AlertStore.prototype.recordMessage
    vi.spyOn(AlertStore.prototype, 'recordMessage').mockImplementationOnce(async function (this: AlertStore, id, message) {
      const copy = env.slack.message(message.channel, message.ts)!
      const answer = await fetch(`${env.slack.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${LOCAL.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: message.channel, text: copy.text, blocks: copy.blocks }),
      })
      first = { channel: message.channel, ts: ((await answer.json()) as { ts: string }).ts }
      await original.call(this, id, first)
      // Slack refuses the edit that would make this copy a pointer, the next thing this run does.
      if (refusedEdits > 0) env.slack.failNext('chat.update', { error: 'internal_error' }, refusedEdits)
      return original.call(this, id, message)
    })
    return { first: () => first }
  }

  it.each([
    ['at once', 0],
    ['on the retry, when Slack refused the first edit', 1],
  ])('keeps the buttons on one copy when two runs both posted: the other is edited to point to it (%s)', async (_when, refusedEdits) => {
    const other = anotherRunRecordsFirst(refusedEdits)
    const email = refusedEdits > 0 ? 'sam@example.com' : 'rex@example.com'
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Departed employee' })
    const alertId = String(accepted.body.alertId)
    await env.slack.waitFor(
      'chat.update',
      (call) => call.status === 200 && (call.response as { ok: boolean }).ok && JSON.stringify(call.args.blocks ?? []).includes(alertId),
    )

    const copies = copiesOf(alertId)
    expect(copies).toHaveLength(2)
    const live = copies.filter(hasButtons)
    expect(live.map((m) => m.ts)).toEqual([other.first()!.ts])
    expect(copies.find((m) => !hasButtons(m))!.text).toMatch(/posted twice/i)
    const reply = await deleteFrom(live[0]!)
    expect(reply.text).toContain(`${email} was deleted`)
  })
})

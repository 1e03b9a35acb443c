/**
 * Muting alerts through the real Bolt app: the Mute menu on an alert (this account or
 * the whole service, for a while or until unmuted), muted alerts counted and not
 * posted, who muted it and until when on the alert, Unmute and who did it, the
 * `/deprovision mutes` list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MUTE_ACTION_ID, UNMUTE_ACTION_ID } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { blockActionsPayload, interactionBody, postToSlackApp } from '../../local/slack-signing.js'
import type { StoredMessage } from '../../local/slack-stand-in.js'

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment()
})
afterAll(async () => {
  await env?.stop()
})

const alertFor = (email: string, dedupKey?: string) =>
  env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Inactive for 90 days', ...(dedupKey ? { dedupKey } : {}) })

async function posted(email: string): Promise<{ alertId: string; message: StoredMessage }> {
  const accepted = await alertFor(email)
  expect(accepted.body.status).toBe('posted')
  const alertId = String(accepted.body.alertId)
  return { alertId, message: await env.alertMessage(alertId) }
}

async function updated(message: StoredMessage, pattern: RegExp): Promise<StoredMessage> {
  await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && pattern.test(JSON.stringify(c.args.blocks)))
  return env.slack.message(LOCAL.channel, message.ts)!
}

describe('muting one account', () => {
  it('keeps its later alerts out of the channel, counts them, and says who muted it until when', async () => {
    const { alertId, message } = await posted('bob@example.com')
    expect(JSON.stringify(message.blocks)).toContain(`"action_id":"${MUTE_ACTION_ID}"`)

    await env.select(message, MUTE_ACTION_ID, `${alertId}|account|7d`)
    const muted = await updated(message, /Muted/)
    expect(JSON.stringify(muted.blocks)).toMatch(/Muted\* by <@U0SANDBOX01>: this account in Acme HR \(SCIM\), until <!date\^/)
    expect(JSON.stringify(muted.blocks)).toContain(`"action_id":"${UNMUTE_ACTION_ID}"`)

    const posts = env.slack.callsTo('chat.postMessage').length
    const again = await alertFor('BOB@example.com')
    expect(again).toMatchObject({
      status: 202,
      body: { alertId: null, status: 'muted', mute: { scope: 'account', integration: LOCAL.integrationId, by: LOCAL.actor } },
    })
    expect((await alertFor('carol@example.com')).body.status).toBe('posted')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(
      env.slack
        .callsTo('chat.postMessage')
        .slice(posts)
        .some((c) => JSON.stringify(c.args).includes('bob@example.com')),
    ).toBe(false)

    await env.command('mutes')
    const list = await env.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('bob@example.com'))
    expect(JSON.stringify(list.args)).toMatch(/1 alert kept back/)
  })

  it('is lifted by Unmute on the alert, which says who did it; new alerts are posted again', async () => {
    const { alertId, message } = await posted('dan@example.com')
    await env.select(message, MUTE_ACTION_ID, `${alertId}|account|forever`)
    const muted = await updated(message, /until unmuted/)
    await env.press(muted, UNMUTE_ACTION_ID)
    const reply = await env.threadReply(message, /Unmuted by/)
    expect(reply.text).toContain('<@U0SANDBOX01>')
    await updated(message, new RegExp(MUTE_ACTION_ID))
    expect((await alertFor('dan@example.com')).body.status).toBe('posted')
  })

  it('answers a second Unmute (the button clicked twice) with "already ended", naming nobody in the thread', async () => {
    const { alertId, message } = await posted('ivy@example.com')
    await env.select(message, MUTE_ACTION_ID, `${alertId}|account|forever`)
    const muted = await updated(message, /until unmuted/)
    await env.press(muted, UNMUTE_ACTION_ID)
    await env.threadReply(message, /Unmuted by/)
    // The second click comes from the message as it was (Slack had not redrawn it yet).
    const stale = blockActionsPayload({ message: muted, channel: LOCAL.channel, actionId: UNMUTE_ACTION_ID, responseUrlBase: env.slack.responseUrlBase })
    await postToSlackApp(`${env.bot.url}/slack/events`, LOCAL.signingSecret, interactionBody(stale))
    await env.slack.waitFor('response_url', (c) => /already ended/.test(JSON.stringify(c.args)))
    const replies = env.slack.messages(LOCAL.channel).find((m) => m.ts === message.ts)!.replies
    expect(replies.filter((reply) => /Unmuted by/.test(reply.text ?? ''))).toHaveLength(1)
  })

  it('is refused to users outside ACTORS', async () => {
    const { alertId, message } = await posted('erin@example.com')
    await env.select(message, MUTE_ACTION_ID, `${alertId}|service|1d`, { id: LOCAL.outsider })
    await env.slack.waitFor('chat.postEphemeral', (c) => c.args.user === LOCAL.outsider && /mute/.test(String(c.args.text)))
    expect((await alertFor('frank@example.com')).body.status).toBe('posted')
  })
})

describe('muting a service', () => {
  it('keeps every alert of the service out', async () => {
    const { alertId, message } = await posted('gus@example.com')
    await env.select(message, MUTE_ACTION_ID, `${alertId}|service|1d`)
    await updated(message, /every Acme HR \(SCIM\) alert/)
    expect((await alertFor('hank@example.com')).body).toMatchObject({ status: 'muted', mute: { scope: 'service' } })
    expect((await alertFor('ivan@example.com')).body.status).toBe('muted')
  })
})

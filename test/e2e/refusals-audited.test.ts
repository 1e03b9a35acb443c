/**
 * "Anyone else gets an ephemeral refusal, and the refusal is audited", through the real
 * Bolt app and real Redis: Mute, Unmute, every App Home click, `/deprovision` with any
 * subcommand, and the offboarding form submitted by someone outside ACTORS, or by another
 * actor than the one who opened it. Each refusal leaves exactly one audit entry naming
 * who was refused, what they asked for and why, and changes nothing.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  HOME_OPEN_SERVICE_ACTION_ID,
  HOME_SEARCH_ACTION_ID,
  HOME_UNMUTE_ACTION_ID,
  MUTE_ACTION_ID,
  UNMUTE_ACTION_ID,
  homePageActionId,
  homeTabActionId,
} from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { interactionBody, postToSlackApp, viewBlockActionsPayload } from '../../local/slack-signing.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { AUDIT_STREAM, type StoredAuditEntry } from '../../src/store/audit.js'

let env: LocalEnvironment
let redis: Redis
beforeAll(async () => {
  env = await startLocalEnvironment({ users: [{ id: 'u-bob', userName: 'bob@example.com', displayName: 'Bob Builder' }] })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

const outsider = { id: LOCAL.outsider }
const text = (value: unknown) => JSON.stringify(value)

/** Runs `refuse` and answers the audit entries it left, once the first is written and a moment has passed for any other. */
async function auditedBy(refuse: () => Promise<unknown>): Promise<StoredAuditEntry[]> {
  const [last] = await redis.xrevrange(AUDIT_STREAM, '+', '-', 'COUNT', 1)
  const start = last ? `(${last[0]}` : '-'
  const read = async () =>
    (await redis.xrange(AUDIT_STREAM, start, '+')).map(([id, fields]) => {
      const entry: Record<string, string> = { id }
      for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!
      return entry as unknown as StoredAuditEntry
    })
  await refuse()
  const deadline = Date.now() + 5_000
  while ((await read()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  await new Promise((resolve) => setTimeout(resolve, 200))
  return read()
}

async function openAlert(email: string): Promise<{ alertId: string; message: StoredMessage }> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Left the company' })
  const alertId = String(accepted.body.alertId)
  return { alertId, message: await env.alertMessage(alertId) }
}

describe('refusals of people outside ACTORS are audited', () => {
  it('Mute on an alert: an ephemeral refusal, the alert stays unmuted, one entry with the alert', async () => {
    const { alertId, message } = await openAlert('bob@example.com')
    const entries = await auditedBy(() => env.select(message, MUTE_ACTION_ID, `${alertId}|account|7d`, outsider))
    expect(entries).toEqual([
      expect.objectContaining({
        event: 'action-refused',
        actor: LOCAL.outsider,
        action: 'mute',
        alertId,
        integration: LOCAL.integrationId,
        email: 'bob@example.com',
        detail: 'not an authorized actor',
      }),
    ])
    expect(env.slack.callsTo('chat.postEphemeral').some((c) => c.args.user === LOCAL.outsider && /mute or unmute/.test(String(c.args.text)))).toBe(true)
    expect(text(env.slack.message(LOCAL.channel, message.ts)!.blocks)).not.toMatch(/Muted by/)
  })

  it('Unmute on a muted alert: the mute holds, one entry with the alert', async () => {
    const { alertId, message } = await openAlert('carol@example.com')
    await env.select(message, MUTE_ACTION_ID, `${alertId}|account|7d`)
    await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && /Muted/.test(text(c.args.blocks)))
    const entries = await auditedBy(() => env.press(message, UNMUTE_ACTION_ID, outsider))
    expect(entries).toEqual([
      expect.objectContaining({
        event: 'action-refused',
        actor: LOCAL.outsider,
        action: 'unmute',
        alertId,
        email: 'carol@example.com',
        detail: 'not an authorized actor',
      }),
    ])
    expect((await env.postAlert({ integration: LOCAL.integrationId, email: 'carol@example.com', reason: 'again' })).body.status).toBe('muted')
  })

  describe('App Home clicks forged into an outsider’s Home', () => {
    let home: StoredView
    beforeAll(async () => {
      home = await env.openHome(outsider)
    })

    it.each([
      ['open tab', { type: 'button', action_id: homeTabActionId('services'), value: 'services' }],
      ['open service', { type: 'button', action_id: HOME_OPEN_SERVICE_ACTION_ID, value: LOCAL.integrationId }],
      ['turn page', { type: 'button', action_id: homePageActionId('next'), value: 'next' }],
      ['search', { type: 'plain_text_input', action_id: HOME_SEARCH_ACTION_ID, value: 'bob' }],
      ['unmute', { type: 'button', action_id: HOME_UNMUTE_ACTION_ID, value: 'any-mute' }],
    ])('%s: the outsider’s Home is published again unchanged, one entry', async (move, action) => {
      const since = env.slack.calls.length
      const payload = viewBlockActionsPayload({ view: home, action: { ...action, block_id: 'forged' }, user: outsider })
      const entries = await auditedBy(() => postToSlackApp(`${env.bot.url}/slack/events`, LOCAL.signingSecret, interactionBody(payload)))
      expect(entries).toEqual([
        expect.objectContaining({ event: 'action-refused', actor: LOCAL.outsider, action: `App Home: ${move}`, detail: 'not an authorized actor' }),
      ])
      const published = await env.publishedHome(since, outsider)
      expect(text(published.blocks)).not.toMatch(/"type":"button"/)
    })
  })

  it.each([
    ['bob@example.com', { action: '/deprovision user@corp', email: 'bob@example.com' }],
    ['status', { action: '/deprovision status' }],
    ['mutes', { action: '/deprovision mutes' }],
    ['scan', { action: '/deprovision scan' }],
    [`scan ${LOCAL.integrationId}`, { action: '/deprovision scan', integration: LOCAL.integrationId }],
    ['', { action: '/deprovision help' }],
  ])('/deprovision %j: the refusal, one command-refused entry', async (input, asked) => {
    let answer = ''
    const entries = await auditedBy(async () => {
      answer = (await env.command(input, outsider)).body
    })
    expect(answer).toMatch(/Only the security team’s actors may use \/deprovision/)
    expect(entries).toEqual([expect.objectContaining({ event: 'command-refused', actor: LOCAL.outsider, ...asked, detail: 'not an authorized actor' })])
  })
})

describe('the offboarding form submitted by someone else than who opened it', () => {
  let form: StoredView
  let draftId: string
  beforeAll(async () => {
    const since = env.slack.calls.length
    await env.command('bob@example.com')
    const open = await env.slack.waitFor('views.open', (c) => env.slack.calls.indexOf(c) >= since)
    form = env.slack.view(String((open.response as { view: { id: string } }).view.id))!
    draftId = (JSON.parse(form.private_metadata) as { draftId: string }).draftId
  })

  it.each([
    ['someone outside ACTORS', outsider, /Only the security team’s actors may offboard people/, 'not an authorized actor'],
    ['another actor', { id: LOCAL.approver }, /opened by someone else/, `the form was opened by ${LOCAL.actor}, not by the submitter`],
  ])('%s: told no, nothing starts, one offboard-refused entry', async (_who, user, told, why) => {
    let answer = ''
    const entries = await auditedBy(async () => {
      answer = (await env.submitValues(form, {}, user)).body
    })
    expect(answer).toMatch(told)
    expect(entries).toEqual([expect.objectContaining({ event: 'offboard-refused', actor: user.id, action: 'offboard', alertId: draftId, detail: why })])
    expect(env.slack.callsTo('chat.postMessage').some((c) => text(c.args.blocks).includes('Offboarding bob@example.com'))).toBe(false)
  })
})

/**
 * The Slack stand-in against Slack's Web API as @slack/web-api types it: for every method
 * the stand-in answers, a call without one of its arguments is refused exactly when the
 * SDK's `<Method>Arguments` type makes that argument required, and every field of a
 * successful answer is one the SDK's `<Method>Response` type defines, with its type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSlackStandIn } from '../../local/slack-stand-in.js'
import type { SlackStandIn } from '../../local/slack-stand-in.js'
import { mismatches } from './support/shape.js'
import { SLACK_WEB_API, slackMethodTypes } from './support/slack-web-api-source.js'

const TOKEN = 'xoxb-conformance-token'
const CHANNEL = 'C0ALERTS'
const USER = 'U0ANN'
const modal = { type: 'modal', title: { type: 'plain_text', text: 'Offboard' }, blocks: [{ type: 'divider' }] }
const home = { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Alerts' } }] }

/** Where the SDK's response types, generated from sample answers, lack what Slack sends; each with the source that shows Slack's side. */
const SDK_TYPE_GAPS = [
  // A broadcast reply has subtype `thread_broadcast` (@slack/types ThreadBroadcastMessageEvent); the replies type was generated without it.
  /^conversations\.replies\.messages\[\d+\]\.subtype: not in /,
]

type Args = Record<string, unknown>
interface Answer {
  ok: boolean
  error?: string
  [field: string]: unknown
}

let slack: SlackStandIn

async function call(method: string, args: Args): Promise<Answer> {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  })
  return (await response.json()) as Answer
}

async function succeed(method: string, args: Args): Promise<Answer> {
  const answer = await call(method, args)
  if (!answer.ok) throw new Error(`${method} refused a valid call: ${answer.error}`)
  return answer
}

/** A fresh thread: a parent with blocks and metadata, and a broadcast reply. */
async function thread(): Promise<{ parent: string; reply: string }> {
  const blocks = [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Delete' } }] }]
  const metadata = { event_type: 'offboard_alert', event_payload: { alert: 'a1' } }
  const parent = await succeed('chat.postMessage', { channel: CHANNEL, text: 'Alert', blocks, metadata })
  const reply = await succeed('chat.postMessage', { channel: CHANNEL, text: 'Deleting', thread_ts: parent.ts, reply_broadcast: true })
  return { parent: String(parent.ts), reply: String(reply.ts) }
}

async function uploadedFile(): Promise<string> {
  const { upload_url: url, file_id: id } = await succeed('files.getUploadURLExternal', { filename: 'report.csv', length: 5 })
  await fetch(String(url), { method: 'POST', body: 'a,b\n1' })
  return String(id)
}

/** A valid call of each method, made afresh for every attempt (a trigger, a message, a file is used up once). */
const VALID_CALLS: Record<string, () => Promise<Args>> = {
  'auth.test': async () => ({}),
  'chat.postMessage': async () => ({ channel: CHANNEL, text: 'Alert' }),
  'chat.update': async () => ({ channel: CHANNEL, ts: (await thread()).reply, text: 'Deleted' }),
  'chat.delete': async () => ({ channel: CHANNEL, ts: (await thread()).parent }),
  'chat.postEphemeral': async () => ({ channel: CHANNEL, user: USER, text: 'Only you' }),
  'chat.getPermalink': async () => ({ channel: CHANNEL, message_ts: (await thread()).parent }),
  'conversations.replies': async () => ({ channel: CHANNEL, ts: (await thread()).parent }),
  'conversations.history': async () => ({ channel: CHANNEL }),
  'conversations.info': async () => ({ channel: CHANNEL }),
  'views.open': async () => ({ trigger_id: slack.newTriggerId(), view: modal }),
  'views.push': async () => ({ trigger_id: slack.newTriggerId(), view: modal }),
  'views.update': async () => ({
    view_id: String(((await succeed('views.open', { trigger_id: slack.newTriggerId(), view: modal })).view as Args).id),
    view: modal,
  }),
  'views.publish': async () => ({ user_id: USER, view: home }),
  'users.info': async () => ({ user: USER }),
  'users.lookupByEmail': async () => ({ email: 'ann@corp.example' }),
  'files.getUploadURLExternal': async () => ({ filename: 'report.csv', length: 5 }),
  'files.completeUploadExternal': async () => ({ files: [{ id: await uploadedFile(), title: 'Report' }], channel_id: CHANNEL }),
}

const types = slackMethodTypes(Object.keys(VALID_CALLS), { 'files.getUploadURLExternal': 'FilesGetUploadURLExternal' })

beforeAll(async () => {
  slack = await startSlackStandIn({
    botToken: TOKEN,
    users: { [USER]: { name: 'Ann Example', email: 'ann@corp.example', tz: 'Europe/Berlin' } },
    channels: { [CHANNEL]: { name: 'alerts', botIsMember: true } },
  })
  // Shared files and threads in the channel, so history and replies answer every kind of message.
  await succeed('files.completeUploadExternal', { files: [{ id: await uploadedFile() }], channel_id: CHANNEL, initial_comment: 'Report' })
})

afterAll(async () => {
  await slack?.stop()
})

describe(`Slack stand-in against ${SLACK_WEB_API}`, () => {
  it('answers every Web API method the bot calls', async () => {
    const unknown = await call('chat.unknownMethod', {})
    expect(unknown).toEqual({ ok: false, error: 'unknown_method' })
    for (const method of Object.keys(VALID_CALLS)) expect(await call(method, await VALID_CALLS[method]!()), method).toMatchObject({ ok: true })
  })

  it('refuses a call without an argument exactly when the SDK types make that argument required', async () => {
    const disagreements: string[] = []
    for (const [method, validCall] of Object.entries(VALID_CALLS)) {
      for (const left of Object.keys(await validCall())) {
        const { [left]: _left, ...args } = await validCall()
        const answer = await call(method, args)
        const sdkAccepts = types.get(method)!.acceptsArguments(new Set(Object.keys(args)))
        if (answer.ok !== sdkAccepts)
          disagreements.push(
            `${method} without ${left}: the stand-in ${answer.ok ? 'accepts it' : `refuses it (${answer.error})`}, the SDK types ${sdkAccepts ? 'allow' : 'require'} it`,
          )
      }
    }
    expect(disagreements).toEqual([])
  })

  it('answers only fields the SDK response types define, with their types', async () => {
    const found: string[] = []
    for (const [method, validCall] of Object.entries(VALID_CALLS)) {
      const answer = await succeed(method, await validCall())
      found.push(...mismatches(answer, types.get(method)!.response, method).filter((found) => !SDK_TYPE_GAPS.some((gap) => gap.test(found))))
    }
    expect(found).toEqual([])
  })
})

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { App } from '@slack/bolt'
import type { BlockAction } from '@slack/bolt'
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api'
import type { WebClientOptions } from '@slack/web-api'
import { startSlackStandIn } from '../../local/slack-stand-in.js'
import type { SlackStandIn, SlackStandInOptions } from '../../local/slack-stand-in.js'
import {
  blockActionsPayload,
  inputValue,
  interactionBody,
  newTriggerId,
  postToSlackApp,
  slashCommandBody,
  viewSubmissionPayload,
} from '../../local/slack-signing.js'

const botToken = 'xoxb-test-token'
const channel = 'C0ALERTS'
const modal = (title: string, extra: object = {}) => ({ type: 'modal' as const, title: { type: 'plain_text' as const, text: title }, blocks: [], ...extra })

let slack: SlackStandIn

async function start(options: Partial<SlackStandInOptions> = {}): Promise<SlackStandIn> {
  slack = await startSlackStandIn({ botToken, ...options })
  return slack
}

function client(options: WebClientOptions = {}, token = botToken): WebClient {
  return new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, ...options })
}

afterEach(async () => {
  await slack?.stop()
})

describe('Slack stand-in, driven by a real WebClient', () => {
  beforeEach(async () => {
    await start({ users: { U0ANN: { email: 'ann@corp.example', name: 'Ann Example' } } })
  })

  it('answers auth.test with the sandbox bot identity, as Bolt needs at startup', async () => {
    const result = await client().auth.test()
    expect(result).toMatchObject({ ok: true, user_id: expect.any(String), bot_id: expect.any(String), team_id: expect.any(String) })
  })

  it('posts a message with blocks and returns a unique, increasing ts', async () => {
    const web = client()
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*ann@corp.example* in Qlik' } }]
    const first = await web.chat.postMessage({ channel, text: 'Account alert', blocks })
    const second = await web.chat.postMessage({ channel, text: 'Another alert' })

    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/)
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts))
    const [stored] = slack.messages(channel)
    expect(stored).toMatchObject({ ts: first.ts, text: 'Account alert', blocks: [{ type: 'section', block_id: expect.any(String) }] })
  })

  it('records nested fields decoded, although WebClient sends them as JSON strings in a form post', async () => {
    await client().chat.postMessage({ channel, text: 'x', blocks: [{ type: 'divider' }] })
    const call = await slack.waitFor('chat.postMessage')
    expect(call.args.blocks).toEqual([{ type: 'divider' }])
    expect(call.args.channel).toBe(channel)
  })

  it('keeps thread replies under their parent and returns them from conversations.replies', async () => {
    const web = client()
    const parent = await web.chat.postMessage({ channel, text: 'Alert' })
    const reply = await web.chat.postMessage({ channel, thread_ts: parent.ts!, text: 'Deletion in progress' })

    const [stored] = slack.messages(channel)
    expect(stored?.replies.map((r) => r.text)).toEqual(['Deletion in progress'])
    expect(stored).toMatchObject({ reply_count: 1, thread_ts: parent.ts })
    const thread = await web.conversations.replies({ channel, ts: parent.ts! })
    expect(thread.messages?.map((m) => m.ts)).toEqual([parent.ts, reply.ts])
  })

  it('refuses a reply to a thread that does not exist', async () => {
    await expect(client().chat.postMessage({ channel, thread_ts: '1600000000.000001', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'thread_not_found' },
    })
  })

  it('answers chat.postMessage without a channel or without text like Slack', async () => {
    const web = client()
    await expect(web.apiCall('chat.postMessage', { text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } })
    await expect(web.apiCall('chat.postMessage', { channel })).rejects.toMatchObject({ data: { error: 'no_text' } })
  })

  it('applies chat.update to the stored message: new blocks replace the buttons', async () => {
    const web = client()
    const buttons = [{ type: 'actions', elements: [{ type: 'button', action_id: 'delete', text: { type: 'plain_text', text: 'Delete' } }] }]
    const posted = await web.chat.postMessage({ channel, text: 'Alert', blocks: buttons })
    const status = [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'Deleted by <@U0ANN>' }] }]
    await web.chat.update({ channel, ts: posted.ts!, text: 'Alert (deleted)', blocks: status })

    const stored = slack.message(channel, posted.ts!)
    expect(stored).toMatchObject({ text: 'Alert (deleted)', blocks: [{ type: 'context' }], edited: expect.any(Object) })
    await expect(web.chat.update({ channel, ts: '1600000000.000001', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } })
  })

  it('opens a modal once per trigger_id and updates it by view_id, refusing a stale hash', async () => {
    const web = client()
    const triggerId = newTriggerId()
    const opened = await web.views.open({
      trigger_id: triggerId,
      view: modal('Checking…', { callback_id: 'confirm_action', private_metadata: '{"alertId":"a1"}' }),
    })
    const view = opened.view!
    expect(view.id).toMatch(/^V[A-Z0-9]+$/)
    expect(view).toMatchObject({ callback_id: 'confirm_action', private_metadata: '{"alertId":"a1"}', hash: expect.any(String) })

    await expect(web.views.open({ trigger_id: triggerId, view: modal('Again') })).rejects.toMatchObject({ data: { error: 'exchanged_trigger_id' } })

    const updated = await web.views.update({
      view_id: view.id!,
      hash: view.hash!,
      view: modal('Delete account', { submit: { type: 'plain_text', text: 'Delete' } }),
    })
    expect(updated.view?.hash).not.toBe(view.hash)
    expect(slack.view(view.id!)).toMatchObject({ title: { text: 'Delete account' }, private_metadata: '' })

    await expect(web.views.update({ view_id: view.id!, hash: view.hash!, view: modal('Late') })).rejects.toMatchObject({ data: { error: 'hash_conflict' } })
    await expect(web.views.update({ view_id: 'VUNKNOWN', view: modal('x') })).rejects.toMatchObject({ data: { error: 'not_found' } })
  })

  it('refuses a trigger_id older than 3 seconds, or one Slack never issued', async () => {
    const web = client()
    await expect(web.views.open({ trigger_id: newTriggerId(Date.now() - 3500), view: modal('Late') })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    })
    await expect(web.views.open({ trigger_id: 'made-up', view: modal('Fake') })).rejects.toMatchObject({ data: { error: 'invalid_trigger_id' } })
  })

  it('publishes one App Home per user, keeping its view id', async () => {
    const web = client()
    const first = await web.views.publish({ user_id: 'U0ANN', view: { type: 'home', blocks: [] } })
    const second = await web.views.publish({ user_id: 'U0ANN', view: { type: 'home', blocks: [{ type: 'divider' }] } })
    expect(second.view?.id).toBe(first.view?.id)
    expect(slack.views().filter((v) => v.type === 'home')).toHaveLength(1)
  })

  it('looks users up by id and by email from the users it was given', async () => {
    const web = client()
    expect((await web.users.info({ user: 'U0ANN' })).user?.profile?.email).toBe('ann@corp.example')
    expect((await web.users.lookupByEmail({ email: 'ann@corp.example' })).user?.id).toBe('U0ANN')
    await expect(web.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } })
    await expect(web.users.lookupByEmail({ email: 'nobody@corp.example' })).rejects.toMatchObject({ data: { error: 'users_not_found' } })
  })

  it('answers invalid_auth, with HTTP 200, to a wrong token', async () => {
    await expect(client({}, 'xoxb-wrong').auth.test()).rejects.toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'invalid_auth' } })
    expect(slack.calls.at(-1)).toMatchObject({ method: 'auth.test', status: 200 })
  })

  it('answers unknown methods with unknown_method', async () => {
    await expect(client().apiCall('chat.frobnicate', {})).rejects.toMatchObject({ data: { error: 'unknown_method' } })
  })

  it('surfaces an injected ok:false error as a WebAPIPlatformError, once', async () => {
    const web = client()
    slack.failNext('chat.postMessage', { error: 'not_in_channel' })
    await expect(web.chat.postMessage({ channel, text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'not_in_channel' },
    })
    await expect(web.chat.postMessage({ channel, text: 'x' })).resolves.toMatchObject({ ok: true })
  })

  it('answers an injected 429 with Retry-After, which WebClient waits out and retries', async () => {
    const web = client({ retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } })
    slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 })
    const started = Date.now()

    await expect(web.chat.postMessage({ channel, text: 'after the limit' })).resolves.toMatchObject({ ok: true })

    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    const attempts = slack.callsTo('chat.postMessage')
    expect(attempts.map((c) => c.status)).toEqual([429, 200])
    expect(attempts[0]?.response).toBe('{"ok":false,"error":"ratelimited"}')
  })

  it('rate-limits chat.postMessage per channel with 429 and Retry-After', async () => {
    await slack.stop()
    await start({ postsPerSecondPerChannel: 2 })
    const web = client({ rejectRateLimitedCalls: true })

    await web.chat.postMessage({ channel, text: '1' })
    await web.chat.postMessage({ channel, text: '2' })
    await expect(web.chat.postMessage({ channel, text: '3' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 })
    await expect(web.chat.postMessage({ channel: 'C0OTHER', text: 'other channel' })).resolves.toMatchObject({ ok: true })
    expect(slack.messages(channel)).toHaveLength(2)
  })

  it('records posts to a response_url bound to a message and replaces the message like Slack', async () => {
    const posted = await client().chat.postMessage({ channel, text: 'Alert' })
    const url = slack.responseUrl({ channel, messageTs: posted.ts! })
    // What Bolt's respond() does: a JSON POST to the response_url.
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'Alert (muted)' }),
    })

    expect(response.status).toBe(200)
    expect(slack.callsTo('response_url')[0]?.args).toEqual({ replace_original: true, text: 'Alert (muted)' })
    expect(slack.message(channel, posted.ts!)?.text).toBe('Alert (muted)')
  })

  it('takes a files.uploadV2 upload (URL, bytes, completion), keeps the bytes and shares the file with its comment in the channel', async () => {
    const result = await client().filesUploadV2({
      channel_id: channel,
      initial_comment: 'The log',
      filename: 'log.csv',
      title: 'Log',
      content: 'a,b\r\n1,2\r\n',
    })
    expect(result.ok).toBe(true)
    expect(slack.files(channel)).toEqual([expect.objectContaining({ name: 'log.csv', title: 'Log', initial_comment: 'The log', channel })])
    expect(slack.files(channel)[0]!.content.toString('utf8')).toBe('a,b\r\n1,2\r\n')
    expect(slack.messages(channel)).toEqual([expect.objectContaining({ text: 'The log', files: [expect.objectContaining({ name: 'log.csv' })] })])
  })

  it('refuses an upload URL without filename or length, for an empty file, and a completion of a file never uploaded', async () => {
    const web = client()
    await expect(web.files.getUploadURLExternal({ filename: 'x.csv' } as never)).rejects.toMatchObject({ data: { error: 'invalid_arguments' } })
    await expect(web.files.getUploadURLExternal({ length: 3 } as never)).rejects.toMatchObject({ data: { error: 'invalid_arguments' } })
    await expect(web.files.getUploadURLExternal({ filename: 'x.csv', length: 0 })).rejects.toMatchObject({ data: { error: 'invalid_arguments' } })
    const { file_id } = await web.files.getUploadURLExternal({ filename: 'x.csv', length: 3 })
    await expect(web.files.completeUploadExternal({ files: [{ id: file_id! }], channel_id: channel })).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    })
  })

  it('answers not_in_channel for a channel the bot has left', async () => {
    slack.removeBotFrom('C0ELSEWHERE')
    await expect(client().filesUploadV2({ channel_id: 'C0ELSEWHERE', filename: 'x.csv', content: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'not_in_channel' },
    })
    expect(slack.files()).toEqual([])
  })

  it('resolves waitFor on a later call, and times out listing the calls it saw', async () => {
    const web = client()
    const waiting = slack.waitFor('chat.postMessage', (call) => call.args.text === 'second')
    await web.chat.postMessage({ channel, text: 'first' })
    await web.chat.postMessage({ channel, text: 'second' })
    await expect(waiting).resolves.toMatchObject({ args: { text: 'second' } })

    await expect(slack.waitFor('views.open', undefined, 50)).rejects.toThrow(
      /no matching views\.open call within 50 ms[\s\S]*#1 chat\.postMessage\(channel=C0ALERTS text="first"\) -> ok/,
    )
  })
})

describe('an unchanged Bolt App against the stand-in, with payloads signed like Slack', () => {
  const signingSecret = 'bolt-signing-secret'
  let app: App | undefined
  afterEach(async () => {
    await app?.stop()
    app = undefined
  })

  async function startApp(register: (bolt: App) => void): Promise<string> {
    app = new App({
      token: botToken,
      signingSecret,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    })
    register(app)
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`
  }

  it('routes a button click, opens a modal from its trigger_id, replies in the thread and responds', async () => {
    await start()
    const url = await startApp((bolt) => {
      bolt.action('alert_action:delete', async ({ ack, body, client: web, respond }) => {
        await ack()
        const click = body as BlockAction
        await web.views.open({ trigger_id: click.trigger_id, view: modal('Delete account', { callback_id: 'confirm_action' }) })
        await web.chat.postMessage({ channel: click.container.channel_id as string, thread_ts: click.container.message_ts as string, text: 'Opened' })
        await respond({ replace_original: false, text: 'Only you can see this' })
      })
    })
    const blocks = [
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'alert_action:delete', value: 'alert-1', style: 'danger', text: { type: 'plain_text', text: 'Delete' } }],
      },
    ]
    const posted = await client().chat.postMessage({ channel, text: 'Alert', blocks })
    const message = slack.message(channel, posted.ts!)!

    const payload = blockActionsPayload({
      message,
      channel,
      actionId: 'alert_action:delete',
      responseUrl: slack.responseUrl({ channel, messageTs: posted.ts! }),
    })
    const response = await postToSlackApp(url, signingSecret, interactionBody(payload))

    expect(response.status).toBe(200)
    await slack.waitFor('response_url')
    expect(slack.callsTo('views.open')[0]?.response).toMatchObject({ ok: true })
    expect(slack.messages(channel)[0]?.replies.map((r) => r.text)).toEqual(['Opened'])
    expect(slack.ephemerals(channel).map((e) => e.text)).toEqual(['Only you can see this'])
  })

  it('routes a view submission and a slash command, and rejects a bad signature with 401', async () => {
    await start()
    const seen: string[] = []
    const url = await startApp((bolt) => {
      bolt.view('confirm_action', async ({ ack, view }) => {
        seen.push(`view:${view.private_metadata}:${view.state.values.note?.note_input?.value}`)
        await ack({ response_action: 'clear' })
      })
      bolt.command('/deprovision', async ({ ack, command }) => {
        seen.push(`command:${command.text}`)
        await ack()
      })
    })
    const opened = await client().views.open({ trigger_id: newTriggerId(), view: modal('Confirm', { callback_id: 'confirm_action', private_metadata: 'a1' }) })
    const submission = viewSubmissionPayload({ view: slack.view(opened.view!.id!)!, values: { note: { note_input: inputValue.text('left') } } })

    const submitted = await postToSlackApp(url, signingSecret, interactionBody(submission))
    const commanded = await postToSlackApp(url, signingSecret, slashCommandBody({ command: '/deprovision', text: 'ann@corp.example' }))
    const forged = await postToSlackApp(url, 'not-the-secret', slashCommandBody({ command: '/deprovision', text: 'x' }))

    expect(submitted).toMatchObject({ status: 200 })
    expect(JSON.parse(submitted.body)).toEqual({ response_action: 'clear' })
    expect(commanded.status).toBe(200)
    expect(forged.status).toBe(401)
    expect(seen).toEqual(['view:a1:left', 'command:ann@corp.example'])
  })
})

describe('Slack stand-in: channels and the bot’s membership', () => {
  beforeEach(async () => {
    await start({
      channels: {
        C0IN: { name: 'security', botIsMember: true },
        C0OUT: { name: 'general', botIsMember: false },
        C0OLD: { name: 'old-alerts', botIsMember: true, isArchived: true },
        G0HIDDEN: { name: 'secret', isPrivate: true, botIsMember: false },
      },
    })
  })

  it('answers conversations.info with the conversation object and is_member, as Slack does', async () => {
    expect((await client().conversations.info({ channel: 'C0IN' })).channel).toMatchObject({ id: 'C0IN', name: 'security', is_channel: true, is_member: true })
    expect((await client().conversations.info({ channel: 'C0OUT' })).channel).toMatchObject({ is_member: false, is_private: false })
  })

  it('hides a private channel the bot is not in, and unknown ones, as channel_not_found; refuses a call without a channel', async () => {
    await expect(client().conversations.info({ channel: 'G0HIDDEN' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } })
    await expect(client().conversations.info({ channel: 'C0NOPE' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } })
    await expect(client().apiCall('conversations.info', {})).rejects.toMatchObject({ data: { error: 'invalid_arguments' } })
  })

  it('refuses a post to a public channel the bot is not in with not_in_channel', async () => {
    await expect(client().chat.postMessage({ channel: 'C0OUT', text: 'hello' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } })
    expect((await client().chat.postMessage({ channel: 'C0IN', text: 'hello' })).ok).toBe(true)
  })

  it('says an archived channel is archived, and refuses posts there with is_archived', async () => {
    expect((await client().conversations.info({ channel: 'C0OLD' })).channel).toMatchObject({ is_archived: true, is_member: true })
    await expect(client().chat.postMessage({ channel: 'C0OLD', text: 'hello' })).rejects.toMatchObject({ data: { error: 'is_archived' } })
  })
})

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt'
import {
  blockActionsPayload,
  interactionBody,
  newTriggerId,
  postToSlackApp,
  signedHeaders,
  slashCommandBody,
  triggerIssuedAt,
  viewSubmissionPayload,
} from '../../local/slack-signing.js'

const secret = 'shhh-signing-secret'

function verify(body: string, headers: Record<string, string>, signingSecret = secret): boolean {
  return isValidSlackRequest({
    signingSecret,
    body,
    headers: {
      'x-slack-signature': headers['x-slack-signature'] ?? '',
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    },
  })
}

describe('signedHeaders', () => {
  const body = interactionBody({ type: 'block_actions', actions: [] })

  it('produces a signature Bolt accepts', () => {
    const headers = signedHeaders(secret, body)
    expect(verify(body, headers)).toBe(true)
    expect(() =>
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      }),
    ).not.toThrow()
  })

  it('is rejected by Bolt when the body was tampered with', () => {
    const headers = signedHeaders(secret, body)
    expect(verify(body.replace('block_actions', 'view_submission'), headers)).toBe(false)
  })

  it('is rejected by Bolt under a different signing secret', () => {
    expect(verify(body, signedHeaders(secret, body), 'another-secret')).toBe(false)
  })

  it('is rejected by Bolt when the timestamp is 6 minutes old', () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60
    expect(verify(body, signedHeaders(secret, body, sixMinutesAgo))).toBe(false)
  })

  it('sets the content type Slack uses: form posts for interactions and commands, JSON for events', () => {
    expect(signedHeaders(secret, body)['content-type']).toBe('application/x-www-form-urlencoded')
    expect(signedHeaders(secret, slashCommandBody({ command: '/deprovision' }))['content-type']).toBe('application/x-www-form-urlencoded')
    expect(signedHeaders(secret, '{"type":"event_callback"}')['content-type']).toBe('application/json')
  })
})

describe('body builders', () => {
  it('wrap an interaction payload in a single urlencoded payload field', () => {
    const body = interactionBody({ type: 'block_actions', text: 'a & b = c' })
    const form = new URLSearchParams(body)
    expect([...form.keys()]).toEqual(['payload'])
    expect(JSON.parse(form.get('payload') ?? '')).toEqual({ type: 'block_actions', text: 'a & b = c' })
  })

  it('fill a slash command with the fields Slack sends, keeping the ones given', () => {
    const form = new URLSearchParams(slashCommandBody({ command: '/deprovision', text: 'ann@corp.example', user_id: 'U42' }))
    expect(form.get('command')).toBe('/deprovision')
    expect(form.get('text')).toBe('ann@corp.example')
    expect(form.get('user_id')).toBe('U42')
    for (const field of ['token', 'team_id', 'channel_id', 'user_name', 'api_app_id', 'response_url', 'trigger_id']) {
      expect(form.get(field), field).toBeTruthy()
    }
  })
})

describe('payload builders', () => {
  const message = {
    ts: '1700000000.000100',
    text: 'Account alert',
    blocks: [
      { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: '*ann@corp* in Qlik' } },
      {
        type: 'actions',
        block_id: 'alert_actions',
        elements: [
          { type: 'button', action_id: 'alert_action:delete', value: 'alert-1', style: 'danger', text: { type: 'plain_text', text: 'Delete' } },
          { type: 'button', action_id: 'alert_action:suspend', value: 'alert-1', text: { type: 'plain_text', text: 'Suspend' } },
        ],
      },
    ],
  }

  it('build a button click that carries the button, message and container Bolt reads', () => {
    const payload = blockActionsPayload({ message, channel: 'C1', actionId: 'alert_action:delete', responseUrlBase: 'http://127.0.0.1:1/response_url/' })
    expect(payload.type).toBe('block_actions')
    expect(payload.actions[0]).toMatchObject({ type: 'button', action_id: 'alert_action:delete', block_id: 'alert_actions', value: 'alert-1', style: 'danger' })
    expect(payload.container).toMatchObject({ type: 'message', channel_id: 'C1', message_ts: message.ts })
    expect(payload.channel?.id).toBe('C1')
    expect(payload.message?.ts).toBe(message.ts)
    expect(payload.response_url).toMatch(/^http:\/\/127\.0\.0\.1:1\/response_url\/[0-9a-f]+$/)
    expect(payload.user.id).toBeTruthy()
  })

  it('give every click its own trigger_id and response_url', () => {
    const click = () => blockActionsPayload({ message, actionId: 'alert_action:suspend', responseUrlBase: 'http://x/response_url' })
    const [a, b] = [click(), click()]
    expect(a.trigger_id).not.toBe(b.trigger_id)
    expect(a.response_url).not.toBe(b.response_url)
  })

  it('refuse to click a button the message does not have, naming the ones it has', () => {
    expect(() => blockActionsPayload({ message, actionId: 'nope', responseUrlBase: 'http://x/' })).toThrow(
      /no button with action_id 'nope'.*alert_action:delete, alert_action:suspend/,
    )
  })

  it('build a view submission around the view that was opened', () => {
    const payload = viewSubmissionPayload({
      view: { id: 'V123', hash: '1.abc', callback_id: 'confirm_action', private_metadata: '{"alertId":"a1"}' },
      values: { reason: { reason_input: { type: 'plain_text_input', value: 'left the company' } } },
    })
    expect(payload.type).toBe('view_submission')
    expect(payload.view).toMatchObject({ id: 'V123', hash: '1.abc', callback_id: 'confirm_action', private_metadata: '{"alertId":"a1"}', type: 'modal' })
    expect(payload.view.state.values.reason?.reason_input?.value).toBe('left the company')
    expect(payload.trigger_id).toBeTruthy()
  })

  it('stamp trigger_ids with their issue time so a stand-in can expire them', () => {
    const issued = Date.now() - 10_000
    expect(triggerIssuedAt(newTriggerId(issued))).toBe(issued)
    expect(triggerIssuedAt('12345.98765.abcd2358fdea')).toBeUndefined()
  })
})

describe('postToSlackApp', () => {
  let close: (() => void) | undefined
  afterEach(() => close?.())

  it('sends the body with headers that verify on the receiving side', async () => {
    const seen: { body: string; headers: Record<string, string> }[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({ body, headers: req.headers as Record<string, string> })
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"response_action":"clear"}')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    close = () => server.close()
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`
    const body = interactionBody({ type: 'view_submission' })

    const response = await postToSlackApp(url, secret, body)

    expect(response).toMatchObject({ status: 200, body: '{"response_action":"clear"}' })
    expect(seen[0]?.body).toBe(body)
    expect(verify(seen[0]?.body ?? '', seen[0]?.headers ?? {})).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { checkPayloadShape } from '../../src/app/receiver.js'

const click = { type: 'block_actions', user: { id: 'U1' }, team: { id: 'T1' }, actions: [{ action_id: 'x' }], channel: { id: 'C1' } }

describe('the receiver guard in front of Bolt', () => {
  it('lets through what Slack sends: interactions, events, slash commands, handshakes, org installs with team: null', () => {
    for (const body of [
      click,
      { ...click, team: null, enterprise: null },
      { type: 'view_submission', user: { id: 'U1' }, view: { id: 'V1' }, response_urls: [] },
      { type: 'event_callback', team_id: 'T1', event: { type: 'app_home_opened' } },
      { command: '/deprovision', text: 'status', user_id: 'U1', team_id: 'T1' },
      { type: 'url_verification', challenge: 'c' },
      { ssl_check: '1' },
    ]) {
      expect(checkPayloadShape(body), JSON.stringify(body)).toEqual({ ok: true })
    }
  })

  it.each([
    ['null', null],
    ['a list', [click]],
    ['a string', 'block_actions'],
    ['an interaction without a user', { ...click, user: undefined }],
    ['an interaction whose user is null', { ...click, user: null }],
    ['a view submission without a view', { type: 'view_submission', user: { id: 'U1' } }],
    ['a channel that is null', { ...click, channel: null }],
    ['actions that are not a list', { ...click, actions: {} }],
    ['an event that is not an object', { type: 'event_callback', event: 'x' }],
    ['an options request without a user', { name: 'x' }],
    ['a team id naming an Object.prototype member', { ...click, team: { id: 'constructor' } }],
    ['a user team id of __proto__', { ...click, user: { id: 'U1', team_id: '__proto__' } }],
  ])('refuses %s', (_name, body) => {
    expect(checkPayloadShape(body).ok).toBe(false)
  })
})

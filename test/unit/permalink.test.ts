/** A link to a message is a nicety: an answer that must go in an ack does not wait for a slow Slack to get it. */
import { describe, expect, it } from 'vitest'
import type { SlackPort } from '../../src/slack/web-api.js'
import { permalinkOf } from '../../src/slack/permalink.js'

const MESSAGE = { channel: 'C0123ABCD', ts: '1700000000.000100' }
const slackAnswering = (getPermalink: () => Promise<{ permalink?: string }>) => ({ chat: { getPermalink } }) as unknown as SlackPort

describe('permalinkOf', () => {
  it('answers the link Slack gives', async () => {
    const slack = slackAnswering(async () => ({ permalink: 'https://example.slack.com/archives/C0123ABCD/p1700000000000100' }))
    expect(await permalinkOf(slack, MESSAGE, 1_000)).toBe('https://example.slack.com/archives/C0123ABCD/p1700000000000100')
  })

  it('answers no link once the time it was given is up, when Slack does not answer', async () => {
    const slack = slackAnswering(() => new Promise(() => undefined))
    expect(await permalinkOf(slack, MESSAGE, 50)).toBeUndefined()
  })

  it('answers no link when Slack refuses', async () => {
    const slack = slackAnswering(() => Promise.reject(new Error('message_not_found')))
    expect(await permalinkOf(slack, MESSAGE)).toBeUndefined()
  })
})

import { ErrorCode } from '@slack/web-api'
import { describe, expect, it } from 'vitest'
import { slackErrorOf, slackRetryReason } from '../../src/metrics.js'

const answer = (status: number, body: unknown) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })

describe('slackErrorOf', () => {
  it("names Slack's error code for ok: false, ratelimited for 429 and the status for other HTTP failures", async () => {
    expect(await slackErrorOf(answer(200, { ok: false, error: 'channel_not_found' }))).toBe('channel_not_found')
    expect(await slackErrorOf(answer(429, { ok: false, error: 'ratelimited' }))).toBe('ratelimited')
    expect(await slackErrorOf(answer(503, 'HTTP 503'))).toBe('http_503')
  })

  it('finds no error in a successful answer, and leaves its body readable by the client', async () => {
    const response = answer(200, { ok: true, ts: '1.2' })
    expect(await slackErrorOf(response)).toBeUndefined()
    expect(await response.json()).toEqual({ ok: true, ts: '1.2' })
  })
})

describe('slackRetryReason', () => {
  it('tells an HTTP failure, a rate limit and a request that got no answer apart', () => {
    expect(slackRetryReason(Object.assign(new Error('An HTTP protocol error occurred: statusCode = 503'), { code: ErrorCode.HTTPError }))).toBe('http_error')
    expect(slackRetryReason(new Error('A rate limit was exceeded (url: http://x/api/chat.postMessage, retry-after: 1)'))).toBe('ratelimited')
    expect(slackRetryReason(Object.assign(new Error('A request error occurred: ECONNREFUSED'), { code: ErrorCode.RequestError }))).toBe('request_failed')
  })
})

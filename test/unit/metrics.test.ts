import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ErrorCode } from '@slack/web-api'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../src/metrics.js'
import { countedSlackOptions, slackErrorOf, slackRetryReason } from '../../src/slack/counted.js'

describe('slackErrorOf', () => {
  it("names Slack's error code for ok: false, ratelimited for 429 and the status for other HTTP failures", () => {
    expect(slackErrorOf(200, JSON.stringify({ ok: false, error: 'channel_not_found' }))).toBe('channel_not_found')
    expect(slackErrorOf(200, '{ "ok" : false }')).toBe('unknown')
    expect(slackErrorOf(429, JSON.stringify({ ok: false, error: 'ratelimited' }))).toBe('ratelimited')
    expect(slackErrorOf(503, 'HTTP 503')).toBe('http_503')
  })

  it('finds no error in a successful answer, nor in one that is not JSON', () => {
    expect(slackErrorOf(200, JSON.stringify({ ok: true, ts: '1.2', text: 'said "ok":false once' }))).toBeUndefined()
    expect(slackErrorOf(200, '<html>"ok":false')).toBeUndefined()
  })
})

describe('countedSlackOptions', () => {
  it('counts an ok: false answer by method and error, and hands the client the same answer to read', async () => {
    const metrics = createMetrics(async () => ({}))
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'x-slack-req-id': 'r1' }).end(JSON.stringify({ ok: false, error: 'not_in_channel' })),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    try {
      const { fetch: counted } = countedSlackOptions(metrics, { retries: 0 })
      const response = await counted!(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/chat.postMessage`, { method: 'POST' })
      expect(response.status).toBe(200)
      expect(response.headers.get('x-slack-req-id')).toBe('r1')
      expect(await response.json()).toEqual({ ok: false, error: 'not_in_channel' })
      expect(await metrics.registry.getSingleMetricAsString('deprovision_bot_slack_api_errors_total')).toContain(
        'method="chat.postMessage",error="not_in_channel"} 1',
      )
    } finally {
      server.close()
    }
  })
})

describe('slackRetryReason', () => {
  it('tells an HTTP failure, a rate limit and a request that got no answer apart', () => {
    expect(slackRetryReason(Object.assign(new Error('An HTTP protocol error occurred: statusCode = 503'), { code: ErrorCode.HTTPError }))).toBe('http_error')
    expect(slackRetryReason(new Error('A rate limit was exceeded (url: http://x/api/chat.postMessage, retry-after: 1)'))).toBe('ratelimited')
    expect(slackRetryReason(Object.assign(new Error('A request error occurred: ECONNREFUSED'), { code: ErrorCode.RequestError }))).toBe('request_failed')
  })
})

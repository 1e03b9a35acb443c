/**
 * The shared HTTP client: what goes on the wire, and how every kind of answer
 * reaches an adapter (a value for 2xx, a typed ProviderError for the rest).
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHttpClient, joinUrl, parseRateLimitReset, parseRetryAfter, problemForStatus } from '../../src/providers/kit/http.js'
import type { HttpClient } from '../../src/providers/kit/http.js'
import { ProviderError } from '../../src/providers/problems.js'
import { caught, problemOf } from '../support/provider-harness.js'

const TOKEN = 'tok-5b1e0c7d9a'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Reply = (req: IncomingMessage, res: ServerResponse) => void

let server: Server
let origin: string
let seen: Seen[] = []
let reply: Reply = (_req, res) => res.writeHead(204).end()
let client: HttpClient

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      reply(req, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  client = createHttpClient({
    baseUrl: `${origin}/api/v2/`,
    headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json' },
    timeoutMs: 1000,
  })
})

afterAll(async () => {
  await client.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  seen = []
  reply = (_req, res) => res.writeHead(204).end()
})

function answer(status: number, body?: unknown, headers: Record<string, string> = {}): Reply {
  return (_req, res) => {
    if (body === undefined) return void res.writeHead(status, headers).end()
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    const type = typeof body === 'string' ? 'text/plain' : 'application/json'
    res.writeHead(status, { 'content-type': type, ...headers }).end(text)
  }
}

describe('HTTP client: requests', () => {
  it('keeps the base URL path, sends the client headers, and encodes the query with %20', async () => {
    await client.send({ method: 'GET', path: '/Users', query: { filter: 'userName eq "a+b@x.io"', count: 1, skip: undefined } })

    expect(seen[0]?.url).toBe('/api/v2/Users?filter=userName%20eq%20%22a%2Bb%40x.io%22&count=1')
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(seen[0]?.headers.accept).toBe('application/json')
  })

  it("sends a JSON body with the caller's content type, overriding client headers per request", async () => {
    await client.send({ method: 'PATCH', path: 'Users/1', json: { a: 1 }, contentType: 'application/scim+json', headers: { Accept: 'text/plain' } })

    expect(seen[0]).toMatchObject({ method: 'PATCH', url: '/api/v2/Users/1', body: '{"a":1}' })
    expect(seen[0]?.headers['content-type']).toBe('application/scim+json')
    expect(seen[0]?.headers.accept).toBe('text/plain')
  })

  it('defaults a JSON body to application/json', async () => {
    await client.send({ method: 'POST', path: '/x', json: [1] })

    expect(seen[0]?.headers['content-type']).toBe('application/json')
  })
})

describe('HTTP client: pacing', () => {
  it('waits for the pace before each request, and starts the deadline only after it', async () => {
    const order: string[] = []
    reply = (_req, res) => {
      order.push('request')
      res.writeHead(204).end()
    }
    const paced = createHttpClient({
      baseUrl: origin,
      timeoutMs: 200,
      pace: {
        beforeSend: async () => {
          order.push('pace')
          await new Promise((resolve) => setTimeout(resolve, 300))
        },
        afterAnswer: async (status) => {
          order.push(`answer ${status}`)
        },
      },
    })
    try {
      await paced.send({ method: 'GET', path: '/one' })
      await paced.send({ method: 'DELETE', path: '/two' })
    } finally {
      await paced.close()
    }
    expect(order).toEqual(['pace', 'request', 'answer 204', 'pace', 'request', 'answer 204'])
  })
})

describe('HTTP client: 2xx answers', () => {
  it('parses a JSON body, including +json media types, and lower-cases header names', async () => {
    reply = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/scim+json', 'X-Thing': 'y' }).end('{"ok":true}')

    const response = await client.send<{ ok: boolean }>({ method: 'GET', path: '/x' })

    expect(response).toMatchObject({ status: 200, body: { ok: true } })
    expect(response.headers['x-thing']).toBe('y')
  })

  it('answers an undefined body for 204 and for an empty 200', async () => {
    expect((await client.send({ method: 'DELETE', path: '/x' })).body).toBeUndefined()
    reply = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end()
    expect(await client.send({ method: 'GET', path: '/x' })).toMatchObject({ status: 200, body: undefined })
  })

  it('rejects a 2xx body that is not JSON when JSON was expected', async () => {
    reply = answer(200, '<html>login page</html>')

    expect(await problemOf(client.send({ method: 'GET', path: '/x' }))).toMatchObject({ kind: 'rejected', status: 200 })
  })

  it('returns the text when text was asked for', async () => {
    reply = answer(200, 'plain words')

    expect((await client.send<string>({ method: 'GET', path: '/x', expect: 'text' })).body).toBe('plain words')
  })
})

describe('HTTP client: redirects', () => {
  it('refuses every redirect unless the request asks to follow one', async () => {
    reply = answer(301, undefined, { location: `${origin}/api/v2/users/7` })

    expect(await problemOf(client.send({ method: 'GET', path: '/users/me' }))).toMatchObject({
      kind: 'rejected',
      status: 301,
      detail: 'unexpected redirect (HTTP 301)',
    })
    expect(seen).toHaveLength(1)
  })

  it('follows a same-origin redirect with the client headers when asked', async () => {
    reply = (req, res) =>
      req.url === '/api/v2/users/me' ? answer(301, undefined, { location: '/api/v2/users/7' })(req, res) : answer(200, { id: '7' })(req, res)

    expect((await client.send({ method: 'GET', path: '/users/me', followRedirect: 'same-origin' })).body).toEqual({ id: '7' })
    expect(seen.map((request) => [request.url, request.headers.authorization])).toEqual([
      ['/api/v2/users/me', `Bearer ${TOKEN}`],
      ['/api/v2/users/7', `Bearer ${TOKEN}`],
    ])
  })

  it('stops after a few redirects instead of looping', async () => {
    reply = answer(302, undefined, { location: `${origin}/api/v2/again` })

    expect(await problemOf(client.send({ method: 'GET', path: '/again', followRedirect: 'same-origin' }))).toMatchObject({
      kind: 'rejected',
      detail: expect.stringMatching(/more than 5 times/),
    })
    expect(seen).toHaveLength(6)
  })
})

describe('HTTP client: failures become typed problems', () => {
  it.each([
    [401, { kind: 'credentials', status: 401, detail: 'nope' }],
    [403, { kind: 'permission', status: 403, detail: 'nope' }],
    [404, { kind: 'not-found', detail: 'nope' }],
    [409, { kind: 'conflict', detail: 'nope' }],
    [412, { kind: 'conflict', detail: 'nope' }],
    [400, { kind: 'rejected', status: 400, detail: 'nope' }],
    [422, { kind: 'rejected', status: 422, detail: 'nope' }],
    [500, { kind: 'transient', status: 500, detail: 'nope' }],
    [502, { kind: 'transient', status: 502, detail: 'nope' }],
    [503, { kind: 'transient', status: 503, detail: 'nope' }],
    [501, { kind: 'rejected', status: 501, detail: 'nope' }],
  ] as const)('HTTP %i -> %o', async (status, problem) => {
    reply = answer(status, { message: 'nope' })

    expect(await problemOf(client.send({ method: 'GET', path: '/x' }))).toEqual(problem)
  })

  it('falls back to the status when the body says nothing usable', async () => {
    reply = answer(500, '<html><body>Bad gateway</body></html>')

    expect(await problemOf(client.send({ method: 'GET', path: '/x' }))).toEqual({ kind: 'transient', status: 500, detail: 'HTTP 500' })
  })

  it('leaves detail out of credentials, permission and not-found when there is none', async () => {
    reply = answer(401)

    expect(await problemOf(client.send({ method: 'GET', path: '/x' }))).toEqual({ kind: 'credentials', status: 401 })
  })

  it("uses the adapter's describeError, on one line and cut to about 300 characters", async () => {
    const described = createHttpClient({
      baseUrl: origin,
      describeError: (status, body) => `${status}: ${(body as { why: string }).why}`,
    })
    reply = answer(409, { why: `first line\nsecond ${'x'.repeat(600)}` })

    const problem = await problemOf(described.send({ method: 'GET', path: '/x' }))
    await described.close()

    expect(problem.kind).toBe('conflict')
    const detail = problem.kind === 'conflict' ? problem.detail : ''
    expect(detail.startsWith('409: first line second xxx')).toBe(true)
    expect(detail.length).toBeLessThanOrEqual(300)
  })

  it('429 with Retry-After in seconds -> rate-limited with milliseconds', async () => {
    reply = answer(429, undefined, { 'retry-after': '7' })

    expect(await problemOf(client.send({ method: 'GET', path: '/x' }))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 })
  })

  it('429 with Retry-After as an HTTP-date -> the time until then', async () => {
    reply = answer(429, undefined, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() })

    const problem = await problemOf(client.send({ method: 'GET', path: '/x' }))

    expect(problem.kind).toBe('rate-limited')
    const wait = problem.kind === 'rate-limited' ? problem.retryAfterMs : undefined
    expect(wait).toBeGreaterThan(25_000)
    expect(wait).toBeLessThanOrEqual(30_000)
  })

  it('429 without Retry-After -> rate-limited with no wait', async () => {
    reply = answer(429)

    expect(await problemOf(client.send({ method: 'GET', path: '/x' }))).toEqual({ kind: 'rate-limited', retryAfterMs: undefined })
  })

  it('a server slower than the timeout -> transient, within about the timeout', async () => {
    const quick = createHttpClient({ baseUrl: origin, timeoutMs: 100 })
    reply = (_req, res) => void setTimeout(() => res.writeHead(204).end(), 1000)

    const started = Date.now()
    const problem = await problemOf(quick.send({ method: 'GET', path: '/slow' }))
    await quick.close()

    expect(problem).toEqual({ kind: 'transient', detail: 'no answer to GET /slow within 100 ms' })
    expect(Date.now() - started).toBeLessThan(800)
  })

  it('a refused connection -> transient', async () => {
    const nowhere = createHttpClient({ baseUrl: 'http://127.0.0.1:1' })

    const problem = await problemOf(nowhere.send({ method: 'GET', path: '/x' }))
    await nowhere.close()

    expect(problem).toMatchObject({ kind: 'transient' })
    expect(problem.kind === 'transient' && problem.detail).toMatch(/ECONNREFUSED/)
  })

  it('never puts the token in the error, even when the service echoes it back', async () => {
    reply = (req, res) => answer(403, { message: `header was ${req.headers.authorization}` })(req, res)

    const error = await caught(client.send({ method: 'GET', path: '/x' }))

    expect(error).toBeInstanceOf(ProviderError)
    const everything = `${(error as Error).message} ${(error as Error).stack} ${JSON.stringify((error as ProviderError).problem)}`
    expect(everything).not.toContain(TOKEN)
    expect((error as ProviderError).problem).toEqual({ kind: 'permission', status: 403, detail: 'header was [redacted]' })
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
  })

  it('reads an HTTP-date, and a date in the past as no wait', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0)
  })

  it('answers undefined when absent or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter('', now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-5', now)).toBeUndefined()
  })
})

describe('joinUrl', () => {
  it('appends to a base URL path with or without slashes', () => {
    expect(joinUrl('https://x.io/scim/v2', '/Users')).toBe('https://x.io/scim/v2/Users')
    expect(joinUrl('https://x.io/scim/v2/', 'Users/1')).toBe('https://x.io/scim/v2/Users/1')
    expect(joinUrl('https://x.io', '/Users', { a: 'b c' })).toBe('https://x.io/Users?a=b%20c')
  })
})

describe('rate-limit reset headers', () => {
  it('reads an epoch-seconds reset (Okta) and an ISO 8601 reset (Atlassian) as the wait, measured from the Date header', () => {
    const date = 'Sun, 22 Nov 2026 10:00:00 GMT'
    const served = Date.parse(date)
    expect(parseRateLimitReset(String(served / 1000 + 30), date)).toBe(30_000)
    expect(parseRateLimitReset(new Date(served + 12_000).toISOString(), date)).toBe(12_000)
    expect(parseRateLimitReset('yesterday', date)).toBeUndefined()
  })

  it("uses them for a 429 without Retry-After (one second more for Okta's, as its SDK waits), and prefers Retry-After when both are sent", () => {
    const date = 'Sun, 22 Nov 2026 10:00:00 GMT'
    const reset = String(Date.parse(date) / 1000 + 45)
    expect(problemForStatus(429, { 'x-rate-limit-reset': reset, date }, undefined)).toEqual({ kind: 'rate-limited', retryAfterMs: 46_000 })
    expect(problemForStatus(429, { 'x-ratelimit-reset': new Date(Date.parse(date) + 45_000).toISOString(), date }, undefined)).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 45_000,
    })
    expect(problemForStatus(429, { 'x-rate-limit-reset': reset, 'retry-after': '3', date }, undefined)).toEqual({ kind: 'rate-limited', retryAfterMs: 3_000 })
  })
})

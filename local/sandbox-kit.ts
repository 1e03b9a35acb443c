/**
 * The scaffolding the service sandboxes share: a node:http server on a free port that
 * stops cleanly, request intake (body, recording, logging), failure injection with
 * stalls that end when the sandbox stops, JSON answers, constant-time credential checks
 * and running a sandbox file on its own. What is particular to a service (its routes,
 * auth scheme, error bodies and content types) stays in that service's sandbox.
 */
import { timingSafeEqual } from 'node:crypto'
import { realpathSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

/** Releases of pending stalls, so stopping a sandbox ends them at once. */
export type Waits = Set<() => void>

type Headers = Record<string, string | string[]>

/** What every failNext reply may carry. */
export interface Stall {
  /** Wait this long before answering (the stop of the sandbox ends the wait). */
  delayMs?: number
}

/** A failNext reply as most sandboxes take it. */
export interface InjectedReply extends Stall {
  /** Leave out to only delay the normal answer. */
  status?: number
  /** An object is sent as JSON, a string as is; absent on an error status, the service's error body is generated. */
  body?: unknown
  headers?: Record<string, string>
}

/** A failNext reply for the sandboxes that can also apply the request before failing it (only they read `afterApplying`). */
export interface ApplyingReply extends InjectedReply {
  /** Apply the request first, then answer with `status`: the service did it, and its answer was lost on the way (a 504). */
  afterApplying?: boolean
}

/** A failNext match on the method and the path; each field left out matches anything. */
export interface PathMatch {
  method?: string
  pathIncludes?: string
}

/** A failNext match that can also look at the query string. */
export interface RequestMatch extends PathMatch {
  /** Matched against the decoded query string. */
  queryIncludes?: string
}

export interface QueuedFailure<M, R> {
  match: M
  reply: R
}

/** The fields of a recorded request every HTTP sandbox keeps. */
export interface RequestBasics {
  method: string
  path: string
  /** Decoded query parameters. */
  query: Record<string, string>
  /** Parsed JSON, or the raw text when it was not JSON, or undefined when there was none. */
  body: unknown
}

/** A recorded request with the headers tests look at. */
export interface RecordedBasics extends RequestBasics {
  contentType?: string
  /** Whether an Authorization header was sent (its value is never recorded). */
  authorization: boolean
}

/** How a sandbox is served: the options every start function takes. */
export interface SandboxServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  host?: string
  /** One line per request (method, path, status), for the demo. */
  log?: (line: string) => void
}

/** What every started sandbox offers a test: its request log, failure injection, and stop. */
export interface SandboxHandle<Rec, M, R> {
  requests: Rec[]
  /** The next request matching `match` gets `reply` instead of (or, with only delayMs, before) its normal answer. */
  failNext(match: M, reply: R): void
  stop(): Promise<void>
}

const MAX_BODY_BYTES = 1_000_000

// --- server -------------------------------------------------------------------

/** A handler that throws must still answer (in the service's error format), not leave the client hanging. */
export function createSandboxServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onCrash: (res: ServerResponse, error: unknown) => void,
): Server {
  return createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) onCrash(res, error)
    })
  })
}

/** Port 0 lets parallel tests each get a free port; the origin is what clients are pointed at. */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<{ origin: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return { origin: `http://${hostname}:${address.port}`, port: address.port }
}

/** Keep-alive connections and stalled requests would otherwise keep a stopped sandbox (and the test run) alive. */
export async function stopServer(server: Server, waits?: Waits): Promise<void> {
  for (const release of waits ?? []) release()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

/** Requests, failNext and stop behave the same in every sandbox, over its request log, failure queue and server. */
export function sandboxHandle<Rec, M, R extends Stall>(
  server: Server,
  intake: Pick<Intake<Rec, M, R>, 'requests' | 'failures' | 'waits'>,
): SandboxHandle<Rec, M, R> {
  return {
    requests: intake.requests,
    failNext: (match, reply) => {
      intake.failures.push({ match, reply })
    },
    stop: () => stopServer(server, intake.waits),
  }
}

// --- request intake -------------------------------------------------------------

/** Bodies are buffered whole but capped, so a runaway client cannot exhaust memory (cut short, or refused with 'throw'). */
export async function readBody(req: IncomingMessage, tooLarge: 'truncate' | 'throw' = 'truncate'): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > MAX_BODY_BYTES) {
      if (tooLarge === 'throw') throw new Error('request body too large')
      break
    }
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

/** Tests assert on what a client sent, JSON or not, so a body that does not parse is kept as text. */
export function parseBody(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** The method, path, decoded query and body are what every sandbox records of a request. */
export function requestBasics(req: IncomingMessage, url: URL, text: string, path = url.pathname): RequestBasics {
  return { method: req.method ?? 'GET', path, query: Object.fromEntries(url.searchParams), body: parseBody(text) }
}

/** Tests check which headers a client sent, but a credential's value must never end up in a recording. */
export function recordRequest(
  req: IncomingMessage,
  url: URL,
  text: string,
  options: { path?: string; accept?: boolean; parse?: (text: string) => unknown } = {},
): RecordedBasics & { accept?: string } {
  const basics = requestBasics(req, url, text, options.path)
  return {
    ...basics,
    ...(options.parse ? { body: options.parse(text) } : {}),
    ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    ...(options.accept && req.headers.accept ? { accept: req.headers.accept } : {}),
    authorization: req.headers.authorization !== undefined,
  }
}

/** The demo prints one line per answered request, with the status only known once it is sent. */
function logAnswer(res: ServerResponse, log: ((line: string) => void) | undefined, line: string): void {
  res.on('finish', () => log?.(`${line} -> ${res.statusCode}`))
}

/** A sandbox's request log and failure queue, which `receive` fills and drains. */
export interface Intake<Rec, M, R extends Stall> {
  requests: Rec[]
  failures: QueuedFailure<M, R>[]
  waits: Waits
  log?: ((line: string) => void) | undefined
  matches: (match: M, recorded: Rec, url: URL) => boolean
  /** The log line, before ` -> status`; defaults to method, path and query string. */
  logLine?: (recorded: Rec, url: URL) => string
}

/** Each sandbox starts with an empty request log and failure queue, matched on method, path and query unless it says otherwise. */
export function newIntake<Rec extends { method: string; path: string }, M extends RequestMatch, R extends Stall>(
  log: ((line: string) => void) | undefined,
  custom: Pick<Partial<Intake<Rec, M, R>>, 'matches' | 'logLine'> = {},
): Intake<Rec, M, R> {
  return {
    requests: [],
    failures: [],
    waits: new Set(),
    log,
    matches: custom.matches ?? ((match, recorded, url) => matchesRequest(match, recorded, url.search)),
    ...(custom.logLine ? { logLine: custom.logLine } : {}),
  }
}

export interface Received<Rec, R> {
  url: URL
  text: string
  recorded: Rec
  /** The failNext reply this request drew, if any (its delay already waited out). */
  failure: R | undefined
}

/** Every sandbox records and logs a request before an injected failure may stall or replace its answer. */
export async function receive<Rec extends { method: string; path: string }, M, R extends Stall>(
  req: IncomingMessage,
  res: ServerResponse,
  intake: Intake<Rec, M, R>,
  record: (url: URL, text: string) => Rec,
): Promise<Received<Rec, R> | undefined> {
  const url = new URL(req.url ?? '/', 'http://sandbox')
  const text = (await readBody(req)).toString('utf8')
  const recorded = record(url, text)
  intake.requests.push(recorded)
  logAnswer(res, intake.log, intake.logLine ? intake.logLine(recorded, url) : `${recorded.method} ${recorded.path}${url.search}`)
  const failure = takeFailure(intake.failures, (match) => intake.matches(match, recorded, url))
  return (await stall(failure, res, intake.waits)) ? { url, text, recorded, failure } : undefined
}

// --- failure injection ----------------------------------------------------------

/** failNext answers only the first matching request, so its entry is taken out of the queue once used. */
export function takeFailure<M, R>(failures: QueuedFailure<M, R>[], matches: (match: M) => boolean): R | undefined {
  const index = failures.findIndex(({ match }) => matches(match))
  if (index === -1) return undefined
  return failures.splice(index, 1)[0]?.reply
}

/** Tests name a request loosely: any-case method, part of the path, part of the decoded query string. */
export function matchesRequest(match: RequestMatch, req: { method: string; path: string }, search = ''): boolean {
  if (match.method && match.method.toUpperCase() !== req.method) return false
  if (match.pathIncludes && !req.path.includes(match.pathIncludes)) return false
  return !match.queryIncludes || decodeURIComponent(search).includes(match.queryIncludes)
}

/** A stalled request may be dropped by its client (a timeout test); false then, so nothing is sent on it. */
export async function stall(failure: Stall | undefined, res: ServerResponse, waits: Waits): Promise<boolean> {
  if (failure?.delayMs) await wait(failure.delayMs, waits)
  return !res.destroyed
}

/** stop() releases every pending wait, so a stalled request never outlives its sandbox or holds a test run open. */
function wait(ms: number, waits: Waits): Promise<void> {
  return new Promise((resolve) => {
    const release = () => {
      clearTimeout(timer)
      waits.delete(release)
      resolve()
    }
    const timer = setTimeout(release, ms)
    waits.add(release)
  })
}

/**
 * At most `requests` per `windowMs`. 'fixed-window' (the default): counted in a window opened by the first
 * request after the last one closed. 'token-bucket': a bucket of `requests` tokens refilled evenly over
 * `windowMs`, so the allowance comes back gradually instead of all at once.
 */
export interface RateLimit {
  requests: number
  windowMs: number
  model?: 'fixed-window' | 'token-bucket'
}

/** The limiter a RateLimit describes: each call counts a request and answers how long to wait when it is refused. */
export function rateLimiter(limit: RateLimit): () => number | undefined {
  return limit.model === 'token-bucket' ? tokenBucket(limit) : fixedWindow(limit)
}

/** Refused requests take no token (a service does not charge for a 429). */
function tokenBucket(limit: RateLimit): () => number | undefined {
  const perMs = limit.requests / limit.windowMs
  let tokens = limit.requests
  let at = Date.now()
  return () => {
    const now = Date.now()
    tokens = Math.min(limit.requests, tokens + (now - at) * perMs)
    at = now
    if (tokens >= 1) {
      tokens -= 1
      return undefined
    }
    return (1 - tokens) / perMs
  }
}

/** Counts every request (refused ones too, as services do); answers how long until the window closes when over the limit. */
export function fixedWindow(limit: RateLimit): () => number | undefined {
  let windowStart = 0
  let count = 0
  return () => {
    const now = Date.now()
    if (now - windowStart >= limit.windowMs) {
      windowStart = now
      count = 0
    }
    count += 1
    return count > limit.requests ? windowStart + limit.windowMs - now : undefined
  }
}

/** HTTP's Retry-After is whole seconds, so a refusal says at least 1 even when the window closes sooner. */
export function retryAfterSeconds(waitMs: number): string {
  return String(Math.max(1, Math.ceil(waitMs / 1000)))
}

/** An injected failure is a 500 unless told otherwise, with the service's own error body when the test gives none. */
export function injectedAnswer(
  reply: InjectedReply,
  errorBody: (status: number) => unknown,
): { status: number; body: unknown; headers: Record<string, string> | undefined } {
  const status = reply.status ?? 500
  const body = reply.body ?? (status >= 400 ? errorBody(status) : undefined)
  return { status, body, headers: reply.headers }
}

// --- reading what clients send ------------------------------------------------------

/** A query parameter as a whole number, or undefined when it is absent or not one (each sandbox applies its service's default and bounds). */
export function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text.trim())) return undefined
  return Number(text)
}

/** A parsed JSON body (or a part of it) that is an object, so its fields can be checked one by one. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// --- answers and credentials ------------------------------------------------------

export type Send = (res: ServerResponse, status: number, body?: unknown, headers?: Headers) => void

/** Objects go out as JSON and strings as is, in the content types the service uses, never on a dropped connection. */
export function sender(jsonType: string, textType = 'text/plain; charset=utf-8'): Send {
  return (res, status, body, headers = {}) => {
    if (res.destroyed) return
    if (body === undefined) {
      res.writeHead(status, headers).end()
      return
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': typeof body === 'string' ? textType : jsonType, ...headers }).end(text)
  }
}

/** Credentials are compared in constant time, as the real services must, so the sandboxes do not model a timing leak. */
export function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

const BEARER = /^Bearer\s+(.+)$/i

/** The services differ only in the scheme word (Bearer, SSWS), so the pattern that captures the credential is a parameter. */
export function presentedCredential(header: string | undefined, scheme: RegExp = BEARER): string | undefined {
  return scheme.exec(header ?? '')?.[1]?.trim()
}

/** A missing, empty or wrong credential is refused alike, and the comparison never short-circuits on content. */
export function authorized(header: string | undefined, secret: string, scheme: RegExp = BEARER): boolean {
  const presented = presentedCredential(header, scheme)
  return presented ? sameSecret(presented, secret) : false
}

// --- running on its own -------------------------------------------------------------

/** Run by hand, every sandbox listens where its PREFIX_PORT / PREFIX_HOST say and logs each request to the console. */
export function scriptOptions(envPrefix: string, defaultPort: number): { port: number; host: string; log: (line: string) => void } {
  return {
    port: Number(process.env[`${envPrefix}_PORT`] || defaultPort),
    host: process.env[`${envPrefix}_HOST`] || '127.0.0.1',
    log: (line) => console.log(line),
  }
}

/** The console says where a sandbox's secret came from, without echoing one taken from the environment. */
export function envSecret(name: string, fallback: string): { value: string; source: string } {
  const value = process.env[name]
  return value ? { value, source: `from ${name}` } : { value: fallback, source: `the default, "${fallback}"` }
}

/** A sandbox file is both a module and a script; realpath makes the check hold through symlinks and tsx. */
function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1]
  if (!entry) return false
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    return false
  }
}

/** Run as a script, a sandbox starts, then stops (closing its connections) on Ctrl-C or a kill before exiting. */
export async function runAsScript(moduleUrl: string, start: () => Promise<{ stop(): Promise<void> }>): Promise<void> {
  if (!isEntryPoint(moduleUrl)) return
  const running = await start()
  const shutdown = () => void running.stop().then(() => process.exit(0))
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

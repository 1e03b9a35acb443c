/**
 * `npm run bench`: figures for the two hot paths, each next to a baseline measured
 * in the same run (see docs/benchmarks.md).
 *
 * 1. Ack latency of a signed `block_actions` request (Delete on a real alert) at
 *    POST /slack/events, against a bare Bolt app that only acks the same request.
 *    Fixed rate, the two targets alternate (random order within each pair), timed
 *    client-side from sending the POST to the end of the HTTP response (the ack).
 * 2. Alerts accepted per second at POST /alerts with N concurrent clients, against
 *    a plain node:http endpoint that reads the JSON and answers 202.
 *
 * Layout: this process only generates load and prints. The bot runs in child
 * process "bot" through startLocalEnvironment (its own redis-server, the Slack
 * stand-in, the SCIM sandbox and the real bot with its workers, logging silent).
 * The bare Bolt app and the plain HTTP baseline run in child process "bare".
 * Everything listens on 127.0.0.1; request counts are fixed and the whole run
 * gives up after TIME_LIMIT_MS.
 *
 * Options (all optional): --rate=100 --warmup=250 --clicks=2000 --alerts=3000
 * --concurrency=20, and for investigation only --bare-in=bot-process
 * (the bare Bolt app in the bot's process, so both share one event loop). The
 * same file is the child processes' entry point (first argument `bot` or `bare`).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { subscribe } from 'node:diagnostics_channel'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { ServerResponse, createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, totalmem } from 'node:os'
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { App } from '@slack/bolt'
import { Pool } from 'undici'
import { requestActionId } from '../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../src/sandbox/local-environment.js'
import { blockActionsPayload, interactionBody, signedHeaders } from '../src/sandbox/slack-signing.js'
import type { StoredMessage } from '../src/sandbox/slack-stand-in.js'

const TIME_LIMIT_MS = 150_000
const STOP_LIMIT_MS = 10_000
/** How long to wait, after the ingest load, for the posting worker to post every accepted alert. */
const DRAIN_LIMIT_MS = 30_000
/** Alerts posted before the ack phase; clicks cycle over them (all exist in the SCIM sandbox). */
const CLICK_EMAILS = ['alice@example.com', 'bob@example.com', 'carol@example.com']
const INGEST_WARMUP = 200
/** monitorEventLoopDelay samples the loop this often; it records whole intervals, so this is taken off. */
const LOOP_RESOLUTION_MS = 10
/**
 * Investigation only: BENCH_PROFILE_DIR=/tmp/prof writes a V8 CPU profile of each child per
 * measured phase there (bot-ack.cpuprofile, ...). The profiler costs time; do not quote those runs.
 */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR

// ---------------------------------------------------------------------------------------------
// Messages between this process and its children
// ---------------------------------------------------------------------------------------------

type Phase = 'ack' | 'ingest'

type Command =
  | { id: number; cmd: 'prepare'; emails: string[] }
  | { id: number; cmd: 'reset' }
  | { id: number; cmd: 'stats'; phase: Phase }
  | { id: number; cmd: 'posted' }
  | { id: number; cmd: 'stop' }

type CommandName = Command['cmd']

interface ChildInfo {
  /** Base URL of the bot (child "bot") or of the plain HTTP baseline (child "bare"). */
  url: string
  /** Base URL of the bare Bolt app, from whichever child runs it. */
  bareUrl?: string
  /** Bot only: the Slack stand-in, for the bare app and for response_urls. */
  apiUrl?: string
  responseUrlBase?: string
}

type ChildMessage =
  | { type: 'ready'; info: ChildInfo }
  | { type: 'reply'; id: number; result?: unknown; error?: string }

interface Percentiles {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
}

interface ProcessStats {
  /** Event loop utilisation (0..1) since the last reset. */
  elu: number
  /** CPU time (user + system) this process used since the last reset, in cpu-seconds per second. */
  cpu: number
  /** The same for its child processes (the bot's redis-server), when it can be read (Linux). */
  childrenCpu?: number
  /** Event loop delay beyond the 10 ms sampling interval of monitorEventLoopDelay, ms. */
  loopDelay: Percentiles
  /** Server-side: from the request's headers being parsed to res.end() (the ack written), POST /slack/events, ms, by server port. */
  serverAck: Record<string, Percentiles>
  /** Bot only: Slack stand-in calls per method since the last reset, ok and failed (by error code). */
  slack?: Record<string, { ok: number; failed: Record<string, number> }>
}

interface Prepared {
  messages: StoredMessage[]
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1] ?? Number.NaN }
}

const ms = (value: number): string => value.toFixed(2)
const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis))
/** Like sleep, but does not keep the process alive (for races against a deadline). */
const deadline = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis).unref())

async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now()
  if (wait > 0) await sleep(wait)
}

function say(text = ''): void {
  process.stdout.write(`${text}\n`)
}

/** Tracks event loop utilisation, loop delay and server-side ack time of this (child) process. */
class ProcessProbe {
  private eluStart: EventLoopUtilization = performance.eventLoopUtilization()
  private cpuStart = process.cpuUsage()
  private childrenStart = childProcessesCpuSeconds()
  private since = performance.now()
  private profiler: Session | undefined
  private readonly delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  private serverAck = new Map<string, number[]>()
  private readonly started = new WeakMap<object, number>()
  private readonly ended = new WeakMap<object, number>()

  constructor() {
    this.delay.enable()
    // Node publishes these for every HTTP server in the process; only Slack's endpoint is timed.
    subscribe('http.server.request.start', (message) => {
      const { request, response } = message as { request: IncomingMessage; response: ServerResponse }
      if (request.url === '/slack/events') this.started.set(response, performance.now())
    })
    // 'finish' comes only after the listener's synchronous work that follows ack(), so the
    // moment res.end() is called (Bolt's ack writes the response there) is taken instead.
    const ended = this.ended
    const end = ServerResponse.prototype.end
    ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
      if (!ended.has(this)) ended.set(this, performance.now())
      return Reflect.apply(end, this, args) as ServerResponse
    } as ServerResponse['end']
    subscribe('http.server.response.finish', (message) => {
      const { response } = message as { response: ServerResponse }
      const start = this.started.get(response)
      const stop = this.ended.get(response)
      if (start === undefined || stop === undefined) return
      const port = String(response.req.socket?.localPort)
      const list = this.serverAck.get(port) ?? []
      list.push(stop - start)
      this.serverAck.set(port, list)
    })
  }

  async reset(): Promise<void> {
    if (PROFILE_DIR) {
      this.profiler = new Session()
      this.profiler.connect()
      await this.profiler.post('Profiler.enable')
      await this.profiler.post('Profiler.start')
    }
    this.eluStart = performance.eventLoopUtilization()
    this.cpuStart = process.cpuUsage()
    this.childrenStart = childProcessesCpuSeconds()
    this.since = performance.now()
    this.delay.reset()
    this.serverAck = new Map()
  }

  async stats(phase: Phase): Promise<ProcessStats> {
    const elu = performance.eventLoopUtilization(this.eluStart).utilization
    const used = process.cpuUsage(this.cpuStart)
    const seconds = (performance.now() - this.since) / 1000
    const cpu = (used.user + used.system) / 1e6 / seconds
    const childrenNow = childProcessesCpuSeconds()
    const childrenCpu = childrenNow === undefined || this.childrenStart === undefined ? undefined : (childrenNow - this.childrenStart) / seconds
    if (this.profiler !== undefined) {
      const { profile } = await this.profiler.post('Profiler.stop')
      this.profiler.disconnect()
      this.profiler = undefined
      mkdirSync(PROFILE_DIR!, { recursive: true })
      writeFileSync(join(PROFILE_DIR!, `${process.argv[2] ?? 'child'}-${phase}.cpuprofile`), JSON.stringify(profile))
    }
    const nsToMs = (ns: number): number => ns / 1e6
    return {
      elu,
      cpu,
      ...(childrenCpu === undefined ? {} : { childrenCpu }),
      loopDelay: {
        count: this.delay.count,
        p50: Math.max(0, nsToMs(this.delay.percentile(50)) - LOOP_RESOLUTION_MS),
        p90: Math.max(0, nsToMs(this.delay.percentile(90)) - LOOP_RESOLUTION_MS),
        p99: Math.max(0, nsToMs(this.delay.percentile(99)) - LOOP_RESOLUTION_MS),
        max: Math.max(0, nsToMs(this.delay.max) - LOOP_RESOLUTION_MS),
      },
      serverAck: Object.fromEntries([...this.serverAck].map(([port, samples]) => [port, percentiles(samples)])),
    }
  }
}

interface MachineBusy {
  /** Share of all cpus busy (not idle, not waiting), 0..1. */
  busy: number
  /** Share of cpu time the hypervisor gave to someone else (Linux only; 0 elsewhere). */
  steal: number
  /** CPU this process used, in cpu-seconds per second. */
  self: number
}

interface CpuTimes { busy: number; idle: number; steal: number }

/** How busy the whole machine was over an interval, to tell a quiet run from a noisy one. */
class MachineProbe {
  private readonly start = MachineProbe.times()
  private readonly selfStart = process.cpuUsage()
  private readonly at = performance.now()

  /** /proc/stat on Linux (it has softirq and steal); os.cpus() elsewhere. */
  private static times(): CpuTimes {
    try {
      const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
      const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
      return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal }
    } catch {
      let busy = 0
      let idle = 0
      for (const { times } of cpus()) {
        busy += times.user + times.nice + times.sys + times.irq
        idle += times.idle
      }
      return { busy, idle, steal: 0 }
    }
  }

  stop(): MachineBusy {
    const end = MachineProbe.times()
    const busy = end.busy - this.start.busy
    const steal = end.steal - this.start.steal
    const total = busy + steal + end.idle - this.start.idle
    const used = process.cpuUsage(this.selfStart)
    return {
      busy: total > 0 ? busy / total : Number.NaN,
      steal: total > 0 ? steal / total : Number.NaN,
      self: (used.user + used.system) / 1000 / (performance.now() - this.at),
    }
  }
}

/** CPU time (seconds) used so far by this process's child processes (the bot's redis-server); Linux only. */
function childProcessesCpuSeconds(): number | undefined {
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
    let ticks = 0
    for (const pid of children) {
      // Fields after the command name: state is field 3, utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(after[11]) + Number(after[12])
    }
    return ticks / 100 // USER_HZ
  } catch {
    return undefined
  }
}

const pct = (fraction: number): string => `${(fraction * 100).toFixed(0)}%`

/** Answers the parent's commands in a child process; replies carry the command's id. */
function serveCommands(handle: (command: Command) => Promise<unknown>): void {
  const send = (message: ChildMessage): void => {
    process.send?.(message)
  }
  process.on('message', (raw) => {
    const command = raw as Command
    handle(command).then(
      (result) => send({ type: 'reply', id: command.id, result }),
      (error: unknown) => send({ type: 'reply', id: command.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    )
  })
}

function announce(info: ChildInfo): void {
  const message: ChildMessage = { type: 'ready', info }
  process.send?.(message)
}

// ---------------------------------------------------------------------------------------------
// Child "bot": the real bot, as startLocalEnvironment runs it
// ---------------------------------------------------------------------------------------------

async function runBotChild(withBare: boolean): Promise<void> {
  const probe = new ProcessProbe()
  const redisUrl = process.env.REDIS_URL
  // The posting worker runs (as in production): the ack phase needs posted alerts to click on.
  const env: LocalEnvironment = await startLocalEnvironment(redisUrl ? { redisUrl } : {})
  const bare = withBare ? await startBareBolt(env.slack.apiUrl) : undefined
  let callsSeen = env.slack.calls.length
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await bare?.stop()
    await env.stop()
  }
  process.on('disconnect', () => void stop().finally(() => process.exit(0)))

  serveCommands(async (command) => {
    switch (command.cmd) {
      case 'prepare': {
        const messages: StoredMessage[] = []
        for (const email of command.emails) {
          const accepted = await env.postAlert({
            integration: LOCAL.integrationId,
            email,
            reason: 'Benchmark: departed employee still active',
            severity: 'high',
            dedupKey: `bench-click-${email}-${Date.now()}`,
          })
          if (accepted.status !== 202) throw new Error(`POST /alerts answered ${accepted.status}: ${JSON.stringify(accepted.body)}`)
          messages.push(await env.alertMessage(String(accepted.body.alertId)))
        }
        return { messages } satisfies Prepared
      }
      case 'reset':
        await probe.reset()
        callsSeen = env.slack.calls.length
        return null
      case 'stats': {
        const slack: NonNullable<ProcessStats['slack']> = {}
        for (const call of env.slack.calls.slice(callsSeen)) {
          const entry = (slack[call.method] ??= { ok: 0, failed: {} })
          const body = call.response as { ok?: boolean; error?: string } | string
          if (typeof body === 'object' && body.ok === true) entry.ok += 1
          else {
            const code = typeof body === 'object' ? body.error ?? 'unknown' : `HTTP ${call.status}`
            entry.failed[code] = (entry.failed[code] ?? 0) + 1
          }
        }
        return { ...(await probe.stats(command.phase)), slack } satisfies ProcessStats
      }
      case 'posted':
        // Top-level alert messages the posting worker has posted so far.
        return env.slack.callsTo('chat.postMessage').filter((call) => call.args.thread_ts === undefined && call.status === 200).length
      case 'stop':
        await stop()
        setImmediate(() => process.exit(0))
        return null
    }
  })
  announce({ url: env.bot.url, apiUrl: env.slack.apiUrl, responseUrlBase: env.slack.responseUrlBase, ...(bare ? { bareUrl: bare.url } : {}) })
}

// ---------------------------------------------------------------------------------------------
// Child "bare": a Bolt app that only acks, and a plain HTTP endpoint for POST /alerts
// ---------------------------------------------------------------------------------------------

interface Started {
  url: string
  stop(): Promise<void>
}

/** The baseline for acks: unchanged Bolt that only acks, pointed at the same Slack stand-in. */
async function startBareBolt(apiUrl: string): Promise<Started> {
  const app = new App({ token: LOCAL.botToken, signingSecret: LOCAL.signingSecret, clientOptions: { slackApiUrl: apiUrl } })
  app.action(/.*/, async ({ ack }) => {
    await ack()
  })
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: () => app.stop().then(() => undefined) }
}

async function runBareChild(apiUrl: string | undefined): Promise<void> {
  const probe = new ProcessProbe()
  const bare = apiUrl ? await startBareBolt(apiUrl) : undefined
  const baseline = await startIngestBaseline()
  process.on('disconnect', () => process.exit(0))

  serveCommands(async (command) => {
    switch (command.cmd) {
      case 'reset':
        await probe.reset()
        return null
      case 'stats':
        return (await probe.stats(command.phase)) satisfies ProcessStats
      case 'stop':
        await bare?.stop()
        await new Promise<void>((resolve) => baseline.close(() => resolve()))
        setImmediate(() => process.exit(0))
        return null
      case 'prepare':
      case 'posted':
        throw new Error(`the bare app does not do '${command.cmd}'`)
    }
  })
  announce({ url: `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`, ...(bare ? { bareUrl: bare.url } : {}) })
}

/** The ingest baseline: reads the body, parses the JSON, answers 202 like the bot does; stores nothing. */
async function startIngestBaseline(): Promise<Server> {
  let seq = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { dedupKey?: string }
      const text = JSON.stringify({ alertId: `baseline-${(seq += 1)}-${report.dedupKey ?? ''}`, status: 'posted' })
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return server
}

// ---------------------------------------------------------------------------------------------
// Parent: starts the children, drives the load, prints
// ---------------------------------------------------------------------------------------------

interface Options {
  rate: number
  warmup: number
  clicks: number
  alerts: number
  concurrency: number
  /** Where the bare Bolt app runs: its own child process (the default, the figures) or the bot's. */
  bareInBot: boolean
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { rate: 100, warmup: 250, clicks: 2000, alerts: 3000, concurrency: 20, bareInBot: false }
  for (const arg of argv) {
    const match = /^--(rate|warmup|clicks|alerts|concurrency|bare-in)=(.+)$/.exec(arg)
    if (!match?.[1] || match[2] === undefined) throw new Error(`unknown option ${arg} (see the top of scripts/bench.ts)`)
    const [, key, value] = match
    if (key === 'bare-in') {
      if (value !== 'own-process' && value !== 'bot-process') throw new Error('--bare-in is own-process or bot-process')
      options.bareInBot = value === 'bot-process'
      continue
    }
    const number = Number(value)
    // Bounded on purpose: the bench must stay short and must not flood the machine.
    const limits: Record<string, [number, number]> = { rate: [1, 400], warmup: [0, 5000], clicks: [10, 10000], alerts: [10, 20000], concurrency: [1, 100] }
    const [min, max] = limits[key] ?? [0, 0]
    if (!Number.isInteger(number) || number < min || number > max) throw new Error(`--${key} must be an integer from ${min} to ${max}`)
    options[key as 'rate' | 'warmup' | 'clicks' | 'alerts' | 'concurrency'] = number
  }
  return options
}

class Child {
  private seq = 0
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  readonly ready: Promise<ChildInfo>
  readonly exited: Promise<void>

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    this.ready = new Promise<ChildInfo>((resolve, reject) => {
      process.on('message', (raw) => {
        const message = raw as ChildMessage
        if (message.type === 'ready') return resolve(message.info)
        const waiter = this.waiting.get(message.id)
        this.waiting.delete(message.id)
        if (message.error !== undefined) waiter?.reject(new Error(`${name}: ${message.error}`))
        else waiter?.resolve(message.result)
      })
      process.once('exit', (code) => reject(new Error(`child process ${name} exited (code ${code}) before it was ready`)))
    })
    this.exited = new Promise<void>((resolve) => process.once('exit', () => resolve()))
    process.once('exit', (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`child process ${name} exited (${signal ?? code})`))
      this.waiting.clear()
    })
  }

  call<T>(cmd: 'prepare', fields: { emails: string[] }): Promise<T>
  call<T>(cmd: 'stats', fields: { phase: Phase }): Promise<T>
  call<T>(cmd: 'reset' | 'posted' | 'stop'): Promise<T>
  call<T>(cmd: CommandName, fields: object = {}): Promise<T> {
    const id = (this.seq += 1)
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (value) => resolve(value as T), reject })
      this.process.send({ id, cmd, ...fields })
    })
  }

  /** Asks the child to stop what it started; kills it (by its pid) if it does not exit in time. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return
    await Promise.race([this.call('stop').catch(() => undefined), deadline(STOP_LIMIT_MS)])
    const exited = await Promise.race([this.exited.then(() => true), deadline(2_000).then(() => false)])
    if (!exited) this.process.kill('SIGKILL')
  }
}

function startChild(name: 'bot' | 'bare', args: string[]): Child {
  const script = fileURLToPath(import.meta.url)
  // fork() reuses this process's execArgv, i.e. tsx's loader.
  return new Child(name, fork(script, [name, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
}

interface Target {
  name: string
  pool: Pool
  latencies: number[]
  statuses: Map<string, number>
}

interface Click {
  body: string
  headers: Record<string, string>
}

/** One click on one of the prepared alerts, fresh trigger_id and response_url, signed now. */
function clickRequest(messages: readonly StoredMessage[], index: number, responseUrlBase: string): Click {
  const message = messages[index % messages.length]!
  const payload = blockActionsPayload({
    message,
    channel: LOCAL.channel,
    actionId: requestActionId('delete'),
    user: { id: LOCAL.actor },
    responseUrlBase,
  })
  const body = interactionBody(payload)
  return { body, headers: signedHeaders(LOCAL.signingSecret, body) }
}

async function sendClick(target: Target, click: Click, record: boolean): Promise<void> {
  const start = performance.now()
  let status: string
  try {
    const response = await target.pool.request({
      path: '/slack/events',
      method: 'POST',
      headers: click.headers,
      body: click.body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    })
    await response.body.text()
    status = String(response.statusCode)
  } catch (error) {
    status = error instanceof Error ? error.name : 'error'
  }
  const elapsed = performance.now() - start
  if (!record) return
  target.statuses.set(status, (target.statuses.get(status) ?? 0) + 1)
  if (status === '200') target.latencies.push(elapsed)
}

/**
 * `perTarget` clicks to each target at `rate` requests per second in all, on a fixed
 * schedule (open loop: a slow answer does not delay the next send). Sends alternate
 * between the targets; which goes first in each pair is random.
 */
async function clickLoad(targets: readonly [Target, Target], perTarget: number, rate: number, build: (i: number) => Click, record: boolean): Promise<void> {
  const interval = 1000 / rate
  const sends: Promise<void>[] = []
  const t0 = performance.now() + 10
  for (let pair = 0; pair < perTarget; pair += 1) {
    const first = Math.random() < 0.5 ? 0 : 1
    for (let k = 0; k < 2; k += 1) {
      const target = k === 0 ? targets[first]! : targets[1 - first]!
      const i = pair * 2 + k
      await sleepUntil(t0 + i * interval)
      // The same kind of request to both, built (and signed) before the clock starts.
      sends.push(sendClick(target, build(pair), record))
    }
  }
  await Promise.all(sends)
}

interface IngestResult {
  name: string
  sent: number
  accepted: number
  statuses: Map<string, number>
  wallSeconds: number
  latencies: number[]
}

/** `total` POST /alerts from `concurrency` closed-loop clients, each alert with a unique dedupKey. */
async function ingestLoad(name: string, url: string, total: number, concurrency: number, tag: string): Promise<IngestResult> {
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 })
  const result: IngestResult = { name, sent: 0, accepted: 0, statuses: new Map(), wallSeconds: 0, latencies: [] }
  let next = 0
  const client = async (): Promise<void> => {
    while (next < total) {
      const i = next
      next += 1
      const body = JSON.stringify({
        integration: LOCAL.integrationId,
        email: `bench.${tag}.${i}@example.com`,
        reason: 'Benchmark: account of a departed employee is still active',
        severity: 'medium',
        dedupKey: `bench-${tag}-${i}`,
      })
      const start = performance.now()
      let status: string
      try {
        const response = await pool.request({
          path: '/alerts',
          method: 'POST',
          headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/json' },
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        })
        await response.body.text()
        status = String(response.statusCode)
      } catch (error) {
        status = error instanceof Error ? error.name : 'error'
      }
      result.latencies.push(performance.now() - start)
      result.sent += 1
      if (status === '202') result.accepted += 1
      result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1)
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, () => client()))
  result.wallSeconds = (performance.now() - start) / 1000
  await pool.close()
  return result
}

/** Where the cpu went: the bench's own processes, and what was left for anything else on the machine. */
function cpuLine(cpuCount: number, machine: MachineBusy, bot: ProcessStats, bare: ProcessStats | undefined): string {
  const redis = bot.childrenCpu
  const ours = machine.self + bot.cpu + (redis ?? 0) + (bare?.cpu ?? 0)
  const outside = machine.busy * cpuCount - ours
  return `cpu (100% = one cpu): bot process ${pct(bot.cpu)}, its redis-server ${redis === undefined ? 'n/a' : pct(redis)}` +
    `${bare ? `, bare process ${pct(bare.cpu)}` : ''}, load generator ${pct(machine.self)}; machine ${pct(machine.busy * cpuCount)} of ${pct(cpuCount)}` +
    `${machine.steal > 0.005 ? ` (+${pct(machine.steal * cpuCount)} stolen)` : ''}, so ${pct(Math.max(0, outside))} outside this bench`
}

function statusSummary(statuses: ReadonlyMap<string, number>, expected: string): string {
  const others = [...statuses].filter(([status]) => status !== expected)
  return others.length === 0 ? 'none' : others.map(([status, count]) => `${count}x ${status}`).join(', ')
}

function slackSummary(slack: ProcessStats['slack'], methods: readonly string[]): string {
  return methods
    .map((method) => {
      const entry = slack?.[method]
      if (!entry) return `${method} 0`
      const failed = Object.entries(entry.failed).map(([code, count]) => `${count}x ${code}`)
      return `${method} ok ${entry.ok}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`
    })
    .join(', ')
}

async function runParent(options: Options): Promise<void> {
  const began = performance.now()
  const children: Child[] = []
  const stopAll = async (): Promise<void> => {
    await Promise.all(children.map((child) => child.stop()))
  }
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: gave up after ${TIME_LIMIT_MS / 1000} s\n`)
    for (const child of children) child.process.kill('SIGKILL')
    process.exit(1)
  }, TIME_LIMIT_MS)
  watchdog.unref()

  try {
    const redisUrl = process.env.REDIS_URL
    if (redisUrl && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(redisUrl).hostname)) {
      throw new Error(`REDIS_URL points at ${new URL(redisUrl).hostname}; the bench only talks to 127.0.0.1 (unset REDIS_URL to start a throwaway redis-server)`)
    }
    const bot = startChild('bot', [options.bareInBot ? 'with-bare' : 'alone'])
    children.push(bot)
    const botInfo = await bot.ready
    const bare = startChild('bare', options.bareInBot ? [] : [botInfo.apiUrl!])
    children.push(bare)
    const bareInfo = await bare.ready
    const bareUrl = (options.bareInBot ? botInfo.bareUrl : bareInfo.bareUrl)!
    const bareProcess = options.bareInBot ? 'the bot\'s child process 1 (investigation layout)' : 'child process 2'
    const cpu = cpus()

    say('deprovision-bot benchmark')
    say(`machine: ${cpu.length} cpus (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${process.platform}/${process.arch}`)
    say('layout: load generator = this process; bot = child process 1 (startLocalEnvironment: redis-server, Slack stand-in,')
    say(`        SCIM sandbox, the bot with its workers); bare Bolt app = ${bareProcess};`)
    say('        plain HTTP ingest baseline = child process 2; all on 127.0.0.1')
    say(`params: ack: ${options.rate} req/s in all (${options.rate / 2}/s per target, alternating, random order per pair), ` +
      `warm-up ${options.warmup}/target, measured ${options.clicks}/target`)
    say(`        ingest: ${options.alerts} alerts/target after ${INGEST_WARMUP} warm-up, ${options.concurrency} concurrent clients, unique dedupKeys`)
    say(`load average at start: ${loadavg().map((value) => value.toFixed(2)).join(' ')}${PROFILE_DIR ? `; CPU PROFILING ON (${PROFILE_DIR}): figures are not comparable` : ''}`)

    // --- 1. ack latency -----------------------------------------------------------------------
    const { messages } = await bot.call<Prepared>('prepare', { emails: CLICK_EMAILS })
    const responseUrlBase = botInfo.responseUrlBase!
    const pools = { connections: 8, pipelining: 1, keepAliveTimeout: 30_000 }
    const botTarget: Target = { name: 'bot', pool: new Pool(botInfo.url, pools), latencies: [], statuses: new Map() }
    const bareTarget: Target = { name: 'bare Bolt', pool: new Pool(bareUrl, pools), latencies: [], statuses: new Map() }
    const build = (i: number): Click => clickRequest(messages, i, responseUrlBase)

    await clickLoad([botTarget, bareTarget], options.warmup, options.rate, build, false)
    await sleep(1_000) // let the warm-up's modals finish
    await Promise.all([bot.call('reset'), bare.call('reset')])
    const machine = new MachineProbe()
    await clickLoad([botTarget, bareTarget], options.clicks, options.rate, build, true)
    const ackMachine = machine.stop()
    const [botStats, bareChildStats] = await Promise.all([bot.call<ProcessStats>('stats', { phase: 'ack' }), bare.call<ProcessStats>('stats', { phase: 'ack' })])
    const bareStats = options.bareInBot ? botStats : bareChildStats
    const serverAck = (stats: ProcessStats, url: string): Percentiles =>
      stats.serverAck[new URL(url).port] ?? { count: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN }
    const botServer = serverAck(botStats, botInfo.url)
    const bareServer = serverAck(bareStats, bareUrl)
    // The modals of the last clicks are still being filled in; wait (bounded) for them to report the work done.
    const updates = (slack: ProcessStats['slack']): number => {
      const entry = slack?.['views.update']
      return entry === undefined ? 0 : entry.ok + Object.values(entry.failed).reduce((sum, count) => sum + count, 0)
    }
    for (let waited = 0; updates(botStats.slack) < options.clicks && waited < 10_000; waited += 200) {
      await sleep(200)
      botStats.slack = (await bot.call<ProcessStats>('stats', { phase: 'ack' })).slack
    }
    await Promise.all([botTarget.pool.close(), bareTarget.pool.close()])

    const b = percentiles(botTarget.latencies)
    const r = percentiles(bareTarget.latencies)
    say()
    say('1. ack latency, signed block_actions (Delete on an alert) -> HTTP response, client-side, ms')
    say(`   ${'target'.padEnd(10)} ${'acks'.padStart(6)} ${'p50'.padStart(7)} ${'p90'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  not 200`)
    for (const [target, p] of [[botTarget, b], [bareTarget, r]] as const) {
      say(`   ${target.name.padEnd(10)} ${String(p.count).padStart(6)} ${ms(p.p50).padStart(7)} ${ms(p.p90).padStart(7)} ${ms(p.p99).padStart(7)} ${ms(p.max).padStart(7)}  ${statusSummary(target.statuses, '200')}`)
    }
    say(`ack_p50_ratio=${(b.p50 / r.p50).toFixed(2)}`)
    say(`ack_p99_ratio=${(b.p99 / r.p99).toFixed(2)}`)
    say(`   server-side (request headers parsed -> res.end() by ack), ms: bot p50 ${ms(botServer.p50)} p99 ${ms(botServer.p99)}; ` +
      `bare p50 ${ms(bareServer.p50)} p99 ${ms(bareServer.p99)}`)
    const bareLoop = options.bareInBot ? 'bare Bolt shares it' : `bare process ${pct(bareStats.elu)} (p99 ${ms(bareStats.loopDelay.p99)} ms, max ${ms(bareStats.loopDelay.max)} ms)`
    say(`   event loop busy: bot process ${pct(botStats.elu)} (stalls beyond 10 ms: p99 ${ms(botStats.loopDelay.p99)} ms, max ${ms(botStats.loopDelay.max)} ms); ${bareLoop}`)
    say(`   ${cpuLine(cpu.length, ackMachine, botStats, options.bareInBot ? undefined : bareStats)}`)
    say(`   bot's work after the ack (Slack stand-in): ${slackSummary(botStats.slack, ['views.open', 'views.update'])}`)

    // --- 2. POST /alerts -------------------------------------------------------------------------
    const tag = Date.now().toString(36)
    await ingestLoad('baseline', bareInfo.url, INGEST_WARMUP, options.concurrency, `${tag}-bw`)
    const baseline = await ingestLoad('plain HTTP', bareInfo.url, options.alerts, options.concurrency, `${tag}-b`)
    const postedBefore = await bot.call<number>('posted')
    await ingestLoad('bot warm-up', botInfo.url, INGEST_WARMUP, options.concurrency, `${tag}-w`)
    const botIngestStart = performance.now()
    await bot.call('reset')
    const ingestMachine = new MachineProbe()
    const ingest = await ingestLoad('bot', botInfo.url, options.alerts, options.concurrency, `${tag}-m`)
    const ingestStats = await bot.call<ProcessStats>('stats', { phase: 'ingest' })
    const ingestBusy = ingestMachine.stop()
    const postedDuring = (await bot.call<number>('posted')) - postedBefore
    const expectedPosts = INGEST_WARMUP + ingest.accepted
    let posted = postedDuring
    const drainStart = performance.now()
    while (posted < expectedPosts && performance.now() - drainStart < DRAIN_LIMIT_MS) {
      await sleep(250)
      posted = (await bot.call<number>('posted')) - postedBefore
    }
    const postingSeconds = (performance.now() - botIngestStart) / 1000

    say()
    say(`2. POST /alerts, ${options.concurrency} concurrent clients, latency in ms`)
    say(`   ${'target'.padEnd(10)} ${'sent'.padStart(6)} ${'202s'.padStart(6)} ${'wall s'.padStart(7)} ${'202/s'.padStart(7)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}  not 202`)
    for (const result of [ingest, baseline]) {
      const p = percentiles(result.latencies)
      say(`   ${result.name.padEnd(10)} ${String(result.sent).padStart(6)} ${String(result.accepted).padStart(6)} ${result.wallSeconds.toFixed(2).padStart(7)} ` +
        `${(result.accepted / result.wallSeconds).toFixed(0).padStart(7)} ${ms(p.p50).padStart(7)} ${ms(p.p99).padStart(7)}  ${statusSummary(result.statuses, '202')}`)
    }
    const botRate = ingest.accepted / ingest.wallSeconds
    const baselineRate = baseline.accepted / baseline.wallSeconds
    say(`alerts_per_second=${botRate.toFixed(0)}`)
    say(`ingest_rate_ratio=${(botRate / baselineRate).toFixed(2)}`)
    say(`   during the bot's load: bot event loop busy ${pct(ingestStats.elu)}; ${cpuLine(cpu.length, ingestBusy, ingestStats, undefined)}`)
    say(`   posting worker: running in the bot process (Slack stand-in, no rate limit); ${postedDuring} of ${expectedPosts} alert messages posted ` +
      `by the end of the load, ${posted} after ${postingSeconds.toFixed(1)} s (${(posted / postingSeconds).toFixed(0)} posts/s)`)
    say()
    say(`bench took ${((performance.now() - began) / 1000).toFixed(1)} s`)
  } finally {
    await stopAll()
    clearTimeout(watchdog)
  }
}

// ---------------------------------------------------------------------------------------------

const [role, ...rest] = process.argv.slice(2)
const main = role === 'bot'
  ? runBotChild(rest[0] === 'with-bare')
  : role === 'bare'
    ? runBareChild(rest[0])
    : runParent(parseOptions(process.argv.slice(2)))

main.catch((error: unknown) => {
  process.stderr.write(`bench${role === 'bot' || role === 'bare' ? ` (${role})` : ''}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
})

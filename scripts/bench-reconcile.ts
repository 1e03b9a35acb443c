/**
 * `npm run bench` (after scripts/bench.ts): one reconciliation run of N identity-provider
 * users against M integrations of K accounts each, through the real bot (its reconcile
 * jobs, BullMQ, Redis), served by local stand-ins: an Okta sandbox as the identity
 * provider and one Qlik Cloud tenant sandbox per integration (100 users a page, as Qlik
 * pages), each rate-limited to --rate requests per second and answering 429 with
 * Retry-After beyond it. Prints the time, the bot process's peak memory (RSS and heap,
 * sampled every 20 ms; with --expose-gc also the live heap after a collection, every
 * second) and the time against the lower bound those rate limits set. A first run with a
 * tenth of the accounts per integration shows what memory does as accounts grow tenfold; a
 * last run repeats the full one with each integration paced at 95% of its tenant's limit
 * (`requestsPerSecond`), so the tenants never have to refuse.
 *
 * Layout: the stand-ins (Okta, the tenants, the Slack stand-in) run in child process
 * "stand-ins", so the memory measured here is the bot's alone; Redis is its own process.
 * The same file is the child's entry point (first argument `stand-ins`).
 *
 * Options: --people=50000 --integrations=10 --accounts=20000 --rate=25 (requests per second per tenant).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { stringify as stringifyYaml } from 'yaml'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import type { RunRecord } from '../src/features/reconciliation/run-store.js'
import { RunStore } from '../src/features/reconciliation/run-store.js'
import { startRuntime } from '../src/runtime.js'
import { startOktaSandbox, type OktaSeedUser } from '../local/okta-sandbox.js'
import { startQlikSandbox, type SeedUser as QlikSeedUser } from '../local/qlik-sandbox.js'
import { startRedisServer } from '../local/redis-server.js'
import { startSlackStandIn } from '../local/slack-stand-in.js'

const TIME_LIMIT_MS = 110_000
const SAMPLE_EVERY_MS = 20
const QLIK_PAGE = 100
const OKTA_PAGE = 200
const BOT_TOKEN = 'xoxb-bench-reconcile'
const OKTA_TOKEN = 'bench-okta-token'
/** Every 250th person is suspended in the identity provider; each integration also has strangers. */
const SUSPENDED_EVERY = 250
const STRANGERS = 50

interface Options {
  people: number
  integrations: number
  accounts: number
  rate: number
  /** Configure each integration's requestsPerSecond at this share of --rate (the bot's side only). */
  paceShare?: number
}

const PACE_SHARE = 0.95

interface StandIns {
  oktaUrl: string
  tenants: { url: string; apiKey: string }[]
  slackApiUrl: string
}

const person = (n: number) => `person${n}@corp.example`
/** Integration i holds people from its own offset on, then its strangers. */
const memberOf = (options: Options, i: number, j: number) => (i * 4_999 + j) % options.people

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: number) => {
    const raw = argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1]
    const parsed = raw === undefined ? fallback : Number(raw)
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} expects a positive whole number`)
    return parsed
  }
  return { people: value('people', 50_000), integrations: value('integrations', 10), accounts: value('accounts', 20_000), rate: value('rate', 25) }
}

// ---------------------------------------------------------------------------------------------
// Child process: the stand-ins
// ---------------------------------------------------------------------------------------------

async function runStandIns(options: Options): Promise<void> {
  const people: OktaSeedUser[] = Array.from({ length: options.people }, (_, n) => ({
    id: `00u${String(n).padStart(8, '0')}`,
    login: person(n),
    ...(n % SUSPENDED_EVERY === 0 ? { status: 'SUSPENDED' as const } : {}),
    ...(n === 1 ? { roles: ['SUPER_ADMIN'] } : {}),
  }))
  const okta = await startOktaSandbox({ token: OKTA_TOKEN, users: people, tokenOwner: person(1) })
  const tenants = []
  for (let i = 0; i < options.integrations; i++) {
    const users: QlikSeedUser[] = Array.from({ length: options.accounts }, (_, j) => {
      const email = j < options.accounts - STRANGERS ? person(memberOf(options, i, j)) : `stranger${i}-${j}@corp.example`
      return { id: `u-${i}-${j}`, name: `User ${i}-${j}`, email, roles: j === 0 ? ['TenantAdmin'] : ['Developer'] }
    })
    const apiKey = `bench-qlik-key-${i}`
    const tenant = await startQlikSandbox({
      apiKeys: { [apiKey]: `u-${i}-0` },
      users,
      maxPageSize: QLIK_PAGE,
      rateLimit: { requests: options.rate, windowMs: 1_000 },
    })
    tenants.push({ url: tenant.url, apiKey })
  }
  const slack = await startSlackStandIn({ botToken: BOT_TOKEN })
  const ready: StandIns = { oktaUrl: okta.url, tenants, slackApiUrl: slack.apiUrl }
  process.send?.({ ready })
  process.on('disconnect', () => process.exit(0))
}

// ---------------------------------------------------------------------------------------------
// This process: the bot, and the measurement
// ---------------------------------------------------------------------------------------------

function startStandIns(args: string[]): Promise<{ child: ChildProcess; standIns: StandIns }> {
  const script = fileURLToPath(import.meta.url)
  // fork() reuses this process's execArgv (tsx's loader); the stand-ins need no --expose-gc.
  const execArgv = process.execArgv.filter((arg) => arg !== '--expose-gc')
  const child = fork(script, ['stand-ins', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the stand-ins exited (${code}) before they were ready`)))
    child.on('message', (message: { ready?: StandIns }) => {
      if (message.ready) resolve({ child, standIns: message.ready })
    })
  })
}

interface Peak {
  rss: number
  heapUsed: number
  /** Heap still in use right after a full collection (only with --expose-gc). */
  liveHeap?: number
}

const LIVE_HEAP_EVERY_MS = 1_000

function sampleMemory(): { stop(): Peak } {
  const peak: Peak = { rss: 0, heapUsed: 0 }
  const sample = () => {
    const usage = process.memoryUsage()
    peak.rss = Math.max(peak.rss, usage.rss)
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed)
  }
  const gc = globalThis.gc
  const live = () => {
    if (!gc) return
    gc()
    peak.liveHeap = Math.max(peak.liveHeap ?? 0, process.memoryUsage().heapUsed)
  }
  sample()
  const timers = [setInterval(sample, SAMPLE_EVERY_MS), setInterval(live, LIVE_HEAP_EVERY_MS)]
  return {
    stop() {
      for (const timer of timers) clearInterval(timer)
      sample()
      live()
      return peak
    },
  }
}

async function waitForSummary(redis: Redis, runs: RunStore, runId: string, deadline: number): Promise<RunRecord> {
  while (Date.now() < deadline) {
    if ((await redis.hexists(`dpb:reconcile:run:${runId}`, 'done:headline')) === 1) {
      const run = await runs.load(runId)
      if (run) return run
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`the run did not finish within ${TIME_LIMIT_MS / 1000} s`)
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

function expectedFindings(options: Options): { departed: number; unknown: number } {
  let departed = 0
  for (let i = 0; i < options.integrations; i++) {
    for (let j = 0; j < options.accounts - STRANGERS; j++) if (memberOf(options, i, j) % SUSPENDED_EVERY === 0) departed += 1
  }
  return { departed, unknown: STRANGERS * options.integrations }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  await measure({ ...options, accounts: Math.max(STRANGERS + 1, Math.round(options.accounts / 10)) })
  await measure(options)
  await measure({ ...options, paceShare: PACE_SHARE })
}

async function measure(options: Options): Promise<void> {
  const pace = options.paceShare ? options.rate * options.paceShare : undefined
  const paced = pace ? `, each integration paced at ${pace}/s` : ''
  console.log(
    `Reconciliation: ${options.people} identity-provider users against ${options.integrations} integrations of ${options.accounts} accounts, ${options.rate} requests/s per tenant${paced}`,
  )
  const setupStarted = Date.now()
  const redisServer = await startRedisServer()
  const { child, standIns } = await startStandIns(
    `--people=${options.people} --integrations=${options.integrations} --accounts=${options.accounts} --rate=${options.rate}`.split(' '),
  )
  const directory = mkdtempSync(join(tmpdir(), 'bench-reconcile-'))
  const entries = [
    { id: 'okta', type: 'okta', displayName: 'Okta', orgUrl: standIns.oktaUrl, apiToken: '${OKTA_TOKEN}', identityProvider: true },
    ...standIns.tenants.map((tenant, i) => ({
      id: `qlik-${i}`,
      type: 'qlik',
      displayName: `Qlik tenant ${i}`,
      tenantUrl: tenant.url,
      apiKey: `\${QLIK_KEY_${i}}`,
      ...(pace ? { requestsPerSecond: pace } : {}),
    })),
  ]
  const providersFile = join(directory, 'providers.yml')
  writeFileSync(providersFile, stringifyYaml(entries))
  const config = {
    ...loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: standIns.slackApiUrl,
      ALERT_CHANNEL_ID: 'C0BENCH0001',
      REDIS_URL: redisServer.url,
      ALERT_INGEST_TOKEN: 'bench-ingest-token-0123456789',
      PROVIDERS_FILE: providersFile,
      ACTORS: 'U0BENCH0001',
      RECONCILE_SCHEDULE: 'off',
      OKTA_TOKEN,
      ...Object.fromEntries(standIns.tenants.map((tenant, i) => [`QLIK_KEY_${i}`, tenant.apiKey])),
    }),
    port: 0,
  }
  const bot = await startRuntime(config, { logger: createLogger('silent'), host: '127.0.0.1' })
  const redis = new Redis(redisServer.url)
  const runs = new RunStore(redis)
  console.log(`  set up in ${seconds(Date.now() - setupStarted)} (stand-ins in their own process)`)

  try {
    globalThis.gc?.()
    const baseline = process.memoryUsage()
    const memory = sampleMemory()
    const started = Date.now()
    const runId = await bot.reconcile()
    const run = await waitForSummary(redis, runs, runId, started + TIME_LIMIT_MS)
    const elapsed = Date.now() - started
    const peak = memory.stop()
    report(options, run, elapsed, baseline, peak)
  } finally {
    await bot.stop()
    redis.disconnect()
    child.disconnect()
    await redisServer.stop()
    rmSync(directory, { recursive: true, force: true })
  }
}

function report(options: Options, run: RunRecord, elapsed: number, baseline: NodeJS.MemoryUsage, peak: Peak): void {
  const compared = run.results.filter((result) => result.status === 'compared')
  const failed = run.results.filter((result) => result.status === 'failed')
  const found = (kind: 'departed' | 'unknown' | 'inactive') => compared.reduce((sum, result) => sum + result.findings[kind].found, 0)
  const accounts = compared.reduce((sum, result) => sum + result.accounts, 0)
  const expected = expectedFindings(options)
  const pages = Math.ceil(options.accounts / QLIK_PAGE)
  // A tenant answers at most `rate` requests per one-second window, so its last page cannot come before this.
  const boundMs = Math.floor((pages - 1) / options.rate) * 1000
  const ratio = (ms: number, bound: number) => (bound > 0 ? `${(ms / bound).toFixed(2)}x` : 'n/a (under one window)')
  const idpMs = run.meta.identityReadMs ?? 0
  const slowest = Math.max(...compared.map((result) => result.durationMs))
  console.log(
    `  identity provider: ${run.meta.identityUsers} users in ${Math.ceil(options.people / OKTA_PAGE)} pages, read in ${seconds(idpMs)} (the Okta stand-in has no rate limit)`,
  )
  console.log(`  integrations: ${compared.length} compared, ${failed.length} failed; ${accounts} accounts in ${pages} pages each`)
  console.log(
    `  findings: departed ${found('departed')} (expected ${expected.departed}), unknown ${found('unknown')} (expected ${expected.unknown}), inactive ${found('inactive')}`,
  )
  console.log(`  time: ${seconds(elapsed)} from the request to the posted summary; slowest integration ${seconds(slowest)}`)
  console.log(`  rate-limit bound: ${seconds(boundMs)} per integration (${pages} pages at ${options.rate}/s, all in parallel)`)
  console.log(`  against the bound: slowest integration ${ratio(slowest, boundMs)}; whole run ${ratio(elapsed, boundMs + idpMs)} of bound + identity read`)
  const live = peak.liveHeap === undefined ? '' : `, peak live heap ${mb(peak.liveHeap)} (after a collection, every second)`
  console.log(
    `  memory (bot process): peak RSS ${mb(peak.rss)} (${mb(baseline.rss)} before), peak heap ${mb(peak.heapUsed)} (${mb(baseline.heapUsed)} before)${live}`,
  )
  if (failed.length > 0 || found('departed') !== expected.departed || found('unknown') !== expected.unknown) {
    for (const result of failed) console.log(`  FAILED ${result.name}: ${result.error}`)
    process.exitCode = 1
  }
}

const [role] = process.argv.slice(2)
if (role === 'stand-ins') await runStandIns(parseOptions(process.argv.slice(3)))
else await main()

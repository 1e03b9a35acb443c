/**
 * `npm run bench`: figures for issue 7, each next to a baseline measured in the same run
 * (docs/benchmarks.md says what each one means and what was measured).
 *
 *   npm run bench                  every part, about 7 minutes
 *   npm run bench -- bulk posting  only these parts
 *   npm run bench -- bulk --limit=50 --latency=20
 *
 * Parts: ack, flow, bulk, posting, memory, ingest, reconcile (scripts/bench-reconcile.ts). Each starts its own processes: this one
 * generates load and prints; "services" runs redis-server, the Slack stand-in and the SCIM
 * sandbox; "bot" runs the real bot (its HTTP receiver and workers; in the ack part also split into
 * a BOT_ROLE=web "bot" and a BOT_ROLE=worker "worker"); "baseline" runs the bare
 * Bolt app, the plain ingest endpoint and the direct function calls. All on 127.0.0.1.
 *
 * Options (defaults in brackets): --rate [150] --warmup [60] --requests [800] (ack);
 * --samples [200] --flow-rate [30] (flow); --accounts [1000] --limit [100] --latency [10]
 * --workers [the bot's default] (bulk); --posts [300] --per-second [20] (posting); --alerts [10000] --queued [1000]
 * (memory); --ingest [3000] --concurrency [20] (ingest).
 *
 * BENCH_PROF=<dir> writes the bot processes' V8 CPU profiles there (--cpu-prof), to see where their time goes.
 * BENCH_DUMP=<dir> writes each bulk run's requests as the service saw them (bulk-<run>.json: arrival, status), to see how the pace moved.
 */
import { spawn } from 'node:child_process'
import { cpus, totalmem } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { ackPart } from './bench/ack.js'
import { bulkPart } from './bench/bulk.js'
import { flowPart } from './bench/flow.js'
import { ingestPart } from './bench/ingest.js'
import { loadAverage } from './bench/measure.js'
import { memoryPart } from './bench/memory.js'
import { postingPart } from './bench/posting.js'
import { say, table, type PartResult, type Row } from './bench/report.js'
import { running } from './bench/stack.js'

const TIME_LIMIT_MS = 9 * 60_000

const DEFAULTS = {
  rate: 150,
  warmup: 60,
  requests: 800,
  samples: 200,
  'flow-rate': 30,
  accounts: 1000,
  limit: 100,
  latency: 10,
  workers: 0,
  posts: 300,
  'per-second': 20,
  alerts: 10_000,
  queued: 1000,
  ingest: 3000,
  concurrency: 20,
}
type Options = typeof DEFAULTS

/** Bounded on purpose: the bench must stay short and must not flood a shared machine. */
const LIMITS: Record<keyof Options, [number, number]> = {
  rate: [1, 400],
  warmup: [0, 2000],
  requests: [10, 5000],
  samples: [10, 2000],
  'flow-rate': [1, 100],
  accounts: [10, 5000],
  limit: [1, 1000],
  latency: [0, 1000],
  workers: [0, 100],
  posts: [10, 2000],
  'per-second': [1, 100],
  alerts: [100, 50_000],
  queued: [0, 10_000],
  ingest: [10, 20_000],
  concurrency: [1, 100],
}

const PARTS: Record<string, { title: (o: Options) => string; run: (o: Options) => Promise<PartResult> }> = {
  ack: {
    title: (o) =>
      `ack latency: block_actions, view_submission, slash command; bot vs bare Bolt, all-in-one then split (web + worker), ${o.rate} requests/s in all, ${o.requests} per kind per target after ${o.warmup} warm-up`,
    run: (o) => ackPart({ rate: o.rate, warmup: o.warmup, requests: o.requests }),
  },
  flow: {
    title: (o) => `click to modal, confirm to action: bot vs direct function calls, ${o.samples} each, ${o['flow-rate']} operations/s`,
    run: (o) => flowPart({ samples: o.samples, rate: o['flow-rate'] }),
  },
  bulk: {
    title: (o) =>
      `bulk offboarding: ${o.accounts} deletions, service allows ${o.limit} requests/s, ${o.latency} ms latency, bot WORKER_CONCURRENCY ${o.workers || 'default (5)'}`,
    run: (o) => bulkPart({ accounts: o.accounts, limit: o.limit, latencyMs: o.latency, ...(o.workers ? { workers: o.workers } : {}) }),
  },
  posting: {
    title: (o) => `Slack posting: ${o.posts} alerts into one channel limited to ${o['per-second']} posts/s`,
    run: (o) => postingPart({ alerts: o.posts, perSecond: o['per-second'] }),
  },
  memory: {
    title: (o) => `memory: idle, then ${o.alerts} open alerts with about ${o.queued} posting jobs queued`,
    run: (o) => memoryPart({ alerts: o.alerts, queued: o.queued }),
  },
  ingest: {
    title: (o) => `POST /alerts: ${o.ingest} alerts from ${o.concurrency} clients, bot vs plain HTTP`,
    run: (o) => ingestPart({ alerts: o.ingest, concurrency: o.concurrency }),
  },
  reconcile: {
    title: () => 'reconciliation (scripts/bench-reconcile.ts, with its own defaults)',
    run: () => reconcilePart(),
  },
}

/** scripts/bench-reconcile.ts has its own owner and output; it runs here as a part so that one part can be picked. */
async function reconcilePart(): Promise<PartResult> {
  const script = fileURLToPath(new URL('./bench-reconcile.ts', import.meta.url))
  const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', script], { stdio: ['ignore', 'inherit', 'inherit'] })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`scripts/bench-reconcile.ts exited with ${code}`)
  return { rows: [{ part: 'reconcile', figure: 'see its section', value: '', against: '', ratio: '', target: '' }], figures: {} }
}

function parseArgs(argv: readonly string[]): { parts: string[]; options: Options } {
  const options = { ...DEFAULTS }
  const parts: string[] = []
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(\d+)$/.exec(arg)
    if (match) {
      const key = match[1] as keyof Options
      const limits = LIMITS[key]
      if (!limits) throw new Error(`unknown option ${arg} (see the top of scripts/bench.ts)`)
      const value = Number(match[2])
      if (value < limits[0] || value > limits[1]) throw new Error(`--${key} must be from ${limits[0]} to ${limits[1]}`)
      options[key] = value
      continue
    }
    if (!PARTS[arg]) throw new Error(`unknown part or option ${arg}; parts: ${Object.keys(PARTS).join(', ')}`)
    parts.push(arg)
  }
  return { parts: parts.length > 0 ? parts : Object.keys(PARTS), options }
}

async function main(): Promise<void> {
  const { parts, options } = parseArgs(process.argv.slice(2))
  const began = performance.now()
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: gave up after ${TIME_LIMIT_MS / 1000} s\n`)
    for (const child of running) child.process.kill('SIGKILL')
    process.exit(1)
  }, TIME_LIMIT_MS)
  watchdog.unref()

  const cpu = cpus()
  say('deprovision-bot benchmark')
  say(
    `machine: ${cpu.length} cpus (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${process.platform}/${process.arch}`,
  )
  say(`load average at start: ${loadAverage()}`)
  const rows: Row[] = []
  const figures: Record<string, string | number> = {}
  try {
    for (const [index, name] of parts.entries()) {
      const part = PARTS[name]!
      say()
      say(`${index + 1}. ${part.title(options)}`)
      const at = performance.now()
      const result = await part.run(options)
      say(`   (${((performance.now() - at) / 1000).toFixed(0)} s; load average ${loadAverage()})`)
      rows.push(...result.rows)
      Object.assign(figures, result.figures)
    }
  } finally {
    await Promise.all([...running].map((child) => child.stop()))
    clearTimeout(watchdog)
  }
  say()
  say('summary')
  for (const line of table(rows)) say(`   ${line}`)
  say()
  figures.load_average_end = loadAverage().split(' ')[0]!
  figures.bench_seconds = ((performance.now() - began) / 1000).toFixed(0)
  for (const [key, value] of Object.entries(figures)) say(`${key}=${value}`)
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})

/**
 * Part "bulk": 1,000 confirmed deletions against a SCIM service that answers after a set
 * latency and allows N requests per second (429 with Retry-After beyond that). Every
 * deletion needs two requests (the account lookup and the DELETE), so no client can
 * finish before 2 x 1000 / N seconds: that is the lower bound the total time is compared
 * with. Counted at the service: every account deleted, each by exactly one successful
 * DELETE (none lost, none repeated).
 *
 * Run against the two ways services count "N per second": a fixed one-second window,
 * and a token bucket refilled evenly (docs/benchmarks.md explains why the difference
 * matters to a client that honours a whole-second Retry-After); then against the fixed
 * window again with the integration paced a little under N (`requestsPerSecond`).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RateLimit } from '../../local/sandbox-kit.js'
import { MachineProbe, poll, sharedClockMs } from './measure.js'
import { benchUserId, type ScimExchange } from './protocol.js'
import { atMost, cpuLine, say, type PartResult, type Row } from './report.js'
import { paced, prepareConfirmations, sendTo, slackPool, startStack, submitView, type Stack } from './stack.js'
import type { StoredView } from '../../local/slack-stand-in.js'

export interface BulkOptions {
  accounts: number
  /** Requests per second the service allows. */
  limit: number
  latencyMs: number
  /** The bot's WORKER_CONCURRENCY (its default when unset). */
  workers?: number
}

const REQUESTS_PER_DELETION = 2
/** The pace configured in the paced run, as a share of the service's limit ("a little under", as the README advises). */
const PACE_SHARE = 0.95
const RUNS = [
  { model: 'fixed-window', key: 'window', paced: false },
  { model: 'token-bucket', key: 'bucket', paced: false },
  { model: 'fixed-window', key: 'paced', paced: true },
] as const

export async function bulkPart(options: BulkOptions): Promise<PartResult> {
  const result: PartResult = { rows: [], figures: {} }
  // A fresh stack per model: the stand-in's work grows with the messages it holds, and neither run should pay for the other's.
  for (const { model, key, paced } of RUNS) {
    const pace = paced ? options.limit * PACE_SHARE : undefined
    const stack = await startStack({ users: options.accounts, scimLatencyMs: options.latencyMs }, false, {
      env: options.workers ? { WORKER_CONCURRENCY: String(options.workers) } : {},
      scimEntry: pace ? { requestsPerSecond: pace } : {},
    })
    try {
      const prepared = await prepareConfirmations(stack, 0, options.accounts, `bulk-${key}`)
      const label = pace ? `${model}, paced at ${pace}/s` : model
      const { rows, figures } = await bulkRun(stack, options, { requests: options.limit, windowMs: 1_000, model }, key, label, prepared.views)
      result.rows.push(...rows)
      Object.assign(result.figures, figures)
    } finally {
      await stack.stop()
    }
  }
  return result
}

async function bulkRun(stack: Stack, options: BulkOptions, limit: RateLimit, key: string, label: string, views: StoredView[]): Promise<PartResult> {
  await stack.services.call('setRateLimit', { limit })
  await stack.reset()
  const machine = new MachineProbe()
  const pool = slackPool(stack.botUrl)
  const started = sharedClockMs()
  // The security team confirms them as fast as Slack delivers: 200 submissions per second.
  const acks = await paced(views.length, 200, (i) => sendTo(pool, '/slack/events', submitView(views[i]!)))
  await pool.close()
  const lowerBoundS = (REQUESTS_PER_DELETION * options.accounts) / options.limit
  await poll(
    async () => ((await stack.services.call<number>('scimUsersLeft')) === 0 ? true : undefined),
    lowerBoundS * 4_000 + 30_000,
    'every account deleted',
    250,
  )
  const exchanges = await stack.services.call<ScimExchange[]>('scimExchanges')
  // BENCH_DUMP=<dir> keeps the service's view of the run (each request's arrival and answer), to see how the pace moved.
  if (process.env.BENCH_DUMP) writeFileSync(join(process.env.BENCH_DUMP, `bulk-${key}.json`), JSON.stringify({ started, exchanges }))
  const cpu = cpuLine(machine, await stack.stats())

  const deletes = exchanges.filter((e) => e.method === 'DELETE' && e.status < 300)
  const perAccount = new Map<string, number>()
  for (const e of deletes) perAccount.set(e.path, (perAccount.get(e.path) ?? 0) + 1)
  const lost = Array.from({ length: options.accounts }, (_, i) => `/Users/${benchUserId(i)}`).filter((path) => !perAccount.has(path)).length
  const repeated = [...perAccount.values()].filter((count) => count > 1).length
  const totalS = (Math.max(...deletes.map((e) => e.arrivedMs)) - started) / 1000
  const limited = exchanges.filter((e) => e.status === 429).length
  const notFound = exchanges.filter((e) => e.method === 'DELETE' && e.status === 404).length
  const ratio = totalS / lowerBoundS
  const accepted = acks.filter((ack) => ack.status === '200').length

  say(`   ${label}: ${options.accounts} confirmations sent (${accepted} acked 200)`)
  say(
    `     total ${totalS.toFixed(1)} s from the first confirmation to the last DELETE; lower bound ${lowerBoundS.toFixed(1)} s (${REQUESTS_PER_DELETION} requests per deletion / ${options.limit} per s); ratio ${ratio.toFixed(2)}`,
  )
  say(
    `     at the service: ${perAccount.size} accounts deleted, ${lost} lost, ${repeated} deleted more than once, ${notFound} DELETE answered 404 (a repeat), ${limited} requests answered 429, ${exchanges.length} requests in all`,
  )
  say(`     ${cpu}`)
  const rows: Row[] = [
    {
      part: 'bulk',
      figure: `${options.accounts} deletions (${label}), s`,
      value: totalS.toFixed(1),
      against: `${lowerBoundS.toFixed(1)} (bound)`,
      ratio: ratio.toFixed(2),
      target: atMost(ratio, 1.15),
    },
    {
      part: 'bulk',
      figure: `lost / repeated (${label})`,
      value: `${lost} / ${repeated}`,
      against: '0 / 0',
      ratio: '',
      target: lost === 0 && repeated === 0 ? 'met' : 'NOT met',
    },
  ]
  return {
    rows,
    figures: {
      [`bulk_${key}_total_s`]: totalS.toFixed(1),
      [`bulk_${key}_lower_bound_s`]: lowerBoundS.toFixed(1),
      [`bulk_${key}_ratio`]: ratio.toFixed(2),
      [`bulk_${key}_lost`]: lost,
      [`bulk_${key}_repeated`]: repeated,
      [`bulk_${key}_429s`]: limited,
    },
  }
}

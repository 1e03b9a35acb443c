/**
 * Part "ingest": alerts accepted per second at POST /alerts from closed-loop clients,
 * each alert new (unique dedupKey and email), against a plain node:http endpoint that
 * parses the JSON and answers 202 without storing anything.
 */
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { LOCAL } from '../../local/local-environment.js'
import { MachineProbe, ms, percentiles } from './measure.js'
import { cpuLine, say, type PartResult } from './report.js'
import { sendTo, startStack } from './stack.js'

export interface IngestOptions {
  alerts: number
  concurrency: number
}

const WARMUP = 200

interface Load {
  accepted: number
  perSecond: number
  latencies: number[]
}

async function load(url: string, total: number, concurrency: number, tag: string): Promise<Load> {
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 })
  const latencies: number[] = []
  let accepted = 0
  let next = 0
  const client = async (): Promise<void> => {
    while (next < total) {
      const i = next
      next += 1
      const body = JSON.stringify({
        integration: LOCAL.integrationId,
        email: `ingest.${tag}.${i}@example.com`,
        reason: 'Benchmark: account of a departed employee is still active',
        severity: 'medium',
        dedupKey: `ingest-${tag}-${i}`,
      })
      const answer = await sendTo(pool, '/alerts', { body, headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/json' } })
      latencies.push(answer.ms)
      if (answer.status === '202') accepted += 1
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, () => client()))
  const seconds = (performance.now() - start) / 1000
  await pool.close()
  return { accepted, perSecond: accepted / seconds, latencies }
}

export async function ingestPart(options: IngestOptions): Promise<PartResult> {
  const stack = await startStack({ users: 0 }, true)
  try {
    const plainUrl = stack.baselineInfo!.ingestUrl
    await load(plainUrl, WARMUP, options.concurrency, 'plain-warmup')
    const plain = await load(plainUrl, options.alerts, options.concurrency, 'plain')
    await load(stack.botUrl, WARMUP, options.concurrency, 'bot-warmup')
    await stack.reset()
    const machine = new MachineProbe()
    const bot = await load(stack.botUrl, options.alerts, options.concurrency, 'bot')
    const cpu = cpuLine(machine, await stack.stats())
    for (const [name, result] of [
      ['bot', bot],
      ['plain HTTP', plain],
    ] as const) {
      const p = percentiles(result.latencies)
      say(`   ${name.padEnd(10)} ${result.accepted} of ${options.alerts} accepted, ${result.perSecond.toFixed(0)}/s, p50 ${ms(p.p50)} ms, p99 ${ms(p.p99)} ms`)
    }
    say(`   ${cpu}`)
    const ratio = (bot.perSecond / plain.perSecond).toFixed(2)
    return {
      rows: [
        {
          part: 'ingest',
          figure: `alerts/s, ${options.concurrency} clients`,
          value: bot.perSecond.toFixed(0),
          against: plain.perSecond.toFixed(0),
          ratio,
          target: '',
        },
      ],
      figures: { alerts_per_second: bot.perSecond.toFixed(0), ingest_rate_ratio: ratio, ingest_rejected: options.alerts - bot.accepted },
    }
  } finally {
    await stack.stop()
  }
}

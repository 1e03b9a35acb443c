/**
 * Part "ack": how long Slack waits for the HTTP answer (the ack) to signed block_actions
 * (Delete on an alert), view_submission (its confirmation) and slash command
 * (`/deprovision status`) requests, from the bot and from a bare Bolt app that only
 * acks, in the same run. The six streams (3 kinds x 2 targets) are interleaved in a
 * random order per round on a fixed schedule, so noise hits them alike.
 */
import { performance } from 'node:perf_hooks'
import type { Pool } from 'undici'
import { MachineProbe, ms, percentiles, ratio, sleep, sleepUntil } from './measure.js'
import { atMost, cpuLine, say, type PartResult, type Row } from './report.js'
import { clickDelete, prepareConfirmations, sendTo, slackPool, slashCommand, startStack, submitView, type Answer, type SignedRequest } from './stack.js'

const KINDS = ['block_actions', 'view_submission', 'slash_command'] as const
type Kind = (typeof KINDS)[number]
const CLICKED_ALERTS = 3

export interface AckOptions {
  /** Requests per second, all six streams together. */
  rate: number
  warmup: number
  /** Measured requests per kind per target. */
  requests: number
}

export async function ackPart(options: AckOptions): Promise<PartResult> {
  const rounds = options.warmup + options.requests
  const stack = await startStack({ users: rounds + CLICKED_ALERTS }, true)
  try {
    // Every bot submission confirms a different alert (a real claim and action); clicks reuse a few alerts.
    const prepared = await prepareConfirmations(stack, 0, rounds + CLICKED_ALERTS, 'ack')
    const clicked = prepared.messages.slice(rounds)
    const base = stack.servicesInfo.responseUrlBase
    const build: Record<Kind, (round: number) => SignedRequest> = {
      block_actions: (round) => clickDelete(clicked[round % CLICKED_ALERTS]!, base),
      view_submission: (round) => submitView(prepared.views[round]!),
      slash_command: () => slashCommand('status', base),
    }
    const pools = { bot: slackPool(stack.botUrl), bare: slackPool(stack.baselineInfo!.boltUrl) }
    const answers = new Map<string, Answer[]>()

    const run = async (from: number, to: number, record: boolean): Promise<void> => {
      const sends: Promise<void>[] = []
      const interval = 1000 / options.rate
      const t0 = performance.now() + 10
      let slot = 0
      for (let round = from; round < to; round += 1) {
        const streams = shuffled(KINDS.flatMap((kind) => (['bot', 'bare'] as const).map((target) => ({ kind, target }))))
        for (const { kind, target } of streams) {
          await sleepUntil(t0 + slot * interval)
          slot += 1
          // The same request to both; the bot's submissions each confirm their own alert.
          const request = build[kind](round)
          sends.push(
            sendTo(pools[target] as Pool, '/slack/events', request).then((answer) => {
              if (!record) return
              const key = `${kind}/${target}`
              answers.set(key, answers.get(key) ?? [])
              answers.get(key)!.push(answer)
            }),
          )
        }
      }
      await Promise.all(sends)
    }

    await run(0, options.warmup, false)
    await sleep(1_000)
    await stack.reset()
    const machine = new MachineProbe()
    await run(options.warmup, rounds, true)
    const stats = await stack.stats()
    const cpu = cpuLine(machine, stats)
    await Promise.all([pools.bot.close(), pools.bare.close()])

    say(`   ${'kind'.padEnd(16)} ${'target'.padEnd(10)} ${'acks'.padStart(6)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  not 200`)
    const rows: Row[] = []
    const figures: Record<string, string> = {}
    for (const kind of KINDS) {
      const p = { bot: summary(answers.get(`${kind}/bot`) ?? []), bare: summary(answers.get(`${kind}/bare`) ?? []) }
      for (const target of ['bot', 'bare'] as const) {
        const { latency, failed } = p[target]
        say(`   ${kind.padEnd(16)} ${(target === 'bare' ? 'bare Bolt' : 'bot').padEnd(10)} ${String(latency.count).padStart(6)} ${ms(latency.p50).padStart(7)} ${ms(latency.p99).padStart(7)} ${ms(latency.max).padStart(7)}  ${failed}`)
      }
      const p99Ratio = p.bot.latency.p99 / p.bare.latency.p99
      figures[`ack_${kind}_p50_ms`] = ms(p.bot.latency.p50)
      figures[`ack_${kind}_p99_ms`] = ms(p.bot.latency.p99)
      figures[`ack_${kind}_p50_ratio`] = ratio(p.bot.latency.p50, p.bare.latency.p50)
      figures[`ack_${kind}_p99_ratio`] = ratio(p.bot.latency.p99, p.bare.latency.p99)
      rows.push(
        { part: 'ack', figure: `${kind} p50 ms`, value: ms(p.bot.latency.p50), against: ms(p.bare.latency.p50), ratio: ratio(p.bot.latency.p50, p.bare.latency.p50), target: '' },
        { part: 'ack', figure: `${kind} p99 ms`, value: ms(p.bot.latency.p99), against: ms(p.bare.latency.p99), ratio: p99Ratio.toFixed(2), target: atMost(p99Ratio, 1.2) },
      )
    }
    say(`   ${cpu}`)
    return { rows, figures }
  } finally {
    await stack.stop()
  }
}

/** Fisher-Yates: every order equally likely. */
function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

function summary(answers: readonly Answer[]): { latency: ReturnType<typeof percentiles>; failed: string } {
  const others = new Map<string, number>()
  for (const answer of answers) if (answer.status !== '200') others.set(answer.status, (others.get(answer.status) ?? 0) + 1)
  return {
    latency: percentiles(answers.filter((answer) => answer.status === '200').map((answer) => answer.ms)),
    failed: others.size === 0 ? 'none' : [...others].map(([status, count]) => `${count}x ${status}`).join(', '),
  }
}

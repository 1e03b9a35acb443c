/**
 * Part "ack": how long Slack waits for the HTTP answer (the ack) to signed block_actions
 * (Delete on an alert), view_submission (its confirmation) and slash command
 * (`/deprovision status`) requests, from the bot and from a bare Bolt app that only
 * acks, in the same run. The six streams (3 kinds x 2 targets) are interleaved in a
 * random order per round on a fixed schedule, so noise hits them alike.
 *
 * Measured twice, each on a stack of its own (a fresh Redis): the bot in one process
 * (BOT_ROLE=all), then split (BOT_ROLE=web acking, one BOT_ROLE=worker process running
 * the deletions and the rest of the background work), each against the bare Bolt app.
 */
import { performance } from 'node:perf_hooks'
import { MachineProbe, ms, percentiles, ratio, sleep, sleepUntil } from './measure.js'
import { atMost, cpuLine, say, type PartResult, type Row } from './report.js'
import type { BotSetup } from './protocol.js'
import { clickDelete, prepareConfirmations, sendTo, slackPool, slashCommand, startStack, submitView, type Answer, type SignedRequest } from './stack.js'

const KINDS = ['block_actions', 'view_submission', 'slash_command'] as const
type Kind = (typeof KINDS)[number]
const CLICKED_ALERTS = 3

interface Deployment {
  /** Its name in the ratios table; `key` prefixes its figures, `part` names its summary rows. */
  name: string
  title: string
  /** The process that acks, in its latency table. */
  label: string
  part: string
  key: string
  setup: BotSetup
}

const DEPLOYMENTS: readonly Deployment[] = [
  { name: 'all-in-one', title: 'all-in-one: the bot in one process (BOT_ROLE=all)', label: 'bot', part: 'ack', key: 'ack_', setup: {} },
  {
    name: 'split',
    title: 'split: the bot as BOT_ROLE=web, one BOT_ROLE=worker process doing the background work',
    label: 'bot (web)',
    part: 'ack split',
    key: 'ack_split_',
    setup: { split: true },
  },
]

type Latency = ReturnType<typeof percentiles>

export interface AckOptions {
  /** Requests per second, all six streams together. */
  rate: number
  warmup: number
  /** Measured requests per kind per target. */
  requests: number
}

export async function ackPart(options: AckOptions): Promise<PartResult> {
  const rows: Row[] = []
  const figures: Record<string, string> = {}
  const ratios = new Map<string, string>()
  for (const deployment of DEPLOYMENTS) {
    say(`   ${deployment.title}`)
    const measured = await measure(deployment, options)
    for (const kind of KINDS) {
      const { bot, bare } = measured[kind]
      const p50 = ratio(bot.p50, bare.p50)
      const p99 = bot.p99 / bare.p99
      ratios.set(`${deployment.name}/${kind}`, `${p50} / ${p99.toFixed(2)}`)
      figures[`${deployment.key}${kind}_p50_ms`] = ms(bot.p50)
      figures[`${deployment.key}${kind}_p99_ms`] = ms(bot.p99)
      figures[`${deployment.key}${kind}_p50_ratio`] = p50
      figures[`${deployment.key}${kind}_p99_ratio`] = p99.toFixed(2)
      rows.push(
        { part: deployment.part, figure: `${kind} p50 ms`, value: ms(bot.p50), against: ms(bare.p50), ratio: p50, target: '' },
        { part: deployment.part, figure: `${kind} p99 ms`, value: ms(bot.p99), against: ms(bare.p99), ratio: p99.toFixed(2), target: atMost(p99, 1.2) },
      )
    }
  }
  const line = (first: string, cells: string[]): void => say(`   ${first.padEnd(30)} ${cells.map((cell) => cell.padEnd(12)).join(' ')}`.trimEnd())
  line(
    'ratio to bare Bolt, p50 / p99',
    DEPLOYMENTS.map((deployment) => deployment.name),
  )
  for (const kind of KINDS)
    line(
      kind,
      DEPLOYMENTS.map((deployment) => ratios.get(`${deployment.name}/${kind}`)!),
    )
  return { rows, figures }
}

/** One deployment's acks, against the bare Bolt app's in the same run: p50/p99 per kind. */
async function measure(deployment: Deployment, options: AckOptions): Promise<Record<Kind, { bot: Latency; bare: Latency }>> {
  const rounds = options.warmup + options.requests
  const stack = await startStack({ users: rounds + CLICKED_ALERTS }, true, deployment.setup)
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
            sendTo(pools[target], '/slack/events', request).then((answer) => {
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
    const measured = Object.fromEntries(
      KINDS.map((kind) => {
        const p = { bot: summary(answers.get(`${kind}/bot`) ?? []), bare: summary(answers.get(`${kind}/bare`) ?? []) }
        for (const target of ['bot', 'bare'] as const) {
          const { latency, failed } = p[target]
          say(
            `   ${kind.padEnd(16)} ${(target === 'bare' ? 'bare Bolt' : deployment.label).padEnd(10)} ${String(latency.count).padStart(6)} ${ms(latency.p50).padStart(7)} ${ms(latency.p99).padStart(7)} ${ms(latency.max).padStart(7)}  ${failed}`,
          )
        }
        return [kind, { bot: p.bot.latency, bare: p.bare.latency }]
      }),
    ) as Record<Kind, { bot: Latency; bare: Latency }>
    say(`   ${cpu}`)
    return measured
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

function summary(answers: readonly Answer[]): { latency: Latency; failed: string } {
  const others = new Map<string, number>()
  for (const answer of answers) if (answer.status !== '200') others.set(answer.status, (others.get(answer.status) ?? 0) + 1)
  return {
    latency: percentiles(answers.filter((answer) => answer.status === '200').map((answer) => answer.ms)),
    failed: others.size === 0 ? 'none' : [...others].map(([status, count]) => `${count}x ${status}`).join(', '),
  }
}

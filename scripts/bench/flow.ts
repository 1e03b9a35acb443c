/**
 * Part "flow": what a person waits for after the ack.
 *
 * - Click to modal: from sending a signed Delete click to the bot's `views.open` reaching
 *   the Slack stand-in; against a direct call that reads the alert and opens the same
 *   loading modal.
 * - Confirm to action: from sending the signed view_submission to the provider's DELETE
 *   reaching the SCIM sandbox (claim, queue, worker pickup, actor lookup, account lookup
 *   included); against a direct call that reads the alert, looks up the actor and runs
 *   the provider action.
 *
 * Bot and direct calls alternate at a low rate (these are latencies, not throughput);
 * each acts on its own alerts and accounts. Times are on the clock all processes share.
 */
import { newTriggerId } from '../../local/slack-signing.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { MachineProbe, ms, percentiles, poll, ratio, sharedClockMs, sleep } from './measure.js'
import { cpuLine, say, type PartResult, type Row } from './report.js'
import { benchEmail, benchUserId, type ScimExchange } from './protocol.js'
import { clickDelete, paced, postAlerts, sendTo, slackPool, startStack, submitView } from './stack.js'

export interface FlowOptions {
  /** Samples per measure per side. */
  samples: number
  /** Bot and direct operations per second, together. */
  rate: number
}

export async function flowPart(options: FlowOptions): Promise<PartResult> {
  const n = options.samples
  const stack = await startStack({ users: 2 * n }, true)
  const baseline = stack.baseline!
  try {
    // Alerts 0..n-1 are the bot's, n..2n-1 the direct calls'.
    const alertIds = await postAlerts(
      stack.botUrl,
      Array.from({ length: 2 * n }, (_, i) => benchEmail(i)),
      'flow',
    )
    const messages = await poll(
      () => stack.services.call<StoredMessage[] | undefined>('messagesFor', { alertIds: alertIds.slice(0, n) }),
      60_000,
      'the alert messages',
    )
    const pool = slackPool(stack.botUrl)
    await stack.reset()
    const machine = new MachineProbe()

    // Click to modal.
    const clickTriggers: string[] = []
    const clickSent: number[] = []
    const directTriggers: string[] = []
    const directStarted: number[] = []
    await paced(2 * n, options.rate, async (step) => {
      const i = Math.floor(step / 2)
      if (step % 2 === 0) {
        const click = clickDelete(messages[i]!, stack.servicesInfo.responseUrlBase)
        clickTriggers[i] = click.triggerId
        clickSent[i] = sharedClockMs()
        await sendTo(pool, '/slack/events', click)
      } else {
        directTriggers[i] = newTriggerId()
        directStarted[i] = await baseline.call<number>('openModal', { alertId: alertIds[n + i], triggerId: directTriggers[i] })
      }
    })
    const opened = async (triggerIds: string[]) =>
      poll(() => stack.services.call<number[] | undefined>('viewsOpened', { triggerIds }), 30_000, 'views.open calls')
    const clickToModal = diffs(await opened(clickTriggers), clickSent)
    const directModal = diffs(await opened(directTriggers), directStarted)

    // Confirm to action.
    const views = await poll(
      async () => {
        const found = await stack.services.call<Array<StoredView | null>>('confirmations', { alertIds: alertIds.slice(0, n) })
        return found.includes(null) ? undefined : (found as StoredView[])
      },
      60_000,
      'the confirmation modals',
    )
    const submitSent: number[] = []
    const deleteStarted: number[] = []
    await paced(2 * n, options.rate, async (step) => {
      const i = Math.floor(step / 2)
      if (step % 2 === 0) {
        const submit = submitView(views[i]!)
        submitSent[i] = sharedClockMs()
        await sendTo(pool, '/slack/events', submit)
      } else {
        deleteStarted[i] = await baseline.call<number>('deleteAccount', { alertId: alertIds[n + i] })
      }
    })
    const deletesArrived = await poll(
      async () => {
        const arrivals = firstDeletes(await stack.services.call<ScimExchange[]>('scimExchanges'))
        const all = Array.from({ length: 2 * n }, (_, i) => arrivals.get(`/Users/${benchUserId(i)}`))
        return all.every((at) => at !== undefined) ? all : undefined
      },
      60_000,
      'the DELETE calls',
    )
    await sleep(200)
    const cpu = cpuLine(machine, await stack.stats())
    await pool.close()
    const confirmToAction = diffs(deletesArrived.slice(0, n), submitSent)
    const directAction = diffs(deletesArrived.slice(n), deleteStarted)

    const rows: Row[] = []
    const figures: Record<string, string> = {}
    say(`   ${'measure'.padEnd(18)} ${'side'.padEnd(12)} ${'n'.padStart(5)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`)
    for (const [name, bot, direct] of [
      ['click_to_modal', clickToModal, directModal],
      ['confirm_to_action', confirmToAction, directAction],
    ] as const) {
      const b = percentiles(bot)
      const d = percentiles(direct)
      say(`   ${name.padEnd(18)} ${'bot'.padEnd(12)} ${String(b.count).padStart(5)} ${ms(b.p50).padStart(7)} ${ms(b.p99).padStart(7)} ${ms(b.max).padStart(7)}`)
      say(
        `   ${name.padEnd(18)} ${'direct call'.padEnd(12)} ${String(d.count).padStart(5)} ${ms(d.p50).padStart(7)} ${ms(d.p99).padStart(7)} ${ms(d.max).padStart(7)}`,
      )
      for (const [label, key] of [
        ['p50', 'p50'],
        ['p99', 'p99'],
      ] as const) {
        figures[`${name}_${label}_ms`] = ms(b[key])
        figures[`${name}_${label}_ratio`] = ratio(b[key], d[key])
        rows.push({ part: 'flow', figure: `${name} ${label} ms`, value: ms(b[key]), against: ms(d[key]), ratio: ratio(b[key], d[key]), target: '' })
      }
    }
    say(`   ${cpu}`)
    return { rows, figures }
  } finally {
    await stack.stop()
  }
}

const diffs = (arrived: readonly number[], sent: readonly number[]): number[] => arrived.map((at, i) => at - sent[i]!)

/** When the first DELETE of each path reached the service. */
function firstDeletes(exchanges: readonly ScimExchange[]): Map<string, number> {
  const first = new Map<string, number>()
  for (const exchange of exchanges) if (exchange.method === 'DELETE' && !first.has(exchange.path)) first.set(exchange.path, exchange.arrivedMs)
  return first
}

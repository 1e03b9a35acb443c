/**
 * Part "posting": a burst of alerts into one channel while the Slack stand-in allows
 * only P chat.postMessage per second per channel (429 with Retry-After beyond). All
 * must appear, once each, in the order they were accepted; the drain rate (messages per
 * second from the first to the last) is compared with P.
 */
import { MachineProbe, poll } from './measure.js'
import { cpuLine, say, type PartResult } from './report.js'
import type { PostingReport } from './protocol.js'
import { postAlerts, startStack } from './stack.js'

export interface PostingOptions {
  alerts: number
  perSecond: number
}

export async function postingPart(options: PostingOptions): Promise<PartResult> {
  const stack = await startStack({ users: 0, postsPerSecondPerChannel: options.perSecond }, false)
  try {
    await stack.reset()
    const machine = new MachineProbe()
    // One client, so the order the bot accepted them in is the order they were sent in.
    const emails = Array.from({ length: options.alerts }, (_, i) => `burst.${i}@example.com`)
    const alertIds = await postAlerts(stack.botUrl, emails, 'posting', 1)
    const limitS = options.alerts / options.perSecond
    const report = await poll(
      async () => {
        const now = await stack.services.call<PostingReport>('posting')
        return now.alertIds.length >= options.alerts ? now : undefined
      },
      limitS * 3_000 + 30_000,
      `${options.alerts} alert messages`,
      500,
    )
    const cpu = cpuLine(machine, await stack.stats())

    const posted = new Set(report.alertIds)
    const missing = alertIds.filter((id) => !posted.has(id)).length
    const duplicates = report.alertIds.length - posted.size
    const inOrder = report.alertIds.length === alertIds.length && report.alertIds.every((id, i) => id === alertIds[i])
    const outOfOrder = report.alertIds.filter((id, i) => id !== alertIds[i]).length
    const drainRate = (report.alertIds.length - 1) / ((report.lastMs - report.firstMs) / 1000)
    const drainRatio = drainRate / options.perSecond

    say(
      `   ${report.alertIds.length} of ${options.alerts} alerts posted, ${missing} missing, ${duplicates} posted twice, ${inOrder ? 'in order' : `${outOfOrder} out of place`}; ${report.rateLimited} posts answered 429 and retried`,
    )
    say(`   drain rate ${drainRate.toFixed(2)} messages/s against the channel's limit of ${options.perSecond}/s (${(drainRatio * 100).toFixed(0)}%)`)
    say(`   ${cpu}`)
    return {
      rows: [
        {
          part: 'posting',
          figure: 'drain, messages/s',
          value: drainRate.toFixed(2),
          against: `${options.perSecond} (limit)`,
          ratio: drainRatio.toFixed(2),
          target: '',
        },
        {
          part: 'posting',
          figure: 'missing / twice / out of order',
          value: `${missing} / ${duplicates} / ${outOfOrder}`,
          against: '0 / 0 / 0',
          ratio: '',
          target: missing + duplicates + outOfOrder === 0 ? 'met' : 'NOT met',
        },
      ],
      figures: {
        posting_drain_per_s: drainRate.toFixed(2),
        posting_drain_ratio: drainRatio.toFixed(2),
        posting_missing: missing,
        posting_duplicates: duplicates,
        posting_out_of_order: outOfOrder,
        posting_429s: report.rateLimited,
      },
    }
  } finally {
    await stack.stop()
  }
}

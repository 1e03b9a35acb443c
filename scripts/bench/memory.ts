/**
 * Part "memory": the bot's resident memory (after a full GC) and Redis's used_memory,
 * idle and then with `alerts` open alerts of which about `queued` are still waiting in
 * the posting queue (measured the moment the posting worker has that many left).
 */
import { poll, sleep } from './measure.js'
import { say, type PartResult } from './report.js'
import { postAlerts, startStack } from './stack.js'

export interface MemoryOptions {
  alerts: number
  queued: number
}

interface Snapshot {
  rss: number
  heapUsed: number
  redisMiB: number
}

export async function memoryPart(options: MemoryOptions): Promise<PartResult> {
  const stack = await startStack({ users: 0 }, false)
  try {
    const snapshot = async (): Promise<Snapshot> => {
      const [bot, redisBytes] = await Promise.all([stack.bot.call<{ rss: number; heapUsed: number }>('memory'), stack.services.call<number>('redisUsedMemory')])
      return { ...bot, redisMiB: redisBytes / 2 ** 20 }
    }
    await sleep(2_000)
    const idle = await snapshot()
    const emails = Array.from({ length: options.alerts }, (_, i) => `memory.${i}@example.com`)
    await postAlerts(stack.botUrl, emails, 'memory', 20)
    const posted = await poll(
      async () => {
        const count = await stack.services.call<number>('postedCount')
        return count >= options.alerts - options.queued ? count : undefined
      },
      300_000,
      `${options.alerts - options.queued} alert messages posted`,
      100,
    )
    const loaded = await snapshot()
    const queued = options.alerts - posted

    const line = (name: string, s: Snapshot): string =>
      `   ${name.padEnd(44)} bot rss ${s.rss.toFixed(1).padStart(6)} MiB (heap ${s.heapUsed.toFixed(1)} MiB), redis used_memory ${s.redisMiB.toFixed(1).padStart(6)} MiB`
    say(line('idle', idle))
    say(line(`${options.alerts} open alerts, ${queued} posting jobs queued`, loaded))
    const rssRatio = loaded.rss / idle.rss
    return {
      rows: [
        {
          part: 'memory',
          figure: 'bot rss MiB',
          value: loaded.rss.toFixed(1),
          against: `${idle.rss.toFixed(1)} (idle)`,
          ratio: rssRatio.toFixed(2),
          target: '',
        },
        {
          part: 'memory',
          figure: 'redis used_memory MiB',
          value: loaded.redisMiB.toFixed(1),
          against: `${idle.redisMiB.toFixed(1)} (idle)`,
          ratio: (loaded.redisMiB / idle.redisMiB).toFixed(2),
          target: '',
        },
      ],
      figures: {
        memory_idle_rss_mib: idle.rss.toFixed(1),
        memory_loaded_rss_mib: loaded.rss.toFixed(1),
        memory_rss_ratio: rssRatio.toFixed(2),
        memory_idle_redis_mib: idle.redisMiB.toFixed(1),
        memory_loaded_redis_mib: loaded.redisMiB.toFixed(1),
        memory_queued_jobs: queued,
      },
    }
  } finally {
    await stack.stop()
  }
}

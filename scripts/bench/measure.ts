/**
 * What the bench measures besides latency: percentiles, how busy each process and the
 * whole machine were (to tell a quiet run from a noisy one), and a clock all the
 * bench's processes share.
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks'

export interface Percentiles {
  count: number
  p50: number
  p99: number
  max: number
}

/** Nearest-rank percentiles. */
export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  return { count: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? Number.NaN }
}

/**
 * Milliseconds on CLOCK_MONOTONIC, which every process on the machine reads alike (process.hrtime on
 * Linux), so a time taken in one process can be subtracted from one taken in another.
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

export const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis))

export async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now()
  if (wait > 0) await sleep(wait)
}

/** Waits (bounded) until `check` answers something other than undefined. */
export async function poll<T>(check: () => Promise<T | undefined>, limitMs: number, what: string, everyMs = 200): Promise<T> {
  const until = performance.now() + limitMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (performance.now() > until) throw new Error(`gave up waiting for ${what} after ${limitMs / 1000} s`)
    await sleep(everyMs)
  }
}

export const loadAverage = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')

export interface ProcessStats {
  /** Event loop utilisation (0..1) since the last reset. */
  elu: number
  /** CPU time (user + system) this process used since the last reset, in cpu-seconds per second. */
  cpu: number
  /** The same for its child processes (a redis-server), Linux only. */
  childrenCpu?: number
  /** Longest event-loop stall beyond the 10 ms sampling interval, ms (p99 of the samples). */
  stallP99: number
}

const LOOP_RESOLUTION_MS = 10

/** How busy this (child) process was since the last reset. */
export class ProcessProbe {
  private eluStart: EventLoopUtilization = performance.eventLoopUtilization()
  private cpuStart = process.cpuUsage()
  private childrenStart = childProcessesCpuSeconds()
  private since = performance.now()
  private readonly delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })

  constructor() {
    this.delay.enable()
  }

  reset(): void {
    this.eluStart = performance.eventLoopUtilization()
    this.cpuStart = process.cpuUsage()
    this.childrenStart = childProcessesCpuSeconds()
    this.since = performance.now()
    this.delay.reset()
  }

  stats(): ProcessStats {
    const seconds = (performance.now() - this.since) / 1000
    const used = process.cpuUsage(this.cpuStart)
    const childrenNow = childProcessesCpuSeconds()
    const childrenCpu = childrenNow === undefined || this.childrenStart === undefined ? undefined : (childrenNow - this.childrenStart) / seconds
    return {
      elu: performance.eventLoopUtilization(this.eluStart).utilization,
      cpu: (used.user + used.system) / 1e6 / seconds,
      ...(childrenCpu === undefined ? {} : { childrenCpu }),
      stallP99: Math.max(0, this.delay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    }
  }
}

/** CPU time (seconds) used so far by this process's child processes (a redis-server); Linux only. */
function childProcessesCpuSeconds(): number | undefined {
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
    if (children.length === 0) return undefined
    let ticks = 0
    for (const pid of children) {
      // Fields after the command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(after[11]) + Number(after[12])
    }
    return ticks / 100 // USER_HZ
  } catch {
    return undefined
  }
}

/** Busy time of the whole machine (/proc/stat on Linux, os.cpus() elsewhere), in cpu-seconds. */
function machineBusySeconds(): { busy: number; total: number } {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
    const busy = user + nice + system + irq + softirq + steal
    return { busy: busy / 100, total: (busy + idle + iowait) / 100 }
  } catch {
    let busy = 0
    let total = 0
    for (const { times } of cpus()) {
      busy += (times.user + times.nice + times.sys + times.irq) / 1000
      total += (times.user + times.nice + times.sys + times.irq + times.idle) / 1000
    }
    return { busy, total }
  }
}

/** How much of the machine the bench's own processes used over a phase, and what was left for everyone else. */
export class MachineProbe {
  private readonly start = machineBusySeconds()
  private readonly selfStart = process.cpuUsage()
  private readonly at = performance.now()

  /** `benchCpu`: the children's cpu (cpu-seconds per second) over the same phase. */
  line(benchCpu: readonly ProcessStats[]): string {
    const end = machineBusySeconds()
    const seconds = (performance.now() - this.at) / 1000
    const cpuCount = cpus().length
    const machine = end.total > this.start.total ? ((end.busy - this.start.busy) / (end.total - this.start.total)) * cpuCount : Number.NaN
    const used = process.cpuUsage(this.selfStart)
    const self = (used.user + used.system) / 1e6 / seconds
    const ours = self + benchCpu.reduce((sum, stats) => sum + stats.cpu + (stats.childrenCpu ?? 0), 0)
    return `machine ${pct(machine)} of ${pct(cpuCount)} busy, bench processes ${pct(ours)}, so ${pct(Math.max(0, machine - ours))} outside this bench; load average ${loadAverage()}`
  }
}

export const pct = (fraction: number): string => `${(fraction * 100).toFixed(0)}%`
export const ms = (value: number): string => value.toFixed(2)
export const ratio = (a: number, b: number): string => (a / b).toFixed(2)

/** Resident memory of this process after a full garbage collection (when --expose-gc allows one), MiB. */
export function residentMiB(): { rss: number; heapUsed: number } {
  ;(globalThis as { gc?: () => void }).gc?.()
  const usage = process.memoryUsage()
  return { rss: usage.rss / 2 ** 20, heapUsed: usage.heapUsed / 2 ** 20 }
}

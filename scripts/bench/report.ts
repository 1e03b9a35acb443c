/** How the bench prints: a section per part as it runs, then a summary table and one `key=value` line per figure. */
import type { MachineProbe, ProcessStats } from './measure.js'
import { pct } from './measure.js'

/** One line of the summary: a figure, what it is compared with, and the target when the issue sets one. */
export interface Row {
  part: string
  figure: string
  value: string
  against: string
  ratio: string
  target: string
}

export interface PartResult {
  rows: Row[]
  /** key=value pairs, pasted as they are. */
  figures: Record<string, string | number>
}

export function say(text = ''): void {
  process.stdout.write(`${text}\n`)
}

/** Whether a ratio meets an upper bound, for the summary's target column. */
export function atMost(ratio: number, bound: number): string {
  return `<= ${bound}: ${ratio <= bound ? 'met' : 'NOT met'}`
}

export function table(rows: readonly Row[]): string[] {
  const header: Row = { part: 'part', figure: 'figure', value: 'bot', against: 'baseline', ratio: 'ratio', target: 'target' }
  const all = [header, ...rows]
  const width = (key: keyof Row): number => Math.max(...all.map((row) => row[key].length))
  const keys: (keyof Row)[] = ['part', 'figure', 'value', 'against', 'ratio', 'target']
  return all.map((row) =>
    keys
      .map((key) => row[key].padEnd(width(key)))
      .join('  ')
      .trimEnd(),
  )
}

/** Where the cpu went in a phase: each bench process (100% = one cpu), and what was left for the rest of the machine. */
export function cpuLine(machine: MachineProbe, stats: Record<string, ProcessStats>): string {
  const parts = Object.entries(stats).map(([name, s]) => `${name} ${pct(s.cpu)}${s.childrenCpu === undefined ? '' : ` (+ redis-server ${pct(s.childrenCpu)})`}`)
  const loops = Object.entries(stats).map(([name, s]) => `${name} ${pct(s.elu)}`)
  return `cpu: ${parts.join(', ')}; event loop busy: ${loops.join(', ')}\n   ${machine.line(Object.values(stats))}`
}

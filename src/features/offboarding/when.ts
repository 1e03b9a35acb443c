/**
 * When a scheduled offboarding runs, read from what the actor typed after the email, in
 * the actor's own time zone (Slack's `users.info` `tz`). Pure: the clock and the zone are
 * arguments.
 *
 *   at 2026-12-31 17:00   that wall-clock time in the zone
 *   at friday 17:00       the next Friday at 17:00: today when today is Friday and 17:00 is still ahead
 *   at tomorrow 09:00     (also `today`)
 *   in 30m / in 2h / in 3d
 *
 * Luxon does the zone arithmetic (IANA offsets, calendar days across DST), because a
 * wall-clock time in a zone may not exist (the clocks skip it) or exist twice (they go
 * back): both are refused with the reason rather than guessed.
 */
import { DateTime, IANAZone } from 'luxon'

/** Further ahead than this is refused: a run should not outlive the people who planned it. */
export const MAX_DAYS_AHEAD = 90

export type WhenProblem =
  | { kind: 'unreadable'; text: string }
  | { kind: 'unknown-zone'; zone: string }
  /** A date the calendar does not have (2026-02-30, 24:00). */
  | { kind: 'no-such-date'; local: string }
  /** The clocks skip this time in the zone (the spring DST change). */
  | { kind: 'skipped'; local: string; zone: string }
  /** The clocks show this time twice in the zone (the autumn DST change). */
  | { kind: 'ambiguous'; local: string; zone: string }
  | { kind: 'past'; at: Date }
  | { kind: 'too-far'; at: Date; maxDays: number }

export type When = { ok: true; at: Date } | { ok: false; problem: WhenProblem }

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const
const UNIT_MS = { m: 60_000, h: 3_600_000 } as const

const RELATIVE = /^in\s+(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)$/
const ABSOLUTE = /^at\s+(\d{4})-(\d{2})-(\d{2})\s+(\d{1,2}):(\d{2})$/
const NAMED_DAY = /^at\s+([a-z]+)\s+(\d{1,2}):(\d{2})$/

interface WallTime {
  year: number
  month: number
  day: number
  hour: number
  minute: number
}

export function parseWhen(text: string, now: Date, timeZone: string): When {
  const zone = IANAZone.create(timeZone)
  if (!zone.isValid) return { ok: false, problem: { kind: 'unknown-zone', zone: timeZone } }
  const typed = text.trim().toLowerCase().replace(/\s+/g, ' ')
  const resolved = resolve(typed, now, zone)
  if (!resolved.ok) return resolved
  const { at } = resolved
  if (at.getTime() <= now.getTime()) return { ok: false, problem: { kind: 'past', at } }
  if (at.getTime() > now.getTime() + MAX_DAYS_AHEAD * 86_400_000) return { ok: false, problem: { kind: 'too-far', at, maxDays: MAX_DAYS_AHEAD } }
  return resolved
}

function resolve(typed: string, now: Date, zone: IANAZone): When {
  const relative = RELATIVE.exec(typed)
  if (relative) {
    const amount = Number(relative[1])
    const unit = relative[2]![0] as 'm' | 'h' | 'd'
    // Days are calendar days in the zone: `in 1d` keeps the time of day across a DST change.
    if (unit === 'd') return { ok: true, at: DateTime.fromJSDate(now, { zone }).plus({ days: amount }).toJSDate() }
    return { ok: true, at: new Date(now.getTime() + amount * UNIT_MS[unit]) }
  }
  const absolute = ABSOLUTE.exec(typed)
  if (absolute) {
    const [year, month, day, hour, minute] = absolute.slice(1).map(Number) as [number, number, number, number, number]
    return instantOf({ year, month, day, hour, minute }, zone)
  }
  const named = NAMED_DAY.exec(typed)
  if (named) {
    const [, name = '', hour, minute] = named
    const today = DateTime.fromJSDate(now, { zone })
    const time = { hour: Number(hour), minute: Number(minute) }
    if (name === 'today') return instantOf({ ...dateOf(today), ...time }, zone)
    if (name === 'tomorrow') return instantOf({ ...dateOf(today.plus({ days: 1 })), ...time }, zone)
    const weekday = WEEKDAYS.findIndex((day) => name.length >= 3 && day.startsWith(name)) + 1
    if (weekday > 0) {
      const ahead = (weekday - today.weekday + 7) % 7
      const thisWeek = instantOf({ ...dateOf(today.plus({ days: ahead })), ...time }, zone)
      if (ahead > 0 || !thisWeek.ok || thisWeek.at.getTime() > now.getTime()) return thisWeek
      return instantOf({ ...dateOf(today.plus({ days: 7 })), ...time }, zone)
    }
  }
  return { ok: false, problem: { kind: 'unreadable', text: typed } }
}

function dateOf(day: DateTime): Pick<WallTime, 'year' | 'month' | 'day'> {
  return { year: day.year, month: day.month, day: day.day }
}

/**
 * The one instant at which the zone's clocks show this wall time. Each offset the zone uses around that day is tried:
 * none fits in a DST gap, two fit in a DST overlap.
 */
function instantOf(wall: WallTime, zone: IANAZone): When {
  const local = `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ${pad(wall.hour)}:${pad(wall.minute)}`
  // Luxon takes 24:00 as the next midnight; people mean a time of this day.
  if (wall.hour > 23 || !DateTime.fromObject(wall, { zone: 'UTC' }).isValid) return { ok: false, problem: { kind: 'no-such-date', local } }
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute)
  const offsets = new Set([-1, 0, 1].map((days) => zone.offset(asUtc + days * 86_400_000)))
  const fits = [...offsets].map((offset) => asUtc - offset * 60_000).filter((instant) => zone.offset(instant) === (asUtc - instant) / 60_000)
  const instants = [...new Set(fits)]
  if (instants.length === 0) return { ok: false, problem: { kind: 'skipped', local, zone: zone.name } }
  if (instants.length > 1) return { ok: false, problem: { kind: 'ambiguous', local, zone: zone.name } }
  return { ok: true, at: new Date(instants[0]!) }
}

const pad = (n: number) => String(n).padStart(2, '0')

/**
 * When a scheduled offboarding runs, read from what the actor typed after the email, in
 * the actor's own time zone (Slack's `users.info` `tz`). Pure: the clock and the zone are
 * arguments.
 *
 *   at 2026-12-31 17:00   that wall-clock time in the zone (also `5pm`, `5:30 pm`)
 *   at friday 17:00       the next Friday at 17:00: today when today is Friday and 17:00 is still ahead
 *   at tomorrow 09:00     (also `today`)
 *   at 17:00              today at 17:00 (refused as past once it has gone: never silently tomorrow)
 *   in 30m / in 2h / in 3d / in 2h30m
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
  /** A date without a time of day: it could mean any hour. */
  | { kind: 'no-time'; date: string }
  | { kind: 'unknown-zone'; zone: string }
  /** A date the calendar does not have (2026-02-30, 24:00). */
  | { kind: 'no-such-date'; local: string }
  /** The clocks skip this time in the zone (the spring DST change). */
  | { kind: 'skipped'; local: string; zone: string }
  /** The clocks show this time twice in the zone (the autumn DST change). */
  | { kind: 'ambiguous'; local: string; zone: string }
  /** `zone`: the actor's, so the time can be written as their clocks show it. */
  | { kind: 'past'; at: Date; zone: string }
  | { kind: 'too-far'; at: Date; maxDays: number; zone: string }

export type When = { ok: true; at: Date } | { ok: false; problem: WhenProblem }

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const
const UNIT_MS = { m: 60_000, h: 3_600_000 } as const

/** One amount of a relative time (`2h`, `30 min`, `3 days`); several may follow each other (`2h30m`). */
const AMOUNT = /(\d{1,4}) ?(days?|d|hours?|hrs?|h|minutes?|mins?|m)/g
const RELATIVE = new RegExp(`^in ((?:${AMOUNT.source} ?)+)$`)
/** 17:00, 9:05, 5pm, 5:30 pm: a bare hour (`17`) is not a time. */
const TIME = String.raw`(\d{1,2})(?::(\d{2}))? ?(am|pm)?`
const ABSOLUTE = new RegExp(`^at (\\d{4})-(\\d{2})-(\\d{2}) ${TIME}$`)
const DATE_ONLY = /^at (\d{4}-\d{2}-\d{2})$/
const NAMED_DAY = new RegExp(`^at ([a-z]+) ${TIME}$`)
const TIME_ONLY = new RegExp(`^at ${TIME}$`)

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
  if (at.getTime() <= now.getTime()) return { ok: false, problem: { kind: 'past', at, zone: zone.name } }
  // Calendar days, as `in 90d` counts them: across the autumn clock change 90 days are 90 × 24 hours and one more.
  if (at.getTime() > DateTime.fromJSDate(now, { zone }).plus({ days: MAX_DAYS_AHEAD }).toMillis())
    return { ok: false, problem: { kind: 'too-far', at, maxDays: MAX_DAYS_AHEAD, zone: zone.name } }
  return resolved
}

function resolve(typed: string, now: Date, zone: IANAZone): When {
  const relative = RELATIVE.exec(typed)
  if (relative) {
    let days = 0
    let ms = 0
    for (const [, amount, unit = ''] of relative[1]!.matchAll(AMOUNT)) {
      const letter = unit[0] as 'm' | 'h' | 'd'
      if (letter === 'd') days += Number(amount)
      else ms += Number(amount) * UNIT_MS[letter]
    }
    // Days are calendar days in the zone: `in 1d` keeps the time of day across a DST change.
    return { ok: true, at: DateTime.fromJSDate(now, { zone }).plus({ days }).plus({ milliseconds: ms }).toJSDate() }
  }
  const dateOnly = DATE_ONLY.exec(typed)
  if (dateOnly) return { ok: false, problem: { kind: 'no-time', date: dateOnly[1]! } }
  const absolute = ABSOLUTE.exec(typed)
  if (absolute) {
    const [year, month, day] = absolute.slice(1, 4).map(Number) as [number, number, number]
    const time = clockOf(absolute.slice(4))
    return time ? instantOf({ year, month, day, ...time }, zone) : unreadable(typed)
  }
  const today = DateTime.fromJSDate(now, { zone })
  const timeOnly = TIME_ONLY.exec(typed)
  if (timeOnly) {
    const time = clockOf(timeOnly.slice(1))
    return time ? instantOf({ ...dateOf(today), ...time }, zone) : unreadable(typed)
  }
  const named = NAMED_DAY.exec(typed)
  const time = named ? clockOf(named.slice(2)) : undefined
  if (named && time) {
    const name = named[1]!
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
  return unreadable(typed)
}

const unreadable = (text: string): When => ({ ok: false, problem: { kind: 'unreadable', text } })

/**
 * The hour and minute of `17:00`, `9:05`, `5pm`, `12:30 am`; undefined for a bare hour (`17`) or `13pm`. A 24-hour
 * time out of range (25:00) is kept, to be refused as no such time.
 */
function clockOf([hourText, minuteText, meridiem]: Array<string | undefined>): Pick<WallTime, 'hour' | 'minute'> | undefined {
  if (minuteText === undefined && meridiem === undefined) return undefined
  const hour = Number(hourText)
  const minute = Number(minuteText ?? 0)
  if (meridiem === undefined) return { hour, minute }
  if (hour < 1 || hour > 12) return undefined
  return { hour: (hour % 12) + (meridiem === 'pm' ? 12 : 0), minute }
}

/** A time as the zone's clocks show it, in words, for surfaces that cannot show Slack's `<!date>` (a modal's text): "Friday 11 December 2026, 17:00 (Europe/Berlin)". */
export function wallClockWords(at: Date | string, timeZone: string): string {
  const instant = DateTime.fromJSDate(typeof at === 'string' ? new Date(at) : at, { zone: IANAZone.isValidZone(timeZone) ? timeZone : 'UTC' })
  return `${instant.setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm')} (${instant.zoneName})`
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

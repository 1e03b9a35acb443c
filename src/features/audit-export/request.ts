/**
 * What `/deprovision audit [from] [to] [person or integration]` asks for. Dates are
 * `YYYY-MM-DD` UTC days, both ends included; without dates, the last DEFAULT_DAYS days
 * (today included); with one, from that day to today. A person is an email (the account
 * entries are about); an integration is a configured integration id. Pure.
 */
import { z } from 'zod'
import type { StoredAuditEntry } from '../../store/audit.js'
import { unlinkEmail } from '../../slack/command-text.js'

export const DEFAULT_DAYS = 30
const DAY_MS = 86_400_000
const DATE = /^\d{4}-\d{2}-\d{2}$/

export interface AuditFilter {
  /** First and last UTC day, `YYYY-MM-DD`, both included. */
  from: string
  to: string
  email?: string
  integration?: string
}

export type AuditRequest = { kind: 'export'; filter: AuditFilter } | { kind: 'usage'; problem: string }

export function isAuditRequest(text: string | undefined): boolean {
  return (text ?? '').trim().split(/\s+/)[0]?.toLowerCase() === 'audit'
}

/** `text` is the whole command text (`audit …`); `integrations` the configured ids; `today` the bot's clock. */
export function parseAuditRequest(text: string, integrations: readonly string[], today: Date): AuditRequest {
  const words = text.trim().split(/\s+/).slice(1).map(unlinkEmail)
  const dates: string[] = []
  const filter: Pick<AuditFilter, 'email' | 'integration'> = {}
  for (const word of words) {
    if (DATE.test(word)) {
      if (!isRealDate(word)) return usage(`“${word}” is not a date in the calendar.`)
      dates.push(word)
    } else if (filter.email !== undefined || filter.integration !== undefined) {
      return usage('One person or one integration at a time.')
    } else if (word.includes('@')) {
      if (!z.email().safeParse(word).success) return usage(`“${word.slice(0, 100)}” is not a valid email address.`)
      filter.email = word.toLowerCase()
    } else if (integrations.includes(word)) {
      filter.integration = word
    } else if (/^\d/.test(word)) {
      return usage(`“${word.slice(0, 40)}” is not a date: write days as YYYY-MM-DD.`)
    } else {
      return usage(`“${word.slice(0, 60)}” is not a date, an email or an integration (one of ${integrations.map((id) => `\`${id}\``).join(', ') || 'none'}).`)
    }
  }
  if (dates.length > 2) return usage('At most two dates: the first and the last day.')
  const todayDay = today.toISOString().slice(0, 10)
  const from = dates[0] ?? new Date(today.getTime() - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10)
  const to = dates[1] ?? todayDay
  if (from > todayDay) return usage(`The first day (${from}) is in the future: today is ${todayDay} (UTC).`)
  if (from > to) return usage(`The first day (${from}) is after the last (${to}).`)
  return { kind: 'export', filter: { from, to, ...filter } }
}

function usage(problem: string): AuditRequest {
  return { kind: 'usage', problem }
}

function isRealDate(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`)
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day
}

/** The stream-id bounds of the filter's days for XRANGE: ids are milliseconds, so a day is its first to its last millisecond. */
export function streamBounds(filter: Pick<AuditFilter, 'from' | 'to'>): { start: string; end: string } {
  const start = Date.parse(`${filter.from}T00:00:00Z`)
  const end = Date.parse(`${filter.to}T00:00:00Z`) + DAY_MS - 1
  return { start: `${start}-0`, end: String(end) }
}

/** Whether the entry is about the filter's person and integration (dates are the stream bounds' job). */
export function matches(entry: StoredAuditEntry, filter: Pick<AuditFilter, 'email' | 'integration'>): boolean {
  if (filter.email !== undefined && entry.email?.toLowerCase() !== filter.email) return false
  if (filter.integration !== undefined && entry.integration !== filter.integration) return false
  return true
}

export function describeFilter(filter: AuditFilter): string {
  const days = filter.from === filter.to ? filter.from : `${filter.from} to ${filter.to}`
  const who = filter.email ?? filter.integration
  return `${days} (UTC days)${who ? `, ${who}` : ''}`
}

/**
 * The query of `GET /audit`: `from` and `to` (an ISO time, a `YYYY-MM-DD` UTC day, or a
 * stream id; both ends included), `after` (the cursor a previous response ended with; it
 * takes the place of `from`) and `limit`. Pure.
 */
import { z } from 'zod'

export const DEFAULT_READ_LIMIT = 1_000
export const MAX_READ_LIMIT = 10_000

const STREAM_ID = /^\d{1,15}-\d{1,15}$/
const DAY = /^\d{4}-\d{2}-\d{2}$/
const DAY_MS = 86_400_000

const point = z
  .union([z.string().regex(STREAM_ID), z.iso.date(), z.iso.datetime({ offset: true })], {
    error: (issue) =>
      // URL decoding reads a `+` as a space: `+02:00` arrives as ` 02:00`.
      typeof issue.input === 'string' && issue.input.includes(' ')
        ? 'a + in a query string reads as a space: send a time zone offset as %2B (2026-12-01T10:00:00%2B02:00), or use Z'
        : 'expected an ISO time (2026-12-01T00:00:00Z), a day (2026-12-01) or a stream id (1764547200000-0)',
  })
  // Stream ids are milliseconds since 1970: an earlier time would be a negative id, which Redis refuses.
  .refine((value) => STREAM_ID.test(value) || msOf(value) >= 0, 'expected a time from 1970-01-01 on')

const querySchema = z.strictObject(
  {
    from: point.optional(),
    to: point.optional(),
    after: z.string().regex(STREAM_ID, 'expected a stream id (1764547200000-0), as the last response’s cursor gave it').optional(),
    limit: z.coerce
      .number({ error: 'expected a number of entries' })
      .int('expected a whole number of entries')
      .min(1, 'expected at least 1')
      .max(MAX_READ_LIMIT, `expected at most ${MAX_READ_LIMIT}`)
      .default(DEFAULT_READ_LIMIT),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}: expected from, to, after, limit` : undefined) },
)

/** XRANGE bounds and how many entries to answer at most. */
export interface AuditRead {
  start: string
  end: string
  limit: number
  /** What the cursor says when nothing is read: where the next request picks up. */
  after?: string
}

export type ReadQuery = { ok: true; read: AuditRead } | { ok: false; problem: string }

export function parseReadQuery(params: URLSearchParams): ReadQuery {
  const repeated = [...new Set(params.keys())].find((key) => params.getAll(key).length > 1)
  if (repeated) return { ok: false, problem: `${repeated}: given more than once` }
  const parsed = querySchema.safeParse(Object.fromEntries(params))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return { ok: false, problem: issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message }
  }
  const { from, to, after, limit } = parsed.data
  const start = after ? `(${after}` : from ? startOf(from) : '-'
  const end = to ? endOf(to) : '+'
  const first = after ?? (from ? startOf(from) : undefined)
  if (first && to && compareIds(first, endOf(to)) > 0) return { ok: false, problem: `to: before ${after ? 'after' : 'from'}` }
  return { ok: true, read: { start, end, limit, ...(after ? { after } : {}) } }
}

/** The first millisecond of a day or an ISO time. */
function msOf(point: string): number {
  return Date.parse(DAY.test(point) ? `${point}T00:00:00Z` : point)
}

function startOf(point: string): string {
  return STREAM_ID.test(point) ? point : `${msOf(point)}-0`
}

/** A day ends at its last millisecond; an id alone (`ms`) in XRANGE's end takes every sequence of that millisecond. */
function endOf(point: string): string {
  if (STREAM_ID.test(point)) return point
  return String(DAY.test(point) ? msOf(point) + DAY_MS - 1 : msOf(point))
}

function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number)
  const [bMs = 0, bSeq = Number.MAX_SAFE_INTEGER] = b.split('-').map(Number)
  return aMs - bMs || aSeq - bSeq
}

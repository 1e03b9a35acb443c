/** The audit export's pure parts (what the command and GET /audit ask for, the CSV and JSON shapes) and its paging over a real stream. */
import { parse } from 'csv-parse/sync'
import { beforeAll, describe, expect, it } from 'vitest'
import { AuditLog, AUDIT_STREAM, type StoredAuditEntry } from '../../src/store/audit.js'
import { auditCsv, auditJsonLine, neutralizeFormula } from '../../src/features/audit-export/format.js'
import { AUDIT_COLUMNS } from '../../src/store/audit.js'
import { parseAuditRequest, streamBounds } from '../../src/features/audit-export/request.js'
import { parseReadQuery } from '../../src/features/audit-export/read-query.js'
import { auditPages } from '../../src/features/audit-export/pages.js'
import { collectEntries, exportToSlack } from '../../src/features/audit-export/export.js'
import type { FileUploader } from '../../src/slack/files.js'
import { useRedis } from '../support/redis.js'
import { createLogger } from '../../src/logger.js'
import { exportSummary } from '../../src/features/audit-export/summary.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { MINIMAL_ENV } from '../support/config-env.js'

const TODAY = new Date('2026-12-06T15:00:00Z')
const INTEGRATIONS = ['acme-scim', 'acme-okta']
const request = (text: string) => parseAuditRequest(text, INTEGRATIONS, TODAY)

describe('/deprovision audit arguments', () => {
  it('default to the last 30 UTC days, today included', () => {
    expect(request('audit')).toEqual({ kind: 'export', filter: { from: '2026-11-07', to: '2026-12-06' } })
  })

  it('take one day as from-that-day-to-today, two as first and last day, and a person or an integration in any place', () => {
    expect(request('audit 2026-12-01')).toEqual({ kind: 'export', filter: { from: '2026-12-01', to: '2026-12-06' } })
    expect(request('audit ADA@corp.example 2026-11-01 2026-11-30')).toEqual({
      kind: 'export',
      filter: { from: '2026-11-01', to: '2026-11-30', email: 'ada@corp.example' },
    })
    expect(request('audit 2026-11-01 acme-okta')).toMatchObject({ filter: { integration: 'acme-okta' } })
    expect(request('audit <mailto:ada@corp.example|ada@corp.example>')).toMatchObject({ filter: { email: 'ada@corp.example' } })
  })

  it.each([
    ['audit 2026-02-30', '“2026-02-30” is not a date in the calendar.'],
    ['audit 2026-12-05 2026-12-01', 'The first day (2026-12-05) is after the last (2026-12-01).'],
    // One day means from it to today: a future day is not "after the last day" the actor never typed.
    ['audit 2026-12-07', 'The first day (2026-12-07) is in the future: today is 2026-12-06 (UTC).'],
    ['audit 2027-01-01 2027-01-31', 'The first day (2027-01-01) is in the future: today is 2026-12-06 (UTC).'],
    ['audit 1/12/2026', '“1/12/2026” is not a date: write days as YYYY-MM-DD.'],
    ['audit 2026-11-01 2026-11-02 2026-11-03', 'At most two dates: the first and the last day.'],
    ['audit ada@corp.example acme-scim', 'One person or one integration at a time.'],
    ['audit ada@', '“ada@” is not a valid email address.'],
    ['audit salesforce', '“salesforce” is not a date, an email or an integration (one of `acme-scim`, `acme-okta`).'],
  ])('refuse %s with the reason', (text, problem) => {
    expect(request(text)).toEqual({ kind: 'usage', problem })
  })

  it('cover whole UTC days in stream ids (milliseconds), both ends included', () => {
    expect(streamBounds({ from: '2026-12-01', to: '2026-12-01' })).toEqual({
      start: `${Date.parse('2026-12-01T00:00:00Z')}-0`,
      end: String(Date.parse('2026-12-02T00:00:00Z') - 1),
    })
  })
})

describe('AUDIT_READ_TOKEN', () => {
  const env = MINIMAL_ENV
  const load = (token?: string) => loadConfig({ ...env, AUDIT_READ_TOKEN: token }, () => '[]')

  it('is optional (GET /audit is then off) and refused when shorter than 16 characters', () => {
    expect(load().auditReadToken).toBeUndefined()
    expect(load('a-long-enough-read-token').auditReadToken).toBe('a-long-enough-read-token')
    expect(() => load('short')).toThrow(ConfigError)
    expect(() => load('short')).toThrow(/AUDIT_READ_TOKEN: expected at least 16 characters/)
  })
})

describe('GET /audit query', () => {
  const read = (query: string) => parseReadQuery(new URLSearchParams(query))

  it('reads everything, 1000 at most, when nothing is given', () => {
    expect(read('')).toEqual({ ok: true, read: { start: '-', end: '+', limit: 1000 } })
  })

  it('takes ISO times, days and stream ids; after (a cursor) leaves its id out and takes the place of from', () => {
    expect(read('from=2026-12-01T10:00:00Z&to=2026-12-01')).toEqual({
      ok: true,
      read: { start: `${Date.parse('2026-12-01T10:00:00Z')}-0`, end: String(Date.parse('2026-12-02T00:00:00Z') - 1), limit: 1000 },
    })
    expect(read('from=2026-12-01T12:00:00%2B02:00')).toMatchObject({ ok: true, read: { start: `${Date.parse('2026-12-01T10:00:00Z')}-0` } })
    expect(read('from=2026-01-01&after=1764547200000-3&limit=50')).toEqual({
      ok: true,
      read: { start: '(1764547200000-3', end: '+', limit: 50, after: '1764547200000-3' },
    })
  })

  it.each([
    ['from=yesterday', /^from: expected an ISO time/],
    ['limit=0', /^limit: expected at least 1/],
    ['limit=10001', /^limit: expected at most 10000/],
    ['after=2026-12-01', /^after: expected a stream id/],
    ['form=2026-12-01', /^unknown parameter form/],
    ['from=2026-12-02&to=2026-12-01', /^to: before from/],
    ['limit=1&limit=2', /^limit: given more than once/],
    // Before 1970 a stream id would be negative, which Redis refuses: the reader gets a 400, not a 503.
    ['from=1969-12-31', /^from: expected a time from 1970-01-01 on/],
    ['to=1900-01-01T00:00:00Z', /^to: expected a time from 1970-01-01 on/],
    // An unencoded + arrives as a space.
    ['from=2026-12-01T10:00:00+02:00', /^from: a \+ in a query string reads as a space: send a time zone offset as %2B/],
  ])('refuses %s with the reason', (query, problem) => {
    const answer = read(query)
    expect(answer.ok).toBe(false)
    expect(answer.ok ? '' : answer.problem).toMatch(problem)
  })
})

const entry = (fields: Partial<StoredAuditEntry>): StoredAuditEntry => ({
  id: '1-0',
  at: '2026-12-01T00:00:00.000Z',
  event: 'action-failed',
  alertId: 'al_1',
  ...fields,
})

describe('the CSV', () => {
  it('has a header of every column and reads back cell for cell, commas, quotes and line breaks included', () => {
    const detail = 'said "no", twice\nthen\rgave up'
    const csv = auditCsv([entry({ detail, email: 'ada@corp.example' })])
    expect(csv.split('\r\n')[0]).toBe(AUDIT_COLUMNS.join(','))
    expect(parse(csv, { columns: true })).toEqual([expect.objectContaining({ id: '1-0', email: 'ada@corp.example', detail, actor: '' })])
  })

  it('quotes a cell with a lone carriage return or line feed, which spreadsheets split rows on', () => {
    expect(auditCsv([entry({ detail: 'a\rb' })])).toContain('"a\rb"')
    expect(auditCsv([entry({ detail: 'a\nb' })])).toContain('"a\nb"')
  })

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('defuses a cell starting like a formula (%j) with a leading quote', (cell) => {
    expect(neutralizeFormula(cell)).toBe(`'${cell}`)
    expect(parse<Record<string, string>>(auditCsv([entry({ detail: cell })]), { columns: true })[0]!.detail).toBe(`'${cell}`)
  })

  it('leaves other cells alone', () => {
    expect(neutralizeFormula('ada@corp.example')).toBe('ada@corp.example')
  })
})

describe('the JSON line', () => {
  it('is one line with the known fields first and every other field kept, values untouched', () => {
    const line = auditJsonLine({ ...entry({ detail: '=1+1\nx' }), extra: 'kept' } as StoredAuditEntry)
    expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true)
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['id', 'at', 'event', 'alertId', 'detail', 'extra'])
    expect(JSON.parse(line)).toMatchObject({ detail: '=1+1\nx', extra: 'kept' })
  })
})

describe('the summary line', () => {
  it('says when the export was cut, where, and how to narrow it', () => {
    const text = exportSummary({ from: '2026-11-01', to: '2026-11-30' }, { entries: 2, done: 1, failed: 0, refused: 1 }, '2026-11-02T10:00:00.000Z')
    expect(text).toContain('📄 Audit log, 2026-11-01 to 2026-11-30 (UTC days): 2 entries; actions done 1, failed 0, refused 1.')
    expect(text).toContain('✂️ Cut at 2 entries (the oldest first, up to <!date^1793613600^{date_short_pretty} {time}|2026-11-02T10:00:00Z>)')
    expect(text).toContain('Narrow the days, or name a person or an integration.')
  })
})

describe('reading the stream in pages', () => {
  const { redis } = useRedis()
  let audit: AuditLog
  beforeAll(async () => {
    audit = new AuditLog(redis())
    for (let i = 0; i < 7; i += 1) {
      await audit.append({ event: 'alert-received', alertId: `al_${i}`, email: i % 2 === 0 ? 'ada@corp.example' : 'bob@corp.example' })
    }
  })

  it('gives every entry once, oldest first, page after page, and stops at max', async () => {
    const all = (await redis().xrange(AUDIT_STREAM, '-', '+')).map(([id]) => id)
    const pages: string[][] = []
    for await (const page of auditPages(audit, '-', '+', { pageSize: 3 })) pages.push(page.map((e) => e.id))
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1])
    expect(pages.flat()).toEqual(all)
    const capped: string[] = []
    for await (const page of auditPages(audit, '-', '+', { pageSize: 3, max: 4 })) capped.push(...page.map((e) => e.id))
    expect(capped).toEqual(all.slice(0, 4))
  })

  it('uploads a cut export under names that say it was cut, with the summary saying where', async () => {
    const uploads: Array<Parameters<FileUploader['filesUploadV2']>[0]> = []
    const slack = { filesUploadV2: async (args: (typeof uploads)[number]) => void uploads.push(args) } as unknown as FileUploader
    const today = new Date().toISOString().slice(0, 10)
    const filter = { from: today, to: today, email: 'ada@corp.example' }
    const logger = createLogger('silent')

    expect(await exportToSlack({ audit, logger, maxExportEntries: 3 }, slack, { filter, channel: 'C1', actor: 'U1' })).toMatchObject({
      kind: 'uploaded',
      cut: true,
    })
    expect(await exportToSlack({ audit, logger }, slack, { filter, channel: 'C1', actor: 'U1' })).toMatchObject({ kind: 'uploaded', cut: false })

    const names = uploads.map((upload) => ('file_uploads' in upload ? upload.file_uploads.map((file) => file.filename) : []))
    expect(names).toEqual([
      [`audit-${today}_${today}-ada@corp.example-cut.csv`, `audit-${today}_${today}-ada@corp.example-cut.jsonl`],
      [`audit-${today}_${today}-ada@corp.example.csv`, `audit-${today}_${today}-ada@corp.example.jsonl`],
    ])
    expect(uploads[0]!.initial_comment).toContain('✂️ Cut at 3 entries')
  })

  it('collects the matching entries up to the cap and says where it cut', async () => {
    const today = new Date().toISOString().slice(0, 10)
    const filter = { from: today, to: today, email: 'ada@corp.example' }
    const whole = await collectEntries(audit, filter, 10)
    expect(whole.entries.map((e) => e.alertId)).toEqual(['al_0', 'al_2', 'al_4', 'al_6'])
    expect(whole.cutAt).toBeUndefined()
    const cut = await collectEntries(audit, filter, 3)
    expect(cut.entries.map((e) => e.alertId)).toEqual(['al_0', 'al_2', 'al_4'])
    expect(cut.cutAt).toBe(cut.entries[2]!.at)
  })
})

/**
 * When a scheduled offboarding runs (`parseWhen`): what the actor types after the email, read in
 * the actor's own time zone, with DST gaps and overlaps refused rather than guessed.
 */
import { describe, expect, it } from 'vitest'
import { MAX_DAYS_AHEAD, parseWhen, type When } from '../../src/features/offboarding/when.js'

// Sunday 6 December 2026, 03:16 UTC: 04:16 in Berlin, Saturday 22:16 in New York.
const NOW = new Date('2026-12-06T03:16:00Z')
const BERLIN = 'Europe/Berlin'

const at = (when: When) => (when.ok ? when.at.toISOString() : when.problem)

describe('parseWhen', () => {
  it('reads an absolute date and time as wall-clock time in the actor’s zone', () => {
    expect(at(parseWhen('at 2026-12-31 17:00', NOW, BERLIN))).toBe('2026-12-31T16:00:00.000Z')
    expect(at(parseWhen('at 2026-12-31 17:00', NOW, 'America/New_York'))).toBe('2026-12-31T22:00:00.000Z')
    expect(at(parseWhen('  AT   2026-12-31  9:05 ', NOW, 'Asia/Tokyo'))).toBe('2026-12-31T00:05:00.000Z')
  })

  it('reads a weekday as the next such day, today when that day is today and the time is still ahead', () => {
    // In Berlin it is Sunday 04:16.
    expect(at(parseWhen('at friday 17:00', NOW, BERLIN))).toBe('2026-12-11T16:00:00.000Z')
    expect(at(parseWhen('at fri 17:00', NOW, BERLIN))).toBe('2026-12-11T16:00:00.000Z')
    expect(at(parseWhen('at sunday 17:00', NOW, BERLIN))).toBe('2026-12-06T16:00:00.000Z')
    expect(at(parseWhen('at sunday 04:00', NOW, BERLIN))).toBe('2026-12-13T03:00:00.000Z')
    // In New York it is still Saturday evening: "saturday 23:00" is tonight, "sunday" tomorrow.
    expect(at(parseWhen('at saturday 23:00', NOW, 'America/New_York'))).toBe('2026-12-06T04:00:00.000Z')
    expect(at(parseWhen('at sunday 09:00', NOW, 'America/New_York'))).toBe('2026-12-06T14:00:00.000Z')
  })

  it('reads today and tomorrow in the actor’s zone, not the server’s', () => {
    expect(at(parseWhen('at tomorrow 09:00', NOW, BERLIN))).toBe('2026-12-07T08:00:00.000Z')
    expect(at(parseWhen('at tomorrow 09:00', NOW, 'America/New_York'))).toBe('2026-12-06T14:00:00.000Z')
    expect(at(parseWhen('at today 18:30', NOW, BERLIN))).toBe('2026-12-06T17:30:00.000Z')
  })

  it('reads minutes, hours and days from now; days are calendar days in the zone across a DST change', () => {
    expect(at(parseWhen('in 30m', NOW, BERLIN))).toBe('2026-12-06T03:46:00.000Z')
    expect(at(parseWhen('in 2h', NOW, BERLIN))).toBe('2026-12-06T05:16:00.000Z')
    expect(at(parseWhen('in 3 days', NOW, BERLIN))).toBe('2026-12-09T03:16:00.000Z')
    // Saturday 28 March 2026 12:00 in Berlin; the clocks go forward that night, so a day later is 23 hours later.
    expect(at(parseWhen('in 1d', new Date('2026-03-28T11:00:00Z'), BERLIN))).toBe('2026-03-29T10:00:00.000Z')
  })

  it('refuses a time the clocks skip in the actor’s zone', () => {
    const now = new Date('2026-03-01T00:00:00Z')
    expect(parseWhen('at 2026-03-29 02:30', now, BERLIN)).toEqual({ ok: false, problem: { kind: 'skipped', local: '2026-03-29 02:30', zone: BERLIN } })
    // The same wall time exists in New York, whose change is on another day.
    expect(at(parseWhen('at 2026-03-29 02:30', now, 'America/New_York'))).toBe('2026-03-29T06:30:00.000Z')
    expect(at(parseWhen('at 2026-03-29 03:00', now, BERLIN))).toBe('2026-03-29T01:00:00.000Z')
  })

  it('refuses a time the clocks show twice in the actor’s zone', () => {
    const now = new Date('2026-10-01T00:00:00Z')
    expect(parseWhen('at 2026-10-25 02:30', now, BERLIN)).toEqual({ ok: false, problem: { kind: 'ambiguous', local: '2026-10-25 02:30', zone: BERLIN } })
    expect(at(parseWhen('at 2026-10-25 03:30', now, BERLIN))).toBe('2026-10-25T02:30:00.000Z')
  })

  it('refuses a time in the past, and one more than 90 days ahead', () => {
    expect(parseWhen('at 2026-12-06 04:00', NOW, BERLIN)).toEqual({ ok: false, problem: { kind: 'past', at: new Date('2026-12-06T03:00:00Z'), zone: BERLIN } })
    expect(parseWhen('in 0m', NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'past' } })
    expect(parseWhen(`in ${MAX_DAYS_AHEAD}d`, NOW, BERLIN).ok).toBe(true)
    expect(parseWhen(`in ${MAX_DAYS_AHEAD + 1}d`, NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'too-far', maxDays: 90 } })
    // From October, 90 calendar days in Berlin cross the autumn clock change: one hour longer than 90 × 24 h, still allowed.
    const october = new Date('2026-10-01T10:00:00Z')
    expect(at(parseWhen(`in ${MAX_DAYS_AHEAD}d`, october, BERLIN))).toBe('2026-12-30T11:00:00.000Z')
    expect(at(parseWhen('at 2026-12-30 12:00', october, BERLIN))).toBe('2026-12-30T11:00:00.000Z')
    expect(parseWhen('at 2026-12-30 12:01', october, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'too-far' } })
    expect(parseWhen('at 2027-12-31 17:00', NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'too-far' } })
  })

  it('reads a time alone as today, refused once it has passed rather than moved to tomorrow', () => {
    expect(at(parseWhen('at 17:00', NOW, BERLIN))).toBe('2026-12-06T16:00:00.000Z')
    expect(parseWhen('at 04:00', NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'past', at: new Date('2026-12-06T03:00:00Z') } })
  })

  it('reads 12-hour times with am and pm, alone or after a day', () => {
    expect(at(parseWhen('at 5pm', NOW, BERLIN))).toBe('2026-12-06T16:00:00.000Z')
    expect(at(parseWhen('AT Friday 5:30 PM', NOW, BERLIN))).toBe('2026-12-11T16:30:00.000Z')
    expect(at(parseWhen('at tomorrow 12am', NOW, BERLIN))).toBe('2026-12-06T23:00:00.000Z')
    expect(at(parseWhen('at 2026-12-31 12pm', NOW, BERLIN))).toBe('2026-12-31T11:00:00.000Z')
    for (const text of ['at 13pm', 'at 0am', 'at 17', 'at friday 5'])
      expect(parseWhen(text, NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'unreadable' } })
  })

  it('adds up hours and minutes (and days) written together', () => {
    expect(at(parseWhen('in 2h30m', NOW, BERLIN))).toBe('2026-12-06T05:46:00.000Z')
    expect(at(parseWhen('in 1d 2 hours 5 mins', NOW, BERLIN))).toBe('2026-12-07T05:21:00.000Z')
  })

  it('asks for a time of day when only a date is given', () => {
    expect(parseWhen('at 2026-12-31', NOW, BERLIN)).toEqual({ ok: false, problem: { kind: 'no-time', date: '2026-12-31' } })
  })

  it('refuses dates the calendar does not have, text it cannot read, and a zone it does not know', () => {
    expect(parseWhen('at 2027-02-30 10:00', NOW, BERLIN)).toEqual({ ok: false, problem: { kind: 'no-such-date', local: '2027-02-30 10:00' } })
    expect(parseWhen('at tomorrow 24:00', NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'no-such-date' } })
    expect(parseWhen('at tomorrow 9:75', NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'no-such-date' } })
    for (const text of ['at noon', 'in 2 weeks', 'in 1 month', 'at 31/12/2026 17:00', 'at fr 17:00', 'tomorrow', 'in -2h', 'at friday 17:00 please', '']) {
      expect(parseWhen(text, NOW, BERLIN)).toMatchObject({ ok: false, problem: { kind: 'unreadable' } })
    }
    expect(parseWhen('in 2h', NOW, 'Mars/Olympus_Mons')).toEqual({ ok: false, problem: { kind: 'unknown-zone', zone: 'Mars/Olympus_Mons' } })
  })
})

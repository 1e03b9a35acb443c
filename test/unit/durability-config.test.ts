/**
 * What the operator decides about what Redis keeps and takes in: AUDIT_RETENTION_DAYS and INGEST_MAX_PER_MINUTE,
 * with a default each and one line per bad value.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { configProblems, MINIMAL_ENV } from '../support/config-env.js'

const env = MINIMAL_ENV
const load = (extra: Record<string, string>) => loadConfig({ ...env, ...extra }, () => '[]')

const problemsOf = (extra: Record<string, string>) => configProblems(() => load(extra))

describe('durability settings', () => {
  it('keeps the audit log 400 days unless AUDIT_RETENTION_DAYS says otherwise', () => {
    expect(load({}).auditRetentionMs).toBe(400 * 86_400_000)
    expect(load({ AUDIT_RETENTION_DAYS: '2555' }).auditRetentionMs).toBe(2555 * 86_400_000)
  })

  it('accepts 6000 alerts a minute unless INGEST_MAX_PER_MINUTE says otherwise', () => {
    expect(load({}).ingestMaxPerMinute).toBe(6000)
    expect(load({ INGEST_MAX_PER_MINUTE: '100000' }).ingestMaxPerMinute).toBe(100_000)
  })

  it('refuses values that are not whole positive numbers, one line each', () => {
    expect(problemsOf({ AUDIT_RETENTION_DAYS: '0', INGEST_MAX_PER_MINUTE: 'lots' })).toEqual([
      'AUDIT_RETENTION_DAYS: expected at least 1 day',
      'INGEST_MAX_PER_MINUTE: expected a number of alerts',
    ])
    expect(problemsOf({ AUDIT_RETENTION_DAYS: '1.5', INGEST_MAX_PER_MINUTE: '-3' })).toEqual([
      'AUDIT_RETENTION_DAYS: expected a whole number of days',
      'INGEST_MAX_PER_MINUTE: expected at least 1 alert a minute',
    ])
  })
})

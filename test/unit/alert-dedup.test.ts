/**
 * Alert deduplication in Redis: a detector's dedupKey and the bot's own keys (App Home,
 * reconciliation, offboarding) are kept apart by who made them, never by their text, so
 * neither can match the other's alert; within one origin a key answers the first alert.
 * Keys and alerts stored before keys had an origin keep working as the detector's, and an
 * offboarding run going on across the upgrade finds its step alerts.
 */
import { describe, expect, it } from 'vitest'
import type { AlertReport, Dedup } from '../../src/domain/alert.js'
import { AlertStore } from '../../src/store/alerts.js'
import { KEY_PREFIX } from '../../src/store/redis.js'
import { useRedis } from '../support/redis.js'

const { redis } = useRedis()

const NOW = new Date('2026-11-02T09:00:00.000Z')
const report = (email: string, dedup: Dedup): AlertReport => ({ integration: 'acme', email, reason: 'Left', severity: 'medium', dedup })

describe('alert deduplication', () => {
  it("keeps a detector's key and the bot's own apart, even when their text is the same", async () => {
    const alerts = new AlertStore(redis())
    const planted = await alerts.create(report('alice@corp.example', { origin: 'detector', key: 'app-home:u-bob' }), 'Acme', NOW)
    const bots = await alerts.create(report('bob@corp.example', { origin: 'bot', key: 'app-home:u-bob' }), 'Acme', NOW)
    expect(planted.status).toBe('created')
    expect(bots.status).toBe('created')

    const botAgain = await alerts.create(report('bob@corp.example', { origin: 'bot', key: 'app-home:u-bob' }), 'Acme', NOW)
    const detectorAgain = await alerts.create(report('alice@corp.example', { origin: 'detector', key: 'app-home:u-bob' }), 'Acme', NOW)
    expect(botAgain).toEqual({ status: 'duplicate', alertId: bots.status === 'created' ? bots.alert.id : '' })
    expect(detectorAgain).toEqual({ status: 'duplicate', alertId: planted.status === 'created' ? planted.alert.id : '' })
  })

  it('keeps matching a key a detector sent before keys had an origin, and frees it when its alert is resolved', async () => {
    const alerts = new AlertStore(redis())
    // As stored before: the bare dedupKey in the alert's data, the key under the detectors' prefix.
    const created = await alerts.create(report('carol@corp.example', { origin: 'detector', key: 'siem-42:carol' }), 'Acme', NOW)
    if (created.status !== 'created') throw new Error('expected a new alert')
    const { dedup: _dedup, state: _state, version: _version, ...data } = created.alert
    await redis().hset(`${KEY_PREFIX}alert:${created.alert.id}`, 'data', JSON.stringify({ ...data, dedupKey: 'siem-42:carol' }))

    const again = await alerts.create(report('carol@corp.example', { origin: 'detector', key: 'siem-42:carol' }), 'Acme', NOW)
    expect(again).toEqual({ status: 'duplicate', alertId: created.alert.id })
    const stored = await alerts.get(created.alert.id)
    expect(stored?.dedup).toEqual({ origin: 'detector', key: 'siem-42:carol' })

    expect(await alerts.resolve(stored!, { at: NOW.toISOString(), detail: 'gone' })).toBe(true)
    expect((await alerts.create(report('carol@corp.example', { origin: 'detector', key: 'siem-42:carol' }), 'Acme', NOW)).status).toBe('created')
  })

  it('finds the step alert of an offboarding run begun before keys had an origin, but never a detector’s alert under that key', async () => {
    const alerts = new AlertStore(redis())
    const thread = { channel: 'C1', ts: '1.1' }
    const step = (runId: string, origin: Dedup['origin']) => report('dan@corp.example', { origin, key: `offboard:${runId}` })
    // As stored before: the step's key under the detectors' prefix.
    const earlier = await alerts.create(step('ob_1', 'detector'), 'Acme', NOW, { id: 'ob_1', thread })
    if (earlier.status !== 'created') throw new Error('expected a new alert')
    expect(await alerts.create(step('ob_1', 'bot'), 'Acme', NOW, { id: 'ob_1', thread })).toEqual({ status: 'duplicate', alertId: earlier.alert.id })

    const planted = await alerts.create(step('ob_2', 'detector'), 'Acme', NOW)
    const opened = await alerts.create(step('ob_2', 'bot'), 'Acme', NOW, { id: 'ob_2', thread })
    expect(opened.status).toBe('created')
    expect(opened).not.toEqual({ status: 'duplicate', alertId: planted.status === 'created' ? planted.alert.id : '' })
  })
})

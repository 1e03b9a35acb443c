/** Mutes in Redis: they end by themselves, survive a new connection (a restart), and a late count never revives one. */
import { describe, expect, it } from 'vitest'
import { MuteStore, muteId } from '../../src/features/mutes/store.js'
import { useRedis } from '../support/redis.js'

const { redis, connect } = useRedis()

describe('mutes', () => {
  it('match the account case-insensitively, then the service, and are seen by a new connection', async () => {
    const mutes = new MuteStore(redis())
    await mutes.mute({ scope: 'account', integration: 'hr', email: 'Bob@Example.com', by: 'U1', duration: 'forever' }, new Date())
    const restarted = new MuteStore(connect())
    expect(await restarted.matching('hr', 'bob@example.com')).toMatchObject({ scope: 'account', by: 'U1' })
    expect(await restarted.matching('hr', 'carol@example.com')).toBeNull()
    await mutes.mute({ scope: 'service', integration: 'hr', by: 'U2', duration: '1d' }, new Date())
    expect(await restarted.matching('hr', 'carol@example.com')).toMatchObject({ scope: 'service', by: 'U2' })
  })

  it('end by themselves when their time is up, and leave the list', async () => {
    const mutes = new MuteStore(redis())
    const past = new Date(Date.now() - 2 * 24 * 3600 * 1000)
    await mutes.mute({ scope: 'service', integration: 'wiki', by: 'U1', duration: '1d' }, past)
    expect(await mutes.matching('wiki', 'anyone@example.com')).toBeNull()
    expect((await mutes.list()).map((mute) => mute.integration)).not.toContain('wiki')
  })

  it('never come back as a bare counter when an alert is counted after the mute ended', async () => {
    const mutes = new MuteStore(redis())
    expect(await mutes.countSuppressed(muteId('service', 'gone'))).toBe(0)
    expect(await redis().exists(`dpb:mute:${muteId('service', 'gone')}`)).toBe(0)
  })
})

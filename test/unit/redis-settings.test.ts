import { describe, expect, it } from 'vitest'
import { judgeRedisSettings } from '../../src/store/redis-settings.js'

describe('judging the Redis settings', () => {
  it('accepts noeviction with an append-only file or RDB save points', () => {
    expect(judgeRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: true, save: '' })).toEqual([])
    expect(judgeRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: false, save: '3600 1' })).toEqual([])
  })

  it('names an evicting policy and a Redis that keeps nothing on disk', () => {
    expect(judgeRedisSettings({ maxmemoryPolicy: 'volatile-lru', appendonly: false, save: '' })).toEqual([
      { kind: 'evicts', policy: 'volatile-lru' },
      { kind: 'not-persistent' },
    ])
  })

  it('says what it could not check when CONFIG is refused (managed Redis), instead of guessing', () => {
    // INFO gave the policy and AOF off; RDB save points are only in CONFIG.
    expect(judgeRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: false })).toEqual([{ kind: 'unchecked', setting: 'persistence' }])
    expect(judgeRedisSettings({})).toEqual([
      { kind: 'unchecked', setting: 'maxmemory-policy' },
      { kind: 'unchecked', setting: 'persistence' },
    ])
  })
})

/**
 * How the bot reaches a managed Redis: REDIS_USERNAME/REDIS_PASSWORD (an ACL user kept out of the URL)
 * and REDIS_TLS_CA_FILE (the CA bundle a rediss:// server's certificate is checked against).
 */
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { configProblems, MINIMAL_ENV } from '../support/config-env.js'

const env = MINIMAL_ENV
const FILES: Record<string, string> = { '/etc/providers.yml': '[]', '/etc/redis/ca.pem': '-----BEGIN CERTIFICATE-----\n…' }
const load = (extra: Record<string, string>) =>
  loadConfig({ ...env, ...extra }, (path) => {
    const text = FILES[path]
    if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
    return text
  })

const problemsOf = (extra: Record<string, string>) => configProblems(() => load(extra))

describe('Redis connection settings', () => {
  it('reads the ACL user, its password and the CA bundle', () => {
    expect(
      load({ REDIS_URL: 'rediss://redis.internal:6380', REDIS_USERNAME: 'bot', REDIS_PASSWORD: 'pw', REDIS_TLS_CA_FILE: '/etc/redis/ca.pem' }).redisConnection,
    ).toEqual({
      username: 'bot',
      password: 'pw',
      tlsCa: FILES['/etc/redis/ca.pem'],
    })
    expect(load({}).redisConnection).toEqual({})
  })

  it('refuses a CA bundle for a plain redis:// URL rather than connect without TLS', () => {
    expect(problemsOf({ REDIS_URL: 'redis://redis.internal:6379', REDIS_TLS_CA_FILE: '/etc/redis/ca.pem' })).toEqual([
      'REDIS_TLS_CA_FILE: set, but REDIS_URL is not rediss://: use rediss://host:port to connect over TLS',
    ])
  })

  it('names a CA bundle it cannot read', () => {
    expect(problemsOf({ REDIS_URL: 'rediss://redis.internal:6380', REDIS_TLS_CA_FILE: '/etc/redis/missing.pem' })).toEqual([
      'REDIS_TLS_CA_FILE: cannot read /etc/redis/missing.pem (ENOENT)',
    ])
  })
})

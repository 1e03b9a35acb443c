import { afterEach, describe, expect, it } from 'vitest'
import { isRedisReachable, startRedisServer } from '../../local/redis-server.js'
import type { RedisServerHandle } from '../../local/redis-server.js'

describe('startRedisServer', () => {
  const started: RedisServerHandle[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()))
  })

  it('starts a server on a free local port that answers PING', async () => {
    const server = await startRedisServer()
    started.push(server)
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
    expect(await isRedisReachable(server.url, 1000)).toBe(true)
  })

  it('stops the server: it no longer answers', async () => {
    const server = await startRedisServer()
    await server.stop()
    expect(await isRedisReachable(server.url, 500)).toBe(false)
  })

  it('kill() ends it at once', async () => {
    const server = await startRedisServer()
    server.kill()
    await server.stop()
    expect(await isRedisReachable(server.url, 500)).toBe(false)
  })

  it('gives two servers different ports', async () => {
    const [a, b] = await Promise.all([startRedisServer(), startRedisServer()])
    started.push(a, b)
    expect(a.port).not.toBe(b.port)
    expect(await isRedisReachable(a.url)).toBe(true)
    expect(await isRedisReachable(b.url)).toBe(true)
  })

  it('says how to install redis-server when the binary is missing', async () => {
    await expect(startRedisServer({ binary: 'redis-server-that-does-not-exist' })).rejects.toThrow(
      /redis-server not found: install it with `apt-get install redis-server`, or set REDIS_URL/,
    )
  })

  it('reports the server output when it exits early', async () => {
    const server = await startRedisServer()
    started.push(server)
    // The port is taken, so the second one exits at once and says why.
    await expect(startRedisServer({ port: server.port })).rejects.toThrow(/exited early[\s\S]*(Address already in use|bind)/i)
  })
})

describe('isRedisReachable', () => {
  it('is false when nothing listens', async () => {
    expect(await isRedisReachable('redis://127.0.0.1:1', 300)).toBe(false)
  })
})

/**
 * Pacing one integration's requests across replicas: each request reserves the next
 * send time from Redis, 1/rate after the previous one, whichever connection asks.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServerHandle } from '../../src/sandbox/redis-server.js'
import { Pacer } from '../../src/store/pacer.js'

let server: RedisServerHandle
const connections: Redis[] = []
const connect = () => {
  const connection = new Redis(server.url)
  connections.push(connection)
  return connection
}
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  for (const connection of connections) connection.disconnect()
  await server.stop()
})

describe('Pacer', () => {
  it('spaces the requests of one integration 1/rate apart, even when two replicas ask at once', async () => {
    const [first, second] = [new Pacer(connect()), new Pacer(connect())]
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).reserve('hr', 20)))
    const sorted = [...waits].sort((a, b) => a - b)
    // 20 a second: one every 50 ms. Requests reserved within the same few ms wait 0, 50, 100 … 450 ms.
    sorted.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(i * 50 - 40))
    sorted.forEach((wait, i) => expect(wait).toBeLessThanOrEqual(i * 50))
  })

  it('keeps each integration to its own pace', async () => {
    const pacer = new Pacer(connect())
    await pacer.reserve('crm', 1)
    expect(await pacer.reserve('billing', 1)).toBe(0)
    expect(await pacer.reserve('crm', 1)).toBeGreaterThan(900)
  })

  it('makes a paced request wait for its turn', async () => {
    const pace = new Pacer(connect()).paceFor('wiki', 10)
    const started = Date.now()
    for (let i = 0; i < 4; i++) await pace()
    // The first goes at once, the next three 100 ms apart.
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
  })

  it('lets the request go at once, and says why, when Redis cannot be asked', async () => {
    const broken = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false })
    connections.push(broken)
    const problems: unknown[] = []
    const pace = new Pacer(broken, (error) => problems.push(error)).paceFor('hr', 1)
    await pace()
    await pace()
    expect(problems).toHaveLength(2)
  })
})

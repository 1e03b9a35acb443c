/**
 * A throwaway Redis for the tests of one file (or one describe): started before them, stopped after, with every
 * connection made through it closed then, so no test file repeats the setup or leaks a connection.
 */
import { Redis, type RedisOptions } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { startRedisServer, type RedisServerHandle } from '../../local/redis-server.js'

export interface TestRedis {
  /** The connection the tests share. */
  redis: () => Redis
  /** Another connection to the same server: another replica, or the bot after a restart. */
  connect: (options?: RedisOptions) => Redis
}

export function useRedis(): TestRedis {
  let server: RedisServerHandle | undefined
  let shared: Redis | undefined
  const connections: Redis[] = []
  const connect = (options: RedisOptions = {}): Redis => {
    const connection = new Redis(ready(server).url, options)
    connections.push(connection)
    return connection
  }
  beforeAll(async () => {
    server = await startRedisServer()
    shared = connect()
  })
  afterAll(async () => {
    for (const connection of connections) connection.disconnect()
    await server?.stop()
  })
  return { redis: () => ready(shared), connect }
}

function ready<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('useRedis: Redis starts in beforeAll; use it inside a hook or a test')
  return value
}

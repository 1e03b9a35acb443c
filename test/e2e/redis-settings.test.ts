/**
 * The Redis the bot runs on must keep what the bot keeps: an evicting Redis (BullMQ requires noeviction) stops
 * the bot at start with one line saying what to set; a Redis that keeps nothing on disk is warned about at every
 * start and on `/deprovision status`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { LOCAL, startLocalEnvironment } from '../../local/local-environment.js'
import { startRedisServer, type RedisServerHandle } from '../../local/redis-server.js'

const run = promisify(execFile)
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function redisWith(options: Parameters<typeof startRedisServer>[0]): Promise<RedisServerHandle> {
  const redis = await startRedisServer(options)
  cleanups.push(() => redis.stop())
  return redis
}

describe('an evicting Redis', () => {
  it('stops the bot at start with one line naming maxmemory-policy and noeviction', async () => {
    const redis = await redisWith({ maxmemoryPolicy: 'allkeys-lru' })
    const directory = mkdtempSync(join(tmpdir(), 'deprovision-bot-'))
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }))
    const providersFile = join(directory, 'providers.yml')
    writeFileSync(providersFile, '[]\n')
    const env = {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: LOCAL.botToken,
      SLACK_SIGNING_SECRET: LOCAL.signingSecret,
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      ALERT_CHANNEL_ID: LOCAL.channel,
      REDIS_URL: redis.url,
      ALERT_INGEST_TOKEN: LOCAL.ingestToken,
      PROVIDERS_FILE: providersFile,
      ACTORS: LOCAL.actor,
      // Never listened on: the check comes first.
      PORT: '1',
      LOG_LEVEL: 'silent',
    }
    const started = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, timeout: 30_000 })
    const failure = (await started.then(
      () => undefined,
      (error: unknown) => error,
    )) as { code?: number; stderr?: string } | undefined
    expect(failure?.code).toBe(1)
    expect(failure?.stderr?.trim().split('\n')).toEqual([
      expect.stringMatching(/^redis: maxmemory-policy is allkeys-lru: set it to noeviction \(BullMQ requires it/),
    ])
  }, 40_000)
})

describe('a Redis without persistence', () => {
  it('is warned about in the log at start and on /deprovision status', async () => {
    const redis = await redisWith({}) // the sandbox's Redis: save "" and appendonly no
    const lines: string[] = []
    const logger = createLogger('warn', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }))
    const env = await startLocalEnvironment({ redisUrl: redis.url, logger })
    cleanups.push(() => env.stop())

    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => /persistence/.test(entry.msg))
    expect(warnings).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/^redis: no persistence \(appendonly no and no save points\)/) }),
    ])

    await env.command('status')
    const answer = await env.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('healthy'))
    expect(JSON.stringify(answer.args)).toMatch(/\*Redis\*: no persistence .*set appendonly yes/)
  })

  it('is not warned about once Redis keeps an append-only file', async () => {
    const redis = await redisWith({ dataDir: mkdtempSync(join(tmpdir(), 'deprovision-redis-')) })
    const env = await startLocalEnvironment({ redisUrl: redis.url })
    cleanups.push(() => env.stop())
    await env.command('status')
    const answer = await env.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('healthy'))
    expect(JSON.stringify(answer.args)).not.toMatch(/Redis/)
  })
})

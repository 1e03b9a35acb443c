/**
 * A result Slack refuses on every attempt of its job (an outage of minutes) is not lost: durable timers
 * post it later, on the bot's controllable clock, exactly once and without asking the service again,
 * with growing delays; after the last one the bot gives up with a warning and an audit entry.
 */
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPORT_RETRY_DELAYS_MS } from '../../src/features/alerts/report.js'
import { TimerStore, type Timer } from '../../src/jobs/timers.js'
import { createLogger } from '../../src/logger.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage } from '../../local/slack-stand-in.js'
import { AuditLog } from '../../src/store/audit.js'
import { deleteHeldAtTheService, deletesOf, eventually, repliesMatching } from '../support/fault-replicas.js'

const RESULT = /^(✅|⚠️)/
const JOB_ATTEMPTS = 3
const MINUTE = 60_000

let clock = new Date('2026-11-22T10:00:00.000Z')
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms)
}

let env: LocalEnvironment
let redis: Redis
const logs: Array<Record<string, unknown>> = []

beforeAll(async () => {
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      for (const line of String(chunk)
        .split('\n')
        .filter((l) => l !== ''))
        logs.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  env = await startLocalEnvironment({
    users: ['ada', 'bob'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com` })),
    logger: createLogger('info', stream),
    now: () => clock,
    retry: { attempts: JOB_ATTEMPTS, baseDelayMs: 100, maxDelayMs: 300 },
    slackRetry: { retries: 0 },
  })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

const alertIdOf = (message: StoredMessage) => /Alert ID: (al_\w+)/.exec(JSON.stringify(message.blocks))![1]!
const current = (message: StoredMessage) => env.slack.message(LOCAL.channel, message.ts)!
const resultPosts = (message: StoredMessage) =>
  env.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === message.ts && RESULT.test(String(c.args.text)))
const logged = (alertId: string, msg: string) => logs.filter((line) => line.alertId === alertId && line.msg === msg)

/** The later reports armed for the alert, with when each is due. */
async function laterReports(alertId: string): Promise<Array<{ timer: Timer; due: Date }>> {
  return (await new TimerStore(redis).pending()).filter(({ timer }) => timer.kind === 'report-retry' && timer.alertId === alertId)
}

/** Waits until the `retry`-th later report of the alert is armed, and answers when it is due. */
async function armed(alertId: string, retry: number): Promise<Date> {
  let due: Date | undefined
  await eventually(`later report ${retry} is armed`, async () => {
    due = (await laterReports(alertId)).find(({ timer }) => timer.kind === 'report-retry' && timer.retry === retry)?.due
    return due !== undefined
  })
  return due!
}

describe('when Slack refuses a result on every attempt of its job', () => {
  it('reports it from a durable timer once Slack is back: one reply in the thread, the alert updated, one DELETE at the service', async () => {
    const message = await deleteHeldAtTheService(env, 'ada@example.com', 'u-ada', 300)
    const alertId = alertIdOf(message)
    // Every attempt of the job, then the first later try (5 minutes on), are refused.
    env.slack.failNext('chat.postMessage', { error: 'internal_error' }, JOB_ATTEMPTS + 1)

    expect(await armed(alertId, 1)).toEqual(new Date(clock.getTime() + 5 * MINUTE))
    expect(resultPosts(message)).toHaveLength(JOB_ATTEMPTS)
    expect(current(message).text).toMatch(/in progress/)

    advance(5 * MINUTE)
    await env.bot.sweepTimers()
    expect(await armed(alertId, 2)).toEqual(new Date(clock.getTime() + 15 * MINUTE))
    expect(resultPosts(message)).toHaveLength(JOB_ATTEMPTS + 1)

    // Slack is back by the second later try.
    advance(15 * MINUTE)
    await env.bot.sweepTimers()
    await env.threadReply(message, /ada@example\.com was deleted/)
    await eventually('the alert is updated', () => /Deleted\./.test(current(message).text))
    expect(repliesMatching(env, message, RESULT)).toHaveLength(1)
    expect(deletesOf(env, 'u-ada')).toHaveLength(1)
    expect(await laterReports(alertId)).toEqual([])

    // The same result due again (a replica's timer) posts nothing a second time.
    await new TimerStore(redis).schedule({ kind: 'report-retry', alertId, action: 'delete', attempt: 1, retry: 3 }, clock)
    await env.bot.sweepTimers()
    await eventually('the duplicate timer has run', () => logged(alertId, 'nothing to report: already reported, or the alert moved on').length === 1)
    expect(repliesMatching(env, message, RESULT)).toHaveLength(1)
    expect(resultPosts(message).filter((c) => (c.response as { ok?: boolean }).ok)).toHaveLength(1)
  })

  it('gives up after the last later try, with a warning and an audit entry, and arms no more', async () => {
    const message = await deleteHeldAtTheService(env, 'bob@example.com', 'u-bob', 300)
    const alertId = alertIdOf(message)
    env.slack.failNext('chat.postMessage', { error: 'internal_error' }, JOB_ATTEMPTS + REPORT_RETRY_DELAYS_MS.length)

    for (const [index, delayMs] of REPORT_RETRY_DELAYS_MS.entries()) {
      expect((await armed(alertId, index + 1)).getTime() - clock.getTime()).toBe(delayMs)
      advance(delayMs)
      await env.bot.sweepTimers()
    }
    await eventually(
      'the bot gives up',
      () => logged(alertId, 'gave up reporting the result: Slack refused it every time; the alert message still says in progress').length === 1,
    )
    expect(logged(alertId, 'gave up reporting the result: Slack refused it every time; the alert message still says in progress')[0]).toMatchObject({
      level: 40,
      action: 'delete',
      attempt: 1,
    })
    expect(await laterReports(alertId)).toEqual([])
    expect(resultPosts(message)).toHaveLength(JOB_ATTEMPTS + REPORT_RETRY_DELAYS_MS.length)
    expect(repliesMatching(env, message, RESULT)).toEqual([])
    expect(deletesOf(env, 'u-bob')).toHaveLength(1)
    const entries = await new AuditLog(redis).forAlert(alertId)
    expect(entries.filter((e) => e.event === 'result-unreported')).toEqual([
      expect.objectContaining({ event: 'result-unreported', action: 'delete', email: 'bob@example.com', actor: LOCAL.actor }),
    ])
  })
})

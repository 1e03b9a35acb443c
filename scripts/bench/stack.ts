/**
 * The processes of one benchmark part, and the moves the load generator makes: post
 * alerts, click Delete on them, submit their confirmations, run a slash command.
 * Every request is built and signed as Slack would send it before the clock starts.
 */
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import type { BotRole } from '../../src/config.js'
import { requestActionId } from '../../src/constants.js'
import { LOCAL } from '../../local/local-environment.js'
import {
  blockActionsPayload,
  interactionBody,
  newResponseUrl,
  newTriggerId,
  signedHeaders,
  slashCommandBody,
  viewSubmissionPayload,
} from '../../local/slack-signing.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { Child } from './ipc.js'
import { poll, sleep, sleepUntil, type ProcessStats } from './measure.js'
import { benchEmail, type BaselineInfo, type BotInfo, type BotSetup, type ServicesInfo, type ServicesOptions } from './protocol.js'

export interface Stack {
  services: Child<ServicesInfo>
  servicesInfo: ServicesInfo
  /** The process that answers HTTP: the whole bot, or its web side when `split`. */
  bot: Child<BotInfo>
  botUrl: string
  baseline?: Child<BaselineInfo>
  baselineInfo?: BaselineInfo
  /** Resets the probes of every process (before a measured phase). */
  reset(): Promise<void>
  /** Each process's cpu and event loop since the reset, by name. */
  stats(): Promise<Record<string, ProcessStats>>
  stop(): Promise<void>
}

/** Every child started, so a failure or the watchdog can stop them all. */
export const running = new Set<Child<unknown>>()

function start<Info>(name: string, file: string, args: unknown[], execArgv: string[] = []): Child<Info> {
  const child = new Child<Info>(
    name,
    new URL(file, import.meta.url),
    args.map((arg) => JSON.stringify(arg)),
    execArgv,
  )
  running.add(child)
  void child.exited.then(() => running.delete(child as Child<unknown>))
  return child
}

const inRole = (setup: BotSetup, role: BotRole): BotSetup => ({ ...setup, env: { ...setup.env, BOT_ROLE: role } })

/** `botSetup.split`: the bot as a web process ("bot") and a worker process ("worker"). */
export async function startStack(options: ServicesOptions, withBaseline: boolean, botSetup: BotSetup = {}): Promise<Stack> {
  const services = start<ServicesInfo>('services', './services.ts', [options])
  const servicesInfo = await services.ready
  // --expose-gc: the memory part measures resident memory after a full collection.
  const bot = start<BotInfo>(
    'bot',
    './bot.ts',
    [servicesInfo, botSetup.split ? inRole(botSetup, 'web') : botSetup],
    ['--expose-gc', ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [])],
  )
  const worker = botSetup.split ? start<BotInfo>('worker', './bot.ts', [servicesInfo, inRole(botSetup, 'worker')]) : undefined
  const baseline = withBaseline ? start<BaselineInfo>('baseline', './baseline.ts', [servicesInfo]) : undefined
  const [botInfo, baselineInfo] = await Promise.all([bot.ready, baseline?.ready, worker?.ready])
  const optional = (name: string, child: Child<unknown> | undefined): Array<[string, Child<unknown>]> => (child ? [[name, child]] : [])
  const children = (): Array<[string, Child<unknown>]> => [
    ['bot', bot],
    ...optional('worker', worker),
    ['services', services],
    ...optional('baseline', baseline),
  ]
  return {
    services,
    servicesInfo,
    bot,
    botUrl: botInfo.url,
    ...(baseline && baselineInfo ? { baseline, baselineInfo } : {}),
    reset: async () => {
      await Promise.all(children().map(([, child]) => child.call('reset')))
    },
    stats: async () => Object.fromEntries(await Promise.all(children().map(async ([name, child]) => [name, await child.call<ProcessStats>('stats')] as const))),
    // The bot first, while the services it drains into are still there.
    stop: async () => {
      await Promise.all([bot.stop(), worker?.stop(), baseline?.stop()])
      await services.stop()
    },
  }
}

export interface SignedRequest {
  body: string
  headers: Record<string, string>
}

const signed = (body: string): SignedRequest => ({ body, headers: signedHeaders(LOCAL.signingSecret, body) })

/** A Delete click on the alert's message, with a fresh trigger_id (returned, to find its views.open). */
export function clickDelete(message: StoredMessage, responseUrlBase: string): SignedRequest & { triggerId: string } {
  const triggerId = newTriggerId()
  const payload = blockActionsPayload({
    message,
    channel: LOCAL.channel,
    actionId: requestActionId('delete'),
    user: { id: LOCAL.actor },
    responseUrlBase,
    triggerId,
  })
  return { ...signed(interactionBody(payload)), triggerId }
}

export const submitView = (view: StoredView): SignedRequest => signed(interactionBody(viewSubmissionPayload({ view, user: { id: LOCAL.actor } })))

export function slashCommand(text: string, responseUrlBase: string): SignedRequest {
  return signed(
    slashCommandBody({
      command: '/deprovision',
      text,
      user_id: LOCAL.actor,
      user_name: 'sandbox.admin',
      channel_id: LOCAL.channel,
      response_url: newResponseUrl(responseUrlBase),
    }),
  )
}

export interface Answer {
  status: string
  /** From handing the request to undici to the end of the response body, ms. */
  ms: number
  /** When it was sent, on this process's clock (performance.now()). */
  sentAt: number
}

export async function sendTo(pool: Pool, path: string, request: SignedRequest | { body: string; headers: Record<string, string> }): Promise<Answer> {
  const sentAt = performance.now()
  let status: string
  try {
    const response = await pool.request({ path, method: 'POST', headers: request.headers, body: request.body, headersTimeout: 15_000, bodyTimeout: 15_000 })
    await response.body.text()
    status = String(response.statusCode)
  } catch (error) {
    status = error instanceof Error ? error.name : 'error'
  }
  return { status, ms: performance.now() - sentAt, sentAt }
}

export const slackPool = (url: string): Pool => new Pool(url, { connections: 8, pipelining: 1, keepAliveTimeout: 30_000 })

/** `count` requests at `perSecond` on a fixed schedule (open loop: a slow answer does not delay the next send). */
export async function paced<T>(count: number, perSecond: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const sends: Promise<T>[] = []
  const t0 = performance.now() + 10
  for (let i = 0; i < count; i += 1) {
    await sleepUntil(t0 + (i * 1000) / perSecond)
    sends.push(send(i))
  }
  return Promise.all(sends)
}

/** POST /alerts for each email from `concurrency` clients; the alert ids in the emails' order. */
export async function postAlerts(botUrl: string, emails: readonly string[], tag: string, concurrency = 10): Promise<string[]> {
  const pool = new Pool(botUrl, { connections: concurrency, pipelining: 1 })
  const ids: string[] = new Array<string>(emails.length)
  let next = 0
  const client = async (): Promise<void> => {
    while (next < emails.length) {
      const i = next
      next += 1
      const response = await pool.request({
        path: '/alerts',
        method: 'POST',
        headers: { authorization: `Bearer ${LOCAL.ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          integration: LOCAL.integrationId,
          email: emails[i],
          reason: 'Benchmark: departed employee still active',
          severity: 'high',
          dedupKey: `bench-${tag}-${i}`,
        }),
      })
      const body = (await response.body.json()) as { alertId?: string }
      if (response.statusCode !== 202 || !body.alertId) throw new Error(`POST /alerts answered ${response.statusCode}: ${JSON.stringify(body)}`)
      ids[i] = body.alertId
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => client()))
  await pool.close()
  return ids
}

export interface Prepared {
  alertIds: string[]
  messages: StoredMessage[]
  views: StoredView[]
}

/** Alerts for bench users `from`..`from + count - 1`, posted, each clicked (Delete) so that its confirmation modal is ready to submit. */
export async function prepareConfirmations(stack: Stack, from: number, count: number, tag: string): Promise<Prepared> {
  const emails = Array.from({ length: count }, (_, i) => benchEmail(from + i))
  const alertIds = await postAlerts(stack.botUrl, emails, tag)
  const messages = await poll(() => stack.services.call<StoredMessage[] | undefined>('messagesFor', { alertIds }), 120_000, 'the alert messages')
  return { alertIds, messages, views: await confirmationsOf(stack, alertIds, messages) }
}

const CLICK_ROUNDS = 3

/**
 * Clicks Delete on each alert and waits for its confirmation modal. Paced so that every modal opens
 * within its trigger_id's 3 s; on a machine too busy for that, the alerts left without one are clicked again.
 */
export async function confirmationsOf(stack: Stack, alertIds: readonly string[], messages: readonly StoredMessage[]): Promise<StoredView[]> {
  const pool = slackPool(stack.botUrl)
  let views: Array<StoredView | null> = alertIds.map(() => null)
  try {
    for (let round = 0; round < CLICK_ROUNDS && views.includes(null); round += 1) {
      const missing = views.flatMap((view, i) => (view === null ? [i] : []))
      await paced(missing.length, 100, (k) => sendTo(pool, '/slack/events', clickDelete(messages[missing[k]!]!, stack.servicesInfo.responseUrlBase)))
      const until = performance.now() + 20_000
      do {
        await sleep(200)
        views = await stack.services.call<Array<StoredView | null>>('confirmations', { alertIds })
      } while (views.includes(null) && performance.now() < until)
    }
  } finally {
    await pool.close()
  }
  if (views.includes(null)) throw new Error(`${views.filter((view) => view === null).length} confirmation modals never opened (machine too busy?)`)
  return views as StoredView[]
}

/**
 * Child process "services": everything the bot talks to, so their CPU is not the
 * bot's: a redis-server (its own child), the Slack stand-in and a SCIM sandbox seeded
 * with `users` accounts bench.0@example.com, bench.1@example.com, ... It timestamps
 * what arrives on the shared clock, so the parent can tell when the bot's call
 * reached Slack or the service.
 *
 * Argument: JSON ServicesOptions.
 */
import { subscribe } from 'node:diagnostics_channel'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Redis } from 'ioredis'
import { CONFIRM_CALLBACK_ID } from '../../src/constants.js'
import { parseModalContext } from '../../src/handlers/modal-context.js'
import { LOCAL } from '../../src/sandbox/local-environment.js'
import { startRedisServer } from '../../src/sandbox/redis-server.js'
import { startScimSandbox, type SeedUser } from '../../src/sandbox/scim-sandbox.js'
import type { RateLimit } from '../../src/sandbox/sandbox-kit.js'
import { startSlackStandIn, type RecordedCall, type StoredMessage, type StoredView } from '../../src/sandbox/slack-stand-in.js'
import { serve } from './ipc.js'
import { ProcessProbe, sharedClockMs } from './measure.js'
import { benchUserId, benchEmail, type PostingReport, type ScimExchange, type ServicesInfo, type ServicesOptions } from './protocol.js'

async function main(options: ServicesOptions): Promise<void> {
  const probe = new ProcessProbe()
  const redis = await startRedisServer()
  const slack = await startSlackStandIn({
    botToken: LOCAL.botToken,
    users: { [LOCAL.actor]: { email: 'sandbox.admin@example.com', name: 'sandbox.admin' } },
    ...(options.postsPerSecondPerChannel ? { postsPerSecondPerChannel: options.postsPerSecondPerChannel } : {}),
  })
  const seeds: SeedUser[] = Array.from({ length: options.users }, (_, i) => ({ id: benchUserId(i), userName: benchEmail(i) }))
  const scim = await startScimSandbox({ token: LOCAL.scimToken, users: seeds, ...(options.scimLatencyMs ? { latencyMs: options.scimLatencyMs } : {}) })
  const scimPort = new URL(scim.url).port

  // When each Slack call arrived: the stand-in records calls in arrival order, after reading the body.
  const callArrivals = new WeakMap<RecordedCall, number>()
  const push = slack.calls.push.bind(slack.calls)
  slack.calls.push = (...calls: RecordedCall[]): number => {
    for (const call of calls) callArrivals.set(call, sharedClockMs())
    return push(...calls)
  }

  // Every SCIM exchange, from Node's HTTP diagnostics (headers parsed -> response finished).
  let exchanges: ScimExchange[] = []
  const arrived = new WeakMap<IncomingMessage, number>()
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage }
    if (String(request.socket.localPort) === scimPort) arrived.set(request, sharedClockMs())
  })
  subscribe('http.server.response.finish', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse }
    const at = arrived.get(request)
    if (at === undefined) return
    exchanges.push({ method: request.method ?? '', path: new URL(request.url ?? '/', 'http://x').pathname.replace(/^\/scim\/v2/, ''), status: response.statusCode, arrivedMs: at })
  })

  const alertIdsIn = (message: StoredMessage): string[] => {
    const ids: string[] = []
    for (const block of message.blocks ?? []) {
      for (const element of (block.elements as Array<{ value?: unknown }> | undefined) ?? []) if (typeof element.value === 'string') ids.push(element.value)
    }
    return ids
  }
  const topLevel = (): StoredMessage[] => slack.messages(LOCAL.channel)

  const info: ServicesInfo = { redisUrl: redis.url, apiUrl: slack.apiUrl, responseUrlBase: slack.responseUrlBase, scimUrl: scim.url }
  serve(
    info,
    {
      reset: () => {
        probe.reset()
        exchanges = []
      },
      stats: () => probe.stats(),
      /** The posted message of each alert, or undefined while some are not posted yet. */
      messagesFor: ({ alertIds }: { alertIds: string[] }) => {
        const byId = new Map<string, StoredMessage>()
        for (const message of topLevel()) for (const id of alertIdsIn(message)) byId.set(id, message)
        const found = alertIds.map((id) => byId.get(id))
        return found.every((message) => message !== undefined) ? found : undefined
      },
      /** The filled-in confirmation modal of each alert, or undefined while some are still loading. */
      confirmations: ({ alertIds }: { alertIds: string[] }) => {
        const byId = new Map<string, StoredView>()
        for (const view of slack.views()) {
          const context = view.callback_id === CONFIRM_CALLBACK_ID && view.submit ? parseModalContext(view.private_metadata) : null
          if (context) byId.set(context.alertId, view)
        }
        const found = alertIds.map((id) => byId.get(id))
        return found.every((view) => view !== undefined) ? found : undefined
      },
      /** When the views.open carrying each trigger_id arrived (shared clock), or undefined while some have not. */
      viewsOpened: ({ triggerIds }: { triggerIds: string[] }) => {
        const byTrigger = new Map<string, number>()
        for (const call of slack.callsTo('views.open')) byTrigger.set(String(call.args.trigger_id), callArrivals.get(call) ?? Number.NaN)
        const found = triggerIds.map((id) => byTrigger.get(id))
        return found.every((at) => at !== undefined) ? found : undefined
      },
      scimExchanges: () => exchanges,
      setRateLimit: ({ limit }: { limit?: RateLimit }) => scim.setRateLimit(limit),
      scimUsersLeft: () => scim.users.size,
      slackCalls: () => {
        const counts: Record<string, Record<string, number>> = {}
        for (const call of slack.calls) {
          const status = String(call.status)
          const perMethod = (counts[call.method] ??= {})
          perMethod[status] = (perMethod[status] ?? 0) + 1
        }
        return counts
      },
      posting: (): PostingReport => {
        const posts = slack.callsTo('chat.postMessage').filter((call) => call.args.thread_ts === undefined)
        const ok = posts.filter((call) => call.status === 200)
        return {
          alertIds: topLevel().map((message) => alertIdsIn(message)[0] ?? ''),
          firstMs: callArrivals.get(ok[0]!) ?? Number.NaN,
          lastMs: callArrivals.get(ok[ok.length - 1]!) ?? Number.NaN,
          rateLimited: posts.filter((call) => call.status === 429).length,
        }
      },
      redisUsedMemory: async () => {
        const client = new Redis(redis.url, { lazyConnect: true })
        await client.connect()
        const memory = await client.info('memory')
        client.disconnect()
        return Number(/used_memory:(\d+)/.exec(memory)?.[1])
      },
    },
    async () => {
      await scim.stop()
      await slack.stop()
      await redis.stop()
    },
  )
}

await main(JSON.parse(process.argv[2] ?? '{}') as ServicesOptions)

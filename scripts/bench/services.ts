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
import { parseModalContext } from '../../src/features/alerts/listeners/modal-context.js'
import { LOCAL } from '../../local/local-environment.js'
import { startRedisServer } from '../../local/redis-server.js'
import { startScimSandbox, type SeedUser } from '../../local/scim-sandbox.js'
import type { RateLimit } from '../../local/sandbox-kit.js'
import { startSlackStandIn, type RecordedCall, type StoredView } from '../../local/slack-stand-in.js'
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

  // Slack calls are indexed as they arrive (with the shared clock), so polling never copies the stand-in's state.
  const posts = { alertIds: [] as string[], ts: new Map<string, string>(), arrivals: [] as number[], rateLimited: 0 }
  const opened = new Map<string, number>()
  const confirmationViews = new Map<string, string>()
  const push = slack.calls.push.bind(slack.calls)
  slack.calls.push = (...calls: RecordedCall[]): number => {
    for (const call of calls) indexCall(call, sharedClockMs())
    return push(...calls)
  }
  function indexCall(call: RecordedCall, at: number): void {
    const response = call.response as { ok?: boolean; ts?: string; view?: StoredView }
    if (call.method === 'chat.postMessage' && call.args.thread_ts === undefined) {
      if (call.status === 429) posts.rateLimited += 1
      const alertId = firstButtonValue(call.args.blocks)
      if (response.ok && response.ts && alertId !== undefined) {
        posts.alertIds.push(alertId)
        posts.ts.set(alertId, response.ts)
        posts.arrivals.push(at)
      }
    }
    if (call.method === 'views.open') opened.set(String(call.args.trigger_id), at)
    const view = response.view
    if (call.method === 'views.update' && response.ok && view?.callback_id === CONFIRM_CALLBACK_ID && view.submit) {
      const context = parseModalContext(view.private_metadata)
      if (context) confirmationViews.set(context.alertId, view.id)
    }
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
    exchanges.push({
      method: request.method ?? '',
      path: new URL(request.url ?? '/', 'http://x').pathname.replace(/^\/scim\/v2/, ''),
      status: response.statusCode,
      arrivedMs: at,
    })
  })

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
        if (!alertIds.every((id) => posts.ts.has(id))) return undefined
        return alertIds.map((id) => slack.message(LOCAL.channel, posts.ts.get(id)!))
      },
      /** The filled-in confirmation modal of each alert, null where there is none (yet). */
      confirmations: ({ alertIds }: { alertIds: string[] }) => {
        return alertIds.map((id) => (confirmationViews.has(id) ? slack.view(confirmationViews.get(id)!) : null))
      },
      /** When the views.open carrying each trigger_id arrived (shared clock), or undefined while some have not. */
      viewsOpened: ({ triggerIds }: { triggerIds: string[] }) => {
        const found = triggerIds.map((id) => opened.get(id))
        return found.every((at) => at !== undefined) ? found : undefined
      },
      postedCount: () => posts.alertIds.length,
      scimExchanges: () => exchanges,
      setRateLimit: ({ limit }: { limit?: RateLimit }) => scim.setRateLimit(limit),
      scimUsersLeft: () => scim.users.size,
      posting: (): PostingReport => ({
        alertIds: posts.alertIds,
        firstMs: posts.arrivals[0] ?? Number.NaN,
        lastMs: posts.arrivals[posts.arrivals.length - 1] ?? Number.NaN,
        rateLimited: posts.rateLimited,
      }),
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

/** An alert message's first button carries the alert id. */
function firstButtonValue(blocks: unknown): string | undefined {
  for (const block of Array.isArray(blocks) ? (blocks as Array<{ elements?: Array<{ value?: unknown }> }>) : []) {
    for (const element of block.elements ?? []) if (typeof element.value === 'string') return element.value
  }
  return undefined
}

await main(JSON.parse(process.argv[2] ?? '{}') as ServicesOptions)

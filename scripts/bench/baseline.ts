/**
 * Child process "baseline": what each of the bot's figures is compared with, in the
 * same run, on the same services.
 *
 * - A bare Bolt app that only acks every action, view submission and command.
 * - A plain node:http endpoint for POST /alerts that parses the JSON and answers 202.
 * - The work of a click and of a confirmation as direct function calls, with no HTTP,
 *   Bolt, claim or queue in front: read the alert and open the modal; read the alert,
 *   look up the actor's email and run the provider action. Each returns when it
 *   started (shared clock); the parent subtracts that from the call's arrival.
 *
 * Argument: JSON ServicesInfo.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { App } from '@slack/bolt'
import { WebClient } from '@slack/web-api'
import { ActorEmails } from '../../src/slack/actors.js'
import { createLogger } from '../../src/logger.js'
import { executeFor } from '../../src/providers/run.js'
import { ProviderRegistry } from '../../src/providers/registry.js'
import { LOCAL } from '../../local/local-environment.js'
import { AlertStore } from '../../src/store/alerts.js'
import { connectStore } from '../../src/store/redis.js'
import { loadingModal } from '../../src/features/alerts/views/modals.js'
import { benchConfig } from './config.js'
import { serve } from './ipc.js'
import { ProcessProbe, sharedClockMs } from './measure.js'
import type { BaselineInfo, ServicesInfo } from './protocol.js'

async function startBareBolt(apiUrl: string): Promise<{ app: App; url: string }> {
  const app = new App({ token: LOCAL.botToken, signingSecret: LOCAL.signingSecret, clientOptions: { slackApiUrl: apiUrl } })
  app.action(/.*/, async ({ ack }) => {
    await ack()
  })
  app.view(/.*/, async ({ ack }) => {
    await ack()
  })
  app.command(/.*/, async ({ ack }) => {
    await ack()
  })
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server
  return { app, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** Reads the body, parses the JSON, answers 202 like the bot does; stores nothing. */
async function startIngestBaseline(): Promise<Server> {
  let seq = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { dedupKey?: string }
      const text = JSON.stringify({ alertId: `baseline-${(seq += 1)}-${report.dedupKey ?? ''}`, status: 'posted' })
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return server
}

async function main(services: ServicesInfo): Promise<void> {
  const probe = new ProcessProbe()
  const config = benchConfig(services)
  const redis = connectStore(services.redisUrl)
  const alerts = new AlertStore(redis)
  const slack = new WebClient(LOCAL.botToken, { slackApiUrl: services.apiUrl })
  const actorEmails = new ActorEmails(slack, redis, createLogger('silent'))
  const providers = ProviderRegistry.fromConfig(config.integrations, { timeoutMs: 15_000 })
  const bolt = await startBareBolt(services.apiUrl)
  const ingest = await startIngestBaseline()

  const alertOf = async (alertId: string) => {
    const alert = await alerts.get(alertId)
    if (!alert) throw new Error(`no alert ${alertId}`)
    return alert
  }

  serve(
    { boltUrl: bolt.url, ingestUrl: `http://127.0.0.1:${(ingest.address() as AddressInfo).port}` } satisfies BaselineInfo,
    {
      reset: () => probe.reset(),
      stats: () => probe.stats(),
      openModal: async ({ alertId, triggerId }: { alertId: string; triggerId: string }) => {
        const started = sharedClockMs()
        const alert = await alertOf(alertId)
        await slack.views.open({ trigger_id: triggerId, view: loadingModal({ alertId, action: 'delete' }, alert) })
        return started
      },
      deleteAccount: async ({ alertId }: { alertId: string }) => {
        const started = sharedClockMs()
        const alert = await alertOf(alertId)
        const provider = providers.get(alert.integration)
        if (!provider) throw new Error(`no provider ${alert.integration}`)
        const outcome = await executeFor(provider, alert, 'delete', {}, providers.guardContext(alert.integration, await actorEmails.of(LOCAL.actor)))
        if (outcome.kind !== 'done') throw new Error(`direct delete: ${JSON.stringify(outcome)}`)
        return started
      },
    },
    async () => {
      await bolt.app.stop()
      await new Promise<void>((resolve) => ingest.close(() => resolve()))
      redis.disconnect()
    },
  )
}

await main(JSON.parse(process.argv[2] ?? '{}') as ServicesInfo)

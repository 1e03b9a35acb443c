/**
 * Child process "bot": the real bot (Bolt HTTP receiver, POST /alerts, its BullMQ
 * workers) configured as a user would, talking to the "services" process. Nothing
 * else runs here, so its CPU and memory are the bot's own. It runs in the role its
 * BOT_ROLE says, as src/main.ts would: a split stack starts it twice, web and worker.
 *
 * Arguments: JSON ServicesInfo, then a JSON BotSetup (may be {}).
 */
import { createLogger } from '../../src/logger.js'
import { ROLE_OPTIONS, startRuntime } from '../../src/runtime.js'
import { benchConfig } from './config.js'
import { serve } from './ipc.js'
import { ProcessProbe, residentMiB } from './measure.js'
import type { BotInfo, BotSetup, ServicesInfo } from './protocol.js'

async function main(services: ServicesInfo, setup: BotSetup): Promise<void> {
  const probe = new ProcessProbe()
  const config = benchConfig(services, setup)
  const runtime = await startRuntime(config, { ...ROLE_OPTIONS[config.role], logger: createLogger('silent'), host: '127.0.0.1', stopGraceMs: 2_000 })
  serve({ url: runtime.url } satisfies BotInfo, { reset: () => probe.reset(), stats: () => probe.stats(), memory: () => residentMiB() }, () => runtime.stop())
}

await main(JSON.parse(process.argv[2] ?? '{}') as ServicesInfo, JSON.parse(process.argv[3] ?? '{}') as BotSetup)

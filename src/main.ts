/**
 * Entry point: validate the configuration, start the bot, stop cleanly on SIGTERM/SIGINT
 * (stop taking requests, let in-flight jobs finish or hand them back, close Redis).
 */
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { exitOnSignals, startRuntime } from './runtime.js'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) console.error(`config: ${problem}`)
    process.exit(1)
  }
  const logger = createLogger(config.logLevel)
  exitOnSignals(await startRuntime(config, { logger }), logger)
}

main().catch((error: unknown) => {
  console.error('deprovision-bot failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})

/**
 * Entry point: validate the configuration, start the bot in its role (BOT_ROLE: all, web
 * or worker), stop cleanly on SIGTERM/SIGINT (stop taking requests, let in-flight jobs
 * finish or hand them back, close Redis).
 */
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { exitOnSignals, ROLE_OPTIONS, startRuntime } from './runtime.js'

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
  exitOnSignals(await startRuntime(config, { logger, ...ROLE_OPTIONS[config.role] }), logger)
}

main().catch((error: unknown) => {
  console.error('deprovision-bot failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})

/**
 * Entry point: validate the configuration, start the bot in its role (BOT_ROLE: all, web
 * or worker), stop cleanly on SIGTERM/SIGINT (stop taking requests, let in-flight jobs
 * finish or hand them back, close Redis).
 */
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { exitOnSignals, ROLE_OPTIONS, startRuntime } from './runtime.js'
import { RedisSettingsError } from './store/redis-settings.js'

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
  // The routes file is read as the runtime starts: its problems read like every other configuration problem.
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`config: ${problem}`)
    process.exit(1)
  }
  // A Redis setting the bot cannot run on is the operator's to fix: one line, like a config problem.
  if (error instanceof RedisSettingsError) {
    console.error(`redis: ${error.message}`)
    process.exit(1)
  }
  console.error('deprovision-bot failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})

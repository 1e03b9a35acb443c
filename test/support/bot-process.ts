/**
 * The bot in a process of its own, for tests that must see whether a request kills it
 * (a crash inside the test worker would take the whole test run down with it).
 * Starts the local environment on the Redis named by the first argument, prints
 * `{"url": "<bot url>"}` on one line, and stops cleanly on SIGTERM.
 *
 *   node --import tsx test/support/bot-process.ts redis://127.0.0.1:6390
 */
import { startLocalEnvironment } from '../../local/local-environment.js'

const redisUrl = process.argv[2]
if (!redisUrl) {
  console.error('usage: bot-process.ts <redis-url>')
  process.exit(2)
}

const env = await startLocalEnvironment({ redisUrl })
process.stdout.write(`${JSON.stringify({ url: env.bot.url })}\n`)
process.on('SIGTERM', () => {
  void env.stop().finally(() => process.exit(0))
})

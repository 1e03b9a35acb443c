import { LogLevel, type Logger as BoltLogger } from '@slack/bolt'
import type { Logger } from '../logger.js'

/** Bolt (and any Slack WebClient) logs through pino, so its lines are structured and redacted like ours. */
export function boltLogger(logger: Logger, component = 'bolt'): BoltLogger {
  const child = logger.child({ component })
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]) => {
      const [first, ...rest] = messages
      if (first instanceof Error) child[level]({ err: first }, rest.map(String).join(' '))
      else child[level](messages.map((message) => (typeof message === 'string' ? message : JSON.stringify(message))).join(' '))
    }
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  }
}

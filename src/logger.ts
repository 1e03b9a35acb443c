/**
 * Structured logs (pino). Secrets are redacted by key wherever they appear, so a
 * config object, an HTTP header map or a provider error can be logged without
 * leaking a token. Tests assert the redaction (test/unit/logger.test.ts).
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino'

const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'apiKey',
  'accessKeySecret',
  'password',
  'secret',
  'authorization',
  'Authorization',
  'alertIngestToken',
  'ALERT_INGEST_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'AUDIT_WEBHOOK_SECRET',
]

/** Each key at the top level and up to three levels deep (headers.authorization, config.slack.botToken, ...). */
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`])

export function createLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'deprovision-bot',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  )
}

export type { Logger }

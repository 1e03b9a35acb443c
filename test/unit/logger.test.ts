import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'

function capture() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { logger: createLogger('info', stream), text: () => lines.join('') }
}

describe('logs', () => {
  it('never contain tokens, API keys or secrets, at any depth', () => {
    const { logger, text } = capture()
    logger.info(
      {
        alertId: 'al_abc',
        action: 'delete',
        config: { slack: { botToken: 'xoxb-SECRET-1', signingSecret: 'SECRET-2' }, integrations: [{ token: 'SECRET-3' }] },
        headers: { authorization: 'Bearer SECRET-4' },
        apiKey: 'SECRET-5',
        provider: { accessKeySecret: 'SECRET-6' },
      },
      'something happened',
    )
    const output = text()
    expect(output).not.toMatch(/SECRET/)
    expect(output).toContain('"alertId":"al_abc"')
    expect(output).toContain('"action":"delete"')
    expect(output).toContain('[redacted]')
  })
})

/** The moves the per-service e2e tests make on an alert: raise it, open an action's confirmation, wait for the alert to change. */
import { expect } from 'vitest'
import type { Action } from '../../src/providers/types.js'
import { LOCAL, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'

/** The actions the alert's buttons offer, in order. */
export const alertButtons = (message: StoredMessage): Array<string | undefined> =>
  [...JSON.stringify(message.blocks).matchAll(/"action_id":"alert_action:([\w-]+)"/g)].map((match) => match[1])

/** `env` is read at each call, so a file can start its environment in beforeAll and still build the steps at the top. */
export function alertSteps(env: () => LocalEnvironment, integration: string) {
  const current = (message: StoredMessage) => env().slack.message(LOCAL.channel, message.ts)!
  return {
    current,
    raise: async (email: string): Promise<StoredMessage> => {
      const accepted = await env().postAlert({ integration, email, reason: 'Left the company' })
      expect(accepted.status).toBe(202)
      return env().alertMessage(String(accepted.body.alertId))
    },
    /** Clicks the action's button and gives the confirmation modal once the service was asked. */
    open: async (message: StoredMessage, action: Action): Promise<StoredView> => {
      const since = env().slack.calls.length
      await env().click(message, action)
      return env().confirmation(since)
    },
    alertUpdated: async (message: StoredMessage, pattern: RegExp): Promise<StoredMessage> => {
      await env().slack.waitFor('chat.update', (c) => c.args.ts === message.ts && pattern.test(String(c.args.text)))
      return current(message)
    },
  }
}

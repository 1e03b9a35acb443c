/**
 * Cancel and Run now on a scheduled offboarding's checklist when the bot's store is down: the person who
 * pressed is told it may not have happened and what to do, instead of hearing nothing.
 */
import { describe, expect, it } from 'vitest'
import { cancelScheduledRun, runScheduledNow } from '../../src/features/offboarding/listeners/scheduled-run.js'
import type { OffboardingDeps } from '../../src/features/offboarding/deps.js'
import { createLogger } from '../../src/logger.js'

const ACTOR = 'U0123ABCD'
const storeDown = new Proxy({}, { get: () => () => Promise.reject(new Error('Connection is closed.')) })

function press(listener: (deps: OffboardingDeps) => (args: never) => Promise<void>): Promise<string[]> {
  const told: string[] = []
  const deps = { actors: new Set([ACTOR]), logger: createLogger('silent'), offboard: storeDown, timers: storeDown, audit: storeDown, queues: storeDown }
  const args = {
    ack: async () => undefined,
    body: { user: { id: ACTOR } },
    action: { value: 'ob_1' },
    client: {},
    respond: async (message: { text: string }) => void told.push(message.text),
  }
  return listener(deps as unknown as OffboardingDeps)(args as never).then(() => told)
}

describe('the scheduled checklist’s buttons while the store is down', () => {
  it('Cancel says the offboarding may not be cancelled and to press again', async () => {
    expect(await press(cancelScheduledRun)).toEqual([expect.stringMatching(/may not be cancelled\. Press Cancel again/)])
  })

  it('Run now says it may not have started, and that it otherwise starts at its time', async () => {
    expect(await press(runScheduledNow)).toEqual([expect.stringMatching(/may not have started\. Press Run now again.*starts at its time/)])
  })
})

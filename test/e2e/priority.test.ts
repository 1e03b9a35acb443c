/**
 * Time-critical work goes first: a Cancel deletion (racing the deletion's final date)
 * queued behind a bulk of deletions on the same integration reaches the service before them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { SeedAccount } from '../../local/atlassian-sandbox.js'
import type { StoredMessage } from '../../local/slack-stand-in.js'
import type { Action } from '../../src/providers/types.js'

const BULK = 200
const bulk: SeedAccount[] = Array.from({ length: BULK }, (_, i) => ({ accountId: `aa-bulk-${i}`, email: `bulk.${i}@example.com` }))
const ACCOUNTS: SeedAccount[] = [{ accountId: 'aa-zoe', email: 'zoe@example.com', name: 'Zoe Mistaken' }, ...bulk]

let env: LocalEnvironment
beforeAll(async () => {
  // The web replica runs no jobs: work queues up until a worker replica starts.
  env = await startLocalEnvironment({ atlassian: { accounts: ACCOUNTS }, workers: false })
})
afterAll(async () => {
  await env?.stop()
})

async function confirm(message: StoredMessage, action: Action): Promise<void> {
  const since = env.slack.calls.length
  await env.click(message, action)
  await env.submit(await env.confirmation(since))
}

async function raise(email: string): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration: LOCAL.atlassianId, email, reason: 'Left the company' })
  return env.alertMessage(String(accepted.body.alertId))
}

describe('a Cancel deletion queued behind a bulk of deletions on the same integration', () => {
  it(`reaches the service before the ${BULK} deletions queued ahead of it`, async () => {
    // A first worker posts the alerts and schedules Zoe's deletion, then stops.
    const first = await env.startWorker()
    const zoe = await raise('zoe@example.com')
    const messages: StoredMessage[] = []
    for (const account of bulk) messages.push(await raise(account.email))
    await confirm(zoe, 'delete')
    await env.threadReply(zoe, /scheduled/i)
    await first.stop()

    // The bulk is queued first, the Cancel deletion last.
    for (const message of messages) await confirm(message, 'delete')
    await confirm(zoe, 'cancel-delete')

    const before = env.atlassian!.requests.length
    await env.startWorker()
    expect((await env.threadReply(zoe, /cancelled|failed/i, 30_000)).text).toMatch(/cancelled/i)
    const sent = env.atlassian!.requests.slice(before)
    const cancelAt = sent.findIndex((r) => r.path.endsWith('/lifecycle/cancel-delete'))
    const deletionsBefore = sent.slice(0, cancelAt).filter((r) => r.path.endsWith('/lifecycle/delete'))
    // At most the few deletions the worker took up alongside it (its concurrency), not the whole bulk.
    expect(cancelAt).toBeGreaterThanOrEqual(0)
    expect(deletionsBefore.length).toBeLessThan(5)
  }, 240_000)
})

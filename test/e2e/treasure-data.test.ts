/**
 * Treasure Data through the real Bolt app: delete only (no suspend API), the API
 * keys said plainly in the modal and the result, the role rules refused before any
 * write call, and an expired key answered with the re-integrate reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { alertButtons } from '../support/alert-steps.js'
import type { TreasureDataSeedUser } from '../../local/treasure-data-sandbox.js'

const USERS: TreasureDataSeedUser[] = [
  { email: 'olivia.owner@example.com', role: 'owner' },
  { email: 'adam.admin@example.com', role: 'administrator' },
  { email: 'ada.admin@example.com', role: 'administrator' },
  { email: 'rob.retired@example.com' },
  { email: 'rita.restricted@example.com' },
  { email: 'rex.restricted@example.com' },
]

const text = (view: StoredView | StoredMessage) => JSON.stringify(view.blocks)

async function openModal(env: LocalEnvironment, email: string): Promise<{ message: StoredMessage; view: StoredView }> {
  const accepted = await env.postAlert({ integration: LOCAL.treasureDataId, email, reason: 'Departed employee' })
  expect(accepted.status).toBe(202)
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return { message, view: await env.confirmation(since) }
}

describe('Treasure Data, the bot holding the account owner’s key', () => {
  let env: LocalEnvironment
  beforeAll(async () => {
    env = await startLocalEnvironment({ treasureData: { users: USERS }, retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 } })
  })
  afterAll(async () => {
    await env?.stop()
  })

  it('offers only Delete: the service has no suspend API', async () => {
    const accepted = await env.postAlert({ integration: LOCAL.treasureDataId, email: 'rex.restricted@example.com', reason: 'Unknown account' })
    const message = await env.alertMessage(String(accepted.body.alertId))
    expect(alertButtons(message)).toEqual(['delete'])
  })

  it('says the API keys go with the user, then deletes them and says so in the thread', async () => {
    const { message, view } = await openModal(env, 'rob.retired@example.com')
    expect(view.submit).toBeDefined()
    expect(text(view)).toMatch(/API key/)
    expect(text(view)).toMatch(/fails at once/)
    expect(text(view)).toMatch(/only .*in the .*console|console/i)

    await env.submit(view)
    const reply = await env.threadReply(message, /was deleted/)
    expect(reply.text).toMatch(/2 API keys were deleted with them/)
    expect(env.treasureData!.findUser('rob.retired@example.com')).toBeUndefined()
    expect(env.treasureData!.requests.filter((r) => r.method === 'POST' && r.path.includes('/v3/user/remove/'))).toHaveLength(1)
  })

  it('refuses to delete the account owner, before any write call', async () => {
    const { view } = await openModal(env, 'olivia.owner@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/owner/)
    expect(env.treasureData!.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('gives the re-integrate reply when the key has expired', async () => {
    env.treasureData!.failNext({ pathIncludes: '/v3/user/show' }, { status: 401, body: { error: 'Unauthorized', message: 'Authentication failed' } })
    const { view } = await openModal(env, 'rita.restricted@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/incorrect or have expired/)
    expect(text(view)).toMatch(/[Rr]e-integrate|re-link|new key/)
  })
})

describe('Treasure Data, the bot holding an administrator’s key', () => {
  let env: LocalEnvironment
  beforeAll(async () => {
    env = await startLocalEnvironment({ treasureData: { users: USERS, keyOf: 'adam.admin@example.com' } })
  })
  afterAll(async () => {
    await env?.stop()
  })

  it('refuses to delete another administrator, naming the role that can', async () => {
    const { view } = await openModal(env, 'ada.admin@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/only the account owner can delete an administrator/)
    expect(env.treasureData!.findUser('ada.admin@example.com')).toBeDefined()
  })

  it('refuses to delete the user whose key the bot uses', async () => {
    const { view } = await openModal(env, 'adam.admin@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/re-link|integration/i)
  })

  it('refuses to delete the account owner: nobody may', async () => {
    const { view } = await openModal(env, 'olivia.owner@example.com')
    expect(view.submit).toBeUndefined()
    expect(env.treasureData!.findUser('olivia.owner@example.com')).toBeDefined()
  })

  it('deletes a restricted user', async () => {
    const { message, view } = await openModal(env, 'rita.restricted@example.com')
    await env.submit(view)
    await env.threadReply(message, /was deleted/)
    expect(env.treasureData!.findUser('rita.restricted@example.com')).toBeUndefined()
    expect(env.treasureData!.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })
})

describe('Treasure Data, the bot holding a restricted user’s key', () => {
  let env: LocalEnvironment
  beforeAll(async () => {
    env = await startLocalEnvironment({ treasureData: { users: USERS, keyOf: 'rex.restricted@example.com' } })
  })
  afterAll(async () => {
    await env?.stop()
  })

  it('refuses every delete, saying an owner’s or administrator’s key is needed, before any write call', async () => {
    const { view } = await openModal(env, 'rita.restricted@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/only the account owner or an administrator can delete a user/)
    expect(env.treasureData!.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  })
})

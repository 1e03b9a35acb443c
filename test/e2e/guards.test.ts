/**
 * The refusals that make Delete safe to click, through the real Bolt app: your own
 * account, the account that owns the integration, the last admin, and a service
 * configured to offer nothing. Each is decided before any write call: the SCIM
 * service sees no PATCH or DELETE, and the refusal is in the audit log.
 */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment, type LocalEnvironmentOptions } from '../../local/local-environment.js'
import type { SeedUser } from '../../local/scim-sandbox.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { AuditLog } from '../../src/store/audit.js'

const USERS: SeedUser[] = [
  { id: 'u-me', userName: 'sandbox.admin@example.com', displayName: 'The actor' },
  { id: 'u-owner', userName: 'integration.owner@example.com', roles: ['user'] },
  { id: 'u-alice', userName: 'alice@example.com', roles: ['admin'] },
  { id: 'u-bob', userName: 'bob@example.com', roles: ['user'] },
]

let env: LocalEnvironment | undefined
afterEach(async () => {
  await env?.stop()
  env = undefined
})

async function start(options: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  env = await startLocalEnvironment({ users: USERS, ...options })
  return env
}

const text = (item: StoredView | StoredMessage) => JSON.stringify(item.blocks)
const writes = (current: LocalEnvironment) => current.scim.requests.filter((r) => r.method !== 'GET')

async function open(current: LocalEnvironment, email: string, action: 'delete' | 'suspend' = 'delete') {
  const accepted = await current.postAlert({ integration: LOCAL.integrationId, email, reason: 'Check' })
  const alertId = String(accepted.body.alertId)
  const message = await current.alertMessage(alertId)
  const since = current.slack.calls.length
  await current.click(message, action)
  return { alertId, message, view: await current.confirmation(since) }
}

async function refusals(current: LocalEnvironment, alertId: string) {
  const redis = new Redis(current.redisUrl)
  try {
    return (await new AuditLog(redis).forAlert(alertId)).filter((entry) => entry.event === 'action-refused')
  } finally {
    redis.disconnect()
  }
}

describe('guards', () => {
  it('refuse the actor’s own account, matched by their Slack email', async () => {
    const current = await start()
    const { alertId, view } = await open(current, 'sandbox.admin@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/your own/)
    expect(writes(current)).toEqual([])
    expect(await refusals(current, alertId)).toEqual([expect.objectContaining({ detail: expect.stringMatching(/actor's own/) })])
  })

  it('refuse the account that owns the integration’s credentials, naming it and saying to re-link first', async () => {
    const current = await start({ scimEntry: { integrationOwner: 'integration.owner@example.com' } })
    const { alertId, view } = await open(current, 'integration.owner@example.com', 'suspend')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toContain('integration.owner@example.com')
    expect(text(view)).toMatch(/re-link/)
    expect(writes(current)).toEqual([])
    expect(await refusals(current, alertId)).toHaveLength(1)
  })

  it('refuse the last admin, counted from the service’s own list, and allow it once there is another', async () => {
    const current = await start()
    const { view } = await open(current, 'alice@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/last admin/)
    expect(text(view)).toMatch(/Invite another admin/)
    expect(writes(current)).toEqual([])

    current.scim.addUser({ id: 'u-carol', userName: 'carol@example.com', roles: ['admin'] })
    const again = await open(current, 'alice@example.com')
    expect(again.view.submit).toBeDefined()
    await current.submit(again.view)
    await current.threadReply(again.message, /was deleted/)
    expect(writes(current).map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /Users/u-alice'])
  })

  it('say when the service cannot tell who its admins are, instead of guessing', async () => {
    const current = await start({ users: [{ id: 'u-dan', userName: 'dan@example.com' }] })
    const { view } = await open(current, 'dan@example.com')
    expect(view.submit).toBeDefined()
    expect(text(view)).toMatch(/cannot check that this is not the last admin/)
  })

  it('show "The delete function is not yet supported." and no buttons where an integration offers no action', async () => {
    const current = await start({ scimEntry: { actions: [], adminConsoleUrl: 'https://acme.example/admin/users' } })
    const accepted = await current.postAlert({ integration: LOCAL.integrationId, email: 'bob@example.com', reason: 'Check' })
    const message = await current.alertMessage(String(accepted.body.alertId))
    expect(message.text).toContain('bob@example.com')
    expect(text(message)).toContain('The delete function is not yet supported.')
    expect(text(message)).toContain('https://acme.example/admin/users')
    expect(text(message)).not.toContain('alert_action:')
  })

  it('also hold when the job runs: an account that became the last admin after the modal is not deleted', async () => {
    const current = await start({ users: [...USERS, { id: 'u-carol', userName: 'carol@example.com', roles: ['admin'] }] })
    const { message, view } = await open(current, 'alice@example.com')
    expect(view.submit).toBeDefined()
    current.scim.users.delete('u-carol')
    await current.submit(view)
    const reply = await current.threadReply(message, /failed/)
    expect(text(reply)).toMatch(/last admin/)
    expect(writes(current)).toEqual([])
  })
})

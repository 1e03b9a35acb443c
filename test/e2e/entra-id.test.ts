/**
 * Microsoft Entra ID through the real Bolt app: suspend with session revocation, the soft
 * delete restorable for 30 days (Cancel deletion restores the user; the reminder and the
 * final state on a controllable clock), and the refusals Entra's rules call for, each
 * shown in the modal before anyone confirms: the last Global Administrator, an admin the
 * app has no directory role to change, and the account that owns the integration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROLE_TEMPLATES } from '../../src/providers/entra-id/adapter.js'
import type { EntraSeedUser } from '../../local/entra-id-sandbox.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { alertButtons, alertSteps } from '../support/alert-steps.js'

const DAY = 24 * 3600 * 1000
let clock = new Date('2026-11-22T10:00:00.000Z')
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms)
}

const USERS: EntraSeedUser[] = [
  { id: 'a0000000-0000-0000-0000-0000000000aa', userPrincipalName: 'ada@example.com', displayName: 'Ada Admin', roles: ['globalAdministrator'] },
  { id: 'b0000000-0000-0000-0000-0000000000bb', userPrincipalName: 'bob@example.com', displayName: 'Bob Builder' },
  { id: 'c0000000-0000-0000-0000-0000000000cc', userPrincipalName: 'cleo@example.com', displayName: 'Cleo Cancelled' },
  { id: 'd0000000-0000-0000-0000-0000000000dd', userPrincipalName: 'dina@example.com', displayName: 'Dina Disabled' },
  { id: 'e0000000-0000-0000-0000-0000000000ee', userPrincipalName: 'uma@example.com', displayName: 'Uma User-Admin', roles: ['userAdministrator'] },
  { id: 'f0000000-0000-0000-0000-0000000000ff', userPrincipalName: 'owen@example.com', displayName: 'Owen Owner' },
  { id: '90000000-0000-0000-0000-000000000099', userPrincipalName: 'rita@example.com', displayName: 'Rita Restored' },
]

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment({
    entraId: { users: USERS, entry: { integrationOwner: 'owen@example.com' } },
    now: () => clock,
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
  })
})
afterAll(async () => {
  await env?.stop()
})

const text = (item: StoredView | StoredMessage) => JSON.stringify(item.blocks)
const { raise, open, alertUpdated, current } = alertSteps(() => env, LOCAL.entraId)
const graphWrites = () => env.entraId!.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/token'))

describe('Entra ID suspend', () => {
  it('blocks sign-in and revokes the sessions, then offers Reactivate, which allows sign-in again', async () => {
    const message = await raise('dina@example.com')
    const view = await open(message, 'suspend')
    expect(text(view)).toMatch(/revokeSignInSessions/)
    await env.submit(view)
    await env.threadReply(message, /was suspended/)
    expect(env.entraId!.user('d0000000-0000-0000-0000-0000000000dd')).toMatchObject({ accountEnabled: false, sessionsRevoked: 1 })
    expect(alertButtons(await alertUpdated(message, /Suspended/))).toEqual(['delete', 'restore'])

    await env.submit(await open(message, 'restore'))
    await env.threadReply(message, /was reactivated/)
    expect(env.entraId!.user('d0000000-0000-0000-0000-0000000000dd')?.accountEnabled).toBe(true)
  })
})

describe('Entra ID delete', () => {
  it('is restorable for 30 days: the thread gives the final date and the alert offers Cancel deletion', async () => {
    const message = await raise('bob@example.com')
    const view = await open(message, 'delete')
    expect(text(view)).toMatch(/30 days/)
    expect(text(view)).toMatch(/Cancel deletion, which restores the user/)
    await env.submit(view)

    const reply = await env.threadReply(message, /scheduled for deletion/)
    const final = new Date(clock.getTime() + 30 * DAY)
    expect(reply.text).toContain(`<!date^${Math.floor(final.getTime() / 1000)}^`)
    expect(env.entraId!.user('b0000000-0000-0000-0000-0000000000bb')?.deletedDateTime).toBe(clock.toISOString())
    expect(alertButtons(await alertUpdated(message, /scheduled/))).toEqual(['cancel-delete'])
  })

  it('Cancel deletion restores the user from deleted items: they can sign in again', async () => {
    const message = await raise('cleo@example.com')
    await env.submit(await open(message, 'delete'))
    await env.threadReply(message, /scheduled for deletion/)
    await alertUpdated(message, /scheduled/)

    const view = await open(message, 'cancel-delete')
    expect(text(view)).toMatch(/restored from deleted items/)
    await env.submit(view)
    const reply = await env.threadReply(message, /restored/)
    expect(reply.text).toMatch(/group memberships, licences and app assignments/)
    expect(env.entraId!.user('c0000000-0000-0000-0000-0000000000cc')).toMatchObject({ deletedDateTime: null, userPrincipalName: 'cleo@example.com' })
    expect(graphWrites().at(-1)?.path).toBe('/v1.0/directory/deletedItems/c0000000-0000-0000-0000-0000000000cc/restore')
    expect(alertButtons(await alertUpdated(message, /Restored/))).toEqual(['delete', 'suspend'])
  })

  it('reminds the thread four days before the end, then records the deletion as final once Microsoft has purged the user', async () => {
    const bob = env.slack.messages(LOCAL.channel).find((m) => m.text.includes('bob@example.com'))!
    advance(26 * DAY + 60_000)
    expect(await env.bot.sweepTimers()).toBe(1)
    const reminder = await env.threadReply(bob, /becomes final/)
    expect(text(reminder)).toContain('alert_action:cancel-delete')

    advance(4 * DAY)
    expect(await env.bot.sweepTimers()).toBe(1)
    await env.threadReply(bob, /is final/)
    expect(env.entraId!.user('b0000000-0000-0000-0000-0000000000bb')).toBeUndefined()
    expect(alertButtons(await alertUpdated(bob, /Deleted/))).toEqual([])
  })
})

describe('Entra ID delete, restored in the admin center', () => {
  it('at the final date the alert is open again, since Entra shows the user active', async () => {
    const message = await raise('rita@example.com')
    await env.submit(await open(message, 'delete'))
    await env.threadReply(message, /scheduled for deletion/)
    await alertUpdated(message, /scheduled/)
    // Someone restores Rita in the Entra admin center (Deleted users > Restore), not through the bot.
    const rita = env.entraId!.user('90000000-0000-0000-0000-000000000099')!
    rita.deletedDateTime = null
    rita.userPrincipalName = 'rita@example.com'

    advance(30 * DAY + 60_000)
    expect(await env.bot.sweepTimers()).toBe(2)
    const since = env.slack.calls.length
    await env.threadReply(message, /did not become final/)
    await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && env.slack.calls.indexOf(c) >= since)
    expect(alertButtons(current(message))).toEqual(['delete', 'suspend'])
  })
})

describe('Entra ID refusals, shown before confirming', () => {
  it('refuses the last Global Administrator, though another kind of admin remains', async () => {
    env.entraId!.appRoles.add(ROLE_TEMPLATES.privilegedAuthenticationAdministrator)
    try {
      const before = graphWrites().length
      const view = await open(await raise('ada@example.com'), 'delete')
      expect(view.submit).toBeUndefined()
      expect(text(view)).toMatch(/last admin/)
      expect(graphWrites().length).toBe(before)
    } finally {
      env.entraId!.appRoles.clear()
    }
  })

  it('says the app needs a directory role to delete an admin, instead of failing after confirmation', async () => {
    const before = graphWrites().length
    const view = await open(await raise('uma@example.com'), 'delete')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/User Administrator/)
    expect(text(view)).toMatch(/Privileged Authentication Administrator/)
    expect(graphWrites().length).toBe(before)
  })

  it('refuses the account configured as the integration owner, naming it', async () => {
    const before = graphWrites().length
    const view = await open(await raise('owen@example.com'), 'suspend')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toContain('owen@example.com')
    expect(text(view)).toMatch(/re-link/)
    expect(graphWrites().length).toBe(before)
  })
})

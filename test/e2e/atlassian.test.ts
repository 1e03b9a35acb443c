/**
 * Atlassian managed accounts through the real Bolt app: deactivate and reactivate,
 * delete scheduled for 14 days with Cancel deletion, the reminder and the final
 * state on a controllable clock, and the refusals the service's rules call for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { SeedAccount } from '../../local/atlassian-sandbox.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { alertButtons, alertSteps } from '../support/alert-steps.js'

const DAY = 24 * 3600 * 1000
let clock = new Date('2026-11-22T10:00:00.000Z')
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms)
}

const ACCOUNTS: SeedAccount[] = [
  { accountId: 'aa-bob', email: 'bob@example.com', name: 'Bob Builder', products: ['jira-software', 'confluence'] },
  { accountId: 'aa-cleo', email: 'cleo@example.com', name: 'Cleo Cancelled' },
  { accountId: 'aa-dina', email: 'dina@example.com', name: 'Dina Deactivated' },
  { accountId: 'aa-erin', email: 'erin@freemail.example', name: 'Erin External', claimStatus: 'unmanaged' },
  { accountId: 'aa-finn', email: 'finn@example.com', name: 'Finn Federated', restrictions: { 'lifecycle.delete': 'externalDirectory.scim' } },
  { accountId: 'aa-gus', email: 'gus@example.com', name: 'Gus Billing' },
]

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment({ atlassian: { accounts: ACCOUNTS }, now: () => clock, retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 } })
})
afterAll(async () => {
  await env?.stop()
})

const text = (item: StoredView | StoredMessage) => JSON.stringify(item.blocks)
const { raise, open, alertUpdated } = alertSteps(() => env, LOCAL.atlassianId)

describe('Atlassian suspend', () => {
  it('deactivates, says roles and groups are kept, then offers Reactivate, which restores the account', async () => {
    const message = await raise('dina@example.com')
    const view = await open(message, 'suspend')
    expect(text(view)).toMatch(/roles, group memberships and personal data are kept/i)
    expect(text(view)).toMatch(/re-created|identity provider/i)
    await env.submit(view)
    await env.threadReply(message, /was suspended/)
    expect(env.atlassian!.account('aa-dina')?.state).toBe('deactivated')
    expect(alertButtons(await alertUpdated(message, /Suspended/))).toEqual(['delete', 'restore'])

    await env.submit(await open(message, 'restore'))
    await env.threadReply(message, /was reactivated/)
    expect(env.atlassian!.account('aa-dina')?.state).toBe('active')
  })
})

describe('Atlassian delete', () => {
  it('is scheduled for 14 days: the thread gives the final date and the alert offers Cancel deletion', async () => {
    const message = await raise('bob@example.com')
    const view = await open(message, 'delete')
    expect(text(view)).toMatch(/14 days/)
    expect(text(view)).toMatch(/30 days/)
    expect(text(view)).toMatch(/jira-software|Jira/i)
    await env.submit(view)

    const reply = await env.threadReply(message, /scheduled for deletion/)
    const final = new Date(clock.getTime() + 14 * DAY)
    expect(reply.text).toContain(`<!date^${Math.floor(final.getTime() / 1000)}^`)
    expect(env.atlassian!.account('aa-bob')?.state).toBe('pending-deletion')
    expect(alertButtons(await alertUpdated(message, /scheduled/))).toEqual(['cancel-delete'])
  })

  it('can be cancelled within the 14 days: the account is active again and billed again', async () => {
    const message = await raise('cleo@example.com')
    await env.submit(await open(message, 'delete'))
    await env.threadReply(message, /scheduled for deletion/)
    await alertUpdated(message, /scheduled/)

    await env.submit(await open(message, 'cancel-delete'))
    const reply = await env.threadReply(message, /restored/)
    expect(reply.text).toMatch(/can use Atlassian services again/)
    expect(reply.text).toMatch(/billed/)
    expect(env.atlassian!.account('aa-cleo')?.state).toBe('active')
    expect(alertButtons(await alertUpdated(message, /Restored/))).toEqual(['delete', 'suspend'])

    // Its timers are gone: nothing reminds or finalizes a cancelled deletion.
    const timers = await env.bot.sweepTimers()
    expect(timers).toBe(0)
  })

  it('reminds the thread four days before the end, then records the deletion as final', async () => {
    const bob = env.slack.messages(LOCAL.channel).find((m) => m.text.includes('bob@example.com'))!
    advance(10 * DAY + 60_000)
    expect(await env.bot.sweepTimers()).toBe(1)
    const reminder = await env.threadReply(bob, /becomes final/)
    expect(text(reminder)).toContain('alert_action:cancel-delete')

    advance(4 * DAY)
    expect(await env.bot.sweepTimers()).toBe(1)
    await env.threadReply(bob, /is final/)
    const alert = await alertUpdated(bob, /Deleted/)
    expect(alertButtons(alert)).toEqual([])
  })
})

describe('Atlassian refusals', () => {
  it('explains that an unmanaged account cannot be deleted through the API, and what to do instead', async () => {
    const view = await open(await raise('erin@freemail.example'), 'delete')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/not a managed account/)
    expect(text(view)).toMatch(/Remove/)
    expect(env.atlassian!.requests.filter((r) => r.path.includes('aa-erin/manage/lifecycle'))).toEqual([])
  })

  it('shows the service’s own reason when it does not allow the deletion', async () => {
    const view = await open(await raise('finn@example.com'), 'delete')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/SCIM|identity provider/)
  })

  it('turns a 409 "not eligible" into a clear reply', async () => {
    env.atlassian!.setLifecycleErrors('aa-gus', 'delete', [{ code: 'LAST_BILLING_ADMIN', message: 'User is last billing admin of a transaction account' }])
    const message = await raise('gus@example.com')
    await env.submit(await open(message, 'delete'))
    const reply = await env.threadReply(message, /failed/)
    expect(text(reply)).toMatch(/not eligible/)
    expect(text(reply)).toMatch(/last billing admin/)
    expect(env.atlassian!.account('aa-gus')?.state).toBe('active')
  })

  it('gives the re-integrate reply when the API key has expired', async () => {
    env.atlassian!.failNext({}, { status: 401 })
    const view = await open(await raise('gus@example.com'), 'suspend')
    expect(text(view)).toMatch(/incorrect or have expired/)
  })
})

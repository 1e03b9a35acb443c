/**
 * Qlik Cloud through the real Bolt app: what the user owns is listed in the modal,
 * a new owner is chosen in a searchable select, every asset is reassigned before
 * the delete (and a failed reassignment leaves the user in place), a pending
 * invitation is deleted as such, and the bot's own admin is never deleted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { newOwnerSuggestions } from '../support/new-owner-suggestions.js'

let env: LocalEnvironment
beforeEach(async () => {
  env = await startLocalEnvironment({ qlik: {}, retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 } })
})
afterEach(async () => {
  await env?.stop()
})

const text = (item: StoredView | StoredMessage) => JSON.stringify(item.blocks)

async function openDelete(email: string): Promise<{ message: StoredMessage; view: StoredView }> {
  const accepted = await env.postAlert({ integration: LOCAL.qlikId, email, reason: 'Left the company' })
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return { message, view: await env.confirmation(since) }
}

const suggestions = (view: StoredView, typed: string) => newOwnerSuggestions(env, view, typed)

describe('Qlik Cloud delete', () => {
  it('lists what the user owns, asks for a new owner, reassigns everything, then deletes the user', async () => {
    const { message, view } = await openDelete('bob@example.com')
    expect(text(view)).toMatch(/Finance/)
    expect(text(view)).toMatch(/Budget 2025/)
    expect(text(view)).toMatch(/API keys/)
    expect(text(view)).toContain('"block_id":"question:new-owner"')

    const options = await suggestions(view, 'car')
    expect(options.map((o) => o.value)).toContain('u-carol')
    expect(options.map((o) => o.value)).not.toContain('u-bob')

    await env.submit(view, undefined, { 'new-owner': 'u-carol' })
    const reply = await env.threadReply(message, /was deleted/)
    expect(reply.text).toMatch(/reassigned to Carol/)
    expect(env.qlik!.users.has('u-bob')).toBe(false)
    const carol = env.qlik!.ownedBy('u-carol')
    expect(carol.spaces).toEqual(expect.arrayContaining(['sp-finance', 'sp-sales']))
    expect(carol.apps).toContain('app-budget')
    expect(carol.dataConnections).toEqual(expect.arrayContaining(['dc-snowflake', 'dc-personal']))
  })

  it('leaves the user in place, and says which assets are left, when a reassignment fails', async () => {
    env.qlik!.failReassignment('app', 'app-budget')
    const { message, view } = await openDelete('bob@example.com')
    await env.submit(view, undefined, { 'new-owner': 'u-carol' })
    const reply = await env.threadReply(message, /failed/)
    expect(text(reply)).toMatch(/was not deleted/)
    expect(text(reply)).toMatch(/Budget 2025/)
    expect(env.qlik!.users.has('u-bob')).toBe(true)
  })

  it('deletes a pending invitation and says so', async () => {
    const { message, view } = await openDelete('erin@example.com')
    expect(text(view)).toMatch(/invitation/i)
    await env.submit(view)
    const reply = await env.threadReply(message, /was deleted/)
    expect(reply.text).toMatch(/pending invitation was deleted/)
    expect(env.qlik!.users.has('u-erin')).toBe(false)
  })

  it('explains a 404 from a listing as that listing failing, not as the account being gone, and offers no submit', async () => {
    env.qlik!.failNext({ method: 'GET', pathIncludes: '/reload-tasks' }, { status: 404 })

    const { view } = await openDelete('bob@example.com')

    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/list of reload schedules/)
    expect(text(view)).not.toMatch(/no longer exists|treats this as done/)
    expect(env.qlik!.users.has('u-bob')).toBe(true)
  })

  it('never deletes the admin whose API key the bot uses', async () => {
    const { view } = await openDelete('ada.admin@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/integration/)
    expect(env.qlik!.users.has('u-admin')).toBe(true)
  })
})

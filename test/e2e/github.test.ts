/**
 * A GitHub organisation through the real Bolt app: Delete only; the modal says how the
 * person was matched (SAML identity, verified-domain email, the alert's login), which
 * teams they leave and that their personal account stays theirs; a pending invitation is
 * cancelled; an outside collaborator is removed as one; the token's own user and the
 * last owner are refused before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { alertButtons } from '../support/alert-steps.js'

const text = (view: StoredView | StoredMessage) => JSON.stringify(view.blocks)
const removals = (env: LocalEnvironment) => env.github!.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)

async function openDelete(env: LocalEnvironment, email: string, accountId?: string): Promise<{ message: StoredMessage; view: StoredView }> {
  const accepted = await env.postAlert({ integration: LOCAL.githubId, email, reason: 'Left the company', ...(accountId ? { accountId } : {}) })
  expect(accepted.status).toBe(202)
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  return { message, view: await env.confirmation(since) }
}

describe('GitHub, the bot holding an owner’s token', () => {
  let env: LocalEnvironment
  beforeAll(async () => {
    env = await startLocalEnvironment({ github: {} })
  })
  afterAll(async () => {
    await env?.stop()
  })

  it('offers only Delete: an ordinary organisation cannot suspend a member', async () => {
    const accepted = await env.postAlert({ integration: LOCAL.githubId, email: 'carol@example.com', reason: 'Unknown account' })
    expect(alertButtons(await env.alertMessage(String(accepted.body.alertId)))).toEqual(['delete'])
  })

  it('matches by SAML identity, names the teams, removes the member and says their own account stays theirs', async () => {
    const { message, view } = await openDelete(env, 'bob@example.com')
    expect(text(view)).toMatch(/Matched by.*SAML SSO identity \(bob@example.com\)/)
    expect(text(view)).toMatch(/backend, on-call/)
    expect(text(view)).toMatch(/personal GitHub account stays theirs/)

    await env.submit(view)
    const reply = await env.threadReply(message, /removed from the acme organisation/)
    expect(reply.text).toMatch(/personal GitHub account stays theirs/)
    expect(removals(env)).toEqual(['/orgs/acme/members/bobthebuilder'])
  })

  it('matches by verified-domain email and says so', async () => {
    const { view } = await openDelete(env, 'carol@example.com')
    expect(text(view)).toMatch(/Matched by.*email on a domain acme verified/)
  })

  it("matches by the alert's login when GitHub shows no email, and asks to check it is the right person", async () => {
    const { message, view } = await openDelete(env, 'dmitri@example.com', 'dmitri-gh')
    expect(text(view)).toMatch(/Matched by.*login given as the alert's account ID/)
    expect(text(view)).toMatch(/Check it is the right person/)
    await env.submit(view)
    await env.threadReply(message, /@dmitri-gh was removed/)
    expect(env.github!.members.has('dmitri-gh')).toBe(false)
  })

  it('removes an outside collaborator as one', async () => {
    const { message, view } = await openDelete(env, 'vera@vendor.example', 'vera-vendor')
    expect(text(view)).toMatch(/outside collaborator/)
    await env.submit(view)
    await env.threadReply(message, /removed as an outside collaborator/)
    expect(removals(env)).toContain('/orgs/acme/outside_collaborators/vera-vendor')
  })

  it('cancels the invitation of a person who never joined, and the reply says so', async () => {
    const { message, view } = await openDelete(env, 'nina@example.com')
    expect(text(view)).toMatch(/pending invitation .* is cancelled/)
    await env.submit(view)
    await env.threadReply(message, /invitation to nina@example.com was cancelled; they had not joined/)
    expect(env.github!.invitations.has(4001)).toBe(false)
  })

  it('refuses to remove the user whose token the bot uses, before anything is sent', async () => {
    const before = removals(env).length
    const { view } = await openDelete(env, 'ada@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/owns the bot's GitHub integration/)
    expect(removals(env)).toHaveLength(before)
  })
})

describe('GitHub, the bot holding a GitHub App token, one owner left', () => {
  let env: LocalEnvironment
  beforeAll(async () => {
    env = await startLocalEnvironment({
      github: {
        tokenUser: null,
        members: [
          { login: 'solo-owner', role: 'admin', samlNameId: 'solo@example.com' },
          { login: 'bobthebuilder', samlNameId: 'bob@example.com' },
        ],
        invitations: [],
      },
    })
  })
  afterAll(async () => {
    await env?.stop()
  })

  it('refuses to remove the last owner, before anything is sent', async () => {
    const { view } = await openDelete(env, 'solo@example.com')
    expect(view.submit).toBeUndefined()
    expect(text(view)).toMatch(/last admin account in GitHub/)
    expect(removals(env)).toEqual([])
  })
})

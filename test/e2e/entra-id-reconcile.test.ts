/**
 * Reconciliation with Microsoft Entra ID, through the real Bolt app: as the identity
 * provider (a person disabled or deleted in Entra but still active elsewhere is departed)
 * and as a service (a last sign-in long ago is inactive).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { RecordedCall } from '../../local/slack-stand-in.js'

let env: LocalEnvironment | undefined
afterEach(async () => {
  await env?.stop()
  env = undefined
})

/** Runs `/deprovision scan` and waits for the run's summary in its thread. */
async function scan(current: LocalEnvironment): Promise<void> {
  const since = current.slack.calls.length
  await current.command('scan')
  const later = (call: RecordedCall) => current.slack.calls.indexOf(call) >= since
  const running = await current.slack.waitFor('chat.postMessage', (c) => later(c) && /Reconciliation running/.test(String(c.args.text)), 15_000)
  await current.slack.waitFor('chat.postMessage', (c) => later(c) && c.args.thread_ts === (running.response as { ts: string }).ts, 15_000)
}

const alertAbout = (current: LocalEnvironment, email: string, service: string) =>
  current.slack.waitFor('chat.postMessage', (c) => !c.args.thread_ts && String(c.args.text).includes(`${email} in ${service}`))

describe('Entra ID as the identity provider', () => {
  it('reports people disabled or deleted in Entra ID, still active in a service, as departed', async () => {
    env = await startLocalEnvironment({
      entraId: {
        identityProvider: true,
        users: [
          { userPrincipalName: 'ada@example.com', roles: ['globalAdministrator'] },
          { userPrincipalName: 'dave@example.com', accountEnabled: false },
          { userPrincipalName: 'erin@example.com', deletedDateTime: new Date(Date.now() - 86_400_000).toISOString() },
        ],
      },
      users: [
        { id: 'u-ada', userName: 'ada@example.com' },
        { id: 'u-dave', userName: 'dave@example.com' },
        { id: 'u-erin', userName: 'erin@example.com' },
      ],
    })
    await scan(env)
    const dave = await alertAbout(env, 'dave@example.com', LOCAL.integrationName)
    const erin = await alertAbout(env, 'erin@example.com', LOCAL.integrationName)
    expect(JSON.stringify(dave.args.blocks)).toMatch(/Departed: deactivated or suspended in Microsoft Entra ID/)
    // Deleted users are read from deleted items: departed at once, not unknown.
    expect(JSON.stringify(erin.args.blocks)).toMatch(/Departed: deactivated or suspended in Microsoft Entra ID/)
    const posted = env.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && String(c.args.text).includes('ada@example.com'))
    expect(posted).toEqual([])
  })
})

describe('Entra ID as a service', () => {
  it('reports a user whose last sign-in is long ago as inactive', async () => {
    env = await startLocalEnvironment({
      okta: {
        users: [
          { id: '00u-ada', login: 'ada@example.com', roles: ['SUPER_ADMIN'] },
          { id: '00u-bob', login: 'bob@example.com' },
          { id: '00u-cat', login: 'cat@example.com' },
        ],
      },
      entraId: {
        users: [
          { userPrincipalName: 'bob@example.com', lastSignIn: '2025-01-15T09:00:00Z' },
          { userPrincipalName: 'cat@example.com', lastSignIn: new Date().toISOString() },
        ],
      },
    })
    await scan(env)
    const bob = await alertAbout(env, 'bob@example.com', 'Microsoft Entra ID')
    expect(JSON.stringify(bob.args.blocks)).toMatch(/Inactive: no activity in Microsoft Entra ID .*last active 2025-01-15/)
    const cat = env.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && String(c.args.text).includes('cat@example.com in Microsoft Entra ID'))
    expect(cat).toEqual([])
  })
})

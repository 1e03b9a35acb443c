/**
 * Reconciliation through the real Bolt app and real Redis: `/deprovision scan` compares
 * every integration with Okta (the identity provider) and raises each finding as an
 * alert once (departed, unknown, inactive), counts a muted one without posting it,
 * edits an alert to resolved when a later run no longer finds its problem, keeps going
 * when one integration fails, and sums each run up in one message's thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MUTE_ACTION_ID } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { RecordedCall, StoredMessage } from '../../local/slack-stand-in.js'

const LONG_AGO = '2025-01-15T09:00:00.000Z'

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment({
    okta: {
      users: [
        { id: '00u-ada', login: 'ada@example.com', firstName: 'Ada', roles: ['SUPER_ADMIN'] },
        { id: '00u-bob', login: 'bob@example.com', firstName: 'Bob' },
        { id: '00u-dave', login: 'dave@example.com', firstName: 'Dave', status: 'DEPROVISIONED' }, // deactivated: Okta's plain list leaves him out
        { id: '00u-fay', login: 'fay@example.com', firstName: 'Fay', status: 'SUSPENDED' },
        { id: '00u-olivia', login: 'olivia.owner@example.com', firstName: 'Olivia' },
      ],
    },
    users: [
      { id: 'u-ada', userName: 'ada@example.com', displayName: 'Ada Admin' },
      { id: 'u-dave', userName: 'dave@example.com', displayName: 'Dave Departed' },
      { id: 'u-mallory', userName: 'mallory@example.com', displayName: 'Mallory Unknown' },
      { id: 'u-zed', userName: 'zed@example.com', displayName: 'Zed Muted' },
      { id: 'u-pat', userName: 'pat@partner.example', displayName: 'Pat Partner' },
      { id: 'u-fay', userName: 'fay@example.com', displayName: 'Fay Former', active: false },
    ],
    atlassian: {
      accounts: [
        { accountId: 'aa-ada', email: 'ada@example.com', name: 'Ada Admin', lastActive: new Date().toISOString() },
        { accountId: 'aa-bob', email: 'bob@example.com', name: 'Bob Builder', lastActive: LONG_AGO },
      ],
    },
    treasureData: { users: [{ id: 1, email: 'olivia.owner@example.com', role: 'owner' }] },
    env: { RECONCILE_EXTERNAL_DOMAINS: 'partner.example' },
  })
})
afterAll(async () => {
  await env?.stop()
})

const blocksOf = (call: RecordedCall) => JSON.stringify(call.args.blocks ?? [])

/** Every alert the bot posted to the channel, from detectors or reconciliation. */
const alertPosts = () => env.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && /account alert/.test(String(c.args.text)))

/** The alert posted about `email` in `service`, once the bot has posted it. */
const alertAbout = (email: string, service: string) =>
  env.slack.waitFor('chat.postMessage', (c) => !c.args.thread_ts && String(c.args.text).includes(`${email} in ${service}`))

/** Runs `/deprovision <text>` and waits for the run's summary in the thread of its message. */
async function scan(text = 'scan'): Promise<{ ack: string; summary: string; headline: string }> {
  const since = env.slack.calls.length
  const response = await env.command(text)
  const later = (call: RecordedCall) => env.slack.calls.indexOf(call) >= since
  const running = await env.slack.waitFor('chat.postMessage', (c) => later(c) && /Reconciliation running/.test(String(c.args.text)), 15_000)
  const ts = (running.response as { ts: string }).ts
  const reply = await env.slack.waitFor('chat.postMessage', (c) => later(c) && c.args.thread_ts === ts, 15_000)
  const headline = await env.slack.waitFor('chat.update', (c) => later(c) && c.args.ts === ts, 15_000)
  return { ack: response.body, summary: blocksOf(reply), headline: String(headline.args.text) }
}

/** Alerts are posted by a queue of their own: give it time to post anything it still would. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 300))

let first: Awaited<ReturnType<typeof scan>>
let daveAlert: StoredMessage

describe('/deprovision scan', () => {
  it('raises each kind of finding once as an alert, and counts a muted account without posting it', async () => {
    // Zed's account in Acme HR was muted from an earlier alert.
    const earlier = await env.postAlert({
      integration: LOCAL.integrationId,
      email: 'zed@example.com',
      reason: 'Flagged by a detector',
      dedupKey: 'detector:zed',
    })
    const earlierMessage = await env.alertMessage(String(earlier.body.alertId))
    await env.select(earlierMessage, MUTE_ACTION_ID, `${String(earlier.body.alertId)}|account|forever`)
    await env.slack.waitFor('chat.update', (c) => c.args.ts === earlierMessage.ts && /Muted/.test(blocksOf(c)))
    // Treasure Data refuses the listing once: that integration fails, the others go on.
    env.treasureData!.failNext({ method: 'GET', pathIncludes: '/v3/user/list' }, { status: 403 })

    first = await scan()

    expect(first.ack).toMatch(/Reconciliation of every integration started/)
    const departed = await alertAbout('dave@example.com', 'Acme HR (SCIM)')
    expect(String(departed.args.text)).toMatch(/High account alert: dave@example.com in Acme HR \(SCIM\): Departed: deactivated or suspended in Okta/)
    expect(String((await alertAbout('mallory@example.com', 'Acme HR (SCIM)')).args.text)).toMatch(
      /Unknown account: active in Acme HR \(SCIM\), but nobody in Okta has this address/,
    )
    expect(String((await alertAbout('bob@example.com', 'Atlassian')).args.text)).toMatch(
      /Inactive: no activity in Atlassian for \d+ days \(last active 2025-01-15\); the limit is 45 days/,
    )
    // An expected partner, a suspended account, the muted account and an active colleague raise nothing.
    await settled()
    expect(
      alertPosts()
        .map((call) => String(call.args.text).split(':')[1]?.trim())
        .sort(),
    ).toEqual([
      'bob@example.com in Atlassian',
      'dave@example.com in Acme HR (SCIM)',
      'mallory@example.com in Acme HR (SCIM)',
      'zed@example.com in Acme HR (SCIM)',
    ])

    expect(first.summary).toMatch(/\*departed\*: 1 \(1 new\)/)
    expect(first.summary).toMatch(/\*unknown\*: 2 \(1 new, 1 muted\)/)
    expect(first.summary).toMatch(/\*inactive\*: 1 \(1 new\)/)
    expect(first.summary).toMatch(/Acme HR \(SCIM\)\*: 6 accounts listed, 5 active compared/)
    expect(first.summary).toMatch(/Treasure Data\*: could not be compared .*permission denied \(HTTP 403\)/)
    expect(first.headline).toMatch(/Reconciliation finished in .*: 3 new alerts, 0 resolved, 1 muted, 1 integration failed/)

    await env.command('mutes')
    const list = await env.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('zed@example.com'))
    expect(JSON.stringify(list.args)).toMatch(/1 alert kept back/)
    daveAlert = env.slack.message(LOCAL.channel, (departed.response as { ts: string }).ts)!
  })

  it('raises nothing new on the next run while the alerts are open', async () => {
    const before = alertPosts().length
    const second = await scan()
    await settled()
    expect(alertPosts()).toHaveLength(before)
    expect(second.summary).toMatch(/\*departed\*: 1 \(0 new, 1 already open\)/)
    expect(second.summary).toMatch(/Treasure Data\*: 1 account listed/)
    expect(second.headline).toMatch(/0 new alerts, 0 resolved, 1 muted\./)
  })

  it('edits an alert to resolved, with when, once a run no longer finds its problem', async () => {
    // Dave's account was deactivated in Acme HR by someone else.
    env.scim.users.get('u-dave')!.active = false

    const third = await scan()

    expect(third.summary).toMatch(/\*resolved\* \(no longer found\): 1/)
    const edited = await env.slack.waitFor('chat.update', (c) => c.args.ts === daveAlert.ts && /Resolved/.test(blocksOf(c)))
    expect(blocksOf(edited)).toMatch(/Resolved <!date\^\d+\^.*a later reconciliation no longer found this problem in Acme HR \(SCIM\)/)
    expect(blocksOf(edited)).not.toContain(`"action_id":"${MUTE_ACTION_ID}"`)
    expect(String(edited.args.text)).toMatch(/Resolved: no longer found/)
  })

  it('raises a new alert when a resolved problem comes back', async () => {
    env.scim.users.get('u-dave')!.active = true
    const aboutDave = (c: RecordedCall) => !c.args.thread_ts && String(c.args.text).includes('dave@example.com in Acme HR')
    const before = env.slack.callsTo('chat.postMessage').filter(aboutDave).length
    const since = env.slack.calls.length

    const fourth = await scan()

    expect(fourth.summary).toMatch(/\*departed\*: 1 \(1 new\)/)
    const again = await env.slack.waitFor('chat.postMessage', (c) => aboutDave(c) && env.slack.calls.indexOf(c) >= since)
    expect(again.response).not.toMatchObject({ ts: daveAlert.ts })
    await settled()
    expect(env.slack.callsTo('chat.postMessage').filter(aboutDave)).toHaveLength(before + 1)
  })

  it("raises a finding even when a detector sent a dedupKey that looks like reconciliation's own", async () => {
    // Whoever holds the ingest token plants the key of Fay's finding on an alert about someone else.
    const planted = await env.postAlert({
      integration: LOCAL.integrationId,
      email: 'decoy@example.com',
      reason: 'Planted',
      dedupKey: 'reconcile:departed:fay@example.com',
    })
    expect(planted.body.status).toBe('posted')
    // Fay, suspended in Okta, is active again in Acme HR.
    env.scim.users.get('u-fay')!.active = true
    const since = env.slack.calls.length

    const run = await scan()

    expect(run.summary).toMatch(/\*departed\*: 2 \(1 new, 1 already open\)/)
    const fay = await env.slack.waitFor(
      'chat.postMessage',
      (c) => env.slack.calls.indexOf(c) >= since && !c.args.thread_ts && String(c.args.text).includes('fay@example.com in Acme HR'),
    )
    expect(String(fay.args.text)).toMatch(/Departed: deactivated or suspended in Okta/)
  })

  it('compares only the integration named, and says which ones exist when the name is unknown', async () => {
    const one = await scan('scan acme-atlassian')
    expect(one.ack).toMatch(/Reconciliation of \*Atlassian\* started/)
    expect(one.summary).toMatch(/Atlassian\*: 2 accounts listed/)
    expect(one.summary).not.toMatch(/Acme HR/)

    const unknown = await env.command('scan nope')
    expect(unknown.body).toMatch(/There is no integration “nope”\. Integrations that can be scanned: `acme-scim`, `acme-td`, `acme-atlassian`/)
    expect(JSON.parse(unknown.body)).toMatchObject({ response_type: 'ephemeral' })
    const idp = await env.command('scan acme-okta')
    expect(idp.body).toMatch(/`acme-okta` is the identity provider/)
    const outsider = await env.command('scan', { id: LOCAL.outsider })
    expect(outsider.body).toMatch(/Only the security team/)
  })

  it('compares nothing, and says why, when the identity provider cannot be read whole', async () => {
    const posts = alertPosts().length
    env.okta!.failNext({ method: 'GET', pathIncludes: '/api/v1/users' }, { status: 401 })

    const blind = await scan()

    expect(blind.headline).toMatch(/Reconciliation could not run: Okta could not be read: credentials rejected \(HTTP 401\)/)
    expect(blind.summary).toMatch(/Nothing was compared/)
    await settled()
    expect(alertPosts()).toHaveLength(posts)
  })
})

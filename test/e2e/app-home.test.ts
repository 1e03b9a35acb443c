/**
 * The App Home through the real Bolt app and real Redis: an actor's Home shows active
 * mutes (with Unmute), actions in progress, scheduled deletions with their final dates and
 * the latest audit entries; an outsider's explains the bot and names who to ask. The
 * Services screen lists every integration with its health and account count, and one
 * integration's accounts a page at a time (searchable, findings flagged); Delete from there
 * opens the same confirmation, runs through the same guards, and reports in the thread of
 * the account's alert: a new one, or the one already open for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  HOME_OPEN_SERVICE_ACTION_ID,
  HOME_UNMUTE_ACTION_ID,
  MUTE_ACTION_ID,
  homeAccountActionId,
  homePageActionId,
  homeTabActionId,
} from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { interactionBody, postToSlackApp, viewBlockActionsPayload } from '../../local/slack-signing.js'
import type { RecordedCall, StoredMessage, StoredView } from '../../local/slack-stand-in.js'

/** 130 more people in the SCIM service (and in Okta): two provider pages of 100, seven Home pages of 20. */
const CROWD = Array.from({ length: 130 }, (_, i) => {
  const n = String(i + 1).padStart(3, '0')
  return { email: `person-${n}@example.com`, name: `Pat ${i + 1}` }
})

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [
      { id: 'u-bob', userName: 'bob@example.com', displayName: 'Bob Builder' },
      { id: 'u-carol', userName: 'carol@example.com', displayName: 'Carol Contractor' },
      { id: 'u-dave', userName: 'dave@example.com', displayName: 'Dave Departed' },
      { id: 'u-erin', userName: 'erin@example.com', displayName: 'Erin Engineer' },
      { id: 'u-me', userName: 'sandbox.admin@example.com', displayName: 'Sandbox Admin', roles: ['admin'] },
      ...CROWD.map((person, i) => ({ id: `u-${i + 1}`, userName: person.email, displayName: person.name })),
    ],
    atlassian: { accounts: [{ accountId: 'aa-gus', email: 'gus@example.com', name: 'Gus Billing' }] },
    okta: {
      users: [
        // The bot's own Okta admin (its token's owner).
        { id: '00u-ada', login: 'ada@example.com', firstName: 'Ada', roles: ['SUPER_ADMIN'] },
        { id: '00u-bob', login: 'bob@example.com', firstName: 'Bob' },
        { id: '00u-carol', login: 'carol@example.com', firstName: 'Carol' },
        { id: '00u-dave', login: 'dave@example.com', firstName: 'Dave', status: 'SUSPENDED' },
        { id: '00u-erin', login: 'erin@example.com', firstName: 'Erin' },
        { id: '00u-gus', login: 'gus@example.com', firstName: 'Gus' },
        { id: '00u-me', login: 'sandbox.admin@example.com', firstName: 'Sandbox' },
        ...CROWD.map((person, i) => ({ id: `00u-${i + 1}`, login: person.email, firstName: person.name })),
      ],
    },
  })
})
afterAll(async () => {
  await env?.stop()
})

const text = (item: { blocks?: unknown }) => JSON.stringify(item.blocks ?? [])
const later = (since: number) => (call: RecordedCall) => env.slack.calls.indexOf(call) >= since

async function raise(integration: string, email: string): Promise<{ alertId: string; message: StoredMessage }> {
  const accepted = await env.postAlert({ integration, email, reason: 'Left the company' })
  expect(accepted.status).toBe(202)
  const alertId = String(accepted.body.alertId)
  return { alertId, message: await env.alertMessage(alertId) }
}

/** Clicks in the Home tab and answers the Home published after it. */
async function pressInHome(actionId: string, value?: string): Promise<StoredView> {
  const since = env.slack.calls.length
  await env.pressInHome(actionId, value === undefined ? {} : { value })
  return env.publishedHome(since)
}

async function searchInHome(query: string): Promise<StoredView> {
  const since = env.slack.calls.length
  await env.searchInHome(query)
  return env.publishedHome(since)
}

/** Services, then Acme HR's accounts: answers the first page. */
async function openAcmeAccounts(): Promise<StoredView> {
  await pressInHome(homeTabActionId('services'))
  return pressInHome(HOME_OPEN_SERVICE_ACTION_ID, LOCAL.integrationId)
}

/** The addresses listed on an account-list page, in order. */
const listed = (home: StoredView) => [...text(home).matchAll(/\*([\w.+-]+@[\w.-]+)\*/g)].map((m) => m[1])

describe('the App Home for people outside ACTORS', () => {
  it('says what the bot is and who to ask, and offers nothing to click', async () => {
    const home = await env.openHome({ id: LOCAL.outsider })
    expect(home.type).toBe('home')
    expect(text(home)).toMatch(/delete or suspend those accounts/)
    expect(text(home)).toContain(`<@${LOCAL.actor}>`)
    expect(text(home)).toContain(`<@${LOCAL.approver}>`)
    expect(text(home)).not.toMatch(/"type":"button"/)
    expect(text(home)).not.toMatch(/Active mutes|Scheduled deletions/)
  })
})

describe("an actor's App Home overview", () => {
  it('shows active mutes, an action in progress, a scheduled deletion with its final date, and the latest audit entries', async () => {
    // A mute on Carol's account in Acme HR.
    const carol = await raise(LOCAL.integrationId, 'carol@example.com')
    await env.select(carol.message, MUTE_ACTION_ID, `${carol.alertId}|account|7d`)
    await env.slack.waitFor('chat.update', (c) => c.args.ts === carol.message.ts && /Muted/.test(JSON.stringify(c.args.blocks)))

    // Gus's Atlassian account deleted: scheduled for 14 days.
    const gus = await raise(LOCAL.atlassianId, 'gus@example.com')
    let since = env.slack.calls.length
    await env.click(gus.message, 'delete')
    await env.submit(await env.confirmation(since))
    const scheduledReply = await env.threadReply(gus.message, /scheduled for deletion/)
    const finalDate = /<!date\^(\d+)\^/.exec(text(scheduledReply))?.[1]
    expect(finalDate).toBeDefined()

    // Erin's deletion held up at the service: in progress while the Home is opened.
    const erin = await raise(LOCAL.integrationId, 'erin@example.com')
    env.scim.failNext({ method: 'DELETE' }, { delayMs: 2_000 })
    since = env.slack.calls.length
    await env.click(erin.message, 'delete')
    await env.submit(await env.confirmation(since))
    await env.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === erin.message.ts && /Deleting/.test(String(c.args.text)))

    const home = await env.openHome()
    const shown = text(home)
    expect(shown).toMatch(/Active mutes\* \(1\)/)
    expect(shown).toMatch(/\*carol@example\.com\* in Acme HR \(SCIM\), until <!date\^\d+\^[^"]*Muted by <@U0SANDBOX01>/)
    expect(shown).toContain(`"action_id":"${HOME_UNMUTE_ACTION_ID}"`)
    expect(shown).toMatch(/Actions in progress\* \(1\)/)
    expect(shown).toMatch(/\*Deletion\* of \*erin@example\.com\* in Acme HR \(SCIM\): running since <!date\^\d+\^[^"]*requested by <@U0SANDBOX01>/)
    expect(shown).toMatch(/Scheduled deletions\* \(1\)/)
    expect(shown).toContain(`*gus@example.com* in Atlassian: deleted for good on *<!date^${finalDate}^`)
    expect(shown).toMatch(/Latest audit entries/)
    expect(shown).toMatch(/action-completed\* · by <@U0SANDBOX01> · delete · gus@example\.com · in Atlassian · → scheduled/)
    expect(shown).toMatch(/action-requested\* · by <@U0SANDBOX01> · delete · gus@example\.com · in Atlassian/)
    expect(shown).toMatch(/alert-muted\* · by <@U0SANDBOX01> · carol@example\.com · in Acme HR \(SCIM\)/)

    // Once Erin's deletion is done, it is no longer in progress.
    await env.threadReply(erin.message, /deleted/)
    const after = await env.openHome()
    expect(text(after)).toMatch(/Actions in progress\* \(0\)/)
    expect(text(after)).not.toContain('erin@example.com* in Acme HR (SCIM): running')
  })

  it('lifts a mute with Unmute in the Home tab, records who did it, and shows the Home again without it', async () => {
    const home = await pressInHome(HOME_UNMUTE_ACTION_ID)
    expect(text(home)).toMatch(/Active mutes\* \(0\)/)
    expect(text(home)).toMatch(/No alerts are muted/)
    expect(text(home)).toMatch(/alert-unmuted\* · by <@U0SANDBOX01>/)
    expect((await env.postAlert({ integration: LOCAL.integrationId, email: 'carol@example.com', reason: 'again', dedupKey: 'again:carol' })).body.status).toBe(
      'posted',
    )
  })
})

describe('the services view', () => {
  it('lists every integration with its health and its account count from the latest reconciliation', async () => {
    await env.bot.checkHealth()
    const since = env.slack.calls.length
    await env.command('scan')
    const running = await env.slack.waitFor('chat.postMessage', (c) => later(since)(c) && /Reconciliation running/.test(String(c.args.text)), 15_000)
    await env.slack.waitFor('chat.update', (c) => later(since)(c) && c.args.ts === (running.response as { ts: string }).ts, 15_000)

    await env.openHome()
    const services = await pressInHome(homeTabActionId('services'))
    const shown = text(services)
    expect(shown).toMatch(/\*Acme HR \(SCIM\)\* \(scim\)\\n✅ Healthy \(checked <!date\^\d+\^[^"]*\\n134 accounts at the reconciliation of/)
    expect(shown).toMatch(/\*Atlassian\* \(atlassian\)\\n✅ Healthy[^"]*\\n1 account at the reconciliation/)
    expect(shown).toMatch(/\*Okta\* \(okta\)/)
    expect(shown).toContain(`"value":"${LOCAL.integrationId}"`)
  })

  it("pages through an integration's accounts twenty at a time, across the service's own pages, and back", async () => {
    const first = await openAcmeAccounts()
    expect(text(first)).toMatch(/Acme HR \(SCIM\): accounts/)
    expect(listed(first)).toHaveLength(20)
    expect(listed(first)[0]).toBe('bob@example.com')
    expect(text(first)).toMatch(/Status: active · Role: not reported · Last activity: not reported/)
    expect(text(first)).toContain(`"action_id":"${homeAccountActionId('delete')}"`)
    expect(text(first)).toContain(`"action_id":"${homeAccountActionId('suspend')}"`)
    expect(text(first)).not.toContain(homePageActionId('previous'))

    let page = first
    for (let n = 2; n <= 6; n++) page = await pressInHome(homePageActionId('next'))
    // Page 6 starts the service's second page of 100: index 100 is person-097, after the four named users left.
    expect(text(page)).toMatch(/Page 6\./)
    expect(listed(page)[0]).toBe('person-097@example.com')
    const last = await pressInHome(homePageActionId('next'))
    expect(listed(last)).toEqual(CROWD.slice(116).map((person) => person.email))
    expect(text(last)).not.toContain(homePageActionId('next'))

    const back = await pressInHome(homePageActionId('previous'))
    expect(listed(back)).toEqual(listed(page))
  })

  it('finds accounts by name or by address, and flags what reconciliation finds wrong with them', async () => {
    const byName = await searchInHome('Pat 7')
    expect(listed(byName)).toEqual(['person-007@example.com', ...Array.from({ length: 10 }, (_, i) => `person-0${70 + i}@example.com`)])
    expect(text(byName)).toMatch(/Page 1 of the matches for “Pat 7”/)

    const byAddress = await searchInHome('dave@example.com')
    expect(listed(byAddress)).toEqual(['dave@example.com'])
    expect(text(byAddress)).toMatch(/🚩 Departed: deactivated or suspended in Okta, but still active in Acme HR \(SCIM\)/)

    const none = await searchInHome('nobody-by-that-name')
    expect(listed(none)).toEqual([])
    expect(text(none)).toMatch(/No account of Acme HR \(SCIM\) matches “nobody-by-that-name”/)
  })

  it('shows a service that fails to list as an actionable line with Try again, not a broken Home', async () => {
    env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
    const home = await openAcmeAccounts()
    expect(text(home)).toMatch(/Could not list the accounts of Acme HR \(SCIM\): .*(credential|token|key|401)/i)
    expect(text(home)).toMatch(/Try again/)
    const again = await pressInHome(HOME_OPEN_SERVICE_ACTION_ID, LOCAL.integrationId)
    expect(listed(again)).toHaveLength(20)
  })
})

describe('Delete from the services view', () => {
  /** Finds `email` in Acme HR's account list and clicks its Delete: answers the confirmation modal and the loading modal before it. */
  async function deleteFromHome(email: string): Promise<{ loading: RecordedCall; confirmation: StoredView }> {
    await openAcmeAccounts()
    const found = await searchInHome(email)
    expect(listed(found)).toEqual([email])
    const since = env.slack.calls.length
    await env.pressInHome(homeAccountActionId('delete'))
    const loading = await env.slack.waitFor('views.open', later(since))
    return { loading, confirmation: await env.confirmation(since) }
  }

  const alertPostsAbout = (email: string) =>
    env.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && String(c.args.text).includes(email) && /account alert/.test(String(c.args.text)))

  it('opens the loading modal at once, then the confirmation, and reports in the thread of a newly opened alert', async () => {
    expect(alertPostsAbout('bob@example.com')).toHaveLength(0)
    const { loading, confirmation } = await deleteFromHome('bob@example.com')
    expect(text(loading.args.view as object)).toMatch(/Checking Acme HR \(SCIM\) for \*bob@example\.com\*/)
    expect(text(confirmation)).toMatch(/bob@example\.com/)
    expect(confirmation.submit).toBeDefined()

    await env.submit(confirmation)
    const [post] = alertPostsAbout('bob@example.com')
    expect(post).toBeDefined()
    const message = env.slack.message(LOCAL.channel, (post!.response as { ts: string }).ts)!
    expect(text(message)).toMatch(/Opened from the App Home/)
    const reply = await env.threadReply(message, /deleted/)
    expect(reply.text).toMatch(/bob@example\.com/)
    expect(env.scim.users.get('u-bob')).toBeUndefined()
    expect(alertPostsAbout('bob@example.com')).toHaveLength(1)
  })

  it("acts in the thread of the account's alert that is already open instead of opening a second", async () => {
    // Reconciliation raised Dave (suspended in Okta, still active here) as departed.
    const [existing] = alertPostsAbout('dave@example.com')
    expect(existing).toBeDefined()
    const message = env.slack.message(LOCAL.channel, (existing!.response as { ts: string }).ts)!

    const { confirmation } = await deleteFromHome('dave@example.com')
    await env.submit(confirmation)
    await env.threadReply(message, /deleted/)
    expect(alertPostsAbout('dave@example.com')).toHaveLength(1)
  })

  it("cannot be steered to another account's alert by a detector's dedupKey that looks like the App Home's own", async () => {
    // Whoever holds the ingest token plants the key the App Home would use for person-001 (u-1) on an alert about person-002.
    const planted = await env.postAlert({ integration: LOCAL.integrationId, email: 'person-002@example.com', reason: 'Planted', dedupKey: 'app-home:u-1' })
    expect(planted.body.status).toBe('posted')

    const { confirmation } = await deleteFromHome('person-001@example.com')
    expect(text(confirmation)).toMatch(/person-001@example\.com/)
    expect(text(confirmation)).not.toMatch(/person-002/)
    expect(confirmation.private_metadata).not.toContain(String(planted.body.alertId))

    await env.submit(confirmation)
    const [post] = alertPostsAbout('person-001@example.com')
    expect(post).toBeDefined()
    await env.threadReply(env.slack.message(LOCAL.channel, (post!.response as { ts: string }).ts)!, /deleted/)
    expect(env.scim.users.get('u-1')).toBeUndefined()
    expect(env.scim.users.get('u-2')).toBeDefined()
  })

  it('refuses a Delete forged by someone outside ACTORS: nothing is opened for the account, and the refusal is audited', async () => {
    await openAcmeAccounts()
    const found = await searchInHome('carol@example.com')
    const home = env.slack.view(found.id)!
    const button = JSON.stringify(home.blocks).match(/"action_id":"home_account:delete","value":"((?:[^"\\]|\\.)*)"/)?.[1]
    const payload = viewBlockActionsPayload({
      view: home,
      action: { type: 'button', action_id: homeAccountActionId('delete'), block_id: 'home:account:0:actions', value: JSON.parse(`"${button}"`) as string },
      user: { id: LOCAL.outsider },
    })
    const since = env.slack.calls.length
    const posts = alertPostsAbout('carol@example.com').length
    await postToSlackApp(`${env.bot.url}/slack/events`, LOCAL.signingSecret, interactionBody(payload))
    const refusal = await env.slack.waitFor('views.open', later(since))
    expect(text(refusal.args.view as object)).toMatch(/not allowed|authorized/i)
    const overview = await pressInHome(homeTabActionId('overview'))
    expect(text(overview)).toMatch(/action-refused\* · by <@U0OUTSIDER1> · delete · carol@example\.com/)
    expect(alertPostsAbout('carol@example.com')).toHaveLength(posts)
  })

  it("runs through the same guards: the actor's own account cannot be deleted", async () => {
    const { confirmation } = await deleteFromHome('sandbox.admin@example.com')
    expect(text(confirmation)).toMatch(/This is your own Acme HR \(SCIM\) account/)
    expect(confirmation.submit).toBeFalsy()
  })
})

/**
 * `/deprovision user@corp` through the real Bolt app, with Okta as the identity
 * provider beside the SCIM integration: bad input, the modal filled in as each
 * service answers (found, not found, failed, timed out), identity provider first,
 * the live checklist and its summary, a failed identity-provider step holding the
 * others until a Retry gets it through, and a second run for the same person
 * pointing to the first.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OFFBOARD_DECISION_ACTION_ID, offboardDecisionBlockId, requestActionId } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import { AUDIT_STREAM, storedEntry } from '../../src/store/audit.js'
import { DEMO_USERS } from '../../local/scim-sandbox.js'

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment({
    users: [
      ...DEMO_USERS,
      { id: 'u-fay', userName: 'fay@example.com', displayName: 'Fay Faraway' },
      { id: 'u-gus', userName: 'gus@example.com', displayName: 'Gus Gone' },
    ],
    okta: {
      users: [
        { id: '00u-ada', login: 'ada@example.com', firstName: 'Ada', lastName: 'Admin', roles: ['SUPER_ADMIN'] },
        { id: '00u-bob', login: 'bob@example.com', firstName: 'Bob', lastName: 'Builder' },
        { id: '00u-fay', login: 'fay@example.com', firstName: 'Fay', lastName: 'Faraway' },
        { id: '00u-hal', login: 'hal@example.com', firstName: 'Hal', lastName: 'Halfway' },
        { id: '00u-sandbox', login: 'sandbox.admin@example.com', firstName: 'Sandbox', lastName: 'Admin' },
      ],
    },
    preflightTimeoutMs: 1_500,
  })
})
afterAll(async () => {
  await env?.stop()
})

const text = (value: unknown) => JSON.stringify(value)

/** Runs the command and returns the modal once every service has answered (its Submit shown, or no more rows looking). */
const openModal = (email: string) => env.offboardForm(email)

async function checklistFor(email: string): Promise<StoredMessage> {
  const call = await env.slack.waitFor('chat.postMessage', (c) => !c.args.thread_ts && text(c.args.blocks).includes(`Offboarding ${email}`))
  return env.slack.message(LOCAL.channel, (call.response as { ts: string }).ts)!
}

async function checklistShows(message: StoredMessage, pattern: RegExp, timeoutMs = 10_000): Promise<StoredMessage> {
  await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && pattern.test(text(c.args.blocks)), timeoutMs)
  return env.slack.message(LOCAL.channel, message.ts)!
}

const decide = (choices: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(choices).map(([integration, decision]) => [offboardDecisionBlockId(integration), { [OFFBOARD_DECISION_ACTION_ID]: decision }]),
  )

const oktaStatus = (id: string) => env.okta!.users.get(id)?.status
const scimActive = (id: string) => env.scim.users.get(id)?.active

describe('/deprovision with bad input', () => {
  it.each([
    ['', /Usage: `\/deprovision ada@corp.example`/],
    ['bob', /“bob” is not a subcommand or an email address/],
    ['bob@', /“bob@” is not a valid email address/],
    ['bob@example.com carol@example.com', /One person at a time/],
  ])('answers %j with a usage line and an example, changing nothing', async (input, expected) => {
    const opens = env.slack.callsTo('views.open').length
    const answer = await env.command(input)
    expect(answer.status).toBe(200)
    expect(text(answer.body)).toMatch(expected)
    expect(text(answer.body)).toContain('/deprovision ada@corp.example')
    expect(env.slack.callsTo('views.open')).toHaveLength(opens)
  })

  it('refuses an actor outside ACTORS before looking anywhere', async () => {
    const answer = await env.command('bob@example.com', { id: LOCAL.outsider })
    expect(text(answer.body)).toMatch(/Only the security team’s actors/)
    expect(env.okta!.requests.filter((r) => r.path.includes('bob'))).toHaveLength(0)
  })

  it('refuses the actor’s own email in the modal, and looks nowhere', async () => {
    const before = env.scim.requests.length
    const since = env.slack.calls.length
    await env.command('Sandbox.Admin@example.com')
    const update = await env.slack.waitFor('views.update', (c) => env.slack.calls.indexOf(c) >= since)
    expect(text(update.args.view)).toMatch(/is your own account. Nobody may offboard themselves/)
    // The periodic health check may call the service meanwhile; no lookup of the person does.
    expect(env.scim.requests.slice(before).filter((r) => JSON.stringify(r.query).toLowerCase().includes('sandbox.admin'))).toEqual([])
    const redis = new Redis(env.redisUrl)
    try {
      // Audited right after the person is told, so it may land a moment after the modal.
      const refused = async () => (await redis.xrange(AUDIT_STREAM, '-', '+')).map(storedEntry).filter((entry) => entry.event === 'offboard-refused')
      await expect.poll(refused).toEqual([
        expect.objectContaining({
          actor: LOCAL.actor,
          action: '/deprovision user@corp',
          email: 'sandbox.admin@example.com',
          detail: 'the actor’s own account',
        }),
      ])
    } finally {
      redis.disconnect()
    }
  })
})

describe('offboarding a person found in the identity provider and a service', () => {
  let final: StoredView
  let checklist: StoredMessage

  it('opens the modal at once with every service looking, then shows each account with its status, and Suspend by default', async () => {
    const modal = await openModal('bob@example.com')
    expect(text(modal.opened)).toMatch(/Okta\* · identity provider\\n⏳ Looking…/)
    expect(text(modal.opened)).toContain('Acme HR (SCIM)*\\n⏳ Looking…')
    expect(modal.opened.submit).toBeUndefined()
    final = modal.final
    expect(text(final)).toMatch(/Okta\* · identity provider\\n🟢 Active/)
    expect(text(final)).toMatch(/Acme HR \(SCIM\)\*\\n🟢 Active · Bob Builder/)
    expect(text(final)).toContain('is done first, so the person cannot sign in again')
    const oktaSelect = final.blocks.find((block) => block.block_id === offboardDecisionBlockId(LOCAL.oktaId))
    expect(text(oktaSelect)).toMatch(/"initial_option":\{"value":"suspend"/)
    expect(final.submit).toBeDefined()
  })

  it('on submit posts one checklist, suspends in Okta before anything else, then the service, and sums up in the thread', async () => {
    const okta = env.okta!.requests.length
    await env.submitValues(final, decide({ [LOCAL.oktaId]: 'suspend', [LOCAL.integrationId]: 'delete' }))
    checklist = await checklistFor('bob@example.com')
    const done = await checklistShows(checklist, /Okta\*: suspended.*Acme HR \(SCIM\)\*: deleted/)
    expect(text(done.blocks)).toContain('Requested by <@U0SANDBOX01> with /deprovision')
    expect(oktaStatus('00u-bob')).toBe('SUSPENDED')
    expect(env.scim.users.has('u-bob')).toBe(false)

    // Okta was asked to suspend. That nothing else starts before it is through is shown where its step fails
    // ("identity provider first, when its step fails"): the sandboxes' logs carry no order across services.
    const suspendAt = env.okta!.requests.findIndex((r, i) => i >= okta && r.path.endsWith('/lifecycle/suspend'))
    expect(suspendAt).toBeGreaterThanOrEqual(0)
    const summary = await env.threadReply(checklist, /complete/)
    expect(text(summary.blocks)).toMatch(/Done \(2\):\* Okta, Acme HR \(SCIM\)/)
    const replies = env.slack
      .messages(LOCAL.channel)
      .find((m) => m.ts === checklist.ts)!
      .replies.map((reply) => reply.text)
    expect(replies.filter((reply) => /suspended in Okta/.test(reply ?? ''))).toHaveLength(1)
    expect(replies.filter((reply) => /deleted from Acme HR/.test(reply ?? ''))).toHaveLength(1)
  })

  it('records who asked for what in the audit log', async () => {
    const redis = new Redis(env.redisUrl)
    try {
      const entries = (await redis.xrange(AUDIT_STREAM, '-', '+')).map(([, fields]) => fields.join(' '))
      expect(entries.find((entry) => entry.includes('offboard-requested') && entry.includes('bob@example.com'))).toMatch(
        /actor U0SANDBOX01 .*detail suspend in acme-okta, delete in acme-scim/,
      )
      expect(entries.filter((entry) => entry.includes('action-completed') && entry.includes('bob@example.com'))).toHaveLength(2)
    } finally {
      redis.disconnect()
    }
  })
})

describe('identity provider first, when its step fails', () => {
  it('holds every other service back, says why, and starts them once a Retry gets the identity provider through', async () => {
    const { final } = await openModal('fay@example.com')
    env.okta!.failNext({ method: 'POST', pathIncludes: '/lifecycle/suspend' }, { status: 403 })
    await env.submitValues(final, decide({ [LOCAL.oktaId]: 'suspend', [LOCAL.integrationId]: 'suspend' }))
    const checklist = await checklistFor('fay@example.com')
    const held = await checklistShows(checklist, /Okta\*: suspend failed/)
    expect(text(held.blocks)).toMatch(/Acme HR \(SCIM\)\*: not started, because the Okta step failed/)
    const summary = await env.threadReply(checklist, /needs attention/)
    expect(text(summary.blocks)).toMatch(/Okta failed:/)
    expect(text(summary.blocks)).toMatch(/Not started \(1\):\* Acme HR \(SCIM\)/)
    expect(scimActive('u-fay')).toBe(true)

    // A second run for the same person points to this one.
    const opens = env.slack.callsTo('views.open').length
    await env.command('fay@example.com')
    const pointer = await env.slack.waitFor('response_url', (c) => text(c.args).includes('already running'))
    expect(text(pointer.args)).toMatch(/Offboarding of \*fay@example.com\* is already running, started by <@U0SANDBOX01>/)
    expect(env.slack.callsTo('views.open')).toHaveLength(opens)

    // Retry on Okta's failure reply in the thread, as a person would.
    await env.threadReply(checklist, /suspend|Suspend/)
    const retry = env.slack
      .messages(LOCAL.channel)
      .find((m) => m.ts === checklist.ts)!
      .replies.find((reply) => text(reply.blocks).includes(requestActionId('suspend')))
    expect(retry, 'a reply in the thread offering Retry').toBeDefined()
    const since = env.slack.calls.length
    await env.click(retry!, 'suspend')
    await env.submit(await env.confirmation(since))
    await checklistShows(checklist, /Okta\*: suspended.*Acme HR \(SCIM\)\*: suspended/)
    expect(oktaStatus('00u-fay')).toBe('SUSPENDED')
    expect(scimActive('u-fay')).toBe(false)
    await env.threadReply(checklist, /complete/)
  })
})

describe('rows the lookups could not fill', () => {
  it('shows not found, a lookup error with its next step, and a service that did not answer in time, without holding the others', async () => {
    env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
    const { final } = await openModal('hal@example.com')
    expect(text(final)).toMatch(/Okta\* · identity provider\\n🟢 Active/)
    expect(text(final)).toMatch(/Acme HR \(SCIM\)\*\\n⚠️ Could not look the person up:/)

    env.okta!.failNext({ method: 'GET' }, { delayMs: 3_000 })
    const slow = await openModal('gus@example.com')
    expect(text(slow.final)).toMatch(/Okta\* · identity provider\\n⏱ No answer within 2 s: left out/)
    expect(text(slow.final)).toMatch(/Acme HR \(SCIM\)\*\\n🟢 Active · Gus Gone/)
  })

  it('says so when no service has the person, with no Offboard button', async () => {
    const { final } = await openModal('nobody@example.com')
    expect(text(final)).toMatch(/Okta\* · identity provider\\n➖ No account with this email/)
    expect(final.submit).toBeUndefined()
  })
})

describe('an integration that holds Delete for a second person’s approval', () => {
  let held: LocalEnvironment
  beforeAll(async () => {
    held = await startLocalEnvironment({ scimEntry: { approval: ['delete'] } })
  })
  afterAll(async () => {
    await held?.stop()
  })

  it('is offered Suspend (or Skip) only, and says Delete is taken from the alert', async () => {
    const since = held.slack.calls.length
    await held.command('bob@example.com')
    const update = await held.slack.waitFor('views.update', (c) => held.slack.calls.indexOf(c) >= since && !text(c.args.view).includes('Looking…'))
    const view = update.args.view as StoredView
    expect(text(view)).toContain('Delete needs a second person’s approval:* not offered here')
    const select = view.blocks.find((block) => block.block_id === offboardDecisionBlockId(LOCAL.integrationId))
    expect(text(select)).not.toContain('"value":"delete"')
    // A forged submit naming Delete anyway is answered on the select, and nothing runs.
    const answer = await held.submitValues(view, decide({ [LOCAL.integrationId]: 'delete' }))
    expect(JSON.parse(String(answer.body))).toEqual({
      response_action: 'errors',
      errors: { [offboardDecisionBlockId(LOCAL.integrationId)]: expect.stringContaining('cannot do that for this account') },
    })
    expect(held.scim.users.has('u-bob')).toBe(true)
  })
})

/**
 * `/deprovision user@corp at …` through the real Bolt app, with Okta as the identity provider
 * beside the SCIM integration, on the bot's clock (moved by the test) in the actor's Slack time
 * zone (Europe/Berlin): the modal and checklist say when it runs, nothing is touched until then,
 * a reminder comes once an hour before, the run starts exactly once at its time although the
 * worker was restarted and two replicas sweep at once, Cancel means it never runs, Run now
 * starts it at once (and the timer then does nothing), an account replaced since scheduling is
 * not acted on, and times in the past, too far ahead or skipped by DST are refused.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOME_OFFBOARD_CANCEL_ACTION_ID, OFFBOARD_CANCEL_ACTION_ID, OFFBOARD_RUN_NOW_ACTION_ID } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'
import type { Runtime } from '../../src/runtime.js'
import { AUDIT_STREAM } from '../../src/store/audit.js'

// Sunday 6 December 2026, 04:16 in Berlin.
let clock = new Date('2026-12-06T03:16:00Z')
const AMY_RUNS_AT = '2026-12-11T16:00:00Z' // "at friday 17:00" in Berlin

let env: LocalEnvironment
let worker: Runtime
let amyChecklist: StoredMessage
let ivyChecklist: StoredMessage

beforeAll(async () => {
  env = await startLocalEnvironment({
    users: ['amy', 'fay', 'gus', 'hal', 'ivy', 'jo', 'kim'].map((name) => ({ id: `u-${name}`, userName: `${name}@example.com`, displayName: name })),
    okta: {
      users: [
        // The bot's own Okta account: a super admin, never offboarded here.
        { id: '00u-sandbox', login: 'sandbox.admin@example.com', firstName: 'Sandbox', lastName: 'Admin', roles: ['SUPER_ADMIN'] },
        ...['amy', 'fay', 'gus', 'hal', 'jo', 'kim'].map((name) => ({ id: `00u-${name}`, login: `${name}@example.com`, firstName: name, lastName: 'Leaver' })),
      ],
    },
    slackUsers: { [LOCAL.actor]: { email: 'sandbox.admin@example.com', name: 'sandbox.admin', tz: 'Europe/Berlin' } },
    now: () => clock,
    // The web replica answers Slack; the workers are separate, so the test can restart them.
    workers: false,
    preflightTimeoutMs: 3_000,
  })
  worker = await env.startWorker()
})
afterAll(async () => {
  await env?.stop()
})

const text = (value: unknown) => JSON.stringify(value)
const unix = (iso: string) => Date.parse(iso) / 1000
const oktaSuspends = (name: string) => env.okta!.requests.filter((r) => r.method === 'POST' && r.path.includes(`00u-${name}/lifecycle/suspend`))
const scimWrites = (id: string) => env.scim.requests.filter((r) => r.method !== 'GET' && r.path.includes(id))

/** The command, and the modal once every service has answered (or the notice that replaced it). */
async function openModal(commandText: string): Promise<StoredView> {
  return (await env.offboardForm(commandText)).final
}

async function schedule(commandText: string, email: string): Promise<StoredMessage> {
  const modal = await openModal(commandText)
  expect(modal.submit).toBeDefined()
  expect((await env.submitValues(modal, {})).status).toBe(200)
  const call = await env.slack.waitFor('chat.postMessage', (c) => !c.args.thread_ts && text(c.args.blocks).includes(`Offboarding ${email}`))
  return env.slack.message(LOCAL.channel, (call.response as { ts: string }).ts)!
}

const runIdOf = (message: StoredMessage) => /"action_id":"offboard_cancel","value":"(ob_[^"]+)"/.exec(text(message.blocks))?.[1] ?? ''
const current = (message: StoredMessage) => env.slack.message(LOCAL.channel, message.ts)!
const repliesTo = (message: StoredMessage, pattern: RegExp) =>
  env.slack
    .messages(LOCAL.channel)
    .find((m) => m.ts === message.ts)!
    .replies.filter((reply) => pattern.test(text(reply)))

async function checklistShows(message: StoredMessage, pattern: RegExp, timeoutMs = 15_000): Promise<StoredMessage> {
  await env.slack.waitFor('chat.update', (c) => c.args.ts === message.ts && pattern.test(text(c.args.blocks)), timeoutMs)
  return current(message)
}

async function auditEvents(event: string, email: string): Promise<string[]> {
  const redis = new Redis(env.redisUrl)
  try {
    return (await redis.xrange(AUDIT_STREAM, '-', '+')).map(([, fields]) => fields.join(' ')).filter((entry) => entry.includes(event) && entry.includes(email))
  } finally {
    redis.disconnect()
  }
}

/** Every replica's sweep at once, as their minute schedules may fire together. */
async function sweepOn(...replicas: Runtime[]): Promise<void> {
  await Promise.all(replicas.map((replica) => replica.sweepTimers()))
}

describe('a time the bot refuses', () => {
  it.each([
    ['bob@example.com at 2026-12-01 10:00', /is in the past/],
    ['bob@example.com in 91d', /more than 90 days ahead/],
    ['bob@example.com at 2026-12-06 02:30', /is in the past/],
    ['bob@example.com at 2027-03-28 02:30', /does not exist in your time zone \(Europe\/Berlin\): the clocks skip that hour/],
    ['bob@example.com at someday', /“at someday” is not a time the bot reads\. Examples:/],
  ])('answers %j with the reason, schedules nothing and audits the refusal', async (commandText, reason) => {
    const modal = await openModal(commandText)
    expect(text(modal)).toMatch(reason)
    expect(modal.submit).toBeUndefined()
    expect((await auditEvents('offboard-refused', 'bob@example.com')).some((entry) => reason.test(entry))).toBe(true)
  })

  it('refuses to schedule when Slack does not tell the actor’s time zone, rather than guess one', async () => {
    // Both of the command's users.info calls (email and zone) fail; the email is still known from a recent answer.
    env.slack.failNext('users.info', { error: 'user_not_found' }, 2)
    const modal = await openModal('bob@example.com at friday 17:00')
    expect(text(modal)).toMatch(/Slack did not tell your time zone, so the bot cannot tell when you mean and scheduled nothing/)
    expect(modal.submit).toBeUndefined()
  })
})

describe('an offboarding scheduled for Friday 17:00 in the actor’s zone', () => {
  it('says when it runs in the modal, then posts a checklist saying when, with Run now and Cancel, and touches nothing', async () => {
    const modal = await openModal('amy@example.com at friday 17:00')
    // A modal cannot show Slack's <!date>: the time as the actor's clocks show it, the zone named.
    expect(text(modal)).toContain('Runs Friday 11 December 2026, 17:00 (Europe/Berlin), your time')
    expect(text(modal)).not.toContain('<!date')
    expect((await env.submitValues(modal, {})).status).toBe(200)
    const call = await env.slack.waitFor('chat.postMessage', (c) => !c.args.thread_ts && text(c.args.blocks).includes('Offboarding amy@example.com'))
    amyChecklist = env.slack.message(LOCAL.channel, (call.response as { ts: string }).ts)!
    expect(text(amyChecklist.blocks)).toContain(`Runs <!date^${unix(AMY_RUNS_AT)}^`)
    expect(text(amyChecklist.blocks)).toMatch(/Okta\*: suspend\..*Acme HR \(SCIM\)\*: suspend\./)
    expect(text(amyChecklist.blocks)).toContain(`"action_id":"${OFFBOARD_RUN_NOW_ACTION_ID}"`)
    expect(text(amyChecklist.blocks)).toContain(`"action_id":"${OFFBOARD_CANCEL_ACTION_ID}"`)
    await sweepOn(env.bot)
    expect(oktaSuspends('amy')).toEqual([])
    expect(scimWrites('u-amy')).toEqual([])
    expect(await auditEvents('offboard-scheduled', 'amy@example.com')).toHaveLength(1)
  })

  it('is listed in the App Home with its time and Cancel', async () => {
    const home = await env.openHome()
    expect(text(home.blocks)).toMatch(new RegExp(`amy@example.com\\* runs \\*<!date\\^${unix(AMY_RUNS_AT)}\\^[^*]*\\*: suspend in Okta, suspend in Acme HR`))
    expect(text(home.blocks)).toContain(`"value":"${runIdOf(amyChecklist)}"`)
  })

  it('is what a second /deprovision for the same person points to, with or without a time', async () => {
    for (const commandText of ['amy@example.com', 'amy@example.com in 2h']) {
      const opens = env.slack.callsTo('views.open').length
      await env.command(commandText)
      const pointer = await env.slack.waitFor('response_url', (c) => text(c.args).includes('already scheduled') && env.slack.calls.indexOf(c) > opens)
      expect(text(pointer.args)).toMatch(/Offboarding of \*amy@example.com\* is already scheduled for <!date/)
      expect(env.slack.callsTo('views.open')).toHaveLength(opens)
    }
  })

  it('for a person whose account the service replaced meanwhile, is scheduled like any other', async () => {
    ivyChecklist = await schedule('ivy@example.com at friday 17:00', 'ivy@example.com')
    env.scim.users.delete('u-ivy')
    env.scim.addUser({ id: 'u-ivy-rehired', userName: 'ivy@example.com', displayName: 'Ivy Rehired' })
  })
})

describe('a time that passes while the form is open', () => {
  it('schedules nothing when Offboard is pressed after it, says so in words and audits it', async () => {
    const modal = await openModal('hal@example.com in 30m')
    expect(text(modal)).toContain('Runs Sunday 6 December 2026, 04:46 (Europe/Berlin), your time')
    const opened = clock
    clock = new Date(opened.getTime() + 31 * 60_000)
    try {
      const posts = env.slack.callsTo('chat.postMessage').length
      const answer = await env.submitValues(modal, {})
      expect(text(answer.body)).toMatch(
        /Time has passed.*Sunday 6 December 2026, 04:46 \(Europe\/Berlin\) passed while this form was open, so nothing was scheduled/,
      )
      expect(await auditEvents('offboard-refused', 'hal@example.com')).toEqual([expect.stringMatching(/passed while the form was open/)])
      expect(await auditEvents('offboard-scheduled', 'hal@example.com')).toEqual([])
      await sweepOn(env.bot, worker)
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(
        env.slack
          .callsTo('chat.postMessage')
          .slice(posts)
          .filter((c) => text(c.args).includes('hal@example.com')),
      ).toEqual([])
    } finally {
      clock = opened
    }
  })
})

describe('two forms for the same person', () => {
  it('schedules the first submitted; the second says when that one runs, in words in the modal', async () => {
    const first = await openModal('kim@example.com at tomorrow 09:00')
    const second = await openModal('kim@example.com in 2h')
    expect((await env.submitValues(first, {})).status).toBe(200)
    const answer = await env.submitValues(second, {})
    expect(text(answer.body)).toMatch(/Already running.*already scheduled for Monday 7 December 2026, 09:00 \(Europe\/Berlin\), by <@U0SANDBOX01>/)
    expect(text(answer.body)).not.toContain('<!date')
    expect(await auditEvents('offboard-scheduled', 'kim@example.com')).toHaveLength(1)
  })
})

describe('someone not in ACTORS', () => {
  it('cannot Cancel or Run now from the checklist: told why, audited, and the run still waits', async () => {
    const checklist = await schedule('jo@example.com in 3h', 'jo@example.com')
    for (const button of [OFFBOARD_CANCEL_ACTION_ID, OFFBOARD_RUN_NOW_ACTION_ID]) {
      await env.press(checklist, button, { id: LOCAL.outsider })
      await env.slack.waitFor(
        'response_url',
        (c) =>
          /Only the security team’s actors may (cancel|start) an offboarding/.test(text(c.args)) &&
          text(c.args).includes(button === OFFBOARD_CANCEL_ACTION_ID ? 'cancel' : 'start'),
      )
    }
    const refused = await auditEvents('offboard-refused', LOCAL.outsider)
    expect(refused.filter((entry) => entry.includes('cancel scheduled offboarding'))).toHaveLength(1)
    expect(refused.filter((entry) => entry.includes('run scheduled offboarding now'))).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(text(current(checklist).blocks)).toContain(OFFBOARD_RUN_NOW_ACTION_ID)
    expect(await auditEvents('offboard-started', 'jo@example.com')).toEqual([])
    expect(await auditEvents('offboard-cancelled', 'jo@example.com')).toEqual([])
    expect(oktaSuspends('jo')).toEqual([])
  })
})

describe('Cancel', () => {
  it('means the run never happens: the checklist says who cancelled, the App Home no longer lists it, and its time passes with nothing done', async () => {
    const checklist = await schedule('fay@example.com in 2h', 'fay@example.com')
    await env.press(checklist, OFFBOARD_CANCEL_ACTION_ID)
    const cancelled = await checklistShows(checklist, /Cancelled\* by <@U0SANDBOX01>/)
    expect(text(cancelled.blocks)).not.toContain(OFFBOARD_RUN_NOW_ACTION_ID)
    expect(text((await env.openHome()).blocks)).not.toContain('fay@example.com* runs')
    expect(await auditEvents('offboard-cancelled', 'fay@example.com')).toHaveLength(1)

    clock = new Date('2026-12-06T06:00:00Z')
    await sweepOn(env.bot, worker)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(oktaSuspends('fay')).toEqual([])
    expect(scimWrites('u-fay')).toEqual([])
    expect(await auditEvents('offboard-started', 'fay@example.com')).toEqual([])
  })
})

describe('Run now', () => {
  it('starts the run at once, identity provider first, however often it is pressed; its timer then does nothing', async () => {
    const checklist = await schedule('gus@example.com at tomorrow 09:00', 'gus@example.com')
    // A double click: two presses at once, which may reach two web replicas.
    await Promise.all([env.press(checklist, OFFBOARD_RUN_NOW_ACTION_ID), env.press(checklist, OFFBOARD_RUN_NOW_ACTION_ID)])
    await env.slack.waitFor('response_url', (c) => /This offboarding already started by <@U0SANDBOX01>.*follow the checklist/.test(text(c.args)))
    expect((await auditEvents('offboard-refused', 'U0SANDBOX01')).filter((entry) => entry.includes('run scheduled offboarding now'))).toHaveLength(1)
    const done = await checklistShows(checklist, /Okta\*: suspended.*Acme HR \(SCIM\)\*: suspended/)
    expect(text(done.blocks)).not.toContain(OFFBOARD_CANCEL_ACTION_ID)
    expect(oktaSuspends('gus')).toHaveLength(1)
    expect(env.scim.users.get('u-gus')?.active).toBe(false)

    clock = new Date('2026-12-07T08:00:30Z')
    await sweepOn(env.bot, worker)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(oktaSuspends('gus')).toHaveLength(1)
    expect(await auditEvents('offboard-started', 'gus@example.com')).toHaveLength(1)
  })
})

describe('at its time', () => {
  it('posts the reminder in the checklist’s thread once, an hour before', async () => {
    clock = new Date('2026-12-11T15:00:30Z')
    await sweepOn(env.bot, worker)
    await env.threadReply(amyChecklist, /starts <!date.*in about an hour/)
    await sweepOn(env.bot, worker)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(repliesTo(amyChecklist, /in about an hour/)).toHaveLength(1)
    expect(oktaSuspends('amy')).toEqual([])
  })

  it('starts exactly once after the worker restarted, with two replicas sweeping at once', async () => {
    const home = await env.openHome()
    expect(text(home.blocks)).toContain(runIdOf(amyChecklist))
    await worker.stop()
    const replicas = [await env.startWorker(), await env.startWorker()]

    clock = new Date('2026-12-11T16:00:30Z')
    await sweepOn(env.bot, ...replicas)
    await checklistShows(amyChecklist, /Okta\*: suspended.*Acme HR \(SCIM\)\*: suspended/)
    await env.threadReply(amyChecklist, /complete/)
    await sweepOn(env.bot, ...replicas)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(oktaSuspends('amy')).toHaveLength(1)
    expect(scimWrites('u-amy').filter((r) => r.method === 'PATCH' || r.method === 'PUT')).toHaveLength(1)
    expect(await auditEvents('offboard-started', 'amy@example.com')).toHaveLength(1)
    expect(repliesTo(amyChecklist, /complete/)).toHaveLength(1)
  })

  it('does not act on an account the service replaced since it was scheduled, and says so', async () => {
    await checklistShows(ivyChecklist, /Acme HR \(SCIM\)\*: suspend failed/)
    await env.threadReply(ivyChecklist, /changed since it was confirmed/)
    expect(scimWrites('u-ivy-rehired')).toEqual([])
    expect(env.scim.users.get('u-ivy-rehired')?.active).not.toBe(false)
  })

  it('refuses a Cancel that comes after the run started (a stale App Home), with a clear message', async () => {
    const since = env.slack.calls.length
    await env.pressInHome(HOME_OFFBOARD_CANCEL_ACTION_ID, { value: runIdOf(amyChecklist) })
    const told = await env.slack.waitFor('views.open', (c) => env.slack.calls.indexOf(c) >= since)
    // A modal cannot show Slack's dates: the time as the clicker's clocks showed it, the zone named.
    expect(text(told.args.view)).toMatch(
      /Too late to cancel: this offboarding already started at its time, Friday 11 December 2026, 17:00 \(Europe\/Berlin\)\./,
    )
    expect(text(told.args.view)).not.toContain('<!date')
    expect(await auditEvents('offboard-refused', 'U0SANDBOX01')).not.toEqual([])
    expect(await auditEvents('offboard-cancelled', 'amy@example.com')).toEqual([])
  })
})

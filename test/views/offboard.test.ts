import { describe, expect, it } from 'vitest'
import type { Request } from '../../src/domain/alert.js'
import { offboardDecisionBlockId } from '../../src/constants.js'
import type { Draft, PlannedStep, Row, Run } from '../../src/features/offboarding/plan.js'
import { messageViolations, modalViolations } from '../support/slack-limits.js'
import {
  alreadyRunningText,
  checklistMessage,
  offboardModal,
  scheduledChecklistMessage,
  scheduledReminderReply,
  summaryReply,
  whenRefusedText,
  type ChecklistStep,
} from '../../src/features/offboarding/views/offboard.js'
import { allText, HOSTILE, HOSTILE_PROBLEMS, HOSTILE_READY, injectedMarkup, READY } from './fixtures.js'

const request: Request = { action: 'suspend', actor: 'U0ACTOR1', attempt: 1, at: '2026-11-22T10:00:00Z' }
const row = (integration: string, lookup: Row['lookup'], extra: Partial<Row> = {}): Row => ({
  integration,
  service: `Service ${integration}`,
  identityProvider: false,
  lookup,
  ...extra,
})
const account = READY.kind === 'ready' ? READY.account : (undefined as never)
const draft = (rows: Row[]): Draft => ({ id: 'od_1', email: 'bob@corp.example', actor: 'U0ACTOR1', createdAt: request.at, rows })

describe('offboardModal', () => {
  it('shows every service looking, and no Offboard button, while lookups run', () => {
    const view = offboardModal(draft([row('okta', { kind: 'looking' }, { identityProvider: true }), row('scim', { kind: 'looking' })]))
    expect(modalViolations(view)).toEqual([])
    expect(allText(view)).toContain('0 of 2 services answered')
    expect(allText(view)).toContain('Service okta (identity provider) is done first')
    expect(view.submit).toBeUndefined()
  })

  it('once every service answered: a Suspend/Delete/Skip select per found account (Suspend first), blockers and consequences in words, Offboard to submit', () => {
    const view = offboardModal(
      draft([
        row(
          'okta',
          {
            kind: 'found',
            account,
            reviews: [
              { action: 'suspend', preflight: READY },
              { action: 'delete', preflight: { kind: 'blocked', blockers: [{ problem: { kind: 'last-admin' } }] } },
            ],
          },
          { identityProvider: true },
        ),
        row('scim', { kind: 'not-found' }),
        row('qlik', { kind: 'failed', problem: { kind: 'credentials', status: 401 } }),
        row('td', { kind: 'timed-out', afterMs: 8_000 }),
      ]),
    )
    expect(modalViolations(view)).toEqual([])
    const select = view.blocks.find((block) => block.block_id === offboardDecisionBlockId('okta'))
    expect(JSON.stringify(select)).toMatch(/"options":\[\{"value":"suspend".*\{"value":"skip"/)
    expect(JSON.stringify(select)).not.toContain('"value":"delete"')
    expect(allText(view)).toMatch(/Delete not possible:\* .*last admin/i)
    expect(allText(view)).toContain('No account with this email')
    expect(allText(view)).toMatch(/Could not look the person up: .*credentials/i)
    expect(allText(view)).toContain('No answer within 8 s')
    expect(view.submit?.text).toBe('Offboard')
  })

  it('stays within Slack’s limits with 40 hostile services, and lets no injected markup through', () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      row(
        `svc-${i}`,
        i % 2 === 0
          ? {
              kind: 'found',
              account: HOSTILE_READY.kind === 'ready' ? HOSTILE_READY.account : account,
              reviews: [
                { action: 'suspend', preflight: HOSTILE_READY },
                { action: 'delete', preflight: { ...HOSTILE_READY, kind: 'ready', questions: [{ id: 'owner', label: HOSTILE.name }] } as never },
              ],
            }
          : { kind: 'failed', problem: HOSTILE_PROBLEMS[i % HOSTILE_PROBLEMS.length]! },
        { service: HOSTILE.integrationName },
      ),
    )
    const view = offboardModal({ ...draft(rows), email: HOSTILE.email })
    expect(modalViolations(view)).toEqual([])
    expect(injectedMarkup(view)).toEqual([])
    expect(allText(view)).toContain('…and 26 more services')
  })
})

describe('checklistMessage and summaryReply', () => {
  const step = (integration: string, identityProvider = false, action: PlannedStep['action'] = 'suspend'): PlannedStep => ({
    integration,
    service: `Service ${integration}`,
    identityProvider,
    action,
    account,
    choices: {},
  })
  const run: Pick<Run, 'email' | 'actor' | 'untouched'> = {
    email: 'bob@corp.example',
    actor: 'U0ACTOR1',
    untouched: [
      row('scim', { kind: 'not-found' }),
      { ...row('gws', { kind: 'found', account, reviews: [] }), skipped: true },
      row('td', { kind: 'timed-out', afterMs: 8_000 }),
    ],
  }

  it('has a line per service as each step moves, the identity provider first', () => {
    const steps: ChecklistStep[] = [
      { step: step('okta', true), status: { kind: 'failed', request, problem: { kind: 'permission', status: 403 }, at: request.at } },
      { step: step('qlik', false, 'delete'), status: { kind: 'blocked', by: 'Service okta' } },
      {
        step: step('atl', false, 'delete'),
        status: { kind: 'scheduled', request: { ...request, action: 'delete' }, until: '2026-12-06T10:00:00Z', at: request.at },
      },
    ]
    const message = checklistMessage(run, steps)
    expect(messageViolations(message)).toEqual([])
    const lines = allText(message)
    expect(lines).toMatch(/❌ \*Service okta\*: suspend failed/)
    expect(lines).toMatch(/⛔ \*Service qlik\*: not started, because the Service okta step failed/)
    expect(lines).toMatch(/🗓 \*Service atl\*: deletion scheduled, final on <!date\^/)
    expect(lines).toContain('➖ *Service scim*: no account.')
    expect(lines).toContain('⏭️ *Service gws*: skipped.')
    expect(lines).toContain('⏱ *Service td*: did not answer in time')
    expect(message.text).toBe('Offboarding bob@corp.example: 0 done, 1 scheduled, 1 failed, 1 to go')

    const summary = summaryReply(run, steps)
    expect(messageViolations(summary)).toEqual([])
    expect(allText(summary)).toMatch(/needs attention/)
    expect(allText(summary)).toMatch(/Service okta failed:\* .* \*Next:\*/)
    expect(allText(summary)).toContain('Not started (1):* Service qlik')
    expect(allText(summary)).toContain('No account in:* Service scim')
    expect(allText(summary)).toContain('Not checked:* Service td')
  })

  it('stays within limits for 60 hostile services', () => {
    const steps: ChecklistStep[] = Array.from({ length: 60 }, (_, i) => ({
      step: { ...step(`s${i}`), service: HOSTILE.integrationName },
      status: { kind: 'failed', request, problem: HOSTILE_PROBLEMS[i % HOSTILE_PROBLEMS.length]!, at: request.at },
    }))
    for (const message of [checklistMessage({ ...run, email: HOSTILE.email }, steps), summaryReply({ ...run, email: HOSTILE.email }, steps)]) {
      expect(messageViolations(message)).toEqual([])
      expect(injectedMarkup(message)).toEqual([])
    }
  })

  it('points a second run to the first', () => {
    expect(alreadyRunningText({ email: 'bob@corp.example', actor: 'U0ACTOR1', createdAt: request.at }, 'https://slack.example/archives/C1/p1')).toMatch(
      /already running, started by <@U0ACTOR1> <!date\^\d+\^.*>\. Follow <https:\/\/slack.example\/archives\/C1\/p1\|its checklist>/,
    )
  })
})

describe('a scheduled run’s checklist, reminder and refusals', () => {
  const runAt = '2026-12-11T16:00:00Z'
  const steps = (count: number, service = 'Service okta'): PlannedStep[] =>
    Array.from({ length: count }, (_, i) => ({ integration: `s${i}`, service, identityProvider: i === 0, action: 'suspend', account, choices: {} }))
  const run = { id: 'ob_1', email: 'bob@corp.example', actor: 'U0ACTOR1', steps: steps(2), untouched: [row('scim', { kind: 'not-found' })] }

  it('says when it runs, what it will do, with Run now and Cancel; once cancelled, who cancelled and no buttons', () => {
    const waiting = scheduledChecklistMessage({ ...run, schedule: { runAt, status: 'waiting' } })
    expect(messageViolations(waiting)).toEqual([])
    expect(allText(waiting)).toMatch(/Runs <!date\^1797004800\^/)
    // The notification too: each reader's zone, UTC where Slack cannot.
    expect(waiting.text).toMatch(/scheduled for <!date\^1797004800\^[^|]*\|2026-12-11T16:00:00Z>$/)
    expect(allText(waiting)).toContain('🗓 *Service okta*: suspend.')
    expect(allText(waiting)).toContain('➖ *Service scim*: no account.')
    expect(JSON.stringify(waiting.blocks)).toMatch(/"action_id":"offboard_run_now","value":"ob_1".*"action_id":"offboard_cancel","value":"ob_1"/)

    const cancelled = scheduledChecklistMessage({ ...run, schedule: { runAt, status: 'cancelled', actor: 'U0ACTOR2', at: request.at } })
    expect(messageViolations(cancelled)).toEqual([])
    expect(allText(cancelled)).toMatch(/Cancelled\* by <@U0ACTOR2> <!date.*nothing was done/)
    expect(JSON.stringify(cancelled.blocks)).not.toContain('offboard_cancel')
  })

  it('stays within limits for 60 hostile services and a hostile email', () => {
    const message = scheduledChecklistMessage({
      ...run,
      email: HOSTILE.email,
      steps: steps(60, HOSTILE.integrationName),
      schedule: { runAt, status: 'waiting' },
    })
    expect(messageViolations(message)).toEqual([])
    expect(injectedMarkup(message)).toEqual([])
    const reminder = scheduledReminderReply({ ...run, email: HOSTILE.email, schedule: { runAt } })
    expect(messageViolations(reminder)).toEqual([])
    expect(injectedMarkup(reminder)).toEqual([])
  })

  it('points a second run to the scheduled one', () => {
    expect(alreadyRunningText({ ...run, createdAt: request.at, schedule: { runAt, status: 'waiting' } }, undefined)).toMatch(
      /already scheduled for <!date\^1797004800\^.*by <@U0ACTOR1>\. Follow its checklist in the alert channel \(Cancel or Run now are there\)/,
    )
  })

  it('explains every refused time in words', () => {
    const at = new Date(runAt)
    expect(whenRefusedText({ kind: 'skipped', local: '2027-03-28 02:30', zone: 'Europe/Berlin' })).toMatch(/does not exist in your time zone/)
    expect(whenRefusedText({ kind: 'ambiguous', local: '2026-10-25 02:30', zone: 'Europe/Berlin' })).toMatch(/happens twice/)
    // Modals cannot show Slack's <!date>: the time is written as the actor's clocks show it, with the zone named.
    expect(whenRefusedText({ kind: 'past', at, zone: 'Europe/Berlin' })).toBe(
      '⚠️ Friday 11 December 2026, 17:00 (Europe/Berlin) is in the past. Give a time ahead (`at tomorrow 09:00`), or run `/deprovision` with just the email to offboard now.',
    )
    expect(whenRefusedText({ kind: 'too-far', at, maxDays: 90, zone: 'America/New_York' })).toMatch(
      /^⚠️ Friday 11 December 2026, 11:00 \(America\/New_York\) is more than 90 days ahead/,
    )
    expect(whenRefusedText({ kind: 'no-time', date: '2026-12-31' })).toMatch(/2026-12-31 has no time of day.*`at 2026-12-31 09:00`/)
    for (const problem of ['past', 'too-far'] as const) expect(whenRefusedText({ kind: problem, at, maxDays: 90, zone: 'UTC' })).not.toContain('<!date')
    expect(whenRefusedText({ kind: 'unreadable', text: '<!channel> soon' })).not.toContain('<!channel>')
  })
})

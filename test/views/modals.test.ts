import { describe, expect, it } from 'vitest'
import type { AlertState } from '../../src/domain/alert.js'
import { CONFIRM_CALLBACK_ID, type ModalContext } from '../../src/constants.js'
import type { Preflight } from '../../src/providers/types.js'
import { modalViolations } from '../support/slack-limits.js'
import { busyModal, confirmModal, loadingModal, noticeModal, notAuthorizedText, problemModal } from '../../src/features/alerts/views/modals.js'
import {
  ALL_STATES,
  allText,
  CONSOLE_URL,
  HOSTILE,
  HOSTILE_PROBLEMS,
  HOSTILE_READY,
  hostileAlert,
  injectedMarkup,
  makeAlert,
  PROBLEMS,
  PROBLEM_LIST,
  READY,
  REQUEST,
  STATES,
} from './fixtures.js'

const ctx: ModalContext = { alertId: 'al_01HXYZ', action: 'delete' }
const suspendCtx: ModalContext = { alertId: 'al_01HXYZ', action: 'suspend' }
const integration = { adminConsoleUrl: CONSOLE_URL }
const alert = makeAlert()

const account = (preflight: Preflight) => (preflight.kind === 'ready' ? preflight.account : undefined)
const BLOCKED: Preflight = {
  kind: 'blocked',
  account: account(READY),
  blockers: [{ problem: PROBLEMS['last-admin'] }, { problem: PROBLEMS.conflict }],
}
const GONE: Preflight = { kind: 'gone' }

describe('loadingModal', () => {
  it('says what the bot is checking, without a submit button', () => {
    const view = loadingModal(ctx, alert)
    expect(modalViolations(view)).toEqual([])
    expect(view.title.text).toBe('Delete account')
    expect(allText(view.blocks)).toContain('Checking Atlassian for *ann.retired@corp.example*…')
    expect(view.submit).toBeUndefined()
    expect(JSON.parse(view.private_metadata ?? '')).toEqual(ctx)
  })

  it('titles a suspension "Suspend account"', () => {
    expect(loadingModal(suspendCtx, alert).title.text).toBe('Suspend account')
  })
})

describe('confirmModal: ready', () => {
  const view = confirmModal(ctx, alert, READY, integration)

  it('is within Slack’s limits and carries the context and callback id', () => {
    expect(modalViolations(view)).toEqual([])
    expect(view.callback_id).toBe(CONFIRM_CALLBACK_ID)
    expect(JSON.parse(view.private_metadata ?? '')).toEqual(ctx)
  })

  it('submits with the verb and cancels with "Cancel"', () => {
    expect(view.submit?.text).toBe('Delete')
    expect(view.close?.text).toBe('Cancel')
    expect(confirmModal(suspendCtx, alert, READY, integration).submit?.text).toBe('Suspend')
  })

  it('shows the account as the service sees it now', () => {
    const text = allText(view.blocks)
    expect(text).toContain('ann.retired@corp.example')
    expect(text).toContain('Ann Retired')
    expect(text).toContain('🟢 Active')
    expect(text).toContain('site-admin, jira-users')
  })

  it('lists what will happen, the warnings, and whether it can be undone', () => {
    const text = allText(view.blocks)
    expect(text).toContain('*What will happen*\n• The account is deleted after a 14-day grace period.\n• Their API tokens are revoked.')
    expect(text).toContain('⚠️ A user still in the SAML IdP is re-created on next login.')
    expect(text).toContain('*This can be undone:*')
    const final = confirmModal(ctx, alert, { ...READY, reversible: false } as Preflight, integration)
    expect(allText(final.blocks)).toContain('*This cannot be undone.*')
  })

  it('warns when the service’s account is not the email the alert named', () => {
    const other = { ...READY, account: { id: '1', email: 'someone.else@corp.example', status: 'active' } } as Preflight
    expect(allText(confirmModal(ctx, alert, other, integration).blocks)).toContain(
      "⚠️ The alert named ann.retired@corp.example, but the service's account is someone.else@corp.example.",
    )
  })

  it('stays within limits and escapes everything with hostile account data', () => {
    const hostile = confirmModal(ctx, hostileAlert(), HOSTILE_READY, integration)
    expect(modalViolations(hostile)).toEqual([])
    expect(injectedMarkup(hostile)).toEqual([])
    expect(allText(hostile.blocks)).toMatch(/…and \d+ more\./)
  })
})

describe('confirmModal: blocked', () => {
  const view = confirmModal(ctx, alert, BLOCKED, integration)

  it('has no submit button and no callback id, only "Close"', () => {
    expect(modalViolations(view)).toEqual([])
    expect(view.submit).toBeUndefined()
    expect(view.callback_id).toBeUndefined()
    expect(view.close?.text).toBe('Close')
  })

  it('explains every blocker with its next step', () => {
    const text = allText(view.blocks)
    expect(text).toContain('cannot be deleted from Atlassian yet. 2 things stop it:')
    expect(text).toContain('*This is the last admin account in Atlassian.*')
    expect(text).toContain('the user owns 3 spaces; reassign them first')
    expect(text.match(/\*Next step:\*/g)).toHaveLength(2)
  })

  it.each(PROBLEM_LIST.map((p) => [p.kind, p] as const))('%s as a blocker: within limits', (_kind, problem) => {
    expect(modalViolations(confirmModal(ctx, alert, { kind: 'blocked', blockers: [{ problem }] }, integration))).toEqual([])
  })

  it('an unsupported action says "The delete function is not yet supported." with the console link', () => {
    const text = allText(confirmModal(ctx, alert, { kind: 'blocked', blockers: [{ problem: PROBLEMS.unsupported }] }, integration).blocks)
    expect(text).toContain('The delete function is not yet supported.')
    expect(text).toContain(`<${CONSOLE_URL}|the Atlassian admin console>`)
  })

  it('stays within 100 blocks with very many hostile blockers', () => {
    const many: Preflight = {
      kind: 'blocked',
      account: account(HOSTILE_READY),
      blockers: Array.from({ length: 60 }, (_, i) => ({ problem: HOSTILE_PROBLEMS[i % HOSTILE_PROBLEMS.length]! })),
    }
    const hostile = confirmModal(ctx, hostileAlert(), many, integration)
    expect(modalViolations(hostile)).toEqual([])
    expect(injectedMarkup(hostile)).toEqual([])
    expect(hostile.submit).toBeUndefined()
  })

  it('still says something when the service gave no blocker', () => {
    const empty = confirmModal(ctx, alert, { kind: 'blocked', blockers: [] }, integration)
    expect(modalViolations(empty)).toEqual([])
    expect(allText(empty.blocks)).toContain('gave no reason')
  })
})

describe('confirmModal: gone', () => {
  it('says the account no longer exists and there is nothing to do, without a submit button', () => {
    const view = confirmModal(ctx, alert, GONE, integration)
    expect(modalViolations(view)).toEqual([])
    expect(view.submit).toBeUndefined()
    expect(allText(view.blocks)).toContain('no longer exists in Atlassian, so there is nothing to delete')
  })
})

describe('problemModal', () => {
  it.each(PROBLEM_LIST.map((p) => [p.kind, p] as const))('%s: explained, no submit, within limits', (_kind, problem) => {
    const view = problemModal(ctx, alert, problem, integration)
    expect(modalViolations(view)).toEqual([])
    expect(view.submit).toBeUndefined()
    expect(allText(view.blocks)).toContain('*Next step:*')
  })

  it('expired credentials: say so and ask to re-integrate', () => {
    const text = allText(problemModal(ctx, alert, PROBLEMS.credentials, integration).blocks)
    expect(text).toContain('The bot could not check *ann.retired@corp.example* in Atlassian, so it has not deleted anything.')
    expect(text).toContain('The registered credentials are incorrect or have expired.')
    expect(text).toContain('Re-integrate Atlassian')
  })

  it.each(HOSTILE_PROBLEMS.map((p) => [p.kind, p] as const))('%s with hostile details: within limits, escaped', (_kind, problem) => {
    const view = problemModal(ctx, hostileAlert(), problem, integration)
    expect(modalViolations(view)).toEqual([])
    expect(injectedMarkup(view)).toEqual([])
  })
})

describe('busyModal', () => {
  it.each(ALL_STATES.map((s) => [s.kind, s] as const))('%s: within limits, no submit', (_kind, state) => {
    const view = busyModal(ctx, makeAlert({ state }))
    expect(modalViolations(view)).toEqual([])
    expect(view.submit).toBeUndefined()
  })

  it('in progress: who asked for what and when', () => {
    const view = busyModal(ctx, makeAlert({ state: STATES['in-progress'] }))
    expect(view.title.text).toBe('Already in progress')
    expect(allText(view.blocks)).toContain(
      '⏳ *Deleting ann.retired@corp.example from Atlassian is already in progress*, requested by <@U0ACTOR1>, <!date^1714564800^',
    )
  })

  it('in progress with another action: says this one must wait', () => {
    const view = busyModal(suspendCtx, makeAlert({ state: STATES['in-progress'] }))
    expect(allText(view.blocks)).toContain('You cannot suspend it while that runs.')
  })

  it('done: who did it and when, nothing else to do', () => {
    const text = allText(busyModal(ctx, makeAlert({ state: STATES.done })).blocks)
    expect(text).toContain('✅ *ann.retired@corp.example was deleted from Atlassian* by <@U0ACTOR1>')
    expect(text).toContain('Nothing else to do.')
  })

  it('scheduled: when it becomes final', () => {
    const view = busyModal(ctx, makeAlert({ state: STATES.scheduled }))
    expect(view.title.text).toBe('Already scheduled')
    expect(allText(view.blocks)).toContain('final on <!date^1715774400^')
  })

  it('with hostile input: within limits, escaped', () => {
    const states: AlertState[] = [...ALL_STATES, { kind: 'done', request: REQUEST, alreadyDone: HOSTILE.detail, at: REQUEST.at }]
    for (const state of states) {
      const view = busyModal(ctx, hostileAlert(state))
      expect(modalViolations(view)).toEqual([])
      expect(injectedMarkup(view)).toEqual([])
    }
  })
})

describe('noticeModal', () => {
  it('shows a title and a text, closed with "Close"', () => {
    const view = noticeModal('A title much longer than twenty-four characters', 'Open it again from the alert.')
    expect(modalViolations(view)).toEqual([])
    expect(view.submit).toBeUndefined()
    expect(allText(view.blocks)).toContain('Open it again from the alert.')
  })
})

describe('notAuthorizedText', () => {
  it('says who can fix it and how', () => {
    expect(notAuthorizedText('delete')).toBe(
      '🔒 You are not allowed to delete accounts with this bot. Ask a member of the security team or an admin to add your Slack user ID to ACTORS.',
    )
    expect(notAuthorizedText('suspend', 'U0STRANGER')).toContain('suspend accounts')
    expect(notAuthorizedText('suspend', 'U0STRANGER')).toContain('(`U0STRANGER`)')
  })
})

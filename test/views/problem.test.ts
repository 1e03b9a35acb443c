import { describe, expect, it } from 'vitest'
import { messageViolations } from '../support/slack-limits.js'
import { explainProblem, problemBlocks, type ProblemContext } from '../../src/views/problem.js'
import { allText, CONSOLE_URL, FINAL_KINDS, HOSTILE, HOSTILE_PROBLEMS, injectedMarkup, PROBLEMS, PROBLEM_LIST, RETRYABLE_KINDS } from './fixtures.js'

const ctx: ProblemContext = { serviceName: 'Qlik Cloud', action: 'delete', adminConsoleUrl: CONSOLE_URL }

describe('explainProblem', () => {
  it.each(PROBLEM_LIST.map((p) => [p.kind, p] as const))('%s: says what happened, why, and the next step', (_kind, problem) => {
    const e = explainProblem(problem, ctx)
    expect(e.headline).not.toBe('')
    expect(e.why).not.toBe('')
    expect(e.nextStep).not.toBe('')
  })

  it.each(RETRYABLE_KINDS)('%s: a Retry can succeed once the next step is done', (kind) => {
    expect(explainProblem(PROBLEMS[kind], ctx).retryable).toBe(true)
  })

  it.each(FINAL_KINDS)('%s: a Retry cannot help', (kind) => {
    expect(explainProblem(PROBLEMS[kind], ctx).retryable).toBe(false)
  })

  it('unsupported: "The delete function is not yet supported." and the admin console', () => {
    const e = explainProblem(PROBLEMS.unsupported, ctx)
    expect(e.headline).toBe('The delete function is not yet supported.')
    expect(e.nextStep).toContain(`<${CONSOLE_URL}|the Qlik Cloud admin console>`)
  })

  it('api-prohibited: send the user to the service’s own admin console', () => {
    const e = explainProblem(PROBLEMS['api-prohibited'], ctx)
    expect(e.why).toContain('cannot be deleted via API')
    expect(e.nextStep).toContain(`<${CONSOLE_URL}|`)
  })

  it('integration-owner: names the owner and asks to re-link first', () => {
    const e = explainProblem(PROBLEMS['integration-owner'], ctx)
    expect(e.why).toContain('ops-admin@corp.example')
    expect(e.nextStep).toMatch(/re-link the integration/)
  })

  it('last-admin: invite another admin, re-sync, try again', () => {
    expect(explainProblem(PROBLEMS['last-admin'], ctx).nextStep).toMatch(/Invite another admin.*re-sync.*try again/)
  })

  it('credentials: the registered credentials are incorrect or have expired; re-integrate', () => {
    const e = explainProblem(PROBLEMS.credentials, ctx)
    expect(e.headline).toBe('The registered credentials are incorrect or have expired.')
    expect(e.why).toContain('HTTP 401')
    expect(e.nextStep).toMatch(/^Re-integrate Qlik Cloud with a key that has the admin permissions to delete users/)
  })

  it('permission: the bot’s role cannot act, and the service’s reason', () => {
    const e = explainProblem(PROBLEMS.permission, ctx)
    expect(e.headline).toBe("The bot's role in Qlik Cloud cannot delete this account.")
    expect(e.why).toContain('only the owner can delete admins')
  })

  it('not-found: already gone, treated as done', () => {
    const e = explainProblem(PROBLEMS['not-found'], ctx)
    expect(e.headline).toBe('The account no longer exists in Qlik Cloud.')
    expect(e.nextStep).toMatch(/treats this as done/)
  })

  it('rate-limited and transient: try again later', () => {
    expect(explainProblem(PROBLEMS['rate-limited'], ctx).why).toContain('30 s')
    expect(explainProblem(PROBLEMS.transient, ctx).why).toContain('HTTP 503: Service Unavailable.')
  })

  it('conflict: what must be resolved first, from the detail', () => {
    expect(explainProblem(PROBLEMS.conflict, ctx).why).toContain('the user owns 3 spaces; reassign them first')
  })

  it('rejected: the service refused, check the account in the admin console', () => {
    const e = explainProblem(PROBLEMS.rejected, ctx)
    expect(e.why).toBe('Qlik Cloud said (HTTP 400): invalid user id.')
    expect(e.nextStep).toContain(`<${CONSOLE_URL}|`)
  })

  it('suspend uses its own words', () => {
    expect(explainProblem({ kind: 'unsupported', action: 'suspend' }, { ...ctx, action: 'suspend' }).headline).toBe(
      'The suspend function is not yet supported.',
    )
    expect(explainProblem(PROBLEMS.permission, { ...ctx, action: 'suspend' }).headline).toContain('cannot suspend')
  })

  it('without an admin console URL it names the console without a link', () => {
    const e = explainProblem(PROBLEMS.unsupported, { serviceName: 'Qlik Cloud', action: 'delete' })
    expect(e.nextStep).toBe('Delete the account by hand in the Qlik Cloud admin console.')
  })
})

describe('problemBlocks', () => {
  it.each(PROBLEM_LIST.map((p) => [p.kind, p] as const))('%s: renders within Slack’s limits', (_kind, problem) => {
    const blocks = problemBlocks(problem, ctx, { blockIdPrefix: 'p' })
    expect(messageViolations({ text: 'fallback', blocks })).toEqual([])
    expect(allText(blocks)).toContain('*Next step:*')
  })

  it.each(HOSTILE_PROBLEMS.map((p) => [p.kind, p] as const))('%s with hostile details: escaped and cut to fit', (_kind, problem) => {
    const blocks = problemBlocks(problem, { ...ctx, serviceName: HOSTILE.integrationName }, { blockIdPrefix: 'p' })
    expect(messageViolations({ text: 'fallback', blocks })).toEqual([])
    expect(injectedMarkup(blocks)).toEqual([])
  })
})

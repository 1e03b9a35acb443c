import { describe, expect, it } from 'vitest'
import type { AlertState, Request } from '../../src/domain/alert.js'
import {
  decide,
  defaultDecision,
  isFinished,
  isQuiet,
  nextMoves,
  offeredActions,
  statusOf,
  type Draft,
  type PlannedStep,
  type Row,
} from '../../src/features/offboarding/plan.js'
import type { Account, Preflight } from '../../src/providers/types.js'
import { parseCommand } from '../../src/app/deprovision-command.js'

const account = (id: string): Account => ({ id, email: 'bob@corp.example', status: 'active' })
const ready = (questions: Extract<Preflight, { kind: 'ready' }>['questions'] = []): Preflight => ({
  kind: 'ready',
  account: account('a'),
  consequences: [],
  warnings: [],
  reversible: true,
  questions,
})
const blocked: Preflight = { kind: 'blocked', blockers: [{ problem: { kind: 'last-admin' } as never }] }

const row = (integration: string, lookup: Row['lookup'], identityProvider = false): Row => ({
  integration,
  service: integration.toUpperCase(),
  identityProvider,
  lookup,
})
const found = (reviews: Array<['suspend' | 'delete', Preflight]>) => ({
  kind: 'found' as const,
  account: account('acc'),
  reviews: reviews.map(([action, preflight]) => ({ action, preflight })),
})

const draft = (rows: Row[]): Draft => ({ id: 'od_1', email: 'bob@corp.example', actor: 'U1', createdAt: '2026-11-22T00:00:00Z', rows })

describe('what the actor may choose per row', () => {
  it('defaults to Suspend when it can be done, else Skip', () => {
    expect(
      defaultDecision({
        lookup: found([
          ['suspend', ready()],
          ['delete', ready()],
        ]),
      }),
    ).toBe('suspend')
    expect(
      defaultDecision({
        lookup: found([
          ['suspend', blocked],
          ['delete', ready()],
        ]),
      }),
    ).toBe('skip')
    expect(defaultDecision({ lookup: { kind: 'not-found' } })).toBe('skip')
  })

  it('never offers an action the integration holds for a second person’s approval', () => {
    const row = {
      lookup: found([
        ['suspend', ready()],
        ['delete', ready()],
      ]),
      needsApproval: ['delete' as const],
    }
    expect(offeredActions(row)).toEqual(['suspend'])
    expect(defaultDecision({ ...row, needsApproval: ['suspend' as const, 'delete' as const] })).toBe('skip')
  })
})

describe('decide: the submit checked against the stored draft', () => {
  const rows = [
    row(
      'okta',
      found([
        ['suspend', ready()],
        ['delete', ready()],
      ]),
      true,
    ),
    row(
      'qlik',
      found([
        ['suspend', blocked],
        ['delete', ready([{ id: 'owner', label: 'New owner' }])],
      ]),
    ),
    row('scim', { kind: 'not-found' }),
  ]

  it('plans the chosen actions, keeps unanswered optional questions out, and lists the rest as untouched', () => {
    const decided = decide(draft(rows), { decisions: { okta: 'suspend', qlik: 'delete' }, answers: { qlik: { delete: { owner: 'u-ada' } } } })
    expect(decided).toMatchObject({
      ok: true,
      steps: [
        { integration: 'okta', action: 'suspend', identityProvider: true },
        { integration: 'qlik', action: 'delete', choices: { owner: 'u-ada' } },
      ],
    })
    expect(decided.ok && decided.untouched.map((r) => r.integration)).toEqual(['scim'])
  })

  it('refuses an action the service cannot do for this account, even if a forged submit names it', () => {
    expect(decide(draft(rows), { decisions: { okta: 'suspend', qlik: 'suspend' }, answers: {} })).toEqual({
      ok: false,
      errors: [{ integration: 'qlik', message: 'QLIK cannot do that for this account. Choose another action or Skip.' }],
    })
    expect(decide(draft(rows), { decisions: { okta: 'restore' }, answers: {} }).ok).toBe(false)
  })

  it('asks for a required answer of the action chosen, on that question', () => {
    expect(decide(draft(rows), { decisions: { okta: 'skip', qlik: 'delete' }, answers: {} })).toEqual({
      ok: false,
      errors: [{ integration: 'qlik', question: { action: 'delete', id: 'owner' }, message: 'Answer this to delete in QLIK, or choose another action.' }],
    })
  })

  it('asks for at least one step when everything is skipped', () => {
    expect(decide(draft(rows), { decisions: { okta: 'skip', qlik: 'skip' }, answers: {} })).toMatchObject({
      ok: false,
      errors: [{ integration: 'okta', message: /at least one service/ }],
    })
  })

  it('takes a row the submit says nothing of as its default (Suspend where possible)', () => {
    expect(decide(draft(rows), { decisions: {}, answers: {} })).toMatchObject({ ok: true, steps: [{ integration: 'okta', action: 'suspend' }] })
  })
})

describe('identity provider first', () => {
  const request: Request = { action: 'suspend', actor: 'U1', attempt: 1, at: '2026-11-22T00:00:00Z' }
  const step = (integration: string, identityProvider: boolean): PlannedStep => ({
    integration,
    service: integration,
    identityProvider,
    action: 'suspend',
    account: account(integration),
    choices: {},
  })
  const run = { steps: [step('okta', true), step('scim', false), step('qlik', false)] }
  const states =
    (okta: AlertState | undefined, others: AlertState | undefined = undefined) =>
    (s: PlannedStep) =>
      s.identityProvider ? okta : others
  const done: AlertState = { kind: 'done', request, at: request.at }
  const failed: AlertState = { kind: 'failed', request, problem: { kind: 'transient', detail: 'x' }, at: request.at }

  it('starts only the identity provider while it is not through', () => {
    expect(nextMoves(run, states(undefined)).start.map((s) => s.integration)).toEqual(['okta'])
    expect(nextMoves(run, states({ kind: 'in-progress', request })).start).toEqual([])
  })

  it('starts every other service once the identity provider is done (or scheduled)', () => {
    expect(nextMoves(run, states(done)).start.map((s) => s.integration)).toEqual(['scim', 'qlik'])
    expect(nextMoves(run, states({ kind: 'scheduled', request, until: '2026-12-06T00:00:00Z', at: request.at })).start).toHaveLength(2)
  })

  it('holds the others back when the identity provider failed, and says which', () => {
    const moves = nextMoves(run, states(failed))
    expect(moves).toEqual({ start: [], holdingBack: { service: 'okta', failed: true } })
    expect(statusOf(run.steps[1]!, undefined, moves)).toEqual({ kind: 'blocked', by: 'okta' })
    expect(isQuiet([failed, { kind: 'blocked', by: 'okta' }])).toBe(true)
    expect(isFinished([failed, { kind: 'blocked', by: 'okta' }])).toBe(false)
  })

  it('starts everything at once when no identity provider is part of the run', () => {
    expect(nextMoves({ steps: [step('scim', false), step('qlik', false)] }, () => undefined).start).toHaveLength(2)
  })
})

describe('parseCommand', () => {
  it.each([
    [undefined, { kind: 'help' }],
    ['  ', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['MUTES', { kind: 'mutes' }],
    ['Ada@Corp.Example', { kind: 'offboard', email: 'ada@corp.example' }],
    ['<mailto:ada@corp.example|ada@corp.example>', { kind: 'offboard', email: 'ada@corp.example' }],
  ])('reads %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected)
  })

  it.each([
    ['ada@corp.example at friday 17:00', { kind: 'offboard', email: 'ada@corp.example', when: 'at friday 17:00' }],
    ['Ada@Corp.example   in 2h', { kind: 'offboard', email: 'ada@corp.example', when: 'in 2h' }],
    ['<mailto:ada@corp.example|ada@corp.example> at 2026-12-31 17:00', { kind: 'offboard', email: 'ada@corp.example', when: 'at 2026-12-31 17:00' }],
  ])('reads the time after the email in %j, to be read in the actor’s zone', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected)
  })

  it.each([
    'ada',
    'ada@',
    '@corp.example',
    'ada@corp.example bob@corp.example',
    'ada@corp.example bob@corp.example at friday 17:00',
    'status ada@corp.example',
    'ada@@corp.example',
  ])('answers %j with usage and the problem', (text) => {
    expect(parseCommand(text)).toMatchObject({ kind: 'usage', problem: expect.any(String) })
  })
})

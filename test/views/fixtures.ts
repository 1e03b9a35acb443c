/**
 * Shared data for the view tests: a plain alert, every state, every problem kind,
 * every outcome, and hostile input a detector or a service could send.
 */
import type { Alert, AlertState, Request } from '../../src/domain/alert.js'
import type { Problem, ProblemKind } from '../../src/providers/problems.js'
import type { Action, Outcome, Preflight } from '../../src/providers/types.js'

export const CONSOLE_URL = 'https://admin.example.com/users'

export const REQUEST: Request = { action: 'delete', actor: 'U0ACTOR1', attempt: 1, at: '2024-05-01T12:00:00.000Z' }
export const SUSPEND_REQUEST: Request = { action: 'suspend', actor: 'U0ACTOR2', attempt: 2, at: '2024-05-01T12:05:00.000Z' }

export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'al_01HXYZ',
    integration: 'atlassian',
    integrationName: 'Atlassian',
    email: 'ann.retired@corp.example',
    accountId: '5b10ac8d82e05b22cc7d4ef5',
    name: 'Ann Retired',
    reason: 'Left the company on 2024-04-30 but still active in Atlassian.',
    severity: 'high',
    createdAt: '2024-05-01T11:00:00.000Z',
    state: { kind: 'open' },
    version: 0,
    ...overrides,
  }
}

/** One problem of every kind; typed as a record so a new kind fails to compile here until it is added. */
export const PROBLEMS: Readonly<Record<ProblemKind, Problem>> = {
  unsupported: { kind: 'unsupported', action: 'delete' },
  'api-prohibited': { kind: 'api-prohibited', detail: 'Managed accounts of verified domains cannot be deleted via API' },
  'integration-owner': { kind: 'integration-owner', owner: 'ops-admin@corp.example' },
  'last-admin': { kind: 'last-admin' },
  self: { kind: 'self' },
  'unknown-actor': { kind: 'unknown-actor' },
  credentials: { kind: 'credentials', status: 401, detail: 'token expired' },
  permission: { kind: 'permission', status: 403, detail: 'only the owner can delete admins' },
  'not-found': { kind: 'not-found', detail: 'no user with this email' },
  'rate-limited': { kind: 'rate-limited', retryAfterMs: 30_000 },
  transient: { kind: 'transient', status: 503, detail: 'Service Unavailable' },
  conflict: { kind: 'conflict', detail: 'the user owns 3 spaces; reassign them first' },
  rejected: { kind: 'rejected', status: 400, detail: 'invalid user id' },
  unconfirmed: { kind: 'unconfirmed' },
  'account-changed': { kind: 'account-changed', confirmedId: 'u-1001', foundId: 'u-2002' },
  internal: { kind: 'internal', detail: "Cannot read properties of undefined (reading 'id')" },
}

export const PROBLEM_LIST: readonly Problem[] = Object.values(PROBLEMS)

export const RETRYABLE_KINDS: readonly ProblemKind[] = [
  'rate-limited',
  'transient',
  'last-admin',
  'credentials',
  'permission',
  'conflict',
  'unconfirmed',
  'account-changed',
  'unknown-actor',
]
export const FINAL_KINDS: readonly ProblemKind[] = ['unsupported', 'api-prohibited', 'integration-owner', 'not-found', 'rejected', 'self']

/** Every alert state (and a failed state per problem kind). */
export const STATES: Readonly<Record<AlertState['kind'], AlertState>> = {
  open: { kind: 'open' },
  'in-progress': { kind: 'in-progress', request: REQUEST },
  'awaiting-approval': {
    kind: 'awaiting-approval',
    approval: { id: 'ap_0123456789ab', action: 'delete', requester: 'U0ACTOR1', at: '2024-05-01T12:00:00.000Z', expiresAt: '2024-05-02T12:00:00.000Z' },
    previous: { kind: 'open' },
  },
  done: { kind: 'done', request: REQUEST, at: '2024-05-01T12:01:00.000Z' },
  scheduled: { kind: 'scheduled', request: REQUEST, until: '2024-05-15T12:00:00.000Z', at: '2024-05-01T12:01:00.000Z' },
  failed: { kind: 'failed', request: REQUEST, problem: PROBLEMS.transient, at: '2024-05-01T12:02:00.000Z' },
}

export const ALL_STATES: readonly AlertState[] = [
  ...Object.values(STATES),
  { kind: 'done', request: REQUEST, alreadyDone: 'the account was deleted in Atlassian on 2024-04-30', at: '2024-05-01T12:01:00.000Z' },
  { kind: 'in-progress', request: SUSPEND_REQUEST },
  ...PROBLEM_LIST.map((problem): AlertState => ({ kind: 'failed', request: REQUEST, problem, at: '2024-05-01T12:02:00.000Z' })),
]

export const OUTCOMES: Readonly<Record<Outcome['kind'], Outcome>> = {
  done: { kind: 'done' },
  'already-done': { kind: 'already-done', detail: 'the account was deleted on 2024-04-30' },
  scheduled: { kind: 'scheduled', until: '2024-05-15T12:00:00.000Z', cancellable: true },
  pending: { kind: 'pending', task: { id: 'task-123', pollAfterMs: 30_000 } },
  failed: { kind: 'failed', problem: PROBLEMS.transient },
}

export const ALL_OUTCOMES: readonly Outcome[] = [
  ...Object.values(OUTCOMES),
  { kind: 'scheduled', until: '2024-05-15T12:00:00.000Z', cancellable: false },
  ...PROBLEM_LIST.map((problem): Outcome => ({ kind: 'failed', problem })),
]

export const BOTH: ReadonlySet<Action> = new Set(['delete', 'suspend'])
export const DELETE_ONLY: ReadonlySet<Action> = new Set(['delete'])
export const SUSPEND_ONLY: ReadonlySet<Action> = new Set(['suspend'])
export const NONE: ReadonlySet<Action> = new Set()

export const READY: Preflight = {
  kind: 'ready',
  account: {
    id: '5b10ac8d82e05b22cc7d4ef5',
    email: 'ann.retired@corp.example',
    displayName: 'Ann Retired',
    status: 'active',
    roles: ['site-admin', 'jira-users'],
  },
  consequences: ['The account is deleted after a 14-day grace period.', 'Their API tokens are revoked.'],
  warnings: ['A user still in the SAML IdP is re-created on next login.'],
  reversible: true,
}

// ---- hostile input --------------------------------------------------------

const INJECT = '<!channel> <!here|here> <https://evil.example/phish|click here> <@U0VICTIM> & <#C0SECRET>'

export const HOSTILE = {
  reason: `${INJECT} `.repeat(60) + 'x'.repeat(5000),
  name: `Eve ${INJECT} @channel`,
  email: `${'<!channel>'}${'e'.repeat(280)}@evil.example`,
  detail: `${INJECT} `.repeat(200) + 'y'.repeat(10_000),
  accountId: `<!everyone>${'9'.repeat(400)}`,
  integrationName: `Evil <!channel> Corp ${'z'.repeat(300)}`,
}

export function hostileAlert(state: AlertState = { kind: 'open' }): Alert {
  return makeAlert({
    id: `al_${'x'.repeat(300)}`,
    reason: HOSTILE.reason,
    name: HOSTILE.name,
    email: HOSTILE.email,
    accountId: HOSTILE.accountId,
    integrationName: HOSTILE.integrationName,
    severity: 'critical',
    state,
  })
}

export const HOSTILE_PROBLEMS: readonly Problem[] = [
  { kind: 'unsupported', action: HOSTILE.detail },
  { kind: 'api-prohibited', detail: HOSTILE.detail },
  { kind: 'integration-owner', owner: HOSTILE.name },
  { kind: 'last-admin' },
  { kind: 'credentials', status: 401, detail: HOSTILE.detail },
  { kind: 'permission', status: 403, detail: HOSTILE.detail },
  { kind: 'not-found', detail: HOSTILE.detail },
  { kind: 'rate-limited' },
  { kind: 'transient', detail: HOSTILE.detail },
  { kind: 'conflict', detail: HOSTILE.detail },
  { kind: 'rejected', status: 422, detail: HOSTILE.detail },
]

export const HOSTILE_READY: Preflight = {
  kind: 'ready',
  account: {
    id: HOSTILE.accountId,
    email: HOSTILE.email,
    displayName: HOSTILE.name,
    status: 'unknown',
    roles: Array.from({ length: 200 }, (_, i) => `role-${i} ${INJECT}`),
  },
  consequences: Array.from({ length: 50 }, () => HOSTILE.detail),
  warnings: Array.from({ length: 50 }, () => HOSTILE.detail),
  reversible: false,
}

/**
 * Every `<` in the rendered text must open something the views wrote themselves:
 * a user mention, a Slack date, or a link to the configured admin console.
 */
export function injectedMarkup(rendered: unknown): string[] {
  const found: string[] = []
  for (const text of textsOf(rendered)) {
    for (const match of text.matchAll(/<[^>]{0,60}/g)) {
      const token = match[0]
      if (/^<@U0ACTOR\d>?/.test(token)) continue
      if (/^<!date\^\d+\^\{date_short_pretty\} \{time\}\|/.test(token)) continue
      if (token.startsWith(`<${CONSOLE_URL}|`)) continue
      found.push(token)
    }
  }
  return found
}

/** Every string that Slack renders as text: `text` values anywhere in the payload. */
export function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(textsOf)
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, child]) => (key === 'text' && typeof child === 'string' ? [child] : textsOf(child)))
}

/** The whole payload as one string, for "contains" checks. */
export function allText(value: unknown): string {
  return textsOf(value).join('\n')
}

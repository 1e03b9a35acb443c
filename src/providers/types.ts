/**
 * The contract every service adapter implements. Adapters know nothing of Slack:
 * they find accounts, say what an action would do, and do it, reporting typed
 * outcomes and throwing `ProviderError` (see problems.ts) when the service fails.
 */
import type { FlowLimits, RequestFlow } from './kit/http.js'
import type { Problem } from './problems.js'

/** Every action an alert can offer, in the order its buttons are shown. */
export const ACTIONS = ['delete', 'suspend', 'restore', 'cancel-delete', 'deprovision-access'] as const
export type Action = (typeof ACTIONS)[number]

export type AccountStatus = 'active' | 'suspended' | 'pending' | 'unknown'

export interface Account {
  /** The service's own id for the account (SCIM `id`, Atlassian account_id, ...). */
  id: string
  email: string
  /** Every address the service reports for the account (primary, aliases, secondary), where it reports more than one. */
  emails?: string[]
  displayName?: string
  status: AccountStatus
  /** Roles as the service names them; absent when the service does not report roles. */
  roles?: string[]
  /** Whether the account holds admin rights in the service; absent when the service cannot tell. */
  isAdmin?: boolean
  /** The last sign-in or activity the service reports (ISO 8601); absent when it reports none. */
  lastActiveAt?: string
  /** How the service's account was matched to the email, where it is not the account's own address (GitHub's SAML identity); shown in the modal. */
  matchedBy?: string
}

/** What the alert says of the account besides its email, for services that cannot always find a person by email (GitHub). */
export interface AccountHint {
  /** The alert's `accountId`: the service's own id or login for the account. */
  accountId?: string
}

/**
 * A permission set still provisioned on a cloud account, which an alert may name
 * instead of a person (CloudSSO's access configuration on a resource-directory account).
 */
export interface AccessTarget {
  accessConfigurationId: string
  /** The account the access configuration is provisioned on. */
  targetId: string
}

/** One page of a service's accounts; `nextCursor` is absent on the last page. */
export interface AccountPage {
  accounts: Account[]
  nextCursor?: string
}

export type Health = { ok: true; detail?: string } | { ok: false; problem: Problem }

/** Something that stops the action; the modal shows it instead of a submit button. */
export interface Blocker {
  problem: Problem
}

/**
 * What the confirmation modal shows before anyone commits: the account as the
 * service sees it now, what the action will do, what to watch out for, and what stops it.
 */
export type Preflight =
  | {
      kind: 'ready'
      account: Account
      /** What will happen, in the order it happens ("the account is deleted", "API keys are revoked"). */
      consequences: string[]
      /** What the actor should know but does not stop the action. */
      warnings: string[]
      /** Whether the action can be undone later from the bot or the service. */
      reversible: boolean
      /** Choices the actor must make before confirming; answers reach `execute` as `Choices[question.id]`. */
      questions?: Question[]
    }
  | { kind: 'blocked'; account?: Account; blockers: Blocker[] }
  /** The account no longer exists: nothing left to do. */
  | { kind: 'gone' }

/**
 * A choice the modal asks for: a fixed list (`options`), or a searchable one whose
 * options come from `Provider.suggest` as the actor types (a new owner among the tenant's users).
 */
export interface Question {
  /** The key of the answer in `Choices`; letters, digits, dashes. */
  id: string
  label: string
  hint?: string
  options?: Option[]
  searchable?: boolean
  /** The preselected answer (an option's value). */
  initial?: Option
  optional?: boolean
}

export interface Option {
  value: string
  label: string
}

/** Answers the actor gave in the modal (new owner, what to do with API keys). Empty for SCIM. */
export type Choices = Readonly<Record<string, string>>

export type Outcome =
  /** `detail` says what was done beyond the action itself ("the pending invitation was deleted"). */
  | { kind: 'done'; detail?: string }
  /** The account was already in the requested state (already deleted, already suspended). */
  | { kind: 'already-done'; detail: string }
  | { kind: 'scheduled'; until: string; cancellable: boolean }
  /** Still running at the service: the worker polls `task` after `task.pollAfterMs`. */
  | { kind: 'pending'; task: TaskRef; progress?: Progress }
  | { kind: 'failed'; problem: Problem }

export interface TaskRef {
  id: string
  /** When to ask again, in milliseconds. */
  pollAfterMs: number
  /** What the adapter needs to carry on (remaining steps, ids); JSON only, stored with the job. */
  state?: Readonly<Record<string, unknown>>
}

/** How far a multi-step action has come ("3 of 5 access assignments removed"). */
export interface Progress {
  done: number
  total: number
  label: string
}

/** The actions taken on an account the adapter found; 'deprovision-access' acts on an access configuration instead. */
export type AccountAction = Exclude<Action, 'deprovision-access'>

/**
 * What every adapter does: find an account and say what an action would do to it. The rest is capabilities,
 * small interfaces an adapter implements when its service supports them (in the manner of ConductorOne's
 * baton-sdk); which actions an integration offers is derived from them (`capabilitiesOf` in capabilities.ts).
 */
export interface Adapter {
  readonly id: string
  readonly displayName: string
  readonly type: string
  /** The service's admin console, linked from replies that send the user there. */
  readonly adminConsoleUrl?: string

  checkConnection(): Promise<Health>
  findAccount(email: string, hint?: AccountHint): Promise<Account | null>
  /** Called only for actions the adapter implements (run.ts checks first). */
  preflight(account: Account, action: AccountAction): Promise<Preflight>
}

/** One write on an account; throws `ProviderError` when the service fails. */
export type Write = (account: Account, choices: Choices, context: ExecuteContext) => Promise<Outcome>

/** Suspending an account and reactivating it ('suspend', 'restore'). */
export interface Suspends {
  suspend: Write
  restore: Write
}

/** Deleting an account, at once or scheduled ('delete'). */
export interface Deletes {
  delete: Write
}

/** Cancelling a scheduled deletion ('cancel-delete'). */
export interface CancelsDeletion {
  cancelDelete: Write
}

/** Asking again about a `pending` outcome's task; needed by adapters that return `pending`. */
export interface PollsTasks {
  poll(task: TaskRef): Promise<Outcome>
}

/** Options for a searchable question, matching what the actor typed (at most 100). */
export interface SuggestsAnswers {
  suggest(account: Account, questionId: string, query: string): Promise<Option[]>
}

/** Pages through every account (within the service's rate limits). */
export interface ListsAccounts {
  listAccounts(cursor?: string): Promise<AccountPage>
}

/** The service's current admins, read from the service itself. */
export interface ListsAdmins {
  listAdmins(): Promise<Account[]>
}

/** De-provisioning an access configuration from a cloud account ('deprovision-access'), for alerts that name access, not a person. */
export interface DeprovisionsAccess {
  /** What de-provisioning would do (who still uses it). */
  preflightAccess(target: AccessTarget): Promise<Preflight>
  deprovisionAccess(target: AccessTarget): Promise<Outcome>
}

/** An adapter with whichever capabilities its service supports. */
export type ProviderAdapter = Adapter &
  Partial<Suspends & Deletes & CancelsDeletion & PollsTasks & SuggestsAnswers & ListsAccounts & ListsAdmins & DeprovisionsAccess>

/** An adapter as the bot uses it: with the actions it offers, derived from its capabilities. */
export type Provider = ProviderAdapter & { readonly capabilities: ReadonlySet<Action> }

/** What the bot knows about this request beyond the account and the answers. */
export interface ExecuteContext {
  /**
   * Set on a re-run of a request whose earlier try went to write at this time and lost the answer (a timeout, a
   * 5xx, a crash): the service may already have done it then, so an account found in the requested state is that
   * request's result, with the same consequences (a scheduled deletion's final date counts from this time).
   */
  resumedSince?: Date
}

/** What every adapter factory receives besides its integration's configuration. */
export interface ProviderOptions {
  /** Per-request time limit in milliseconds. */
  timeoutMs?: number
  /** The clock, so scheduled dates can be tested. */
  now?: () => Date
  /** The integration's flow control (pace and rate-limit blocks, shared by every replica). */
  pace?: RequestFlow
  /** Makes each integration's flow control (ProviderRegistry.fromConfig), bounded by `requestsPerSecond` and started at the adapter's default. */
  paceFor?: (integration: string, limits: FlowLimits) => RequestFlow
}

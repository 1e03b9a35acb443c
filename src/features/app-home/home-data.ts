/**
 * What the App Home shows, read from the stores and the services: the overview (mutes,
 * actions in progress and scheduled deletions from the alerts' state indexes, the latest
 * audit entries), the services with their health and account counts, and one page of a
 * service's accounts, read from the service a provider page at a time (never a whole
 * directory in memory), with the reconciliation's findings for each account.
 */
import { waitingOf, type Alert } from '../../domain/alert.js'
import { findingFor, findingReason, type Finding } from '../reconciliation/findings.js'
import { type ReconcileSettings } from '../../domain/reconciliation.js'
import type { IdentityStore } from '../reconciliation/identity-store.js'
import type { RunStore } from '../reconciliation/run-store.js'
import { toProblem } from '../../providers/problems.js'
import type { Account, Provider } from '../../providers/types.js'
import type { HealthStore } from '../../store/health.js'
import type { AccountPosition, AccountsScreen, HomeStateStore } from './store.js'
import { HOME_LIST_MAX, type ActionInProgress, type HomeOverview, type ScheduledDeletion } from '../../views/home.js'
import { ACCOUNTS_PER_PAGE, type AccountRow, type AccountsModel, type ServiceRow } from '../../views/home-services.js'
import type { AlertDeps } from '../alerts/deps.js'
import type { OffboardStore } from '../offboarding/store.js'
import type { TimerStore } from '../../jobs/timers.js'

/** The alert path's parts (acting on an account opens an alert like POST /alerts), and what the Home reads besides. */
export interface AppHomeDeps extends AlertDeps {
  alertChannelId: string
  home: HomeStateStore
  health: HealthStore
  identities: IdentityStore
  runs: RunStore
  reconcile: ReconcileSettings
  /** Offboardings planned for later, listed with Cancel (which removes their timers). */
  offboard: OffboardStore
  timers: TimerStore
}

/** A search reads at most this many pages from the service per screen; Next carries on from there. */
export const SEARCH_PAGES_PER_SCREEN = 5

export async function readOverview(deps: AppHomeDeps): Promise<HomeOverview> {
  const [mutes, running, awaiting, scheduled, audit, offboardings] = await Promise.all([
    deps.mutes.list(),
    deps.alerts.inState('in-progress', HOME_LIST_MAX),
    deps.alerts.inState('awaiting-approval', HOME_LIST_MAX),
    deps.alerts.inState('scheduled', HOME_LIST_MAX),
    deps.audit.latest(HOME_LIST_MAX),
    deps.offboard.scheduledRuns(HOME_LIST_MAX),
  ])
  const inProgress = [...running.alerts, ...awaiting.alerts].flatMap(actionInProgress)
  return {
    mutes: { items: mutes.slice(0, HOME_LIST_MAX).map((mute) => ({ ...mute, service: serviceName(deps, mute.integration) })), total: mutes.length },
    inProgress: { items: inProgress.slice(0, HOME_LIST_MAX), total: running.total + awaiting.total },
    offboardings: {
      items: offboardings.runs.map((run) => ({
        runId: run.id,
        email: run.email,
        runAt: run.schedule?.runAt ?? run.createdAt,
        actor: run.actor,
        steps: run.steps.map(({ service, action }) => ({ service, action })),
      })),
      total: offboardings.total,
    },
    scheduled: { items: scheduled.alerts.flatMap(scheduledDeletion), total: scheduled.total },
    audit,
    serviceNames: new Map(deps.providers.ids().map((id) => [id, serviceName(deps, id)])),
  }
}

function actionInProgress(alert: Alert): ActionInProgress[] {
  const base = { service: alert.integrationName, email: alert.email }
  const state = alert.state
  if (state.kind === 'in-progress') {
    const waiting = waitingOf(alert)
    return [{ ...base, action: state.request.action, actor: state.request.actor, since: state.request.at, ...(waiting ? { waitingUntil: waiting.until } : {}) }]
  }
  if (state.kind === 'awaiting-approval') {
    return [{ ...base, action: state.approval.action, actor: state.approval.requester, since: state.approval.at, awaitingApproval: true }]
  }
  return []
}

function scheduledDeletion(alert: Alert): ScheduledDeletion[] {
  const state = alert.state
  return state.kind === 'scheduled' ? [{ service: alert.integrationName, email: alert.email, until: state.until, actor: state.request.actor }] : []
}

export async function readServices(deps: AppHomeDeps): Promise<ServiceRow[]> {
  const [health, counts] = await Promise.all([deps.health.all(), latestCounts(deps)])
  return deps.providers.ids().flatMap((id) => {
    const provider = deps.providers.get(id)
    if (!provider) return []
    const accounts = counts.get(id)
    const row: ServiceRow = { id, name: provider.displayName, type: provider.type, canList: provider.listAccounts !== undefined }
    return [{ ...row, ...(health[id] ? { health: health[id] } : {}), ...(accounts ? { accounts } : {}) }]
  })
}

/** Account counts per integration from the latest reconciliation run that read the identity provider whole. */
async function latestCounts(deps: AppHomeDeps): Promise<Map<string, { count: number; at: string }>> {
  const runId = await deps.identities.latestRunId()
  const run = runId ? await deps.runs.load(runId) : undefined
  const counts = new Map<string, { count: number; at: string }>()
  for (const result of run?.results ?? []) {
    if (result.status === 'compared') counts.set(result.integration, { count: result.accounts, at: run!.meta.startedAt })
  }
  return counts
}

export interface AccountsRead {
  model: AccountsModel
  /** Where the next screen starts; absent on the last one. */
  next?: AccountPosition
}

export async function readAccounts(deps: AppHomeDeps, screen: AccountsScreen): Promise<AccountsRead> {
  const provider = deps.providers.get(screen.integration)
  const base: AccountsModel = {
    integration: { id: screen.integration, name: provider?.displayName ?? screen.integration },
    query: screen.query,
    actions: [...(provider?.capabilities ?? [])].filter((action) => action === 'delete' || action === 'suspend'),
    rows: [],
    page: screen.history.length + 1,
    hasPrevious: screen.history.length > 0,
    hasNext: false,
  }
  if (!provider?.listAccounts) {
    return { model: { ...base, problem: { kind: 'unsupported', action: 'listing accounts' } } }
  }
  try {
    const page = await accountsPage(provider, screen.query, screen.position)
    const rows = await flagged(deps, provider, page.accounts)
    return { model: { ...base, rows, hasNext: page.next !== undefined }, ...(page.next ? { next: page.next } : {}) }
  } catch (error) {
    deps.logger.warn({ err: error, integration: screen.integration }, 'could not list accounts for the App Home')
    return { model: { ...base, problem: toProblem(error) } }
  }
}

const EXACT_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * One screen of accounts from `position` (a provider page and an offset in it): the service's pages are read one
 * at a time and only the matches kept, so memory holds one provider page whatever the directory's size. An exact
 * address is looked up directly.
 */
export async function accountsPage(
  provider: Pick<Provider, 'findAccount' | 'listAccounts'>,
  query: string,
  position: AccountPosition,
): Promise<{ accounts: Account[]; next?: AccountPosition }> {
  const wanted = query.trim().toLowerCase()
  if (EXACT_EMAIL.test(wanted)) {
    const account = position.cursor === undefined && position.offset === 0 ? await provider.findAccount(wanted) : null
    return { accounts: account ? [account] : [] }
  }
  const list = provider.listAccounts!.bind(provider)
  const accounts: Account[] = []
  let { cursor, offset } = position
  for (let read = 0; read < SEARCH_PAGES_PER_SCREEN; read++) {
    const page = await list(cursor)
    const matches = wanted ? page.accounts.filter((account) => matchesQuery(account, wanted)) : page.accounts
    const taken = matches.slice(offset, offset + ACCOUNTS_PER_PAGE - accounts.length)
    accounts.push(...taken)
    const end = offset + taken.length
    if (end < matches.length) return { accounts, next: { ...(cursor !== undefined ? { cursor } : {}), offset: end } }
    if (page.nextCursor === undefined) return { accounts }
    cursor = page.nextCursor
    offset = 0
    if (accounts.length >= ACCOUNTS_PER_PAGE) break
  }
  return { accounts, next: { cursor, offset: 0 } }
}

function matchesQuery(account: Account, wanted: string): boolean {
  return account.email.toLowerCase().includes(wanted) || (account.displayName ?? '').toLowerCase().includes(wanted)
}

/**
 * The findings of each account, judged exactly as the reconciliation judges them: against the latest whole
 * identity-provider snapshot, or only for inactivity before any run has read one.
 */
async function flagged(deps: AppHomeDeps, provider: Provider, accounts: Account[]): Promise<AccountRow[]> {
  const index = await deps.identities.latest()
  const identities = index ? await index.lookup(accounts.map((account) => account.email)) : []
  const settings: ReconcileSettings = index
    ? deps.reconcile
    : { ...deps.reconcile, kinds: new Set([...deps.reconcile.kinds].filter((kind) => kind === 'inactive')) }
  const idp = identityProviderName(deps)
  const now = (deps.now ?? (() => new Date()))()
  return accounts.map((account, position) => {
    const finding: Finding | undefined = findingFor(account, identities[position], settings, now)
    const flags = finding ? [findingReason(provider.displayName, finding, { identityProvider: idp, inactiveDays: settings.inactiveDays })] : []
    return { account, flags }
  })
}

function identityProviderName(deps: AppHomeDeps): string {
  const names = deps.providers
    .ids()
    .filter((id) => deps.providers.isIdentityProvider(id))
    .map((id) => serviceName(deps, id))
  return names.length > 0 ? names.join(' and ') : 'the identity provider'
}

export function serviceName(deps: Pick<AlertDeps, 'providers'>, id: string): string {
  return deps.providers.get(id)?.displayName ?? id
}

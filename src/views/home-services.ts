/**
 * The App Home's Services screen: every integration with its health and account count,
 * and one integration's accounts (a page at a time, searchable by email or name, with
 * status, role, last activity and reconciliation findings), each with the Delete and
 * Suspend buttons the service supports. Pure builders within Slack's 100 blocks.
 */
import { HOME_OPEN_SERVICE_ACTION_ID, HOME_SEARCH_ACTION_ID, homeAccountActionId, homePageActionId } from '../constants.js'
import type { Problem } from '../providers/problems.js'
import type { Account, Action } from '../providers/types.js'
import type { IntegrationHealth } from '../store/health.js'
import { actions, blockId, button, context, header, LIMITS, section, type KnownBlock } from './blocks.js'
import { homeTabs, homeView, type HomeView } from './home.js'
import { explainProblem } from './problem.js'
import { inline, plainSafe, slackDate, truncate, withoutPeriod, words } from './text.js'

/** Accounts per page: two blocks each keeps a page (with search and pager) under 60 blocks. */
export const ACCOUNTS_PER_PAGE = 20
/** Integrations listed; one block each. */
const SERVICES_MAX = 80

export interface ServiceRow {
  id: string
  name: string
  type: string
  health?: IntegrationHealth
  /** Whether the service can list its accounts (the account list is offered only then). */
  canList: boolean
  /** From the latest reconciliation run that compared it. */
  accounts?: { count: number; at: string }
}

/** What a Delete / Suspend button in the account list carries, so the click can find or open the account's alert. */
export interface HomeAccountRef {
  integration: string
  accountId: string
  email: string
  name?: string
}

export interface AccountRow {
  account: Account
  /** Reconciliation findings, in words ("departed: suspended in Okta"). */
  flags: string[]
}

export interface AccountsModel {
  integration: { id: string; name: string }
  query: string
  /** Of Delete and Suspend, what the integration offers. */
  actions: Action[]
  rows: AccountRow[]
  page: number
  hasPrevious: boolean
  hasNext: boolean
  /** Listing stopped because the service failed: the actionable line replaces the rows. */
  problem?: Problem
}

export function servicesHome(services: readonly ServiceRow[]): HomeView {
  const rows = services.slice(0, SERVICES_MAX).map(serviceRow)
  const hidden = services.length - rows.length
  return homeView([
    homeTabs('services'),
    header('home:services:title', 'Services'),
    context('home:services:note', [
      'Health is from the latest credentials check; account counts from the latest reconciliation. Open a service to work through its accounts.',
    ]),
    ...(services.length === 0 ? [section('home:services:none', 'No integration is configured.')] : rows),
    ...(hidden > 0 ? [context('home:services:more', [`…and ${hidden} more.`])] : []),
  ])
}

function serviceRow(service: ServiceRow, index: number): KnownBlock {
  const lines = [`*${inline(service.name, 120)}* (${inline(service.type, 40)})`, healthLine(service), countLine(service)]
  const block = section(blockId('home', 'service', index), lines.join('\n'))
  if (!service.canList) return block
  return {
    ...block,
    accessory: button({ text: 'Accounts', actionId: HOME_OPEN_SERVICE_ACTION_ID, value: service.id, label: `Accounts in ${plainSafe(service.name)}` }),
  }
}

function healthLine({ health, name }: ServiceRow): string {
  if (!health) return '⚪ Not checked yet.'
  if (health.ok) return `✅ Healthy (checked ${slackDate(health.checkedAt)}).`
  return `❌ Broken since ${slackDate(health.since)}: ${withoutPeriod(explainProblem(health.problem, { serviceName: name }).headline)}.`
}

function problemLine(serviceName: string, problem: Problem): string {
  const e = explainProblem(problem, { serviceName })
  return `⚠️ Could not list the accounts of ${inline(serviceName, 120)}: ${withoutPeriod(e.headline)}. ${e.why} Nothing was changed.`
}

function countLine(service: ServiceRow): string {
  if (!service.canList) return 'This service cannot list its accounts through its API.'
  if (!service.accounts) return 'Accounts: not counted yet (no reconciliation has compared it).'
  const { count } = service.accounts
  return `${count} account${count === 1 ? '' : 's'} at the reconciliation of ${slackDate(service.accounts.at)}.`
}

export function accountsHome(model: AccountsModel): HomeView {
  const name = inline(model.integration.name, 120)
  const blocks: KnownBlock[] = [
    homeTabs('services'),
    header('home:accounts:title', truncate(`${model.integration.name}: accounts`, LIMITS.header)),
    searchInput(model.query),
  ]
  if (model.problem) {
    blocks.push(
      section('home:accounts:problem', problemLine(model.integration.name, model.problem)),
      actions('home:accounts:retry', [button({ text: 'Try again', actionId: HOME_OPEN_SERVICE_ACTION_ID, value: model.integration.id })]),
    )
    return homeView(blocks)
  }
  if (model.rows.length === 0) {
    const none = model.query ? `No account of ${name} matches “${inline(model.query, 256)}” here.` : `${name} lists no accounts here.`
    blocks.push(section('home:accounts:none', none))
  }
  model.rows.slice(0, ACCOUNTS_PER_PAGE).forEach((row, index) => blocks.push(...accountRow(model, row, index)))
  blocks.push(...pager(model))
  return homeView(blocks)
}

function searchInput(query: string): KnownBlock {
  return {
    type: 'input',
    block_id: 'home:accounts:search',
    dispatch_action: true,
    optional: true,
    label: { type: 'plain_text', text: 'Search by email or name (press Enter)', emoji: true },
    element: {
      type: 'plain_text_input',
      action_id: HOME_SEARCH_ACTION_ID,
      max_length: 256,
      ...(query ? { initial_value: query } : {}),
      placeholder: { type: 'plain_text', text: 'ann@corp.example or Ann', emoji: true },
      dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
    },
  }
}

function accountRow(model: AccountsModel, row: AccountRow, index: number): KnownBlock[] {
  const { account } = row
  const lines = [
    `*${inline(account.email || '(no address)', 256)}*${account.displayName ? ` · ${inline(account.displayName, 120)}` : ''}`,
    [`Status: ${account.status}`, `Role: ${roleOf(account)}`, `Last activity: ${account.lastActiveAt ? slackDate(account.lastActiveAt) : 'not reported'}`].join(
      ' · ',
    ),
    ...row.flags.slice(0, 3).map((flag) => `🚩 ${inline(flag, 400)}`),
  ]
  const blocks: KnownBlock[] = [section(blockId('home', 'account', index), lines.join('\n'))]
  const value = accountValue(model.integration.id, account)
  if (value && account.email && model.actions.length > 0) {
    const buttons = model.actions.map((action) =>
      button({
        text: words(action).verb,
        actionId: homeAccountActionId(action),
        value,
        ...(action === 'delete' ? { style: 'danger' as const } : {}),
        label: `${words(action).verb} ${plainSafe(account.email)}`,
      }),
    )
    blocks.push(actions(blockId('home', 'account', index, 'actions'), buttons))
  }
  return blocks
}

function roleOf(account: Account): string {
  const roles = account.roles?.length ? inline(account.roles.join(', '), 200) : account.isAdmin ? 'admin' : 'not reported'
  return account.isAdmin && account.roles?.length ? `${roles} (admin)` : roles
}

/** The button's value; undefined when the account's ids would not fit (it can still be acted on from an alert). */
function accountValue(integration: string, account: Account): string | undefined {
  const ref: HomeAccountRef = {
    integration,
    accountId: account.id,
    email: account.email,
    ...(account.displayName ? { name: account.displayName.slice(0, 100) } : {}),
  }
  const value = JSON.stringify(ref)
  return value.length <= LIMITS.buttonValue ? value : undefined
}

function pager(model: AccountsModel): KnownBlock[] {
  const buttons = [
    ...(model.hasPrevious ? [button({ text: '← Previous', actionId: homePageActionId('previous'), value: 'previous' })] : []),
    ...(model.hasNext ? [button({ text: 'Next →', actionId: homePageActionId('next'), value: 'next' })] : []),
  ]
  const note = context('home:accounts:page', [`Page ${model.page}${model.query ? ` of the matches for “${inline(model.query, 256)}”` : ''}.`])
  return buttons.length > 0 ? [note, actions('home:accounts:pager', buttons)] : [note]
}

/**
 * The App Home tab: `app_home_opened` publishes the person's Home (views.publish), and
 * every click in it (tabs, a service's accounts, paging, search, Unmute) acks, updates
 * where the person is, and publishes again. Outsiders see what the bot is and who to ask;
 * their clicks change nothing. Delete / Suspend on an account: account-action.ts.
 */
import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, PlainTextInputAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import type { SlackPort } from '../../../slack/web-api.js'
import {
  HOME_ACCOUNT_ACTION_PATTERN,
  HOME_OFFBOARD_CANCEL_ACTION_ID,
  HOME_OPEN_SERVICE_ACTION_ID,
  HOME_PAGE_ACTION_PATTERN,
  HOME_SEARCH_ACTION_ID,
  HOME_TAB_ACTION_PATTERN,
  HOME_UNMUTE_ACTION_ID,
} from '../../../constants.js'
import { accountsScreen, turnPage, type HomeScreen } from '../store.js'
import { outsiderHome, overviewHome, homeView, homeTabs, type HomeView } from '../../../views/home.js'
import { accountsHome, servicesHome } from '../../../views/home-services.js'
import { header, section } from '../../../views/blocks.js'
import { inline } from '../../../views/text.js'
import { requestAccountAction } from './account-action.js'
import { cancelScheduled, tellCancelRefused } from '../../offboarding/schedule.js'
import { noticeModal } from '../../alerts/views/modals.js'
import { wallClockWords } from '../../offboarding/when.js'
import { readAccounts, readOverview, readServices, serviceName, type AppHomeDeps } from '../home-data.js'
import { isActor } from '../../../slack/actors.js'
import { auditRefusal, NOT_AN_ACTOR } from '../../../slack/refusal.js'

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs

export function registerAppHome(app: App, deps: AppHomeDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return
    await publishHome(deps, client, event.user)
  })
  app.action<BlockAction<ButtonAction>>(
    HOME_TAB_ACTION_PATTERN,
    navigate(deps, 'open tab', (_, action) => (action.value === 'services' ? { screen: 'services' } : { screen: 'overview' })),
  )
  app.action<BlockAction<ButtonAction>>(
    HOME_OPEN_SERVICE_ACTION_ID,
    navigate(deps, 'open service', (_, action) => accountsScreen(action.value ?? '')),
  )
  app.action<BlockAction<ButtonAction>>(
    HOME_PAGE_ACTION_PATTERN,
    navigate(deps, 'turn page', (screen, action) =>
      screen.screen === 'accounts' ? turnPage(screen, action.value === 'previous' ? 'previous' : 'next') : screen,
    ),
  )
  app.action<BlockAction<PlainTextInputAction>>(
    HOME_SEARCH_ACTION_ID,
    navigate(deps, 'search', (screen, action) => (screen.screen === 'accounts' ? accountsScreen(screen.integration, (action.value ?? '').trim()) : screen)),
  )
  app.action<BlockAction<ButtonAction>>(HOME_UNMUTE_ACTION_ID, unmuteFromHome(deps))
  app.action<BlockAction<ButtonAction>>(HOME_ACCOUNT_ACTION_PATTERN, requestAccountAction(deps))
  app.action<BlockAction<ButtonAction>>(HOME_OFFBOARD_CANCEL_ACTION_ID, cancelOffboardingFromHome(deps))
}

/**
 * Cancel on a scheduled offboarding: the same use-case as the checklist's button; a Cancel that comes too late says
 * why in a modal (the Home has no thread to answer in), then the Home is refreshed.
 */
function cancelOffboardingFromHome(deps: AppHomeDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack()
    const actor = body.user.id
    const runId = action.value ?? ''
    if (isActor(deps, actor)) {
      const outcome = await cancelScheduled({ ...deps, slack: client }, runId, actor)
      const say = (text: string) => client.views.open({ trigger_id: body.trigger_id, view: noticeModal('Not cancelled', text) })
      // The answer is a modal, which cannot show Slack's dates: times in words in the clicker's zone (UTC when Slack does not say).
      const zone = outcome.kind === 'cancelled' ? undefined : await deps.actorEmails.timeZoneOf(actor)
      await tellCancelRefused(deps, outcome, { runId, actor, say, time: (iso) => wallClockWords(iso, zone ?? 'UTC') })
    }
    await publishHome(deps, client, actor)
    if (!isActor(deps, actor))
      await auditRefusal(deps, { event: 'offboard-refused', alertId: runId, actor, action: 'App Home: cancel scheduled offboarding', detail: NOT_AN_ACTOR })
  }
}

/** A click that moves the person to another screen (`move`, for the audit of a refusal): ack, store where they are now, publish it. */
function navigate<A extends ButtonAction | PlainTextInputAction>(deps: AppHomeDeps, move: string, next: (screen: HomeScreen, action: A) => HomeScreen) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockAction<A>> & AllMiddlewareArgs): Promise<void> => {
    await ack()
    const user = body.user.id
    const allowed = isActor(deps, user)
    if (allowed) await deps.home.set(user, next(await deps.home.get(user), action))
    await publishHome(deps, client, user)
    if (!allowed) await auditRefusal(deps, { event: 'action-refused', actor: user, action: `App Home: ${move}`, detail: NOT_AN_ACTOR })
  }
}

function unmuteFromHome(deps: AppHomeDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack()
    const actor = body.user.id
    const allowed = isActor(deps, actor)
    if (allowed) {
      const mute = await deps.mutes.unmute(action.value ?? '')
      // A second click finds it gone: nobody is named for an unmute that did not happen.
      if (mute) {
        await deps.audit.append({ event: 'alert-unmuted', alertId: '', actor, integration: mute.integration, detail: `${mute.scope} (App Home)` })
        deps.logger.info({ actor, muteId: mute.id, integration: mute.integration }, 'mute removed from the App Home')
      }
    }
    await publishHome(deps, client, actor)
    if (!allowed) await auditRefusal(deps, { event: 'action-refused', actor, action: 'App Home: unmute', detail: NOT_AN_ACTOR })
  }
}

/** Publishes the person's Home as it stands now: outsiders get the explanation, actors their current screen. */
export async function publishHome(deps: AppHomeDeps, client: SlackPort, user: string): Promise<void> {
  const publish = (view: HomeView) => client.views.publish({ user_id: user, view })
  if (!isActor(deps, user)) {
    await publish(outsiderHome([...deps.actors]))
    return
  }
  const screen = await deps.home.get(user)
  switch (screen.screen) {
    case 'overview':
      await publish(overviewHome(await readOverview(deps)))
      return
    case 'services':
      await publish(servicesHome(await readServices(deps)))
      return
    case 'accounts': {
      // The service may take seconds to answer: say so first.
      await publish(listingHome(serviceName(deps, screen.integration)))
      const { model, next } = await readAccounts(deps, screen)
      const { next: _previous, ...rest } = screen
      await deps.home.set(user, next ? { ...rest, next } : rest)
      await publish(accountsHome(model))
      return
    }
  }
}

function listingHome(service: string): HomeView {
  return homeView([
    homeTabs('services'),
    header('home:accounts:title', `${service}: accounts`),
    section('home:accounts:loading', `⏳ Asking ${inline(service, 120)} for its accounts…`),
  ])
}

/**
 * The whole bot on one machine with no Slack workspace: a Redis (started here
 * unless one is given), the Slack stand-in, a SCIM sandbox holding a few users, and
 * the real bot configured exactly as a user would configure it (environment
 * variables and a providers file). Plus the moves a person makes in Slack: click a
 * button, submit a modal, read the thread. The demo, the benchmark and the
 * end-to-end tests all drive the bot through this.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify as stringifyYaml } from 'yaml'
import type { RetryOptions } from '@slack/web-api'
import { loadConfig, type Config } from '../src/config.js'
import { ANSWER_ACTION_ID, HOME_SEARCH_ACTION_ID, QUESTION_BLOCK_PREFIX, requestActionId } from '../src/constants.js'
import type { RetryPolicy } from '../src/jobs/queues.js'
import type { WebhookPolicy } from '../src/features/audit-webhook/policy.js'
import { createLogger, type Logger } from '../src/logger.js'
import type { Action } from '../src/providers/types.js'
import { startRuntime, type Runtime, type RuntimeOptions } from '../src/runtime.js'
import { DEMO_ACCOUNTS as ATLASSIAN_DEMO_ACCOUNTS, startAtlassianSandbox, type AtlassianSandbox, type SeedAccount } from './atlassian-sandbox.js'
import { DEMO_API_KEY as QLIK_DEMO_API_KEY, demoTenant as demoQlikTenant, startQlikSandbox, type QlikSandbox, type QlikSandboxOptions } from './qlik-sandbox.js'
import { DEMO_SEED as CLOUDSSO_DEMO_SEED, startCloudSsoSandbox, type CloudSsoSandbox, type CloudSsoSandboxOptions } from './cloudsso-sandbox.js'
import {
  DEMO_ADMIN as GOOGLE_DEMO_ADMIN,
  DEMO_DOMAIN as GOOGLE_DEMO_DOMAIN,
  DEMO_USERS as GOOGLE_DEMO_USERS,
  createSandboxServiceAccount,
  startGoogleWorkspaceSandbox,
  type GoogleSeedUser,
  type GoogleWorkspaceSandbox,
} from './google-workspace-sandbox.js'
import {
  DEMO_INVITATIONS as GITHUB_DEMO_INVITATIONS,
  DEMO_MEMBERS as GITHUB_DEMO_MEMBERS,
  DEMO_ORG as GITHUB_DEMO_ORG,
  DEMO_OUTSIDE_COLLABORATORS as GITHUB_DEMO_OUTSIDE,
  startGitHubSandbox,
  type GitHubSandbox,
  type GitHubSandboxOptions,
} from './github-sandbox.js'
import {
  DEMO_CLIENT_ID as ENTRA_DEMO_CLIENT_ID,
  DEMO_USERS as ENTRA_DEMO_USERS,
  startEntraIdSandbox,
  type EntraSandbox,
  type EntraSandboxOptions,
} from './entra-id-sandbox.js'
import { DEMO_USERS as OKTA_DEMO_USERS, startOktaSandbox, type OktaSandbox, type OktaSeedUser } from './okta-sandbox.js'
import { startRedisServer } from './redis-server.js'
import { DEMO_USERS, startScimSandbox, type ScimSandbox, type SeedUser } from './scim-sandbox.js'
import {
  SANDBOX,
  blockActionsPayload,
  eventBody,
  eventEnvelope,
  inputValue,
  interactionBody,
  postToSlackApp,
  slashCommandBody,
  viewSubmissionPayload,
  viewBlockActionsPayload,
  type SandboxUser,
  type SlackAppResponse,
} from './slack-signing.js'
import { DEMO_USERS as TD_DEMO_USERS, startTreasureDataSandbox, type TreasureDataSandbox, type TreasureDataSeedUser } from './treasure-data-sandbox.js'
import { startSlackStandIn, type SlackStandIn, type StandInChannel, type StandInUser, type StoredMessage, type StoredView } from './slack-stand-in.js'

export const LOCAL = {
  botToken: 'xoxb-local-sandbox-token',
  signingSecret: 'local-sandbox-signing-secret',
  ingestToken: 'local-sandbox-ingest-token',
  scimToken: 'local-sandbox-scim-token',
  integrationId: 'acme-scim',
  integrationName: 'Acme HR (SCIM)',
  treasureDataId: 'acme-td',
  atlassianId: 'acme-atlassian',
  qlikId: 'acme-qlik',
  cloudSsoId: 'acme-cloudsso',
  cloudSsoKeyId: 'LTAI-local-sandbox-key',
  cloudSsoKeySecret: 'local-sandbox-access-key-secret',
  atlassianKey: 'local-sandbox-atlassian-api-key',
  oktaId: 'acme-okta',
  oktaToken: 'local-sandbox-okta-token',
  googleId: 'acme-google',
  githubId: 'acme-github',
  githubToken: 'local-sandbox-github-token',
  entraId: 'acme-entra',
  entraSecret: 'local-sandbox-entra-client-secret',
  actor: SANDBOX.userId,
  /** Two more authorized actors, for two-person approval. */
  approver: 'U0APPROVER1',
  secondApprover: 'U0APPROVER2',
  outsider: 'U0OUTSIDER1',
  channel: SANDBOX.channelId,
} as const

export interface LocalEnvironmentOptions {
  /** Reuse this Redis instead of starting one. */
  redisUrl?: string
  users?: SeedUser[]
  /** Slack profiles by user id, over LOCAL's (an actor whose profile has no email, or another address). */
  slackUsers?: Record<string, StandInUser>
  /** More fields for the SCIM integration's providers-file entry (integrationOwner, actions...). */
  scimEntry?: Record<string, unknown>
  logger?: Logger
  retry?: RetryPolicy
  slackRetry?: RetryOptions
  /** Start the bot's workers in the bot process (default true). */
  workers?: boolean
  providerTimeoutMs?: number
  /** How long the confirmation modal and /deprovision's lookups wait for each service. */
  preflightTimeoutMs?: number
  postsPerSecondPerChannel?: number
  /** Also run a Treasure Data sandbox as integration LOCAL.treasureDataId, the bot using `keyOf`'s key (default the owner's). */
  treasureData?: { users?: TreasureDataSeedUser[]; keyOf?: string }
  /** Also run an Atlassian organization sandbox as integration LOCAL.atlassianId. */
  atlassian?: { accounts?: SeedAccount[] }
  /** Also run a Qlik Cloud tenant sandbox as integration LOCAL.qlikId (the demo tenant, the bot holding Ada Admin's key). */
  qlik?: Partial<QlikSandboxOptions>
  /** Also run an Alibaba CloudSSO directory sandbox as integration LOCAL.cloudSsoId (the demo directory). */
  cloudSso?: Partial<CloudSsoSandboxOptions>
  /** Also run an Okta org sandbox as integration LOCAL.oktaId, the identity provider unless `identityProvider: false`. */
  okta?: { users?: OktaSeedUser[]; identityProvider?: boolean; entry?: Record<string, unknown> }
  /** Also run a Google Workspace sandbox as integration LOCAL.googleId (an identity provider only with `identityProvider: true`). */
  googleWorkspace?: { users?: GoogleSeedUser[]; identityProvider?: boolean; entry?: Record<string, unknown> }
  /** Also run a GitHub organisation sandbox as integration LOCAL.githubId (the demo organisation unless given). */
  github?: Partial<Omit<GitHubSandboxOptions, 'token'>>
  /** Also run a Microsoft Entra ID tenant sandbox as integration LOCAL.entraId (an identity provider only with `identityProvider: true`). */
  entraId?: Partial<Omit<EntraSandboxOptions, 'clientSecret'>> & { identityProvider?: boolean; entry?: Record<string, unknown> }
  /** The bot's (and the Atlassian sandbox's) clock; tests move it to reach scheduled dates. */
  now?: () => Date
  /** How often the bot re-creates its repeating schedules (tests that remove them shorten it). */
  scheduleCheckMs?: number
  /** More environment variables for the bot (RECONCILE_EXTERNAL_DOMAINS...). */
  env?: Record<string, string>
  /** How the audit webhook (AUDIT_WEBHOOK_URL in `env`) is called and retried: tests shorten the waits. */
  auditWebhook?: Partial<WebhookPolicy>
  /** A routes file's rules (written as YAML and given as ROUTES_FILE), as an operator would write them. */
  routes?: unknown[]
  /** The workspace's channels and whether the bot is in each (the Slack stand-in's); unset: the bot is in every channel. */
  channels?: Record<string, StandInChannel>
}

interface IntegrationEntry {
  entry: Record<string, unknown>
  secrets: Record<string, string>
}

export interface LocalEnvironment {
  bot: Runtime
  /** A worker-only replica on the same Redis (stopped with the environment unless stopped first). */
  startWorker(): Promise<Runtime>
  config: Config
  slack: SlackStandIn
  scim: ScimSandbox
  treasureData?: TreasureDataSandbox
  atlassian?: AtlassianSandbox
  qlik?: QlikSandbox
  cloudSso?: CloudSsoSandbox
  okta?: OktaSandbox
  googleWorkspace?: GoogleWorkspaceSandbox
  github?: GitHubSandbox
  entraId?: EntraSandbox
  redisUrl: string
  /** POST /alerts as a detector would. */
  postAlert(body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>
  /** The alert's message in the channel, once the bot has posted it. */
  alertMessage(alertId: string): Promise<StoredMessage>
  /** A signed button click on the alert (or a Retry in its thread). */
  click(message: StoredMessage, action: Action, user?: SandboxUser): Promise<SlackAppResponse>
  /** Picks `value` in the alert's select `actionId` (its Mute menu), as a person would. */
  select(message: StoredMessage, actionId: string, value: string, user?: SandboxUser): Promise<SlackAppResponse>
  /** Clicks any button by its action id (Unmute), with the value it carries. */
  press(message: StoredMessage, actionId: string, user?: SandboxUser): Promise<SlackAppResponse>
  /** The modal after `views.update` filled it in, for the click made after `since` calls. */
  confirmation(since: number): Promise<StoredView>
  /** Submits the modal; `answers` picks an option per question id (as the actor would in its selects). */
  submit(view: StoredView, user?: SandboxUser, answers?: Record<string, string>): Promise<SlackAppResponse>
  /** Submits the modal with these input values, keyed by block id then action id (the inputs' selected options). */
  submitValues(view: StoredView, values: Record<string, Record<string, string>>, user?: SandboxUser): Promise<SlackAppResponse>
  command(text: string, user?: SandboxUser): Promise<SlackAppResponse>
  /**
   * `/deprovision <text>` for an offboarding: the modal as it opened, and as it stands once every service has answered
   * (no row still "Looking…"). Throws when the command is not acknowledged.
   */
  offboardForm(text: string, user?: SandboxUser): Promise<{ opened: StoredView; final: StoredView }>
  /** The thread reply whose text matches, once posted. */
  threadReply(message: StoredMessage, text: RegExp, timeoutMs?: number): Promise<StoredMessage>
  /** Opens the App Home tab as `user` would (app_home_opened); answers the Home the bot then published. */
  openHome(user?: SandboxUser): Promise<StoredView>
  /** Clicks the button `actionId` in `user`'s Home tab (the one carrying `value`, where several share the id). */
  pressInHome(actionId: string, options?: { value?: string; user?: SandboxUser }): Promise<SlackAppResponse>
  /** Types `text` into the Home tab's search box and presses Enter. */
  searchInHome(text: string, user?: SandboxUser): Promise<SlackAppResponse>
  /** The Home published for `user` after call number `since` (slack.calls.length before the move), once it is no longer loading. */
  publishedHome(since: number, user?: SandboxUser): Promise<StoredView>
  stop(): Promise<void>
}

export async function startLocalEnvironment(options: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  // Everything started so far, stopped in reverse order on stop() or when a later start fails.
  const started: Array<() => Promise<void> | void> = []
  const stopAll = async () => {
    for (const stop of started.reverse().splice(0)) await Promise.resolve(stop()).catch(() => undefined)
  }
  const track = <T extends { stop(): Promise<void> }>(service: T): T => {
    started.push(() => service.stop())
    return service
  }
  try {
    const redisUrl = options.redisUrl ?? track(await startRedisServer()).url
    const slack = track(
      await startSlackStandIn({
        botToken: LOCAL.botToken,
        users: {
          [LOCAL.actor]: { email: 'sandbox.admin@example.com', name: 'sandbox.admin' },
          [LOCAL.approver]: { email: 'sandbox.approver@example.com', name: 'sandbox.approver' },
          [LOCAL.secondApprover]: { email: 'sandbox.approver2@example.com', name: 'sandbox.approver2' },
          ...options.slackUsers,
        },
        ...(options.postsPerSecondPerChannel ? { postsPerSecondPerChannel: options.postsPerSecondPerChannel } : {}),
        ...(options.channels ? { channels: options.channels } : {}),
      }),
    )
    const scim = track(await startScimSandbox({ token: LOCAL.scimToken, users: options.users ?? DEMO_USERS }))
    const integrations: IntegrationEntry[] = [
      {
        entry: {
          id: LOCAL.integrationId,
          type: 'scim',
          displayName: LOCAL.integrationName,
          baseUrl: scim.url,
          token: '${ACME_SCIM_TOKEN}',
          adminConsoleUrl: 'https://acme.example/admin/users',
          ...options.scimEntry,
        },
        secrets: { ACME_SCIM_TOKEN: LOCAL.scimToken },
      },
    ]

    let treasureData: TreasureDataSandbox | undefined
    if (options.treasureData) {
      treasureData = track(await startTreasureDataSandbox({ users: options.treasureData.users ?? TD_DEMO_USERS }))
      integrations.push({
        entry: { id: LOCAL.treasureDataId, type: 'treasure-data', displayName: 'Treasure Data', baseUrl: treasureData.url, apiKey: '${TD_API_KEY}' },
        secrets: { TD_API_KEY: treasureData.apiKeyOf(options.treasureData.keyOf ?? TD_DEMO_USERS[0]!.email) },
      })
    }
    let atlassian: AtlassianSandbox | undefined
    if (options.atlassian) {
      atlassian = track(
        await startAtlassianSandbox({
          apiKey: LOCAL.atlassianKey,
          accounts: options.atlassian.accounts ?? ATLASSIAN_DEMO_ACCOUNTS,
          ...(options.now ? { now: options.now } : {}),
        }),
      )
      integrations.push({
        entry: {
          id: LOCAL.atlassianId,
          type: 'atlassian',
          displayName: 'Atlassian',
          orgId: atlassian.orgId,
          baseUrl: atlassian.url,
          apiKey: '${ATLASSIAN_API_KEY}',
        },
        secrets: { ATLASSIAN_API_KEY: LOCAL.atlassianKey },
      })
    }

    let qlik: QlikSandbox | undefined
    if (options.qlik) {
      qlik = track(await startQlikSandbox({ ...demoQlikTenant(), ...options.qlik }))
      integrations.push({
        entry: { id: LOCAL.qlikId, type: 'qlik', displayName: 'Qlik Cloud', tenantUrl: qlik.url, apiKey: '${QLIK_API_KEY}' },
        secrets: { QLIK_API_KEY: QLIK_DEMO_API_KEY },
      })
    }

    let cloudSso: CloudSsoSandbox | undefined
    if (options.cloudSso) {
      cloudSso = track(
        await startCloudSsoSandbox({
          accessKeyId: LOCAL.cloudSsoKeyId,
          accessKeySecret: LOCAL.cloudSsoKeySecret,
          seed: CLOUDSSO_DEMO_SEED,
          ...options.cloudSso,
        }),
      )
      integrations.push({
        entry: {
          id: LOCAL.cloudSsoId,
          type: 'alibaba-cloudsso',
          displayName: 'Alibaba CloudSSO',
          region: 'cn-shanghai',
          directoryId: cloudSso.directoryId,
          endpoint: cloudSso.url,
          accessKeyId: '${ALIBABA_ACCESS_KEY_ID}',
          accessKeySecret: '${ALIBABA_ACCESS_KEY_SECRET}',
        },
        secrets: { ALIBABA_ACCESS_KEY_ID: LOCAL.cloudSsoKeyId, ALIBABA_ACCESS_KEY_SECRET: LOCAL.cloudSsoKeySecret },
      })
    }

    let okta: OktaSandbox | undefined
    if (options.okta) {
      okta = track(await startOktaSandbox({ token: LOCAL.oktaToken, users: options.okta.users ?? OKTA_DEMO_USERS }))
      integrations.push({
        entry: {
          id: LOCAL.oktaId,
          type: 'okta',
          displayName: 'Okta',
          orgUrl: okta.url,
          apiToken: '${OKTA_API_TOKEN}',
          identityProvider: options.okta.identityProvider ?? true,
          ...options.okta.entry,
        },
        secrets: { OKTA_API_TOKEN: LOCAL.oktaToken },
      })
    }

    let googleWorkspace: GoogleWorkspaceSandbox | undefined
    if (options.googleWorkspace) {
      const serviceAccount = createSandboxServiceAccount()
      googleWorkspace = track(
        await startGoogleWorkspaceSandbox({
          serviceAccount: serviceAccount.identity,
          domain: GOOGLE_DEMO_DOMAIN,
          users: options.googleWorkspace.users ?? GOOGLE_DEMO_USERS,
          ...(options.now ? { now: options.now } : {}),
        }),
      )
      integrations.push({
        entry: {
          id: LOCAL.googleId,
          type: 'google-workspace',
          displayName: 'Google Workspace',
          domain: GOOGLE_DEMO_DOMAIN,
          adminEmail: GOOGLE_DEMO_ADMIN,
          serviceAccountKey: '${GOOGLE_SERVICE_ACCOUNT_KEY}',
          baseUrl: googleWorkspace.url,
          tokenUrl: googleWorkspace.tokenUrl,
          identityProvider: options.googleWorkspace.identityProvider ?? false,
          ...options.googleWorkspace.entry,
        },
        secrets: { GOOGLE_SERVICE_ACCOUNT_KEY: serviceAccount.keyJson },
      })
    }

    let github: GitHubSandbox | undefined
    if (options.github) {
      github = track(
        await startGitHubSandbox({
          org: GITHUB_DEMO_ORG,
          members: GITHUB_DEMO_MEMBERS,
          outsideCollaborators: GITHUB_DEMO_OUTSIDE,
          invitations: GITHUB_DEMO_INVITATIONS,
          ...options.github,
          token: LOCAL.githubToken,
        }),
      )
      integrations.push({
        entry: { id: LOCAL.githubId, type: 'github', displayName: 'GitHub', org: github.org, token: '${GITHUB_TOKEN}', apiUrl: github.url },
        secrets: { GITHUB_TOKEN: LOCAL.githubToken },
      })
    }

    let entraId: EntraSandbox | undefined
    if (options.entraId) {
      const { identityProvider, entry, ...sandboxOptions } = options.entraId
      entraId = track(
        await startEntraIdSandbox({
          clientId: ENTRA_DEMO_CLIENT_ID,
          users: ENTRA_DEMO_USERS,
          ...(options.now ? { now: options.now } : {}),
          ...sandboxOptions,
          clientSecret: LOCAL.entraSecret,
        }),
      )
      integrations.push({
        entry: {
          id: LOCAL.entraId,
          type: 'entra-id',
          displayName: 'Microsoft Entra ID',
          tenantId: entraId.tenantId,
          clientId: sandboxOptions.clientId ?? ENTRA_DEMO_CLIENT_ID,
          clientSecret: '${ENTRA_CLIENT_SECRET}',
          graphUrl: entraId.url,
          loginUrl: entraId.url,
          identityProvider: identityProvider ?? false,
          ...entry,
        },
        secrets: { ENTRA_CLIENT_SECRET: LOCAL.entraSecret },
      })
    }

    const directory = mkdtempSync(join(tmpdir(), 'deprovision-bot-'))
    started.push(() => rmSync(directory, { recursive: true, force: true }))
    const providersFile = join(directory, 'providers.yml')
    writeFileSync(providersFile, stringifyYaml(integrations.map((integration) => integration.entry)))
    const secrets = Object.assign({}, ...integrations.map((integration) => integration.secrets)) as Record<string, string>
    const routesFile = join(directory, 'routes.yml')
    if (options.routes) writeFileSync(routesFile, stringifyYaml(options.routes))

    const config: Config = {
      ...loadConfig({
        SLACK_BOT_TOKEN: LOCAL.botToken,
        SLACK_SIGNING_SECRET: LOCAL.signingSecret,
        SLACK_API_URL: slack.apiUrl,
        ALERT_CHANNEL_ID: LOCAL.channel,
        REDIS_URL: redisUrl,
        ALERT_INGEST_TOKEN: LOCAL.ingestToken,
        PROVIDERS_FILE: providersFile,
        ACTORS: [LOCAL.actor, LOCAL.approver, LOCAL.secondApprover].join(','),
        LOG_LEVEL: 'silent',
        // A run starting at 06:00 UTC in the middle of an unrelated test would post to its channel.
        RECONCILE_SCHEDULE: 'off',
        ...(options.routes ? { ROUTES_FILE: routesFile } : {}),
        ...secrets,
        ...options.env,
      }),
      port: 0,
    }
    const runtimeOptions: RuntimeOptions = {
      logger: options.logger ?? createLogger('silent'),
      host: '127.0.0.1',
      stopGraceMs: 2_000,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.slackRetry ? { slackRetry: options.slackRetry } : {}),
      ...(options.providerTimeoutMs ? { providerTimeoutMs: options.providerTimeoutMs } : {}),
      ...(options.preflightTimeoutMs ? { preflightTimeoutMs: options.preflightTimeoutMs } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.scheduleCheckMs ? { scheduleCheckMs: options.scheduleCheckMs } : {}),
      ...(options.auditWebhook ? { auditWebhook: options.auditWebhook } : {}),
    }
    const bot = track(await startRuntime(config, { ...runtimeOptions, ...(options.workers === false ? { workers: false } : {}) }))
    const startWorker = async () => {
      const worker = await startRuntime(config, { ...runtimeOptions, serve: false })
      started.push(() => worker.stop())
      return worker
    }
    return environment({
      bot,
      config,
      startWorker,
      slack,
      scim,
      redisUrl,
      stop: stopAll,
      ...(treasureData ? { treasureData } : {}),
      ...(atlassian ? { atlassian } : {}),
      ...(qlik ? { qlik } : {}),
      ...(cloudSso ? { cloudSso } : {}),
      ...(okta ? { okta } : {}),
      ...(googleWorkspace ? { googleWorkspace } : {}),
      ...(github ? { github } : {}),
      ...(entraId ? { entraId } : {}),
    })
  } catch (error) {
    await stopAll()
    throw error
  }
}

type Parts = Pick<
  LocalEnvironment,
  | 'bot'
  | 'config'
  | 'startWorker'
  | 'slack'
  | 'scim'
  | 'redisUrl'
  | 'treasureData'
  | 'atlassian'
  | 'qlik'
  | 'cloudSso'
  | 'okta'
  | 'googleWorkspace'
  | 'github'
  | 'entraId'
  | 'stop'
>

function environment(parts: Parts): LocalEnvironment {
  const { bot, slack } = parts
  const events = `${bot.url}/slack/events`
  const publishedHome = async (since: number, user: SandboxUser = { id: LOCAL.actor }) => {
    // A Home that is still asking a service carries a block whose id ends in ":loading"; wait for the one after it.
    const call = await slack.waitFor(
      'views.publish',
      (c) => slack.calls.indexOf(c) >= since && c.args.user_id === user.id && !JSON.stringify(c.args.view ?? {}).includes(':loading"'),
    )
    return slack.view(String((call.response as { view: { id: string } }).view.id))!
  }
  const actInHome = (user: SandboxUser, matches: (element: HomeElement) => boolean, action: (found: FoundElement) => Record<string, unknown>) => {
    const home = slack.views().find((view) => view.type === 'home' && view.user_id === user.id)
    if (!home) throw new Error(`no Home tab published for ${user.id}`)
    const found = findInView(home, matches)
    if (!found) throw new Error(`no such element in ${user.id}'s Home tab`)
    const payload = viewBlockActionsPayload({
      view: home,
      action: { ...action(found), action_id: String(found.element.action_id), block_id: found.blockId } as never,
      user,
    })
    return postToSlackApp(events, LOCAL.signingSecret, interactionBody(payload))
  }

  return {
    ...parts,
    async postAlert(body, token = LOCAL.ingestToken) {
      const response = await fetch(`${bot.url}/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    },
    async alertMessage(alertId) {
      const call = await slack.waitFor('chat.postMessage', (c) => !c.args.thread_ts && JSON.stringify(c.args.blocks ?? []).includes(alertId))
      const { channel, ts } = call.response as { channel: string; ts: string }
      return slack.message(channel, ts)!
    },
    click(message, action, user = { id: LOCAL.actor }) {
      const isReply = message.thread_ts !== undefined && message.thread_ts !== message.ts
      // A top-level alert is clicked as it is now (after chat.update), a thread reply as posted.
      const target = isReply ? message : (slack.message(LOCAL.channel, message.ts) ?? message)
      const payload = blockActionsPayload({
        message: target,
        channel: LOCAL.channel,
        actionId: requestActionId(action),
        user,
        responseUrlBase: slack.responseUrlBase,
      })
      return postToSlackApp(events, LOCAL.signingSecret, interactionBody(payload))
    },
    select(message, actionId, value, user = { id: LOCAL.actor }) {
      const current = slack.message(LOCAL.channel, message.ts) ?? message
      const blockId = (current.blocks ?? []).find((block) => JSON.stringify(block).includes(`"action_id":"${actionId}"`))?.block_id
      if (typeof blockId !== 'string') throw new Error(`the message has no select ${actionId}`)
      // The payload builder knows buttons; build one for the select's block, then swap in the select's action.
      const base = blockActionsPayload({
        message: {
          ts: current.ts,
          blocks: [{ type: 'actions', block_id: blockId, elements: [{ type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'x' } }] }],
        },
        channel: LOCAL.channel,
        actionId,
        user,
        responseUrlBase: slack.responseUrlBase,
      })
      const payload = {
        ...base,
        message: current,
        actions: [
          {
            type: 'static_select',
            action_id: actionId,
            block_id: blockId,
            selected_option: { value, text: { type: 'plain_text', text: value } },
            action_ts: String(Date.now() / 1000),
          },
        ],
      }
      return postToSlackApp(events, LOCAL.signingSecret, interactionBody(payload))
    },
    press(message, actionId, user = { id: LOCAL.actor }) {
      const current = slack.message(LOCAL.channel, message.ts) ?? message
      const payload = blockActionsPayload({ message: current, channel: LOCAL.channel, actionId, user, responseUrlBase: slack.responseUrlBase })
      return postToSlackApp(events, LOCAL.signingSecret, interactionBody(payload))
    },
    async confirmation(since) {
      const call = await slack.waitFor('views.update', (c) => slack.calls.indexOf(c) >= since)
      return slack.view(String(call.args.view_id))!
    },
    submit(view, user = { id: LOCAL.actor }, answers = {}) {
      const values = Object.fromEntries(
        Object.entries(answers).map(([question, value]) => [`${QUESTION_BLOCK_PREFIX}${question}`, { [ANSWER_ACTION_ID]: inputValue.select(value) }]),
      )
      return postToSlackApp(events, LOCAL.signingSecret, interactionBody(viewSubmissionPayload({ view, user, values })))
    },
    submitValues(view, values, user = { id: LOCAL.actor }) {
      const state = Object.fromEntries(
        Object.entries(values).map(([block, inputs]) => [
          block,
          Object.fromEntries(Object.entries(inputs).map(([action, value]) => [action, inputValue.select(value)])),
        ]),
      )
      return postToSlackApp(events, LOCAL.signingSecret, interactionBody(viewSubmissionPayload({ view, user, values: state })))
    },
    command(text, user = { id: LOCAL.actor }) {
      return postToSlackApp(
        events,
        LOCAL.signingSecret,
        slashCommandBody({
          command: '/deprovision',
          text,
          user_id: user.id,
          user_name: user.username ?? user.id,
          channel_id: LOCAL.channel,
          response_url: slack.responseUrl({ channel: LOCAL.channel, user: user.id }),
        }),
      )
    },
    async offboardForm(text, user = { id: LOCAL.actor }) {
      const since = slack.calls.length
      const answer = await this.command(text, user)
      if (answer.status !== 200) throw new Error(`/deprovision ${text} answered ${answer.status}: ${answer.body}`)
      const open = await slack.waitFor('views.open', (call) => slack.calls.indexOf(call) >= since)
      const viewId = String((open.response as { view: { id: string } }).view.id)
      const opened = structuredClone(open.args.view) as StoredView
      await slack.waitFor(
        'views.update',
        (call) => slack.calls.indexOf(call) >= since && call.args.view_id === viewId && !JSON.stringify(call.args.view).includes('Looking…'),
        10_000,
      )
      return { opened, final: slack.view(viewId)! }
    },
    async openHome(user = { id: LOCAL.actor }) {
      const since = slack.calls.length
      const event = eventEnvelope({ type: 'app_home_opened', user: user.id, channel: `D${user.id.slice(1)}`, tab: 'home' })
      const response = await postToSlackApp(events, LOCAL.signingSecret, eventBody(event))
      if (response.status !== 200) throw new Error(`app_home_opened answered ${response.status}: ${response.body}`)
      return publishedHome(since, user)
    },
    pressInHome(actionId, { value, user = { id: LOCAL.actor } } = {}) {
      return actInHome(
        user,
        (element) => element.type === 'button' && element.action_id === actionId && (value === undefined || element.value === value),
        ({ element }) => ({ type: 'button', value: element.value, text: element.text }),
      )
    },
    searchInHome(text, user = { id: LOCAL.actor }) {
      return actInHome(
        user,
        (element) => element.action_id === HOME_SEARCH_ACTION_ID,
        () => ({ type: 'plain_text_input', value: text }),
      )
    },
    publishedHome,
    async threadReply(message, text, timeoutMs = 10_000) {
      const call = await slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === message.ts && text.test(String(c.args.text)), timeoutMs)
      const ts = (call.response as { ts: string }).ts
      const parent = slack.messages(LOCAL.channel).find((m) => m.ts === message.ts)
      return parent!.replies.find((reply) => reply.ts === ts)!
    },
  }
}

interface HomeElement {
  type?: unknown
  action_id?: unknown
  value?: unknown
  text?: unknown
}

interface FoundElement {
  blockId: string
  element: HomeElement
}

/** The first interactive element of a view (in an actions block, an accessory, or an input) that `matches`. */
function findInView(view: StoredView, matches: (element: HomeElement) => boolean): FoundElement | undefined {
  for (const block of view.blocks as ReadonlyArray<{ block_id?: string; elements?: unknown; accessory?: unknown; element?: unknown }>) {
    const candidates = [...(Array.isArray(block.elements) ? (block.elements as unknown[]) : []), block.accessory, block.element]
    for (const element of candidates) {
      if (typeof element === 'object' && element !== null && matches(element)) return { blockId: block.block_id ?? '', element }
    }
  }
  return undefined
}

/**
 * Requests as Slack sends them to a Bolt app: v0-signed, form-encoded bodies, and
 * payloads shaped like Slack's own (typed against Bolt's definitions, so Bolt routes them).
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { BlockAction, ButtonAction, SlashCommand, ViewOutput, ViewStateValue, ViewSubmitAction } from '@slack/bolt'

/** The sandbox workspace every sandbox payload and the Slack stand-in agree on. */
export const SANDBOX = {
  teamId: 'T0SANDBOX',
  teamDomain: 'sandbox',
  teamName: 'Sandbox',
  apiAppId: 'A0SANDBOX',
  botId: 'B0SANDBOX',
  botUserId: 'U0SANDBOXBOT',
  botUserName: 'deprovision-bot',
  // The legacy verification token Slack still puts in every payload; Bolt ignores it.
  verificationToken: 'sandbox-verification-token',
  userId: 'U0SANDBOX01',
  userName: 'sandbox.admin',
  channelId: 'C0SANDBOX01',
  channelName: 'security-alerts',
} as const

export type SlackContentType = 'application/x-www-form-urlencoded' | 'application/json'

export interface SlackRequestHeaders {
  'content-type': SlackContentType
  'x-slack-request-timestamp': string
  'x-slack-signature': string
  'user-agent': string
  [name: string]: string
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`, keyed with the signing secret. */
export function slackSignature(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex')
  return `v0=${digest}`
}

/** Events arrive as JSON; interactions and slash commands as form posts. */
export function contentTypeOf(body: string): SlackContentType {
  return body.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded'
}

export function signedHeaders(secret: string, body: string, timestampSeconds: number = nowSeconds()): SlackRequestHeaders {
  return {
    'content-type': contentTypeOf(body),
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': slackSignature(secret, timestampSeconds, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  }
}

/** Block actions, view submissions, shortcuts: one form field `payload` holding the JSON. */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
}

/** Events API deliveries (and url_verification) are plain JSON. */
export function eventBody(envelope: object): string {
  return JSON.stringify(envelope)
}

export type SlashCommandFields = Partial<SlashCommand> & { command: string }

/** A slash command form post; fields left out get the values Slack would send in the sandbox workspace. */
export function slashCommandBody(fields: SlashCommandFields): string {
  const complete: Record<string, string> = { ...slashCommandDefaults(), ...definedStrings(fields) }
  return new URLSearchParams(complete).toString()
}

function slashCommandDefaults(): SlashCommand {
  return {
    token: SANDBOX.verificationToken,
    team_id: SANDBOX.teamId,
    team_domain: SANDBOX.teamDomain,
    channel_id: SANDBOX.channelId,
    channel_name: SANDBOX.channelName,
    user_id: SANDBOX.userId,
    user_name: SANDBOX.userName,
    command: '',
    text: '',
    api_app_id: SANDBOX.apiAppId,
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/${SANDBOX.teamId}/${randomDigits(13)}/${randomHex(12)}`,
    trigger_id: newTriggerId(),
  }
}

function definedStrings(fields: object): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) out[key] = String(value)
  }
  return out
}

let triggerSeq = 0

/**
 * A fresh trigger_id. Real ones look like `12345.98765.abcd2358fdea`; here the first part is the
 * issue time in ms, so the Slack stand-in can enforce Slack's 3-second lifetime.
 */
export function newTriggerId(issuedAtMs: number = Date.now()): string {
  triggerSeq += 1
  return `${issuedAtMs}.${triggerSeq}.${randomHex(16)}`
}

/** Issue time of a trigger_id made by `newTriggerId`, or undefined for anything else. */
export function triggerIssuedAt(triggerId: string): number | undefined {
  const match = /^(\d{13})\.\d+\.[0-9a-f]+$/.exec(triggerId)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/** A unique response_url under `base` (e.g. the stand-in's `responseUrlBase`). */
export function newResponseUrl(base: string): string {
  return `${base.replace(/\/?$/, '/')}${randomHex(12)}`
}

export interface PostOptions {
  /** Defaults to now; pass an old one to exercise replay protection. */
  timestampSeconds?: number
  /** Extra headers, e.g. `x-slack-retry-num`. */
  headers?: Record<string, string>
  /** Sign with a different body than is sent (tamper tests). */
  signBody?: string
  timeoutMs?: number
}

export interface SlackAppResponse {
  status: number
  body: string
  headers: Record<string, string>
}

/** POST a signed body to a Bolt app's request URL, the way Slack does. */
export async function postToSlackApp(url: string, secret: string, body: string, opts: PostOptions = {}): Promise<SlackAppResponse> {
  const headers = { ...signedHeaders(secret, opts.signBody ?? body, opts.timestampSeconds), ...opts.headers }
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    // Slack gives up after 3 s; a little slack here so tests see the app's own 404/timeout answer.
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  })
  return {
    status: response.status,
    body: await response.text(),
    headers: Object.fromEntries(response.headers.entries()),
  }
}

// ---------------------------------------------------------------------------------------------
// Payload builders
// ---------------------------------------------------------------------------------------------

export interface SandboxUser {
  id: string
  username?: string
  name?: string
}

/** A message as stored by the stand-in (or any message you posted): enough to click on it. */
export interface ClickableMessage {
  ts: string
  text?: string
  blocks?: readonly object[]
  [key: string]: unknown
}

export interface BlockActionsOptions {
  /** The message holding the button. */
  message: ClickableMessage
  channel?: { id: string; name?: string } | string
  actionId: string
  /** Looked up from the button in `message.blocks` when left out. */
  blockId?: string
  value?: string
  user?: SandboxUser
  /** A ready response_url (e.g. the stand-in's `responseUrl(...)`)... */
  responseUrl?: string
  /** ...or a base that a unique id is appended to. One of the two is required. */
  responseUrlBase?: string
  triggerId?: string
}

/** A button click on a message, shaped like Slack's `block_actions` payload. */
export function blockActionsPayload(opts: BlockActionsOptions): BlockAction<ButtonAction> {
  const channel = typeof opts.channel === 'string' ? { id: opts.channel } : opts.channel
  const channelRef = { id: channel?.id ?? SANDBOX.channelId, name: channel?.name ?? SANDBOX.channelName }
  const user = opts.user ?? { id: SANDBOX.userId }
  const button = buttonAction(opts)
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.username ?? user.id, name: user.name ?? user.username ?? user.id, team_id: SANDBOX.teamId },
    api_app_id: SANDBOX.apiAppId,
    token: SANDBOX.verificationToken,
    container: { type: 'message', message_ts: opts.message.ts, channel_id: channelRef.id, is_ephemeral: false },
    trigger_id: opts.triggerId ?? newTriggerId(),
    team: { id: SANDBOX.teamId, domain: SANDBOX.teamDomain },
    is_enterprise_install: false,
    channel: channelRef,
    message: clickedMessage(opts.message),
    state: { values: {} },
    response_url: responseUrlFor(opts),
    actions: [button],
  }
}

/** An Events API delivery (`event_callback`) of `event`, e.g. `{ type: 'app_home_opened', user, tab: 'home' }`. */
export function eventEnvelope(event: Record<string, unknown> & { type: string }): object {
  const eventTs = actionTs()
  return {
    token: SANDBOX.verificationToken,
    team_id: SANDBOX.teamId,
    api_app_id: SANDBOX.apiAppId,
    event: { event_ts: eventTs, ...event },
    type: 'event_callback',
    event_id: `Ev${randomHex(8).toUpperCase()}`,
    event_time: Math.floor(Number(eventTs)),
    authorizations: [{ team_id: SANDBOX.teamId, user_id: SANDBOX.botUserId, is_bot: true, is_enterprise_install: false }],
  }
}

export interface ViewActionOptions {
  /** The view holding the element (a Home tab, a modal), as the stand-in stores it. */
  view: { id: string; [key: string]: unknown }
  /** The element's action as Slack reports it: `type`, `action_id`, `block_id`, and its `value`. */
  action: { type: string; action_id: string; block_id: string; [key: string]: unknown }
  user?: SandboxUser
  triggerId?: string
}

/** A click (or Enter in a dispatching input) inside a view, shaped like Slack's `block_actions` from a view: no channel, no response_url. */
export function viewBlockActionsPayload(opts: ViewActionOptions): BlockAction {
  const user = opts.user ?? { id: SANDBOX.userId }
  const payload = {
    type: 'block_actions',
    user: { id: user.id, username: user.username ?? user.id, name: user.name ?? user.username ?? user.id, team_id: SANDBOX.teamId },
    api_app_id: SANDBOX.apiAppId,
    token: SANDBOX.verificationToken,
    container: { type: 'view', view_id: opts.view.id },
    trigger_id: opts.triggerId ?? newTriggerId(),
    team: { id: SANDBOX.teamId, domain: SANDBOX.teamDomain },
    is_enterprise_install: false,
    view: opts.view,
    actions: [{ ...opts.action, action_ts: actionTs() }],
  }
  // The view comes from the stand-in's answer to views.publish/open, so it has Slack's shapes.
  return payload as unknown as BlockAction
}

/** The message as Slack embeds it: without the stand-in's bookkeeping (channel, replies). */
function clickedMessage(message: ClickableMessage): NonNullable<BlockAction['message']> {
  const { channel: _channel, replies: _replies, ...rest } = message
  const base = { type: 'message' as const, user: SANDBOX.botUserId, bot_id: SANDBOX.botId, app_id: SANDBOX.apiAppId, team: SANDBOX.teamId }
  return { ...base, ...rest, ts: message.ts }
}

function responseUrlFor(opts: { responseUrl?: string; responseUrlBase?: string }): string {
  if (opts.responseUrl !== undefined) return opts.responseUrl
  if (opts.responseUrlBase !== undefined) return newResponseUrl(opts.responseUrlBase)
  throw new Error('blockActionsPayload needs responseUrl or responseUrlBase (point it at the Slack stand-in)')
}

interface ButtonElement {
  type: 'button'
  action_id?: string
  value?: string
  style?: 'primary' | 'danger'
  url?: string
  text?: { type: 'plain_text'; text: string; emoji?: boolean }
}

function buttonAction(opts: BlockActionsOptions): ButtonAction {
  const found = findButton(opts.message.blocks ?? [], opts.actionId)
  if (found === undefined && opts.blockId === undefined) {
    const ids = listButtons(opts.message.blocks ?? []).join(', ') || 'none'
    throw new Error(`no button with action_id '${opts.actionId}' in message ${opts.message.ts}; buttons: ${ids}`)
  }
  const action: ButtonAction = {
    type: 'button',
    action_id: opts.actionId,
    block_id: opts.blockId ?? found?.blockId ?? '',
    text: found?.button.text ?? { type: 'plain_text', text: opts.actionId, emoji: true },
    action_ts: actionTs(),
  }
  const value = opts.value ?? found?.button.value
  if (value !== undefined) action.value = value
  const style = found?.button.style
  return style === undefined ? action : ({ ...action, style } as ButtonAction)
}

function actionTs(): string {
  const micros = Date.now() * 1000 + Math.floor(Math.random() * 1000)
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`
}

interface FoundButton {
  blockId: string
  button: ButtonElement
}

function findButton(blocks: readonly object[], actionId: string): FoundButton | undefined {
  for (const { blockId, element } of interactiveElements(blocks)) {
    if (element.type === 'button' && element.action_id === actionId) return { blockId, button: element as ButtonElement }
  }
  return undefined
}

function listButtons(blocks: readonly object[]): string[] {
  return interactiveElements(blocks)
    .filter((e) => e.element.type === 'button')
    .map((e) => String(e.element.action_id))
}

interface ElementRef {
  blockId: string
  element: { type?: unknown; action_id?: unknown }
}

function interactiveElements(blocks: readonly object[]): ElementRef[] {
  const refs: ElementRef[] = []
  for (const block of blocks as ReadonlyArray<{ block_id?: string; elements?: unknown; accessory?: unknown }>) {
    const blockId = block.block_id ?? ''
    const candidates = [...(Array.isArray(block.elements) ? (block.elements as unknown[]) : []), block.accessory]
    for (const element of candidates) {
      if (typeof element === 'object' && element !== null) refs.push({ blockId, element })
    }
  }
  return refs
}

/** A view as the stand-in (or views.open) returns it, or any subset of Slack's view object. */
export type SubmittableView = { id: string } & { [K in keyof ViewOutput]?: unknown }

export interface ViewSubmissionOptions {
  view: SubmittableView
  /** `state.values`: `{ [block_id]: { [action_id]: { type, value | selected_option | ... } } }`. */
  values?: ViewOutput['state']['values']
  user?: SandboxUser
  triggerId?: string
}

/** A modal submit, shaped like Slack's `view_submission` payload. */
export function viewSubmissionPayload(opts: ViewSubmissionOptions): ViewSubmitAction {
  const user = opts.user ?? { id: SANDBOX.userId }
  return {
    type: 'view_submission',
    team: { id: SANDBOX.teamId, domain: SANDBOX.teamDomain },
    user: { id: user.id, username: user.username ?? user.id, name: user.name ?? user.username ?? user.id, team_id: SANDBOX.teamId } as ViewSubmitAction['user'],
    api_app_id: SANDBOX.apiAppId,
    token: SANDBOX.verificationToken,
    trigger_id: opts.triggerId ?? newTriggerId(),
    view: submittedView(opts.view, opts.values ?? {}),
    response_urls: [],
    is_enterprise_install: false,
  }
}

function submittedView(view: SubmittableView, values: ViewOutput['state']['values']): ViewOutput {
  const defaults: ViewOutput = {
    id: view.id,
    type: 'modal',
    team_id: SANDBOX.teamId,
    app_id: SANDBOX.apiAppId,
    app_installed_team_id: SANDBOX.teamId,
    bot_id: SANDBOX.botId,
    callback_id: '',
    private_metadata: '',
    external_id: '',
    title: { type: 'plain_text', text: 'Modal', emoji: true },
    close: null,
    submit: null,
    blocks: [],
    hash: `${nowSeconds()}.${randomHex(4)}`,
    root_view_id: view.id,
    previous_view_id: null,
    clear_on_close: false,
    notify_on_close: false,
    state: { values },
  }
  // Fields come from Slack's own answer to views.open/update, so they have its shapes.
  return { ...defaults, ...view, state: { values } } as ViewOutput
}

/** State values for `plain_text_input` and `static_select` inputs, the two the bot's modals use. */
export const inputValue = {
  text: (value: string): ViewStateValue => ({ type: 'plain_text_input', value }),
  select: (value: string, text: string = value): ViewStateValue => ({
    type: 'static_select',
    selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
  }),
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

function randomDigits(count: number): string {
  return Array.from(randomBytes(count), (b) => String(b % 10)).join('')
}

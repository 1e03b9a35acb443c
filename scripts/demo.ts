/**
 * `npm run demo`: the whole bot on this machine, no Slack workspace needed. A
 * detector reports an account, a security engineer deletes it from Slack, then a
 * second alert shows an actionable error (expired SCIM credentials) and its Retry,
 * then `/deprovision` offboards a person from Okta (the identity provider, first), SCIM and GitHub, and
 * another from Microsoft Entra ID (also an identity provider, first) and SCIM.
 * Prints what Slack would show at each step and checks every outcome, so it is
 * also a smoke test: exit 0 when all went as described, 1 with the reason if not.
 * Everything it starts is stopped again, on failure and Ctrl-C too; it gives up after
 * 60 s (and allows 5 s more for stopping).
 */
import { parse } from 'csv-parse/sync'
import { CONFIRM_CALLBACK_ID, OFFBOARD_DECISION_ACTION_ID, offboardDecisionBlockId } from '../src/constants.js'
import type { Action } from '../src/providers/types.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../local/local-environment.js'
import { isRedisReachable } from '../local/redis-server.js'
import { DEMO_MEMBERS as GITHUB_DEMO_MEMBERS } from '../local/github-sandbox.js'
import type { RecordedRequest } from '../local/scim-sandbox.js'
import { DEMO_USERS as SCIM_DEMO_USERS } from '../local/scim-sandbox.js'
import { SANDBOX } from '../local/slack-signing.js'
import type { RecordedCall, StoredMessage, StoredView } from '../local/slack-stand-in.js'
import { mrkdwn, renderMessage, renderThread, renderView, type RenderableView } from '../local/transcript.js'

const TIME_LIMIT_MS = 60_000
/** How long stopping everything may take before the demo exits anyway. */
const STOP_LIMIT_MS = 5_000
/**
 * How long to wait for any one thing the bot should do (a message, a modal, a reply): long enough for a job
 * to use up its 3 attempts against a service that never answers (3 × PROVIDER_TIMEOUT_MS plus backoff) and
 * report that, so a hanging service fails the demo with the bot's own explanation.
 */
const STEP_WAIT_MS = 25_000
const PROVIDER_TIMEOUT_MS = 5_000
/** The routes file's second channel: critical alerts from the SIEM go there. */
const PAGER_CHANNEL = 'C0DEMOPAGER'

// --- output -------------------------------------------------------------------

const colorful = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && process.env.NO_COLOR === undefined
const style =
  (code: string, on: boolean) =>
  (text: string): string =>
    on ? `\u001b[${code}m${text}\u001b[0m` : text
const bold = style('1', colorful(process.stdout))
const dim = style('2', colorful(process.stdout))
const green = style('32', colorful(process.stdout))
/** For stderr, which may be a terminal when stdout is not, or the other way round. */
const alarm = style('1;31', colorful(process.stderr))
const faint = style('2', colorful(process.stderr))

let environment: Promise<LocalEnvironment> | undefined
let stopping: Promise<void> | undefined
let finished = false

const started = Date.now()
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(2)} s`

// A reader may stop reading (`npm run demo | head`): the demo still runs its checks to the end.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
})

function say(text = ''): void {
  // After a failure or the time limit, the demo may run on briefly while everything stops: keep that quiet.
  if (!finished) process.stdout.write(`${text}\n`)
}

function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n')
}

let currentStep = ''

function step(number: number, title: string): void {
  currentStep = `step ${number} (${title})`
  say()
  say(bold(`━━ ${number}. ${title} `.padEnd(78, '━')) + dim(`  ${elapsed()}`))
  say()
}

/** A check the demo makes on the bot's behaviour; a failed one ends the demo with exit code 1. */
class DemoFailure extends Error {
  override readonly name = 'DemoFailure'
}

function check(condition: boolean, what: string, otherwise: string): void {
  if (!condition) throw new DemoFailure(`${what}: ${otherwise}`)
  say(green(`  ✓ ${what}`))
}

// --- small helpers over the stand-ins ---------------------------------------------

/** A Redis URL as printed: any password replaced by ***. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}

function asView(value: unknown): RenderableView {
  return typeof value === 'object' && value !== null ? value : {}
}

function buttonsOf(message: { blocks?: readonly object[] }): string[] {
  return [...JSON.stringify(message.blocks ?? []).matchAll(/"action_id":"alert_action:([\w-]+)"/g)].map((match) => match[1] ?? '')
}

function plainText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const text = (value as { text?: unknown }).text
  return typeof text === 'string' ? text : undefined
}

/** A SCIM request as one line: `GET /Users?filter=userName eq "bob@example.com"`, a PATCH with its operations. */
function scimLine(request: RecordedRequest): string {
  const query = Object.entries(request.query)
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
  const target = `${request.method} ${request.path}${query ? `?${query}` : ''}`
  if (request.method !== 'PATCH' || typeof request.body !== 'object' || request.body === null) return target
  const operations = (request.body as { Operations?: unknown }).Operations
  return `${target}   Operations: ${JSON.stringify(operations)}`
}

function printScimRequests(requests: readonly RecordedRequest[], note: (request: RecordedRequest) => string = () => ''): void {
  if (requests.length === 0) say(indent(dim('(none)')))
  for (const request of requests) say(indent(`${scimLine(request)}${note(request)}`))
}

/** The visible Slack changes to one alert since call number `since`: thread replies and alert updates, in order. */
function printTimeline(env: LocalEnvironment, alert: StoredMessage, since: number, from: number): void {
  const calls = env.slack.calls
    .slice(since)
    .filter((call) => (call.method === 'chat.postMessage' && call.args.thread_ts === alert.ts) || (call.method === 'chat.update' && call.args.ts === alert.ts))
  for (const call of calls) {
    const at = dim(`+${String(call.at - from).padStart(4)} ms`)
    if (call.method === 'chat.update') {
      say(`  ${at}  alert message updated, its status now: ${alertStatus(textArg(call))}`)
    } else {
      say(`  ${at}  reply in the thread:`)
      say(indent(renderMessage(replyContent(call)), '              '))
    }
  }
}

/** The status part of the alert's notification text ("… — Deleted."), or all of it. */
function alertStatus(text: string): string {
  const plain = mrkdwn(text)
  const dash = plain.lastIndexOf(' — ')
  return dash === -1 ? plain : plain.slice(dash + 3)
}

function replyContent(call: RecordedCall): { text?: string; blocks?: readonly object[] } {
  const blocks = Array.isArray(call.args.blocks) ? (call.args.blocks as object[]) : undefined
  return { text: textArg(call), ...(blocks ? { blocks } : {}) }
}

const textArg = (call: RecordedCall): string => (typeof call.args.text === 'string' ? call.args.text : '')

function threadOf(env: LocalEnvironment, alert: StoredMessage): StoredMessage & { replies: StoredMessage[] } {
  const thread = env.slack.messages(LOCAL.channel).find((message) => message.ts === alert.ts)
  if (!thread) throw new DemoFailure(`the alert message ${alert.ts} is no longer in the channel`)
  return thread
}

/** The first `method` call from call number `since` on that matches; `alert` adds its thread to the failure message. */
async function waitForCall(
  env: LocalEnvironment,
  method: string,
  since: number,
  predicate: (call: RecordedCall) => boolean,
  what: string,
  alert?: StoredMessage,
): Promise<RecordedCall> {
  try {
    return await env.slack.waitFor(method, (call) => env.slack.calls.indexOf(call) >= since && predicate(call), STEP_WAIT_MS)
  } catch (error) {
    const replies = alert ? threadOf(env, alert).replies.map((reply) => `"${reply.text}"`) : []
    const thread = alert ? ` (thread replies so far: ${replies.join(', ') || 'none'})` : ''
    throw new DemoFailure(`${what} never came: no matching ${method} within ${STEP_WAIT_MS / 1000} s${thread}`, { cause: error })
  }
}

// --- the story --------------------------------------------------------------------

interface Tally {
  alerts: number
  actions: number
  succeeded: number
  failed: number
  replies: number
}

const runId = Date.now().toString(36)

const ERIN_IN_SCIM = { id: 'u-erin', userName: 'erin@example.com', displayName: 'Erin Exit', givenName: 'Erin', familyName: 'Exit' }
/** Erin in the GitHub organisation: GitHub shows no email, her SAML identity does. */
const ERIN_ON_GITHUB = { login: 'erin-codes', name: 'Erin Exited', samlNameId: 'erin@example.com', teams: ['backend'] }

const FRANK_IN_SCIM = { id: 'u-frank', userName: 'frank@example.com', displayName: 'Frank Farewell', givenName: 'Frank', familyName: 'Farewell' }
const FRANK_IN_ENTRA_ID = 'f0000000-0000-0000-0000-00000000f0f0'
const ENTRA_USERS = [
  { id: 'a0000000-0000-0000-0000-00000000a0a0', userPrincipalName: 'ada@example.com', displayName: 'Ada Admin', roles: ['globalAdministrator' as const] },
  { id: FRANK_IN_ENTRA_ID, userPrincipalName: 'frank@example.com', displayName: 'Frank Farewell' },
]
const OKTA_USERS = [
  { id: '00u-ada', login: 'ada@example.com', firstName: 'Ada', lastName: 'Admin', roles: ['SUPER_ADMIN'] },
  { id: '00u-erin', login: 'erin@example.com', firstName: 'Erin', lastName: 'Exit' },
]

async function startEnvironment(): Promise<{ env: LocalEnvironment; redisNote: string }> {
  const given = process.env.REDIS_URL?.trim()
  let redisUrl: string | undefined
  let redisNote: string
  if (given) {
    if (await isRedisReachable(given)) {
      redisUrl = given
      redisNote = 'from REDIS_URL; the demo leaves it running'
      say(`Using Redis at ${redactedUrl(given)} (from REDIS_URL).`)
      say(dim("The demo stores its alerts and jobs there under the bot's usual keys: never point it at a Redis a running bot uses."))
    } else {
      redisNote = `a throwaway redis-server started for this demo, since REDIS_URL did not answer`
      say(`REDIS_URL is set to ${redactedUrl(given)}, but nothing answers PING there: starting a throwaway redis-server instead.`)
    }
  } else {
    redisNote = 'a throwaway redis-server started for this demo, stopped at the end'
    say('REDIS_URL is not set: starting a throwaway redis-server (no persistence, stopped at the end).')
  }
  say('Starting the Slack stand-in, the SCIM, Okta and Entra ID sandboxes and the bot…')
  environment = startLocalEnvironment({
    ...(redisUrl ? { redisUrl } : {}),
    // Short backoffs and timeouts so a misbehaving run fails within the time limit instead of waiting minutes.
    retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 },
    slackRetry: { retries: 2, minTimeout: 50, maxTimeout: 200 },
    providerTimeoutMs: PROVIDER_TIMEOUT_MS,
    users: [...SCIM_DEMO_USERS, ERIN_IN_SCIM, FRANK_IN_SCIM],
    // Okta is the identity provider people sign in through: /deprovision suspends there first.
    okta: { users: OKTA_USERS },
    // Erin is also in the GitHub organisation, found by her SAML SSO identity (GitHub shows no member's email).
    github: { members: [...GITHUB_DEMO_MEMBERS, ERIN_ON_GITHUB] },
    // So is Microsoft Entra ID, for the people it holds.
    entraId: { users: ENTRA_USERS, identityProvider: true },
    routes: [{ source: 'siem', severity: 'critical', channel: PAGER_CHANNEL, mention: '<!subteam^S0ONCALL>' }],
  })
  return { env: await environment, redisNote }
}

async function runDemo(): Promise<void> {
  say(bold('deprovision-bot demo: the whole flow on this machine, with no Slack workspace'))
  say(dim('Slack is replaced by a local stand-in of its Web API; the bot itself is the real one, configured through'))
  say(dim('environment variables and a providers file, as in production. Requests to it are signed as Slack signs them.'))
  say()
  const { env, redisNote } = await startEnvironment()
  const tally: Tally = { alerts: 0, actions: 0, succeeded: 0, failed: 0, replies: 0 }

  // 1 -----------------------------------------------------------------------------
  step(1, 'What runs where')
  say(`  Redis           ${redactedUrl(env.redisUrl)}   (${redisNote})`)
  say(`  Bot             ${env.bot.url}   (POST /alerts for detectors, POST /slack/events for Slack)`)
  say(`  Slack stand-in  ${env.slack.apiUrl}   (the bot's SLACK_API_URL)`)
  say(`  SCIM sandbox    ${env.scim.url}   (integration "${LOCAL.integrationId}", shown as ${LOCAL.integrationName})`)
  say(`  Okta sandbox    ${env.okta!.url}   (integration "${LOCAL.oktaId}", the identity provider)`)
  say(`  GitHub sandbox  ${env.github!.url}   (integration "${LOCAL.githubId}", the ${env.github!.org} organisation)`)
  say(`  Entra ID sandbox ${env.entraId!.url}  (integration "${LOCAL.entraId}", Microsoft Graph and its token endpoint, an identity provider too)`)
  say()
  say(`  Alert channel: #${SANDBOX.channelName} (${LOCAL.channel}).`)
  say(`  You play the security engineer: Slack user ${LOCAL.actor} (${SANDBOX.userName}), the one user in ACTORS.`)
  say()
  say('  Users in the SCIM sandbox (the service the bot deprovisions from):')
  say(dim(`    ${'id'.padEnd(8)}  ${'userName'.padEnd(18)}  ${'email'.padEnd(18)}  ${'name'.padEnd(16)}  ${'status'.padEnd(9)}  roles`))
  for (const user of env.scim.users.values()) {
    const name = user.displayName ?? [user.name?.givenName, user.name?.familyName].filter(Boolean).join(' ')
    const email = user.emails[0]?.value ?? ''
    const roles = user.roles?.length ? user.roles.map((r) => r.value).join(', ') : '—'
    const status = user.active ? 'active' : 'suspended'
    say(`    ${user.id.padEnd(8)}  ${user.userName.padEnd(18)}  ${email.padEnd(18)}  ${name.padEnd(16)}  ${status.padEnd(9)}  ${roles}`)
  }
  const bob = env.scim.findUser('bob@example.com')
  const carol = [...env.scim.users.values()].find((user) => user.emails.some((e) => e.value === 'carol@example.com'))
  if (!bob?.active || !carol?.active) throw new DemoFailure('the SCIM sandbox does not hold active users bob@example.com and carol@example.com')

  // 2 -----------------------------------------------------------------------------
  step(2, 'A detector reports an account')
  const report = {
    integration: LOCAL.integrationId,
    email: 'bob@example.com',
    name: 'Bob Builder',
    reason: 'Left the company on 2025-10-31 (HR offboarding ticket HR-4711) but the account is still active.',
    severity: 'high',
    dedupKey: `demo-${runId}-bob`,
  }
  say('  The detector (an IdP sync, a SIEM rule, a script) sends:')
  say()
  say(indent(`curl -X POST ${env.bot.url}/alerts \\`))
  say(indent(`  -H 'Authorization: Bearer ${LOCAL.ingestToken}' \\`))
  say(indent(`  -H 'Content-Type: application/json' \\`))
  say(indent(`  -d '${JSON.stringify(report, null, 2).replace(/\n/g, '\n      ')}'`))
  const accepted = await env.postAlert(report)
  say()
  say(`  The bot answers: HTTP ${accepted.status} ${JSON.stringify(accepted.body)}`)
  check(
    accepted.status === 202 && typeof accepted.body.alertId === 'string',
    'the alert was accepted',
    `HTTP ${accepted.status} ${JSON.stringify(accepted.body)}`,
  )
  const bobAlertId = String(accepted.body.alertId)
  const bobAlert = await env.alertMessage(bobAlertId).catch((error: unknown) => {
    throw new DemoFailure(`the alert ${bobAlertId} was never posted to the channel`, { cause: error })
  })
  tally.alerts += 1
  say()
  say(`  A worker posts it to #${SANDBOX.channelName}:`)
  say()
  say(indent(renderMessage(bobAlert)))
  say()
  const offered = buttonsOf(bobAlert)
  check(offered.includes('delete') && offered.includes('suspend'), 'the alert offers Delete and Suspend', `its buttons: ${offered.join(', ') || 'none'}`)

  // 3 -----------------------------------------------------------------------------
  step(3, 'The security engineer clicks Delete')
  const beforeClick = env.slack.calls.length
  const scimBeforeClick = env.scim.requests.length
  const clicked = await env.click(bobAlert, 'delete')
  check(clicked.status === 200, 'the click was acknowledged', `HTTP ${clicked.status} ${clicked.body}`)
  const opened = await waitForCall(env, 'views.open', beforeClick, () => true, 'the loading modal')
  say()
  say('  At once (the trigger_id lives only 3 s), a modal opens while the bot asks the service:')
  say()
  say(indent(renderView(asView(opened.args.view))))
  const confirmView = await env.confirmation(beforeClick).catch((error: unknown) => {
    throw new DemoFailure('the loading modal was never turned into the confirmation', { cause: error })
  })
  say()
  const updated = await waitForCall(env, 'views.update', beforeClick, () => true, 'the confirmation')
  say(`  ${dim(`${updated.at - opened.at} ms later`)} the bot has looked the account up in the service and turns it into the confirmation:`)
  say()
  say(indent(renderView(asView(confirmView))))
  say()
  check(
    confirmView.callback_id === CONFIRM_CALLBACK_ID && plainText(confirmView.submit) === 'Delete',
    'the confirmation offers a Delete button',
    `callback_id "${confirmView.callback_id}", submit "${plainText(confirmView.submit) ?? 'none'}": ${renderView(asView(confirmView))}`,
  )
  check(JSON.stringify(confirmView.blocks).includes('u-bob'), 'it shows the account the service holds (u-bob)', 'u-bob is not in the modal')
  const preflightRequests = env.scim.requests.slice(scimBeforeClick)

  // 4 -----------------------------------------------------------------------------
  step(4, 'They confirm')
  const result = await confirm(env, bobAlert, confirmView, 'delete', /was deleted/, tally)
  check(/bob@example\.com was deleted/.test(result.text), 'the thread says bob@example.com was deleted', `it says "${result.text}"`)
  const finalBob = env.slack.message(LOCAL.channel, bobAlert.ts)!
  check(
    buttonsOf(finalBob).length === 0 && /deleted/i.test(finalBob.text),
    'the alert now says "Deleted" and has no buttons left',
    `text "${finalBob.text}", buttons: ${buttonsOf(finalBob).join(', ') || 'none'}`,
  )

  // 5 -----------------------------------------------------------------------------
  step(5, 'What the SCIM service received')
  const jobRequests = env.scim.requests.slice(scimBeforeClick + preflightRequests.length)
  say('  While the modal loaded (preflight: find the account, nothing changes):')
  printScimRequests(preflightRequests)
  say('  After the confirmation (the BullMQ job, through the SCIM adapter):')
  printScimRequests(jobRequests)
  say()
  const deletes = env.scim.requests.filter((r) => r.method === 'DELETE')
  check(
    deletes.length === 1 && deletes[0]?.path === '/Users/u-bob',
    'exactly one DELETE /Users/u-bob reached the service',
    `DELETE requests: ${deletes.map(scimLine).join(', ') || 'none'}`,
  )
  check(env.scim.findUser('bob@example.com') === undefined, 'bob@example.com no longer exists in the SCIM sandbox', 'the user is still there')
  check(
    env.scim.requests.every((r) => r.authorization),
    'every request carried the bearer token from the providers file',
    'a request had no Authorization header',
  )

  // 6 -----------------------------------------------------------------------------
  step(6, 'An actionable error: the SCIM token is rejected, then Retry')
  const carolReport = {
    integration: LOCAL.integrationId,
    email: 'carol@example.com',
    name: 'Carol Contractor',
    reason: 'Contract ended; account still active.',
    severity: 'medium',
    dedupKey: `demo-${runId}-carol`,
  }
  const carolAccepted = await env.postAlert(carolReport)
  check(carolAccepted.status === 202, 'a second alert (carol@example.com) was accepted', `HTTP ${carolAccepted.status} ${JSON.stringify(carolAccepted.body)}`)
  const carolAlert = await env.alertMessage(String(carolAccepted.body.alertId))
  tally.alerts += 1
  say()
  say(indent(renderMessage(carolAlert)))
  say()
  say('  The engineer clicks Suspend this time (reversible: the account can be re-activated):')
  const beforeSuspend = env.slack.calls.length
  const suspendClick = await env.click(carolAlert, 'suspend')
  check(suspendClick.status === 200, 'the click was acknowledged', `HTTP ${suspendClick.status} ${suspendClick.body}`)
  const suspendView = await env.confirmation(beforeSuspend)
  say()
  say(indent(renderView(asView(suspendView))))
  say()
  check(plainText(suspendView.submit) === 'Suspend', 'the confirmation offers a Suspend button', `submit "${plainText(suspendView.submit) ?? 'none'}"`)

  say()
  say(`  ${bold("Meanwhile the service starts rejecting the bot's token")} ${dim('(the sandbox answers the next GET /Users with 401)')}.`)
  const scimBeforeFailure = env.scim.requests.length
  env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
  const failedReply = await confirm(env, carolAlert, suspendView, 'suspend', /Suspend failed/, tally)
  check(/incorrect or have expired/.test(failedReply.text), 'the thread explains that the credentials were rejected', `it says "${failedReply.text}"`)
  check(buttonsOf(failedReply).includes('suspend'), 'the reply has a Retry button', 'no Retry button in the reply')
  check(env.scim.findUser('carol')?.active === true, 'carol is still active in the SCIM sandbox (nothing was changed)', 'carol is no longer active')
  const failedAlert = env.slack.message(LOCAL.channel, carolAlert.ts)!
  check(/Suspend failed/.test(failedAlert.text), 'the alert says the suspend failed', `it says "${failedAlert.text}"`)

  say()
  say('  Someone re-integrates the service with a valid key; the engineer clicks Retry in the thread.')
  const beforeRetry = env.slack.calls.length
  const scimBeforeRetry = env.scim.requests.length
  const retryClick = await env.click(failedReply, 'suspend')
  check(retryClick.status === 200, 'the Retry click was acknowledged', `HTTP ${retryClick.status} ${retryClick.body}`)
  const retryView = await env.confirmation(beforeRetry)
  say(`  Retry checks the account again and opens the same "${plainText(retryView.title) ?? 'untitled'}" confirmation; they press Suspend.`)
  check(plainText(retryView.submit) === 'Suspend', 'the Retry opened the Suspend confirmation', `submit "${plainText(retryView.submit) ?? 'none'}"`)
  const scimBeforeRetrySubmit = env.scim.requests.length
  const retried = await confirm(env, carolAlert, retryView, 'suspend', /was suspended/, tally)
  check(/carol@example\.com was suspended/.test(retried.text), 'the thread says carol@example.com was suspended', `it says "${retried.text}"`)
  const finalCarol = env.slack.message(LOCAL.channel, carolAlert.ts)!
  check(
    /suspended/i.test(finalCarol.text) && !buttonsOf(finalCarol).includes('suspend'),
    'the alert now says "Suspended" and no longer offers Suspend',
    `text "${finalCarol.text}", buttons: ${buttonsOf(finalCarol).join(', ') || 'none'}`,
  )

  say()
  say('  What the SCIM service received in this scenario:')
  const failedJob = env.scim.requests.slice(scimBeforeFailure, scimBeforeRetry)
  const retryCheck = env.scim.requests.slice(scimBeforeRetry, scimBeforeRetrySubmit)
  const retryJob = env.scim.requests.slice(scimBeforeRetrySubmit)
  say('  The job after the first confirmation (it stops at the 401, nothing is changed):')
  printScimRequests(failedJob, (r) => (r === failedJob[0] ? dim('   → 401 (injected)') : ''))
  say(`  The check when Retry was clicked ${dim('(carol\'s userName is "carol", so the adapter also searches by email)')}:`)
  printScimRequests(retryCheck)
  say('  The job after the second confirmation:')
  printScimRequests(retryJob)
  say()
  check(failedJob.length === 1, 'the failed job made no further call after the 401', `it made ${failedJob.length} requests`)
  const patch = retryJob.find((r) => r.method === 'PATCH' && r.path === '/Users/u-carol')
  check(
    JSON.stringify(patch?.body ?? null).includes('"value":false'),
    'a PATCH set active to false on /Users/u-carol',
    `PATCH request: ${patch ? scimLine(patch) : 'none'}`,
  )
  check(env.scim.findUser('carol')?.active === false, 'carol is now suspended in the SCIM sandbox', 'carol is still active')

  // 7 -----------------------------------------------------------------------------
  step(7, 'Offboarding a person everywhere: /deprovision erin@example.com')
  await offboardEverywhere(env)

  // 8 -----------------------------------------------------------------------------
  step(8, 'Offboarding from Microsoft Entra ID: /deprovision frank@example.com')
  await offboardFromEntraId(env)

  // 9 -----------------------------------------------------------------------------
  step(9, 'Routing: a critical SIEM alert goes to a second channel')
  await routeToSecondChannel(env)

  // 10 ----------------------------------------------------------------------------
  step(10, 'Exporting the audit log: /deprovision audit')
  await exportAuditLog(env)

  // 11 ----------------------------------------------------------------------------
  step(11, 'Summary')
  // A file's bytes posted to its upload URL are answered in plain text (`OK - <bytes>`), not Slack's JSON.
  const slackErrors = env.slack.calls.filter(
    (call) => call.status !== 200 || (call.method !== 'upload_url' && (call.response as { ok?: unknown } | undefined)?.ok !== true),
  )
  check(
    slackErrors.length === 0,
    'every Slack API call the bot made succeeded',
    slackErrors.map((c) => `${c.method} → ${JSON.stringify(c.response)}`).join('; '),
  )
  const expectedReplies = tally.actions * 2
  check(
    tally.replies === expectedReplies,
    `every action got its "in progress" and its result reply (${tally.replies})`,
    `${tally.replies} replies for ${tally.actions} actions`,
  )
  say()
  say(
    bold(
      `Demo finished in ${elapsed()}: ${tally.alerts} alerts, ${tally.actions} actions (${tally.succeeded} succeeded, ${tally.failed} failed with an actionable reply and then succeeded on Retry), all results posted in their threads.`,
    ),
  )
}

/** A routes file rule (source siem, at least critical) sends the alert to its own channel and notifies the on-call group. */
async function routeToSecondChannel(env: LocalEnvironment): Promise<void> {
  say(
    `  ROUTES_FILE has one rule: ${dim(`source: siem, severity: critical → ${PAGER_CHANNEL}, mention <!subteam^S0ONCALL>`)}; the rest goes to ALERT_CHANNEL_ID.`,
  )
  const accepted = await env.postAlert({
    integration: LOCAL.integrationId,
    email: 'dave@example.com',
    reason: 'Signed in from two countries an hour apart after leaving',
    severity: 'critical',
    source: 'siem',
  })
  const alert = await env.alertMessage(String(accepted.body.alertId))
  say()
  say(indent(renderMessage(alert)))
  say()
  check(alert.channel === PAGER_CHANNEL, `the alert was posted in ${PAGER_CHANNEL}, not ${LOCAL.channel}`, `it went to ${alert.channel}`)
  check(alert.text.startsWith('<!subteam^S0ONCALL>'), 'its text notifies the on-call user group', `its text is "${alert.text.slice(0, 60)}"`)
}

/** `/deprovision audit`: the last 30 days of the audit log uploaded to the channel as CSV and JSON Lines. */
async function exportAuditLog(env: LocalEnvironment): Promise<void> {
  say('  An auditor asks for everything the bot did in the last 30 days; the bot uploads it to the channel:')
  const before = env.slack.files(LOCAL.channel).length
  await env.command('audit')
  await env.slack.waitFor('files.completeUploadExternal', undefined, 10_000)
  const files = env.slack.files(LOCAL.channel).slice(before)
  const csv = files.find((file) => file.name.endsWith('.csv'))
  const jsonl = files.find((file) => file.name.endsWith('.jsonl'))
  say()
  say(indent(csv?.initial_comment ?? '(no summary)'))
  for (const file of files) say(indent(`📎 ${file.name}  ${dim(`(${file.content.length} bytes)`)}`))
  say()
  say(dim('  The CSV starts:'))
  for (const line of csv?.content.toString('utf8').split('\r\n').slice(0, 4) ?? []) say(dim(indent(line.length > 150 ? `${line.slice(0, 150)}…` : line)))
  say()
  const rows = jsonl?.content.toString('utf8').split('\n').filter(Boolean).length ?? 0
  check(
    csv !== undefined && jsonl !== undefined,
    'the CSV and the JSON Lines file are in the channel',
    `files: ${files.map((f) => f.name).join(', ') || 'none'}`,
  )
  const csvRows = csv ? parse(csv.content, { columns: true }).length : 0
  check(rows > 0 && csvRows === rows, `both hold the same ${rows} entries`, `${rows} JSON lines, ${csvRows} CSV rows`)
}

/** `/deprovision erin@example.com`: the modal filled in per service, then Okta (the identity provider) first, then SCIM. */
async function offboardEverywhere(env: LocalEnvironment): Promise<void> {
  say(
    `  Erin left; she has accounts in Okta ${dim('(the identity provider, a sandbox at ' + env.okta!.url + ')')}, in ${LOCAL.integrationName} and in the GitHub organisation.`,
  )
  say('  The engineer types the command; the modal opens at once, then fills in as each service answers:')
  const before = env.slack.calls.length
  const modal = await openOffboardModal(env, 'erin@example.com', before)
  check(plainText(modal.submit) === 'Offboard', 'the modal offers Offboard once every service answered', `submit "${plainText(modal.submit) ?? 'none'}"`)
  check(
    /SAML SSO identity/.test(JSON.stringify(modal.blocks)),
    'the GitHub row says Erin was matched by her SAML SSO identity',
    'it does not say how she was matched',
  )
  say('  They keep Suspend for Okta and choose Delete for the SCIM service and GitHub, then press Offboard.')
  await env.submitValues(modal, {
    [offboardDecisionBlockId(LOCAL.oktaId)]: { [OFFBOARD_DECISION_ACTION_ID]: 'suspend' },
    [offboardDecisionBlockId(LOCAL.integrationId)]: { [OFFBOARD_DECISION_ACTION_ID]: 'delete' },
    [offboardDecisionBlockId(LOCAL.githubId)]: { [OFFBOARD_DECISION_ACTION_ID]: 'delete' },
  })
  const checklist = await finishedChecklist(env, 'erin@example.com', before)
  say()
  say(`  One message in #${SANDBOX.channelName}, edited in place as each step completes; details and the summary in its thread:`)
  showCompleteChecklist(checklist)
  check(env.okta!.users.get('00u-erin')?.status === 'SUSPENDED', 'erin is suspended in Okta', `her Okta status is ${env.okta!.users.get('00u-erin')?.status}`)
  check(env.scim.findUser('erin@example.com') === undefined, 'erin no longer exists in the SCIM sandbox', 'she is still there')
  check(!env.github!.members.has(ERIN_ON_GITHUB.login), 'erin is no longer a member of the GitHub organisation', 'she is still a member')
  const suspendedAt = env.okta!.requests.findIndex((request) => request.path.endsWith('/lifecycle/suspend'))
  check(suspendedAt >= 0, 'Okta received the suspend (identity provider first)', 'no suspend reached Okta')
}

/** `/deprovision frank@example.com`: Entra ID (an identity provider) suspends first, then the SCIM account is deleted. */
async function offboardFromEntraId(env: LocalEnvironment): Promise<void> {
  say(
    `  Frank left; he signs in through Microsoft Entra ID ${dim('(a sandbox of Microsoft Graph at ' + env.entraId!.url + ')')} and has an account in ${LOCAL.integrationName}.`,
  )
  const before = env.slack.calls.length
  const modal = await openOffboardModal(env, 'frank@example.com', before)
  say('  They keep Suspend for Entra ID (sign-in blocked, sessions revoked) and choose Delete for the SCIM service.')
  await env.submitValues(modal, {
    [offboardDecisionBlockId(LOCAL.entraId)]: { [OFFBOARD_DECISION_ACTION_ID]: 'suspend' },
    [offboardDecisionBlockId(LOCAL.integrationId)]: { [OFFBOARD_DECISION_ACTION_ID]: 'delete' },
  })
  const checklist = await finishedChecklist(env, 'frank@example.com', before)
  showCompleteChecklist(checklist)
  const frank = env.entraId!.user(FRANK_IN_ENTRA_ID)
  check(
    frank?.accountEnabled === false && frank.sessionsRevoked > 0,
    'frank cannot sign in through Entra ID and his sessions were revoked',
    `Entra ID shows ${JSON.stringify(frank ? { accountEnabled: frank.accountEnabled, sessionsRevoked: frank.sessionsRevoked } : null)}`,
  )
  check(env.scim.findUser('frank@example.com') === undefined, 'frank no longer exists in the SCIM sandbox', 'he is still there')
  const graphCalls = env
    .entraId!.requests.filter((request) => request.method === 'PATCH' || request.method === 'POST')
    .map((request) => `${request.method} ${request.path}`)
  say('  What Microsoft Graph received:')
  for (const line of graphCalls.filter((line) => !line.endsWith('/token'))) say(dim(`    ${line}`))
}

/** Runs `/deprovision email` and shows the modal once every service has answered. */
async function openOffboardModal(env: LocalEnvironment, email: string, before: number): Promise<StoredView> {
  const typed = await env.command(email)
  check(typed.status === 200, 'the command was acknowledged', `HTTP ${typed.status} ${typed.body}`)
  const opened = await waitForCall(env, 'views.open', before, () => true, 'the offboarding modal')
  const viewId = String((opened.response as { view: { id: string } }).view.id)
  await waitForCall(
    env,
    'views.update',
    before,
    (call) => call.args.view_id === viewId && !JSON.stringify(call.args.view).includes('Looking…'),
    'the filled-in modal',
  )
  const modal = env.slack.view(viewId)!
  say()
  say(indent(renderView(asView(modal))))
  say()
  return modal
}

/** The offboarding's checklist message and its thread, once the summary is posted. */
async function finishedChecklist(env: LocalEnvironment, email: string, before: number): Promise<ReturnType<typeof threadOf>> {
  const posted = await waitForCall(
    env,
    'chat.postMessage',
    before,
    (call) => !call.args.thread_ts && JSON.stringify(call.args.blocks).includes(`Offboarding ${email}`),
    'the checklist',
  )
  const checklistTs = (posted.response as { ts: string }).ts
  await waitForCall(
    env,
    'chat.postMessage',
    before,
    (call) => call.args.thread_ts === checklistTs && /complete|needs attention/.test(String(call.args.text)),
    'the summary',
  )
  return threadOf(env, env.slack.message(LOCAL.channel, checklistTs)!)
}

/** Shows an offboarding's checklist and its thread, and checks that its summary says it is complete. */
function showCompleteChecklist(checklist: ReturnType<typeof threadOf>): void {
  say()
  say(indent(renderThread(checklist)))
  say()
  check(
    /complete/.test(checklist.replies.at(-1)?.text ?? ''),
    'the summary says the offboarding is complete',
    `it says "${checklist.replies.at(-1)?.text ?? ''}"`,
  )
}

/**
 * Submit the confirmation and follow what Slack shows: the "in progress" reply, the result
 * reply matching `result`, and the worker's final chat.update of the alert.
 */
async function confirm(env: LocalEnvironment, alert: StoredMessage, view: StoredView, action: Action, result: RegExp, tally: Tally): Promise<StoredMessage> {
  const since = env.slack.calls.length
  const repliesBefore = threadOf(env, alert).replies.length
  const submittedAt = Date.now()
  const submitted = await env.submit(view)
  tally.actions += 1
  if (submitted.status !== 200 || submitted.body.includes('response_action')) {
    throw new DemoFailure(`the confirmation was not accepted: HTTP ${submitted.status} ${submitted.body}`)
  }
  const progressive = action === 'delete' ? 'Deleting' : 'Suspending'
  const progress = await waitForCall(
    env,
    'chat.postMessage',
    since,
    (c) => c.args.thread_ts === alert.ts && String(c.args.text).startsWith(`⏳ ${progressive}`),
    'the "in progress" reply',
    alert,
  )
  const isResult = (c: RecordedCall): boolean => c.args.thread_ts === alert.ts && c !== progress && !String(c.args.text).startsWith(`⏳ ${progressive}`)
  const reply = await waitForCall(env, 'chat.postMessage', since, isResult, 'the result reply', alert)
  if (!result.test(String(reply.args.text))) throw new DemoFailure(`expected a thread reply matching ${result}, the bot replied "${String(reply.args.text)}"`)
  // The worker posts the reply, then updates the alert: wait for that update so the final state shows.
  await waitForCall(env, 'chat.update', env.slack.calls.indexOf(reply), (c) => c.args.ts === alert.ts, 'the final update of the alert', alert)
  if (env.slack.calls.indexOf(progress) > env.slack.calls.indexOf(reply)) throw new DemoFailure('the result was posted before the "in progress" reply')

  const thread = threadOf(env, alert)
  tally.replies += thread.replies.length - repliesBefore
  if (/failed/i.test(String(reply.args.text))) tally.failed += 1
  else tally.succeeded += 1

  say(`  ${dim(`HTTP ${submitted.status} (the modal closes)`)}. What appears in Slack, in order:`)
  say()
  printTimeline(env, alert, since, submittedAt)
  say()
  say('  The alert and its thread now:')
  say()
  say(indent(renderThread(thread)))
  say()
  const stored = thread.replies.find((r) => r.ts === (reply.response as { ts?: string }).ts)
  if (!stored) throw new DemoFailure('the result reply is not in the thread')
  return stored
}

// --- lifecycle: time limit, signals, always stop what was started --------------------

/** Stop the bot, the stand-ins and a Redis started here; `early` (a failure) first ends any provider call still waiting. */
function stopEverything(early: boolean): Promise<void> {
  stopping ??= (async () => {
    if (!environment) return
    const env = await environment.catch(() => undefined)
    if (!env) return
    // A stalled SCIM call would hold the worker's shutdown for up to the provider timeout.
    if (early) await env.scim.stop()
    let timer: NodeJS.Timeout | undefined
    const limit = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_LIMIT_MS)
    })
    const outcome = await Promise.race([env.stop().then(() => 'stopped' as const), limit]).finally(() => clearTimeout(timer))
    if (outcome === 'timeout') process.stderr.write(alarm(`Stopping the bot and its stand-ins took over ${STOP_LIMIT_MS / 1000} s; exiting anyway.\n`))
  })().catch((error: unknown) => {
    process.stderr.write(alarm(`Could not stop everything cleanly: ${error instanceof Error ? error.message : String(error)}\n`))
  })
  return stopping
}

/** Stop everything, then exit; the first caller decides the exit code. */
async function finish(code: number): Promise<never> {
  if (!finished) {
    finished = true
    clearTimeout(deadline)
    await stopEverything(code !== 0)
    // Where pipes are asynchronous (macOS), let the transcript reach them before exiting.
    await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))))
    process.exit(code)
  }
  // A later caller (the demo failing because its environment was stopped under it) waits for the exit.
  return new Promise<never>(() => undefined)
}

function fail(message: string, error?: unknown): void {
  if (finished) return
  const where = currentStep === '' ? 'while starting' : `at ${currentStep}`
  process.stderr.write(`\n${alarm(`✗ Demo failed ${where}: ${message}`)}\n`)
  // Start-up errors (no redis-server, a port taken) explain themselves; a stack helps with anything else.
  const unexpected = error instanceof Error && !(error instanceof DemoFailure) && currentStep !== ''
  if (unexpected && error.stack) process.stderr.write(`${faint(error.stack)}\n`)
  const cause = error instanceof Error ? error.cause : undefined
  if (cause instanceof Error) process.stderr.write(faint(`  caused by: ${cause.message}\n`))
}

const deadline = setTimeout(() => {
  fail(`the demo did not finish within ${TIME_LIMIT_MS / 1000} s`)
  void finish(1)
}, TIME_LIMIT_MS)

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    fail(`interrupted (${signal}); stopping everything`)
    void finish(code)
  })
}

try {
  await runDemo()
  await finish(0)
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), error)
  await finish(1)
}

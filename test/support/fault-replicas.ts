/**
 * Replicas of the bot in processes of their own (test/support/fault-replica.ts), sharing the
 * Redis, Slack stand-in and sandboxes of a local environment: a fault test can SIGKILL one,
 * SIGTERM one, or send a click to one and the confirmation to another.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Config } from '../../src/config.js'
import { requestActionId } from '../../src/constants.js'
import type { Action } from '../../src/providers/types.js'
import type { RuntimeOptions } from '../../src/runtime.js'
import { LOCAL, type LocalEnvironment } from '../../local/local-environment.js'
import {
  blockActionsPayload,
  interactionBody,
  postToSlackApp,
  viewSubmissionPayload,
  type SandboxUser,
  type SlackAppResponse,
} from '../../local/slack-signing.js'
import type { StoredMessage, StoredView } from '../../local/slack-stand-in.js'

export type ReplicaOptions = Pick<RuntimeOptions, 'workers' | 'serve' | 'retry' | 'slackRetry' | 'providerTimeoutMs' | 'stopGraceMs' | 'jobLockMs'>

/** What the replica process reads from FAULT_REPLICA. */
export interface ReplicaSpec {
  config: Omit<Config, 'actors'> & { actors: string[] }
  options: ReplicaOptions
  forceExitAfterMs?: number
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface Replica {
  /** The replica's HTTP base URL (meaningless for a worker-only replica). */
  url: string
  /** Its log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>
  /** Resolves once the process has ended. */
  exited: Promise<Exit>
  /** 'running' if the process is still up after `ms`. */
  exitWithin(ms: number): Promise<Exit | 'running'>
  signal(signal: NodeJS.Signals): void
  /** SIGKILL if still running (for afterAll). */
  stop(): Promise<void>
}

const ENTRY = fileURLToPath(new URL('./fault-replica.ts', import.meta.url))

export async function startReplica(config: Config, options: ReplicaOptions = {}, forceExitAfterMs?: number, timeoutMs = 30_000): Promise<Replica> {
  const spec: ReplicaSpec = { config: { ...config, actors: [...config.actors] }, options, ...(forceExitAfterMs ? { forceExitAfterMs } : {}) }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { ...process.env, FAULT_REPLICA: JSON.stringify(spec) },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: Array<Record<string, unknown>> = []
  let pending = ''
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the replica did not start: ${stderr}`)), timeoutMs)
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString()
      const complete = pending.split('\n')
      pending = complete.pop() ?? ''
      for (const line of complete) {
        const parsed = parseLine(line)
        lines.push(parsed)
        if (parsed.replica === 'started') {
          clearTimeout(timer)
          resolve(String(parsed.url))
        }
      }
    })
    void exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`the replica exited (${JSON.stringify(exit)}) before starting: ${stderr}`))
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    url,
    logs: () => lines,
    exited,
    exitWithin: (ms) => Promise.race([exited, sleep(ms).then(() => 'running' as const)]),
    signal: (signal) => {
      if (running()) child.kill(signal)
    },
    async stop() {
      if (running()) child.kill('SIGKILL')
      await exited
    },
  }
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return { text: line }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(50)
  }
}

/** A signed click on the alert's button, sent to the replica at `url` (as Slack would to any replica behind a balancer). */
export function clickAt(
  url: string,
  env: LocalEnvironment,
  message: StoredMessage,
  action: Action,
  user: SandboxUser = { id: LOCAL.actor },
): Promise<SlackAppResponse> {
  const current = env.slack.message(LOCAL.channel, message.ts) ?? message
  const payload = blockActionsPayload({
    message: current,
    channel: LOCAL.channel,
    actionId: requestActionId(action),
    user,
    responseUrlBase: env.slack.responseUrlBase,
  })
  return postToSlackApp(`${url}/slack/events`, LOCAL.signingSecret, interactionBody(payload))
}

/** A signed submit of the modal, sent to the replica at `url`. */
export function submitAt(url: string, view: StoredView, user: SandboxUser = { id: LOCAL.actor }): Promise<SlackAppResponse> {
  return postToSlackApp(`${url}/slack/events`, LOCAL.signingSecret, interactionBody(viewSubmissionPayload({ view, user })))
}

/** Thread replies under the alert whose text matches. */
export function repliesMatching(env: LocalEnvironment, message: StoredMessage, text: RegExp): StoredMessage[] {
  const parent = env.slack.messages(LOCAL.channel).find((m) => m.ts === message.ts)
  return (parent?.replies ?? []).filter((reply) => text.test(reply.text))
}

export const deletesOf = (env: LocalEnvironment, id: string) => env.scim.requests.filter((r) => r.method === 'DELETE' && r.path === `/Users/${id}`)

/** Alert, click, confirm, with the service holding its answer to the DELETE for `holdMs`; resolves once the DELETE has arrived. */
export async function deleteHeldAtTheService(env: LocalEnvironment, email: string, id: string, holdMs: number): Promise<StoredMessage> {
  const accepted = await env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Left the company' })
  const message = await env.alertMessage(String(accepted.body.alertId))
  const since = env.slack.calls.length
  await env.click(message, 'delete')
  const view = await env.confirmation(since)
  env.scim.failNext({ method: 'DELETE' }, { delayMs: holdMs })
  await env.submit(view)
  await eventually(`the DELETE of ${email} reaches the service`, () => deletesOf(env, id).length === 1)
  return message
}

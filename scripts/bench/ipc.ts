/**
 * The bench's processes talk over Node's IPC channel: the parent calls a named command
 * in a child and gets its result (or its error) back. A child announces itself ready
 * with what the parent needs to know (its URLs).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const STOP_LIMIT_MS = 15_000

type Call = { id: number; cmd: string; args: unknown }
type Message = { type: 'ready'; info: unknown } | { type: 'reply'; id: number; result?: unknown; error?: string }

/** Each command takes the arguments its caller sends (plain JSON over IPC). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command types its own arguments; with `unknown` none would fit
export type Commands = Record<string, (args: any) => unknown>

/** Like setTimeout, but does not keep the process alive (for races against a deadline). */
export const deadline = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis).unref())

/** Child side: answers the parent's calls; `stop` is always a command, and exits the process once answered. */
export function serve(info: unknown, commands: Commands, stop: () => Promise<void>): void {
  const send = (message: Message): void => {
    process.send?.(message)
  }
  const all: Commands = {
    ...commands,
    stop: async () => {
      await stop()
      setImmediate(() => process.exit(0))
    },
  }
  process.on('message', (raw) => {
    const { id, cmd, args } = raw as Call
    const command = all[cmd]
    Promise.resolve()
      .then(() => {
        if (!command) throw new Error(`unknown command ${cmd}`)
        return command(args)
      })
      .then(
        (result) => send({ type: 'reply', id, result }),
        (error: unknown) => send({ type: 'reply', id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      )
  })
  process.on('disconnect', () => void stop().finally(() => process.exit(0)))
  send({ type: 'ready', info })
}

/** Parent side: one child process running one of the bench's child scripts. */
export class Child<Info> {
  private seq = 0
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  readonly ready: Promise<Info>
  readonly exited: Promise<void>
  readonly process: ChildProcess

  constructor(
    readonly name: string,
    script: URL,
    args: string[] = [],
    execArgv: string[] = [],
  ) {
    // fork() reuses this process's execArgv, i.e. tsx's loader.
    this.process = fork(fileURLToPath(script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...execArgv] })
    const child = this.process
    this.ready = new Promise<Info>((resolve, reject) => {
      child.on('message', (raw) => {
        const message = raw as Message
        if (message.type === 'ready') return resolve(message.info as Info)
        const waiter = this.waiting.get(message.id)
        this.waiting.delete(message.id)
        if (message.error !== undefined) waiter?.reject(new Error(`${name}: ${message.error}`))
        else waiter?.resolve(message.result)
      })
      child.once('exit', (code) => reject(new Error(`child process ${name} exited (code ${code}) before it was ready`)))
    })
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.once('exit', (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`child process ${name} exited (${signal ?? code})`))
      this.waiting.clear()
    })
  }

  call<T>(cmd: string, args: unknown = {}): Promise<T> {
    const id = (this.seq += 1)
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (value) => resolve(value as T), reject })
      this.process.send({ id, cmd, args } satisfies Call)
    })
  }

  /** Asks the child to stop what it started; kills it (by its pid) if it does not exit in time. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return
    await Promise.race([this.call('stop').catch(() => undefined), deadline(STOP_LIMIT_MS)])
    const exited = await Promise.race([this.exited.then(() => true), deadline(2_000).then(() => false)])
    if (!exited) this.process.kill('SIGKILL')
  }
}

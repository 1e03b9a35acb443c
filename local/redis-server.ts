/**
 * A throwaway redis-server for tests, the benchmark and the demo: free port, no persistence
 * unless a data directory is given, and never outlives the process that started it.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'

export interface RedisServerOptions {
  /** Default: a free port. */
  port?: number
  /** Default: $REDIS_SERVER_BIN or `redis-server` on PATH. */
  binary?: string
  /** How long to wait for PONG. Default 5000. */
  startTimeoutMs?: number
  /**
   * Keep the data here, in an append-only file written through on every command, so that a
   * server started again on the same port and directory (a restart) has everything. Default: none kept.
   */
  dataDir?: string
  /** Redis's maxmemory-policy (default Redis's own, noeviction); tests start an evicting one to see the bot refuse it. */
  maxmemoryPolicy?: string
}

export interface RedisServerHandle {
  url: string
  port: number
  /** SIGTERM, then wait for the process to exit. */
  stop(): Promise<void>
  /** SIGKILL, no waiting. */
  kill(): void
}

const MISSING_BINARY = 'redis-server not found: install it with `apt-get install redis-server`, or set REDIS_URL to a running Redis'
const running = new Set<ChildProcess>()
let exitHookInstalled = false

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  // Another process can take a probed port before redis binds it; try a fresh one then.
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort())
    try {
      return await launch(port, options)
    } catch (error) {
      const portTaken = error instanceof Error && /Address already in use/i.test(error.message)
      if (!portTaken || options.port !== undefined || attempt >= 3) throw error
    }
  }
}

/** True if something at `url` answers PING (a `-NOAUTH` reply counts: it is there). */
export async function isRedisReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const target = new URL(url)
  const auth = authCommand(target)
  const expected = auth === '' ? 1 : 2
  const reply = await exchange(target.hostname || '127.0.0.1', Number(target.port || 6379), `${auth}PING\r\n`, timeoutMs, (r) => simpleReplies(r) >= expected)
  return reply !== undefined && /(^|\r\n)(\+PONG|-NOAUTH)/.test(reply)
}

function authCommand(url: URL): string {
  if (url.password === '') return ''
  const args =
    url.username === '' || url.username === 'default'
      ? ['AUTH', decodeURIComponent(url.password)]
      : ['AUTH', decodeURIComponent(url.username), decodeURIComponent(url.password)]
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function launch(port: number, options: RedisServerOptions): Promise<RedisServerHandle> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server'
  const persistence = options.dataDir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.dataDir] : ['--appendonly', 'no']
  const policy = options.maxmemoryPolicy ? ['--maxmemory-policy', options.maxmemoryPolicy] : []
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, ...policy, '--protected-mode', 'yes']
  // cwd in tmp: should anything ever be written (dump.rdb), it is not in the project.
  const child = spawn(binary, args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] })
  const output = captureTail(child)
  const exited = exitOf(child)
  track(child)
  try {
    await Promise.race([
      waitForPong(port, child.pid, options.startTimeoutMs ?? 5000),
      exited.then((result) => Promise.reject(startFailure(binary, port, result, output()))),
    ])
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return handle(child, port, exited)
}

function handle(child: ChildProcess, port: number, exited: Promise<ExitResult>): RedisServerHandle {
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
    kill: () => {
      child.kill('SIGKILL')
    },
  }
}

interface ExitResult {
  code: number | null
  signal: NodeJS.Signals | null
  spawnError?: NodeJS.ErrnoException
}

function exitOf(child: ChildProcess): Promise<ExitResult> {
  return new Promise((resolve) => {
    child.once('error', (spawnError) => resolve({ code: null, signal: null, spawnError }))
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
}

function startFailure(binary: string, port: number, result: ExitResult, output: string): Error {
  if (result.spawnError?.code === 'ENOENT') return new Error(`${MISSING_BINARY} (tried '${binary}')`)
  if (result.spawnError !== undefined) return new Error(`could not start ${binary}: ${result.spawnError.message}`)
  const how = result.signal === null ? `code ${result.code}` : `signal ${result.signal}`
  return new Error(`${binary} on port ${port} exited early with ${how}. Last output:\n${output || '(none)'}`)
}

/** Keep the last lines of stdout and stderr for error messages. */
function captureTail(child: ChildProcess, maxChars = 2000): () => string {
  let tail = ''
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-maxChars)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  return () => tail.trim()
}

/**
 * PONG from the port, and from our process: if another server holds the port, keep waiting,
 * since our child then fails to bind and exits, and its output says why.
 */
async function waitForPong(port: number, pid: number | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let foreign = ''
  while (Date.now() < deadline) {
    const reply = await exchange('127.0.0.1', port, 'PING\r\nINFO server\r\n', 500, (r) => /process_id:\d+/.test(r))
    if (reply?.startsWith('+PONG') && reply.includes(`process_id:${pid}\r\n`)) return
    if (reply?.startsWith('+PONG')) foreign = ` (another Redis, ${/process_id:\d+/.exec(reply)?.[0]}, answers there)`
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms${foreign}`)
}

/** Send raw RESP; resolve with what came back once `complete` says so, or undefined on any failure. */
function exchange(host: string, port: number, request: string, timeoutMs: number, complete: (received: string) => boolean): Promise<string | undefined> {
  return new Promise((resolve) => {
    let received = ''
    const socket = createConnection({ host, port })
    const finish = (value: string | undefined): void => {
      socket.destroy()
      resolve(value)
    }
    socket.setTimeout(timeoutMs, () => finish(undefined))
    socket.once('error', () => finish(undefined))
    socket.once('connect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8')
      if (received.endsWith('\r\n') && complete(received)) finish(received)
    })
    socket.once('end', () => finish(received === '' ? undefined : received))
  })
}

/** Simple replies (+OK, -ERR, :1) in what was received so far. */
function simpleReplies(received: string): number {
  return received.split('\r\n').filter((line) => /^[+\-:]/.test(line)).length
}

/**
 * Make sure the server dies with us. The exit hook covers normal exits and uncaught errors;
 * the watchdog also covers SIGKILL and crashes: its stdin closes when this process dies.
 */
function track(child: ChildProcess): void {
  running.add(child)
  const watchdog = startWatchdog(child)
  child.once('exit', () => {
    running.delete(child)
    watchdog?.kill('SIGKILL')
  })
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const proc of running) proc.kill('SIGKILL')
  })
}

function startWatchdog(child: ChildProcess): ChildProcess | undefined {
  if (child.pid === undefined || process.platform === 'win32') return undefined
  const script = 'read -r _ignored; kill -KILL "$1" 2>/dev/null'
  const watchdog = spawn('sh', ['-c', script, 'redis-watchdog', String(child.pid)], { stdio: ['pipe', 'ignore', 'ignore'] })
  watchdog.on('error', () => undefined)
  // Neither the watchdog nor its pipe may keep the event loop alive.
  watchdog.unref()
  const stdin = watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null
  stdin?.unref?.()
  return watchdog
}

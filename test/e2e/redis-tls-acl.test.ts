/**
 * A managed Redis as operators have it: reached over TLS (rediss://) with a certificate from the
 * provider's own CA, and an ACL user with a password. The bot, started as in production, reports
 * ready on such a Redis when told the CA bundle and the credentials, and refuses a server whose
 * certificate the bundle does not vouch for.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL } from '../../local/local-environment.js'

const folder = mkdtempSync(join(tmpdir(), 'dpb-redis-tls-'))
const file = (name: string) => join(folder, name)
const processes: ChildProcess[] = []
let redisPort = 0

afterAll(() => {
  for (const child of processes) child.kill('SIGKILL')
  rmSync(folder, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A CA of the "provider", and a server certificate for 127.0.0.1 that it signed. */
function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' })
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test managed redis CA', '-keyout', 'ca.key', '-out', 'ca.crt')
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr')
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n')
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  )
}

beforeAll(async () => {
  makeCertificates()
  redisPort = await freePort()
  // TLS only (no plain port), the default user off: only the ACL user "bot" with its password gets in.
  writeFileSync(
    file('redis.conf'),
    [
      'port 0',
      `tls-port ${redisPort}`,
      'bind 127.0.0.1',
      'save ""',
      'appendonly no',
      `tls-cert-file ${file('server.crt')}`,
      `tls-key-file ${file('server.key')}`,
      `tls-ca-cert-file ${file('ca.crt')}`,
      'tls-auth-clients no',
      'user default off',
      'user bot on >bot-password-for-tests ~* &* +@all',
    ].join('\n'),
  )
  const redis = spawn('redis-server', [file('redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] })
  processes.push(redis)
  let output = ''
  redis.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  while (!output.includes('Ready to accept connections')) {
    if (redis.exitCode !== null) throw new Error(`redis-server did not start: ${output}`)
    await sleep(50)
  }
}, 30_000)

/** Starts the bot as in production (src/main.ts, configured by its environment) and returns its port and its log. */
async function startBot(extraEnv: Record<string, string>): Promise<{ port: number; log: () => string; exited: () => boolean }> {
  writeFileSync(file('providers.yml'), '[]\n')
  const port = await freePort()
  const bot = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: LOCAL.botToken,
      SLACK_SIGNING_SECRET: LOCAL.signingSecret,
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      ALERT_CHANNEL_ID: LOCAL.channel,
      ALERT_INGEST_TOKEN: LOCAL.ingestToken,
      PROVIDERS_FILE: file('providers.yml'),
      ACTORS: LOCAL.actor,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      REDIS_URL: `rediss://127.0.0.1:${redisPort}`,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  processes.push(bot)
  let log = ''
  bot.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  bot.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  return { port, log: () => log, exited: () => bot.exitCode !== null }
}

async function readiness(port: number): Promise<number | undefined> {
  return fetch(`http://127.0.0.1:${port}/readyz`).then(
    (response) => response.status,
    () => undefined,
  )
}

describe('a managed Redis over TLS with an ACL user', () => {
  it('is where the bot runs when REDIS_TLS_CA_FILE names its CA and REDIS_USERNAME/REDIS_PASSWORD its user', async () => {
    const bot = await startBot({ REDIS_TLS_CA_FILE: file('ca.crt'), REDIS_USERNAME: 'bot', REDIS_PASSWORD: 'bot-password-for-tests' })
    let status: number | undefined
    const giveUpAt = Date.now() + 20_000
    while (status !== 200 && Date.now() < giveUpAt && !bot.exited()) {
      await sleep(200)
      status = await readiness(bot.port)
    }
    expect({ status, log: bot.log() }).toEqual({ status: 200, log: expect.not.stringContaining('redis connection problem') })
  }, 30_000)

  it('is refused when the CA bundle does not vouch for its certificate: the log says why', async () => {
    const bot = await startBot({ REDIS_USERNAME: 'bot', REDIS_PASSWORD: 'bot-password-for-tests' })
    const giveUpAt = Date.now() + 20_000
    while (!bot.log().includes('redis connection problem') && Date.now() < giveUpAt) await sleep(200)
    expect(bot.log()).toMatch(/self[- ]signed certificate|unable to (verify|get local issuer)/)
    expect(await readiness(bot.port)).not.toBe(200)
  }, 30_000)
})

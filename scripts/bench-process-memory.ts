/**
 * The bot's resident memory as the operating system sees it (VmRSS, what a container's memory limit
 * counts) after a full GC, idle and then with 10,000 open alerts of which about 1,000 still wait in the posting queue:
 * once as `node --import tsx src/main.ts` (how `npm start` ran before the compiled build), once as
 * `node dist/main.js` (`npm start` now, the image's CMD), each in a process of its own on a fresh Redis.
 *
 *   npm run build && npx tsx scripts/bench-process-memory.ts [--alerts=10000] [--queued=1000]
 *
 * Linux only (/proc). The Slack stand-in and the SCIM sandbox run in this process, not the bot's.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify as stringifyYaml } from 'yaml'
import { LOCAL } from '../local/local-environment.js'
import { startRedisServer } from '../local/redis-server.js'
import { DEMO_USERS, startScimSandbox } from '../local/scim-sandbox.js'
import { startSlackStandIn } from '../local/slack-stand-in.js'
import { poll, sleep } from './bench/measure.js'
import { postAlerts } from './bench/stack.js'

const option = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const ALERTS = Math.min(Math.max(option('alerts', 10_000), 100), 50_000)
const QUEUED = Math.min(Math.max(option('queued', 1_000), 0), ALERTS)
const PORT = 3987

// Both with a full GC on SIGUSR2 (scripts/bench/gc-on-signal.mjs), so garbage not yet collected does not count.
const GC_ON_SIGNAL = ['--expose-gc', '--import', './scripts/bench/gc-on-signal.mjs']
const VARIANTS: Record<string, string[]> = {
  'tsx (before)': [...GC_ON_SIGNAL, '--import', 'tsx', 'src/main.ts'],
  'compiled (now)': [...GC_ON_SIGNAL, 'dist/main.js'],
}

async function residentMiB(bot: ChildProcess): Promise<number> {
  bot.kill('SIGUSR2')
  await sleep(1_000)
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${bot.pid}/status`, 'utf8'))?.[1]) / 1024
}

async function measure(name: string, args: string[]): Promise<{ idle: number; loaded: number }> {
  const folder = mkdtempSync(join(tmpdir(), 'dpb-memory-'))
  const redis = await startRedisServer()
  const slack = await startSlackStandIn({ botToken: LOCAL.botToken })
  const scim = await startScimSandbox({ token: LOCAL.scimToken, users: DEMO_USERS })
  let bot: ChildProcess | undefined
  try {
    writeFileSync(
      join(folder, 'providers.yml'),
      stringifyYaml([{ id: LOCAL.integrationId, type: 'scim', displayName: LOCAL.integrationName, baseUrl: scim.url, token: '${ACME_SCIM_TOKEN}' }]),
    )
    bot = spawn(process.execPath, args, {
      stdio: 'inherit',
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(PORT),
        LOG_LEVEL: 'silent',
        SLACK_BOT_TOKEN: LOCAL.botToken,
        SLACK_SIGNING_SECRET: LOCAL.signingSecret,
        SLACK_API_URL: slack.apiUrl,
        ALERT_CHANNEL_ID: LOCAL.channel,
        REDIS_URL: redis.url,
        ALERT_INGEST_TOKEN: LOCAL.ingestToken,
        PROVIDERS_FILE: join(folder, 'providers.yml'),
        ACTORS: LOCAL.actor,
        ACME_SCIM_TOKEN: LOCAL.scimToken,
        RECONCILE_SCHEDULE: 'off',
        INGEST_MAX_PER_MINUTE: '10000000',
      },
    })
    const url = `http://127.0.0.1:${PORT}`
    await poll(
      async () =>
        (await fetch(`${url}/readyz`).then(
          (r) => r.status,
          () => 0,
        )) === 200
          ? true
          : undefined,
      30_000,
      `${name} ready`,
      200,
    )
    await sleep(3_000)
    const idle = await residentMiB(bot)
    const posts = () => slack.calls.filter((call) => call.method === 'chat.postMessage').length
    await postAlerts(
      url,
      Array.from({ length: ALERTS }, (_, i) => `memory.${i}@example.com`),
      'memory',
      20,
    )
    await poll(async () => (posts() >= ALERTS - QUEUED ? true : undefined), 300_000, `${ALERTS - QUEUED} alerts posted`, 100)
    const loaded = await residentMiB(bot)
    console.log(
      `${name.padEnd(16)} idle ${idle.toFixed(1).padStart(6)} MiB   ${ALERTS} open alerts (${ALERTS - posts()} queued) ${loaded.toFixed(1).padStart(6)} MiB`,
    )
    return { idle, loaded }
  } finally {
    if (bot && bot.exitCode === null) {
      const exited = new Promise((resolve) => bot?.once('exit', resolve))
      bot.kill('SIGTERM')
      await exited
    }
    await scim.stop()
    await slack.stop()
    await redis.stop()
    rmSync(folder, { recursive: true, force: true })
  }
}

const results = []
for (const [name, args] of Object.entries(VARIANTS)) results.push({ name, ...(await measure(name, args)) })
for (const { name, idle, loaded } of results)
  console.log(`process_memory_${name.split(' ')[0]}_idle_rss_mib=${idle.toFixed(1)} process_memory_${name.split(' ')[0]}_loaded_rss_mib=${loaded.toFixed(1)}`)

/**
 * The container image, without a container engine: the Dockerfile's runtime stage performed in a
 * temporary folder (its production-only `npm ci`, the compiled dist/, its exact CMD), then the bot
 * it starts handles an alert end to end against the local Slack stand-in and SCIM sandbox.
 */
import { exec, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { stringify as stringifyYaml } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'

const shell = promisify(exec)

/** The last stage's instructions: what the image holds and runs. */
function runtimeStage(dockerfile: string): { runs: string[]; cmd: string[] } {
  const lines = dockerfile.split('\n').map((line) => line.trim())
  const stage = lines.slice(lines.findLastIndex((line) => line.startsWith('FROM ')))
  const cmd = stage.find((line) => line.startsWith('CMD '))
  return {
    runs: stage.filter((line) => line.startsWith('RUN ')).map((line) => line.slice(4)),
    // Exec form (a JSON array) or nothing: a shell form would put sh between SIGTERM and Node.
    cmd: cmd ? (JSON.parse(cmd.slice(4)) as string[]) : [],
  }
}

const folder = mkdtempSync(join(tmpdir(), 'dpb-image-'))
let env: LocalEnvironment | undefined
let bot: ChildProcess | undefined
afterAll(async () => {
  bot?.kill('SIGKILL')
  await env?.stop()
  rmSync(folder, { recursive: true, force: true })
})

async function untilReady(url: string, log: () => string): Promise<void> {
  const giveUpAt = Date.now() + 20_000
  while (Date.now() < giveUpAt) {
    const status = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => 0,
    )
    if (status === 200) return
    if (bot?.exitCode !== null) break
    await sleep(200)
  }
  throw new Error(`the bot never answered /readyz with 200:\n${log()}`)
}

describe('the image, its steps performed outside Docker', () => {
  it('installs production dependencies only, starts with its CMD, and deletes an account from an alert', async () => {
    const { runs, cmd } = runtimeStage(readFileSync('Dockerfile', 'utf8'))
    expect(cmd).toEqual(['node', 'dist/main.js'])

    // Build stage: the compiled bot. Runtime stage: the package files, its RUN lines, dist/ from the build.
    // Independent, as in a Docker build: run side by side.
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(file, join(folder, file))
    const runtimeSteps = (async () => {
      for (const run of runs) await shell(run, { cwd: folder })
    })()
    await Promise.all([shell(`npm run build --silent -- --outDir ${join(folder, 'dist')}`), runtimeSteps])
    expect(['tsx', 'typescript', 'vitest'].filter((dev) => existsSync(join(folder, 'node_modules', dev)))).toEqual([])

    // The Slack stand-in, the SCIM sandbox and Redis; the in-process bot (web only, so it leaves no
    // work behind) gives its port to the image's, so the environment's clicks reach the image's bot.
    env = await startLocalEnvironment({ workers: false })
    const port = new URL(env.bot.url).port
    await env.bot.stop()
    writeFileSync(
      join(folder, 'providers.yml'),
      stringifyYaml([{ id: LOCAL.integrationId, type: 'scim', displayName: LOCAL.integrationName, baseUrl: env.scim.url, token: '${ACME_SCIM_TOKEN}' }]),
    )
    const [command = '', ...args] = cmd
    bot = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: folder,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: port,
        SLACK_BOT_TOKEN: LOCAL.botToken,
        SLACK_SIGNING_SECRET: LOCAL.signingSecret,
        SLACK_API_URL: env.config.slack.apiUrl,
        ALERT_CHANNEL_ID: LOCAL.channel,
        REDIS_URL: env.redisUrl,
        ALERT_INGEST_TOKEN: LOCAL.ingestToken,
        PROVIDERS_FILE: join(folder, 'providers.yml'),
        ACTORS: LOCAL.actor,
        ACME_SCIM_TOKEN: LOCAL.scimToken,
        RECONCILE_SCHEDULE: 'off',
        LOG_LEVEL: 'warn',
      },
    })
    let log = ''
    bot.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()))
    bot.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
    await untilReady(env.bot.url, () => log)

    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'bob@example.com', reason: 'Departed employee still active' })
    expect(accepted.status).toBe(202)
    const message = await env.alertMessage(String(accepted.body.alertId))
    const since = env.slack.calls.length
    expect((await env.click(message, 'delete')).status).toBe(200)
    expect((await env.submit(await env.confirmation(since))).status).toBe(200)
    await env.threadReply(message, /deleted/i)
    expect(env.scim.findUser('bob@example.com')).toBeUndefined()

    // SIGTERM reaches Node, which stops cleanly.
    const exited = new Promise<number | null>((resolve) => bot?.once('exit', resolve))
    bot.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 120_000)
})

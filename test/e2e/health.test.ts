/**
 * Integration health: `/deprovision status` lists every integration, healthy or what
 * to do; the periodic check tells the channel once when credentials stop working
 * (expired mid-run here) and once when they work again; /readyz stays about the bot,
 * and /metrics exposes each integration's health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment()
})
afterAll(async () => {
  await env?.stop()
})

const channelPosts = () => env.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && /integration/.test(String(c.args.text)))
const expireCredentialsOnce = () => env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })

describe('/deprovision status', () => {
  it('answers at once, then lists every integration as healthy', async () => {
    const response = await env.command('status')
    expect(response.status).toBe(200)
    expect(response.body).toMatch(/Checking every integration/)
    const answer = await env.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('healthy'))
    expect(JSON.stringify(answer.args)).toContain('Acme HR (SCIM)')
    expect(answer.args.response_type).toBe('ephemeral')
  })

  it('says what is wrong and how to re-integrate when the credentials are rejected', async () => {
    expireCredentialsOnce()
    await env.command('status')
    const answer = await env.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('need attention'))
    expect(JSON.stringify(answer.args)).toMatch(/incorrect or have expired/)
    expect(JSON.stringify(answer.args)).toMatch(/SCIM bearer token allowed to read, update and delete Users/)
    // Working again for what follows.
    await env.bot.checkHealth()
  })

  it('is refused to users outside ACTORS', async () => {
    const response = await env.command('status', { id: LOCAL.outsider })
    expect(response.body).toMatch(/Only the security team/)
  })
})

describe('alerts for a broken integration', () => {
  it("say so on the alert, before anyone clicks, in the words every other surface uses (not the log's)", async () => {
    expireCredentialsOnce()
    await env.bot.checkHealth()
    const accepted = await env.postAlert({ integration: LOCAL.integrationId, email: 'bob@example.com', reason: 'Departed' })
    const message = await env.alertMessage(String(accepted.body.alertId))
    expect(JSON.stringify(message.blocks)).toMatch(/integration is broken:\* The registered credentials are incorrect or have expired\./)
    expect(JSON.stringify(message.blocks)).not.toMatch(/credentials rejected \(HTTP 401\)/)
    await env.bot.checkHealth()
  })
})

describe('the periodic health check', () => {
  it('posts once when credentials expire mid-run, not again while broken, and once on recovery', async () => {
    await env.bot.checkHealth()
    const before = channelPosts().length

    expireCredentialsOnce()
    await env.bot.checkHealth()
    expect(channelPosts()).toHaveLength(before + 1)
    expect(String(channelPosts().at(-1)!.args.text)).toMatch(/registered credentials are incorrect or have expired/)

    expireCredentialsOnce()
    await env.bot.checkHealth()
    expect(channelPosts()).toHaveLength(before + 1)

    const metrics = await (await fetch(`${env.bot.url}/metrics`)).text()
    expect(metrics).toContain(`deprovision_bot_integration_up{integration="${LOCAL.integrationId}"} 0`)
    expect((await fetch(`${env.bot.url}/readyz`)).status).toBe(200)

    await env.bot.checkHealth()
    expect(channelPosts()).toHaveLength(before + 2)
    expect(String(channelPosts().at(-1)!.args.text)).toMatch(/works again/)
    expect(await (await fetch(`${env.bot.url}/metrics`)).text()).toContain(`deprovision_bot_integration_up{integration="${LOCAL.integrationId}"} 1`)
  })
})

/**
 * Alert routing through the real bot: a routes file sends each alert to the channel of the first rule it matches
 * (by integration, severity at least, kind, source), else to ALERT_CHANNEL_ID; a muting rule answers the detector
 * "muted", counts and audits it; a critical alert notifies its rule's user group; a routed channel the bot is not
 * in is named by /deprovision status, and what Slack refuses there goes to ALERT_CHANNEL_ID at once, saying so;
 * /deprovision routes shows the rules and where a sample would go.
 */
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { AuditLog } from '../../src/store/audit.js'
import { createLogger } from '../../src/logger.js'

const HIGH = 'C0SECHIGH'
const PAGER = 'C0PAGER01'
const FORGOTTEN = 'C0NOBOT01'
const OPS = 'C0BOTOPS1'
const ARCHIVED = 'C0ARCHIVE'

let env: LocalEnvironment
let redis: Redis
const logLines: string[] = []
beforeAll(async () => {
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk))
      done()
    },
  })
  env = await startLocalEnvironment({
    logger: createLogger('info', logs),
    routes: [
      { source: 'noisy-scanner', mute: true },
      { source: 'idp-sync', severity: 'high', channel: HIGH, mention: '<!subteam^S0ONCALL1>' },
      { severity: 'critical', channel: PAGER },
      { source: 'forgotten', channel: FORGOTTEN },
      { kind: ['health', 'reconcile-summary'], channel: OPS },
      { source: 'archived-scanner', channel: ARCHIVED },
    ],
    users: [{ id: 'u-nia', userName: 'nia@example.com' }],
    channels: {
      [LOCAL.channel]: { name: 'security-alerts', botIsMember: true },
      [HIGH]: { name: 'security-high', botIsMember: true },
      [PAGER]: { name: 'security-pager', isPrivate: true, botIsMember: true },
      [FORGOTTEN]: { name: 'old-alerts', botIsMember: false },
      [OPS]: { name: 'bot-ops', botIsMember: true },
      [ARCHIVED]: { name: 'old-scanner', botIsMember: true, isArchived: true },
    },
  })
  redis = new Redis(env.redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

const report = (email: string, fields: Record<string, unknown>) =>
  env.postAlert({ integration: LOCAL.integrationId, email, reason: 'Departed last week', ...fields })

async function postedTo(email: string, fields: Record<string, unknown>): Promise<{ channel: string; text: string }> {
  const accepted = await report(email, fields)
  expect(accepted.body.status).toBe('posted')
  const message = await env.alertMessage(String(accepted.body.alertId))
  return { channel: message.channel, text: message.text }
}

describe('routing alerts by the routes file', () => {
  it('posts an alert to the first rule it matches, even when a later rule matches too', async () => {
    // Rules 2 (idp-sync, at least high) and 3 (critical) both match: rule 2 comes first.
    expect((await postedTo('first@example.com', { source: 'idp-sync', severity: 'critical' })).channel).toBe(HIGH)
    // Rule 2 wants at least high; rule 3 still catches it when critical, without a source.
    expect((await postedTo('second@example.com', { severity: 'critical' })).channel).toBe(PAGER)
  })

  it('sends an alert no rule matches to ALERT_CHANNEL_ID', async () => {
    expect((await postedTo('medium@example.com', { source: 'idp-sync', severity: 'medium' })).channel).toBe(LOCAL.channel)
  })

  it('notifies the rule’s user group on a critical alert only', async () => {
    expect((await postedTo('paged@example.com', { source: 'idp-sync', severity: 'critical' })).text).toMatch(/^<!subteam\^S0ONCALL1> /)
    const high = await postedTo('quiet@example.com', { source: 'idp-sync', severity: 'high' })
    expect(high.channel).toBe(HIGH)
    expect(high.text).not.toContain('subteam')
  })

  it('answers an alert a rule mutes as muted, posts nothing, and counts and audits it', async () => {
    const posts = env.slack.callsTo('chat.postMessage').length
    const accepted = await report('scanned@example.com', { source: 'noisy-scanner', severity: 'critical' })
    expect(accepted).toMatchObject({ status: 202, body: { alertId: null, status: 'muted', route: { rule: 1 } } })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(
      env.slack
        .callsTo('chat.postMessage')
        .slice(posts)
        .some((c) => JSON.stringify(c.args).includes('scanned@example.com')),
    ).toBe(false)

    const metrics = await (await fetch(`${env.bot.url}/metrics`)).text()
    expect(metrics).toMatch(/deprovision_bot_routed_muted_total\{kind="detector",rule="1"\} 1/)
    const audited = (await new AuditLog(redis).latest(20)).find((entry) => entry.event === 'alert-route-muted')
    expect(audited).toMatchObject({ integration: LOCAL.integrationId, email: 'scanned@example.com', detail: 'routes file rule 1' })
  })

  it('refuses a source longer than 100 characters, storing nothing', async () => {
    const refused = await report('long@example.com', { source: 'x'.repeat(101) })
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.body.issues)).toContain('source')
  })
})

describe('routing health messages', () => {
  it('tells the health rule’s channel that an integration broke, not ALERT_CHANNEL_ID', async () => {
    env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
    await env.bot.checkHealth()
    const broken = await env.slack.waitFor('chat.postMessage', (c) => /integration is broken/i.test(String(c.args.text)))
    expect(broken.args.channel).toBe(OPS)
    await env.bot.checkHealth()
    await env.slack.waitFor('chat.postMessage', (c) => /works again/.test(String(c.args.text)) && c.args.channel === OPS)
  })
})

describe('routing reconciliation summaries', () => {
  it('posts a run’s message in the summary rule’s channel', async () => {
    await env.bot.reconcile()
    const running = await env.slack.waitFor('chat.postMessage', (c) => /Reconciliation/.test(String(c.args.text)) && !c.args.thread_ts)
    expect(running.args.channel).toBe(OPS)
  })
})

describe('a routed channel the bot is not in', () => {
  it('is named in a warning at start-up, with its rule and the fix, and no channel the bot is in is', () => {
    const warnings = logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.msg.startsWith('routing:'))
    expect(warnings.map((line) => line.msg)).toEqual([
      `routing: the bot is not a member of ${FORGOTTEN} (routes file rule 4): messages routed there go to ALERT_CHANNEL_ID instead. Invite it there with /invite @deprovision-bot.`,
      expect.stringContaining(`${ARCHIVED} (routes file rule 6) is archived`),
    ])
    expect(warnings.every((line) => line.level === 40)).toBe(true)
  })

  it('is named by /deprovision status with its rule and the fix', async () => {
    await env.command('status')
    const answer = await env.slack.waitFor('response_url', (c) => JSON.stringify(c.args).includes('Routing'))
    const text = JSON.stringify(answer.args.blocks)
    expect(text).toContain(`the bot is not a member of <#${FORGOTTEN}> (routes file rule 4)`)
    expect(text).toContain('/invite @deprovision-bot')
    expect(text).not.toContain(`<#${HIGH}>`)
    expect(text).not.toContain(`<#${PAGER}>`)
  })
})

describe('/deprovision routes', () => {
  const answer = async (text: string) => JSON.stringify(JSON.parse((await env.command(text)).body))

  it('lists the rules in order, and the default channel', async () => {
    const listed = await answer('routes')
    expect(listed).toContain('6 routing rules')
    expect(listed).toContain(`goes to <#${LOCAL.channel}>`)
    expect(listed).toMatch(/\*1\.\* source `noisy-scanner` → 🔕 muted/)
    expect(listed).toContain(`*2.* severity at least high, source \`idp-sync\` → <#${HIGH}>, notifying user group \`S0ONCALL1\``)
  })

  it('says which rule a sample alert matches and where it would go', async () => {
    expect(await answer(`routes ${LOCAL.integrationId} critical departed`)).toContain(`matches rule 3: it goes to <#${PAGER}>`)
    expect(await answer(`routes ${LOCAL.integrationId} low unknown`)).toContain(`matches no rule: it goes to <#${LOCAL.channel}>`)
    expect(await answer('routes okta critical departed')).toContain('is not an integration')
    // Typed as a person would, whatever the case of the providers file's id.
    expect(await answer(`routes ${LOCAL.integrationId.toUpperCase()} Critical DEPARTED`)).toContain(`matches rule 3: it goes to <#${PAGER}>`)
  })
})

describe('a message whose routed channel Slack refuses for good', () => {
  const metric = async (pattern: RegExp) => pattern.exec(await (await fetch(`${env.bot.url}/metrics`)).text())?.[1]
  const postsTo = (channel: string) => env.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel).length

  it('posts the alert to ALERT_CHANNEL_ID at once, saying where it was meant to go and the fix, and keeps its thread there', async () => {
    const before = postsTo(FORGOTTEN)
    const accepted = await report('nia@example.com', { source: 'forgotten', severity: 'high' })
    const alertId = String(accepted.body.alertId)
    const call = await env.slack.waitFor('chat.postMessage', (c) => c.args.channel === LOCAL.channel && JSON.stringify(c.args.blocks ?? []).includes(alertId))
    const message = env.slack.message(LOCAL.channel, (call.response as { ts: string }).ts)!
    const shown = JSON.stringify(message.blocks)
    expect(shown).toContain(`Meant for <#${FORGOTTEN}> (routes file rule 4), posted here because the bot is not a member there`)
    expect(shown).toContain('/invite @deprovision-bot')
    // not_in_channel is permanent: one try, no retries burned before the fallback.
    expect(postsTo(FORGOTTEN) - before).toBe(1)
    expect(await metric(/deprovision_bot_routed_fallback_total\{kind="detector",rule="4",error="not_in_channel"\} (\d+)/)).toBe('1')

    // The alert lives where it was posted: the action's result lands in its thread there, and the line stays.
    const since = env.slack.calls.length
    await env.click(message, 'delete')
    await env.submit(await env.confirmation(since))
    await env.threadReply(message, /deleted/i)
    expect(JSON.stringify(env.slack.message(LOCAL.channel, message.ts)?.blocks)).toContain(`Meant for <#${FORGOTTEN}>`)
    expect(postsTo(FORGOTTEN) - before).toBe(1)
  })

  it('says an archived channel is archived', async () => {
    const accepted = await report('archived@example.com', { source: 'archived-scanner' })
    const alertId = String(accepted.body.alertId)
    const call = await env.slack.waitFor('chat.postMessage', (c) => c.args.channel === LOCAL.channel && JSON.stringify(c.args.blocks ?? []).includes(alertId))
    expect(JSON.stringify(call.args.blocks)).toContain(`Meant for <#${ARCHIVED}> (routes file rule 6), posted here because that channel is archived`)
  })

  it('posts a health message and a reconciliation run’s message to ALERT_CHANNEL_ID too, with the same line', async () => {
    env.slack.removeBotFrom(OPS)
    env.scim.failNext({ method: 'GET', pathIncludes: '/Users' }, { status: 401 })
    await env.bot.checkHealth()
    const broken = await env.slack.waitFor('chat.postMessage', (c) => /integration is broken/i.test(String(c.args.text)) && c.args.channel === LOCAL.channel)
    expect(JSON.stringify(broken.args.blocks)).toContain(`Meant for <#${OPS}> (routes file rule 5)`)
    expect(await metric(/deprovision_bot_routed_fallback_total\{kind="health",rule="5",error="not_in_channel"\} (\d+)/)).toBe('1')

    await env.bot.reconcile()
    const running = await env.slack.waitFor(
      'chat.postMessage',
      (c) => /Reconciliation/.test(String(c.args.text)) && !c.args.thread_ts && c.args.channel === LOCAL.channel,
    )
    const ts = (running.response as { ts: string }).ts
    expect(JSON.stringify(running.args.blocks)).toContain(`Meant for <#${OPS}> (routes file rule 5)`)
    // The run's final message replaces it in place, keeping the line.
    const done = await env.slack.waitFor('chat.update', (c) => c.args.ts === ts && c.args.channel === LOCAL.channel)
    expect(JSON.stringify(done.args.blocks)).toContain(`Meant for <#${OPS}>`)
  })
})

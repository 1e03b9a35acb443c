/**
 * Getting the audit log out, through the real Bolt app and real Redis: `/deprovision audit`
 * uploads CSV and JSON Lines of exactly the matching stream entries to the conversation (the
 * Slack stand-in keeps the bytes), hostile cells stay inert in a spreadsheet, the bot not being in
 * the channel gets an actionable answer, and `GET /audit` pages a SIEM through every entry once.
 */
import { Redis } from 'ioredis'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import { postToSlackApp, slashCommandBody } from '../../local/slack-signing.js'
import type { StoredFile } from '../../local/slack-stand-in.js'
import { AUDIT_STREAM, AuditLog } from '../../src/store/audit.js'

const READ_TOKEN = 'local-sandbox-audit-read-token'
const HOSTILE_REASON = '=HYPERLINK("http://evil.example","click"), "quoted"\nsecond line'

let env: LocalEnvironment
let redis: Redis
beforeAll(async () => {
  env = await startLocalEnvironment({ env: { AUDIT_READ_TOKEN: READ_TOKEN } })
  redis = new Redis(env.redisUrl)
  for (const email of ['bob@example.com', 'carol@example.com', 'bob@example.com']) {
    await env.postAlert({ integration: LOCAL.integrationId, email, reason: email === 'carol@example.com' ? 'Left the company' : HOSTILE_REASON })
  }
})
afterAll(async () => {
  redis?.disconnect()
  await env?.stop()
})

/** The stream as Redis holds it, oldest first, as flat records. */
async function streamEntries(): Promise<Array<Record<string, string>>> {
  const rows = await redis.xrange(AUDIT_STREAM, '-', '+')
  return rows.map(([id, fields]) => {
    const record: Record<string, string> = { id }
    for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!
    return record
  })
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)

const exports = async () => (await streamEntries()).filter((entry) => entry.event === 'audit-exported')

/** Types the command and waits until the export is over (its own audit entry is written last); answers that entry and the files it shared. */
async function exportWith(text: string): Promise<{ exported: Record<string, string>; files: StoredFile[] }> {
  const [before, filesBefore] = [(await exports()).length, env.slack.files().length]
  await env.command(text)
  await expect.poll(async () => (await exports()).length).toBe(before + 1)
  return { exported: (await exports()).at(-1)!, files: env.slack.files().slice(filesBefore) }
}

const named = (files: StoredFile[], extension: string) => files.find((file) => file.name.endsWith(extension))!

async function getAudit(query: string, token = READ_TOKEN): Promise<Response> {
  return fetch(`${env.bot.url}/audit${query}`, { headers: { authorization: `Bearer ${token}` } })
}

describe('/deprovision audit', () => {
  it('uploads CSV and JSON Lines of exactly the stream entries about one person, with the summary line', async () => {
    const expected = (await streamEntries()).filter((entry) => entry.email === 'bob@example.com')
    expect(expected.length).toBeGreaterThanOrEqual(2)

    const { files } = await exportWith('audit bob@example.com')
    expect(files.map((file) => file.channel)).toEqual([LOCAL.channel, LOCAL.channel])
    const [jsonl, csv] = [named(files, '.jsonl'), named(files, '.csv')]
    expect(jsonLines(jsonl.content.toString('utf8'))).toEqual(expected)
    const rows = parse<Record<string, string>>(csv.content, { columns: true })
    expect(rows.map((row) => row.id)).toEqual(expected.map((entry) => entry.id))
    expect(rows.map((row) => row.email)).toEqual(expected.map(() => 'bob@example.com'))

    expect(jsonl.initial_comment).toMatch(/^📄 Audit log, .* \(UTC days\), bob@example\.com: 2 entries; actions done 0, failed 0, refused 0\./)
    const posted = env.slack.messages(LOCAL.channel).findLast((message) => Array.isArray(message.files))
    expect(posted?.text).toBe(jsonl.initial_comment)
  })

  it('keeps hostile cells inert: quoted commas, quotes and newlines read back whole, a formula gets a leading quote', async () => {
    const { files } = await exportWith('audit bob@example.com')
    const rows = parse<Record<string, string>>(named(files, '.csv').content, { columns: true })
    const received = rows.filter((row) => row.event === 'alert-received')
    expect(received.length).toBeGreaterThan(0)
    for (const row of received) expect(row.detail).toBe(`'${HOSTILE_REASON}`)
    expect(jsonLines(named(files, '.jsonl').content.toString('utf8')).find((entry) => entry.event === 'alert-received')?.detail).toBe(HOSTILE_REASON)
  })

  it('is itself audited: who exported, and which days', async () => {
    const { exported } = await exportWith('audit acme-scim')
    expect(exported).toMatchObject({
      actor: LOCAL.actor,
      action: '/deprovision audit',
      outcome: 'uploaded',
      detail: expect.stringMatching(/^\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(UTC days\), acme-scim: \d+ entries$/),
    })
  })

  it('answers bad input with the reason and the usage, and uploads nothing', async () => {
    const before = env.slack.callsTo('files.getUploadURLExternal').length
    const answer = await env.command('audit 2026-02-30')
    expect(answer.body).toContain('“2026-02-30” is not a date in the calendar.')
    expect(answer.body).toContain('/deprovision audit [from] [to] [email or integration]')
    expect(env.slack.callsTo('files.getUploadURLExternal')).toHaveLength(before)
  })

  it('says nothing matches, and uploads no file (Slack refuses an empty one), when no entry is about the person', async () => {
    const { exported, files } = await exportWith('audit nobody@example.com')
    expect(files).toEqual([])
    expect(exported).toMatchObject({ outcome: 'empty', detail: expect.stringMatching(/, nobody@example\.com: 0 entries$/) })
    const answer = await env.slack.waitFor('response_url', (call) => /No audit entries/.test(String(call.args.text)))
    expect(answer.args.text).toMatch(/^📄 No audit entries for \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(UTC days\), nobody@example\.com: nothing to upload\.$/)
  })

  it('tells the actor to invite the bot when it is not in the conversation', async () => {
    const channel = 'C0NOTJOINED'
    env.slack.removeBotFrom(channel)
    await postToSlackApp(
      `${env.bot.url}/slack/events`,
      LOCAL.signingSecret,
      slashCommandBody({
        command: '/deprovision',
        text: 'audit',
        user_id: LOCAL.actor,
        channel_id: channel,
        response_url: env.slack.responseUrl({ channel, user: LOCAL.actor }),
      }),
    )
    const answer = await env.slack.waitFor('response_url', (call) => /invite me/i.test(String(call.args.text)))
    expect(answer.args.text).toContain('/invite @deprovision-bot')
    expect(env.slack.files(channel)).toHaveLength(0)
  })

  it('says what Slack answered when the upload fails, and audits the export as failed', async () => {
    env.slack.failNext('files.completeUploadExternal', { error: 'internal_error' })
    const { exported } = await exportWith('audit acme-scim')
    expect(exported.outcome).toBe('failed')
    const answer = await env.slack.waitFor('response_url', (call) => /export failed/.test(String(call.args.text)))
    expect(answer.args.text).toBe('⚠️ The audit export failed: Slack answered internal_error. Try again shortly.')
  })

  it('is refused, and the refusal audited, for users outside ACTORS', async () => {
    const before = env.slack.callsTo('files.getUploadURLExternal').length
    const answer = await env.command('audit', { id: LOCAL.outsider })
    expect(answer.body).toContain('Only the security team’s actors')
    await expect
      .poll(async () => (await streamEntries()).find((entry) => entry.event === 'command-refused' && entry.actor === LOCAL.outsider))
      .toMatchObject({ action: '/deprovision audit' })
    expect(env.slack.callsTo('files.getUploadURLExternal')).toHaveLength(before)
  })
})

describe('GET /audit', () => {
  it('pages a SIEM through every entry exactly once, following the cursor line', async () => {
    const expected = await streamEntries()
    const seen: Array<Record<string, unknown>> = []
    let after: string | undefined
    for (let pages = 0; pages < 100; pages += 1) {
      const response = await getAudit(`?limit=2${after ? `&after=${after}` : ''}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
      const lines = jsonLines(await response.text())
      const cursor = lines.pop() as { cursor: { after: string; more: boolean } }
      seen.push(...lines)
      after = cursor.cursor.after
      if (!cursor.cursor.more) break
    }
    expect(seen).toEqual(expected)
    expect(expected.length).toBeGreaterThan(2)
  })

  it('neither skips nor repeats an entry written between two pages: the next page starts right after the cursor', async () => {
    const before = await streamEntries()
    const first = jsonLines(await (await getAudit(`?from=${before.at(-2)!.id}&limit=1`)).text())
    expect(first).toEqual([before.at(-2), { cursor: { after: before.at(-2)!.id, more: true } }])

    // Written directly, so nothing else the bot writes meanwhile can land in the same page.
    const log = new AuditLog(redis)
    for (const alertId of ['al_between_1', 'al_between_2']) await log.append({ event: 'alert-received', alertId, email: 'dave@example.com' })
    const written = (await streamEntries()).slice(before.length)
    expect(written.map((entry) => entry.alertId)).toEqual(['al_between_1', 'al_between_2'])

    const next = jsonLines(await (await getAudit(`?after=${before.at(-2)!.id}`)).text())
    expect(next).toEqual([before.at(-1), ...written, { cursor: { after: written.at(-1)!.id, more: false } }])
  })

  it('answers 401 to a wrong or missing token, and 400 with the reason to a bad query', async () => {
    expect((await getAudit('', LOCAL.ingestToken)).status).toBe(401)
    expect((await fetch(`${env.bot.url}/audit`)).status).toBe(401)
    const bad = await getAudit('?from=yesterday')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/^Bad query: from: expected an ISO time/) })
    expect((await getAudit('?limit=0')).status).toBe(400)
    expect((await getAudit('?form=2026-01-01')).status).toBe(400)
  })

  it('reads only the entries between from and to', async () => {
    const all = await streamEntries()
    const [, second, third] = all
    const response = await getAudit(`?from=${second!.id}&to=${third!.id}`)
    const lines = jsonLines(await response.text())
    expect(lines).toEqual([second, third, { cursor: { after: third!.id, more: false } }])
  })
})

describe('GET /audit without AUDIT_READ_TOKEN', () => {
  it('answers 404 saying how to turn it on, whatever token is sent', async () => {
    const off = await startLocalEnvironment()
    try {
      const response = await fetch(`${off.bot.url}/audit`, { headers: { authorization: `Bearer ${LOCAL.ingestToken}` } })
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ error: 'GET /audit is off: set AUDIT_READ_TOKEN on the bot to turn it on.' })
    } finally {
      await off.stop()
    }
  })
})

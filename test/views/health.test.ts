import { describe, expect, it } from 'vitest'
import { integrationBrokenMessage, integrationRecoveredMessage, statusMessage, type IntegrationStatus } from '../../src/views/health.js'
import { section } from '../../src/views/blocks.js'
import { messageViolations } from '../support/slack-limits.js'

const since = '2026-11-22T10:00:00.000Z'
const healthy: IntegrationStatus = { name: 'Acme HR', health: { ok: true, detail: 'connected; users can be read', since }, credentialsNeeded: 'a SCIM token' }
const expired = {
  name: 'Atlassian <!channel>',
  health: { ok: false as const, problem: { kind: 'credentials' as const, status: 401, detail: 'x'.repeat(5000) }, since },
  adminConsoleUrl: 'https://admin.atlassian.com',
  credentialsNeeded: 'an organization admin API key',
}

describe('integration health messages', () => {
  it('says a broken integration’s credentials expired and how to re-integrate, within Slack’s limits', () => {
    const message = integrationBrokenMessage(expired)
    expect(message.text).toContain('registered credentials are incorrect or have expired')
    expect(JSON.stringify(message.blocks)).toContain('Re-integrate with an organization admin API key')
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>')
    expect(messageViolations(message)).toEqual([])
  })

  it('says when it works again', () => {
    expect(integrationRecoveredMessage(healthy).text).toBe('✅ Acme HR integration works again.')
  })

  it('lists every integration in the status answer, the broken ones with their next step, even for many', () => {
    const many = Array.from({ length: 60 }, (_, i) => (i % 2 ? healthy : expired))
    const message = statusMessage(many)
    expect(message.text).toBe('30 integrations need attention.')
    expect(JSON.stringify(message.blocks)).toContain('…and 15 more')
    expect(messageViolations(message)).toEqual([])
    expect(statusMessage([healthy]).blocks[0]).toMatchObject({ text: { text: '✅ The integration is healthy.' } })
  })

  it('keeps the other parts’ lines (the audit webhook) within Slack’s limits, however many integrations', () => {
    const many = Array.from({ length: 60 }, () => expired)
    const webhookLine = section('status:audit-webhook', '⚠️ *Audit webhook*: failing since …')
    const message = statusMessage(
      many,
      [{ kind: 'not-persistent' }, { kind: 'unchecked', setting: 'maxmemory-policy' }, { kind: 'unchecked', setting: 'persistence' }],
      [webhookLine],
    )
    expect(message.blocks).toContainEqual(webhookLine)
    expect(messageViolations(message)).toEqual([])
  })

  it('explains a broken integration in the same words as every other surface, without inventing an action on an account', () => {
    const wrongTenant: IntegrationStatus = {
      name: 'Okta',
      health: { ok: false, problem: { kind: 'not-found', detail: 'no such org' }, since },
      credentialsNeeded: 'an Okta API token',
    }
    const text = JSON.stringify(statusMessage([wrongTenant]).blocks)

    expect(text).toContain('Okta says what the bot asked for does not exist.')
    expect(text).toContain('providers file')
    expect(text).not.toMatch(/treats this as done|delete/i)
  })
})

import { describe, expect, it } from 'vitest'
import { membershipBlocks, routesMessage } from '../../src/features/routing/views/routes.js'
import type { RouteRule, RoutingTable } from '../../src/features/routing/rules.js'
import { messageViolations } from '../support/slack-limits.js'

const rule = (number: number, over: Partial<RouteRule> = {}): RouteRule => ({
  number,
  match: { source: ['<!channel> `x`'.repeat(10)], integration: ['okta'] },
  target: { kind: 'channel', channel: 'C0ROUTED', mention: 'S0ONCALL' },
  ...over,
})

describe('the routes view', () => {
  it('lists many rules within Slack’s limits, without letting a value mention anyone', () => {
    const table: RoutingTable = { rules: Array.from({ length: 60 }, (_, i) => rule(i + 1)), defaultChannel: 'C0DEFAULT' }
    const message = routesMessage(table)
    expect(messageViolations(message)).toEqual([])
    expect(JSON.stringify(message.blocks)).toContain('…and 20 more rules')
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>')
  })

  it('answers a sample with the rule and channel, or that it is muted', () => {
    const table: RoutingTable = { rules: [rule(1, { target: { kind: 'mute' } })], defaultChannel: 'C0DEFAULT' }
    const muted = routesMessage(table, { subject: { kind: 'detector', integration: 'okta', severity: 'low' }, route: { kind: 'mute', rule: 1 } })
    expect(muted.text).toBe('🔕 A *okta* low detector alert matches rule 1, which mutes it: counted, not posted.')
    expect(messageViolations(muted)).toEqual([])
  })

  it('names a routed channel the bot is not in, with its rules and the fix', () => {
    const [block] = membershipBlocks([{ kind: 'not-member', channel: 'C0GONE', rules: [2, 5] }])
    expect(JSON.stringify(block)).toContain('the bot is not a member of <#C0GONE> (routes file rule 2, 5)')
    expect(JSON.stringify(block)).toContain('/invite @deprovision-bot')
  })

  it('keeps /deprovision status within Slack’s 50 blocks however many routed channels the bot is not in', () => {
    const problems = Array.from({ length: 80 }, (_, i) => ({ kind: 'not-member' as const, channel: `C0GONE${i}`, rules: [i + 1] }))
    const blocks = membershipBlocks(problems)
    expect(blocks).toHaveLength(6)
    expect(JSON.stringify(blocks.at(-1))).toContain('and 75 more routed channels')
  })
})

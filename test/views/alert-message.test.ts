import { describe, expect, it } from 'vitest'
import type { AlertState } from '../../src/domain/alert.js'
import { requestActionId } from '../../src/constants.js'
import type { Action } from '../../src/providers/types.js'
import { alertMessage, duplicateAlertMessage } from '../../src/features/alerts/views/alert-message.js'
import type { ActionsBlock, Button, KnownBlock } from '../../src/views/blocks.js'
import { messageViolations } from '../support/slack-limits.js'
import {
  ALL_STATES,
  allText,
  BOTH,
  CONSOLE_URL,
  DELETE_ONLY,
  hostileAlert,
  injectedMarkup,
  makeAlert,
  NONE,
  PROBLEMS,
  REQUEST,
  STATES,
  SUSPEND_ONLY,
} from './fixtures.js'

const integration = (capabilities: ReadonlySet<Action>) => ({ capabilities, adminConsoleUrl: CONSOLE_URL })

function buttons(blocks: readonly KnownBlock[]): Button[] {
  return blocks
    .filter((b): b is ActionsBlock => b.type === 'actions')
    .flatMap((b) => b.elements)
    .filter((e): e is Button => e.type === 'button')
}

const label = (b: Button) => b.text.text

describe('alertMessage', () => {
  it.each(ALL_STATES.map((s) => [describeState(s), s] as const))('%s: within Slack’s limits', (_name, state) => {
    for (const capabilities of [BOTH, DELETE_ONLY, SUSPEND_ONLY, NONE]) {
      expect(messageViolations(alertMessage(makeAlert({ state }), integration(capabilities)))).toEqual([])
    }
  })

  it('says, when its routed channel refused it, where it was meant to go and the fix, within Slack’s limits', () => {
    const route = { channel: 'C0ALERTS1', mention: 'S0ONCALL1', missed: { channel: 'C0NOBOT01', rule: 4, error: 'channel_not_found' } }
    const m = alertMessage(makeAlert({ route }), integration(BOTH))
    expect(messageViolations(m)).toEqual([])
    const text = allText(m.blocks)
    expect(text).toContain('Meant for <#C0NOBOT01> (routes file rule 4), posted here because Slack does not show the bot that channel')
    expect(text).toContain('/invite @deprovision-bot')
    expect(allText(alertMessage(makeAlert(), integration(BOTH)).blocks)).not.toContain('Meant for')
  })

  it('shows what was found, about whom, where, how severe and when', () => {
    const m = alertMessage(makeAlert(), integration(BOTH))
    const text = allText(m.blocks)
    expect(text).toContain('Left the company on 2024-04-30 but still active in Atlassian.')
    expect(text).toContain('Ann Retired')
    expect(text).toContain('ann.retired@corp.example')
    expect(text).toContain('5b10ac8d82e05b22cc7d4ef5')
    expect(text).toContain('Atlassian')
    expect(text).toContain('High')
    expect(text).toContain('<!date^1714561200^{date_short_pretty} {time}|2024-05-01T11:00:00Z>')
  })

  it('has a readable top-level text for notifications', () => {
    expect(alertMessage(makeAlert(), integration(BOTH)).text).toBe(
      '🟠 High account alert: ann.retired@corp.example in Atlassian: Left the company on 2024-04-30 but still active in Atlassian.',
    )
  })

  it('offers Delete (danger) first, then Suspend, carrying the alert id', () => {
    const [del, sus, ...rest] = buttons(alertMessage(makeAlert(), integration(BOTH)).blocks)
    expect(rest).toEqual([])
    expect(del).toMatchObject({ text: { text: 'Delete' }, action_id: requestActionId('delete'), value: 'al_01HXYZ', style: 'danger' })
    expect(sus).toMatchObject({ text: { text: 'Suspend' }, action_id: requestActionId('suspend'), value: 'al_01HXYZ' })
    expect(sus?.style).toBeUndefined()
  })

  it('offers only the actions the integration supports', () => {
    expect(buttons(alertMessage(makeAlert(), integration(DELETE_ONLY)).blocks).map(label)).toEqual(['Delete'])
    expect(buttons(alertMessage(makeAlert(), integration(SUSPEND_ONLY)).blocks).map(label)).toEqual(['Suspend'])
    expect(buttons(alertMessage(makeAlert(), integration(new Set<Action>(['restore', 'cancel-delete']))).blocks)).toEqual([])
  })

  it('without any capability: "The delete function is not yet supported." and the admin console, no buttons', () => {
    const m = alertMessage(makeAlert(), integration(NONE))
    expect(buttons(m.blocks)).toEqual([])
    expect(allText(m.blocks)).toContain('The delete function is not yet supported.')
    expect(allText(m.blocks)).toContain(`<${CONSOLE_URL}|the Atlassian admin console>`)
  })

  it('when only suspend is supported, still says delete is not and where to do it', () => {
    const m = alertMessage(makeAlert(), integration(SUSPEND_ONLY))
    expect(allText(m.blocks)).toContain('The delete function is not yet supported.')
  })

  it.each(['in-progress', 'done', 'scheduled'] as const)('%s: no buttons', (kind) => {
    expect(buttons(alertMessage(makeAlert({ state: STATES[kind] }), integration(BOTH)).blocks)).toEqual([])
  })

  it('failed: the buttons come back so the action can be retried', () => {
    expect(buttons(alertMessage(makeAlert({ state: STATES.failed }), integration(BOTH)).blocks).map(label)).toEqual(['Delete', 'Suspend'])
  })

  it('in progress: who asked, and that it is running', () => {
    const m = alertMessage(makeAlert({ state: STATES['in-progress'] }), integration(BOTH))
    expect(allText(m.blocks)).toContain('⏳ *Deleting…* requested by <@U0ACTOR1>')
    expect(m.text).toContain('Deleting… (in progress)')
  })

  it('done: who deleted it and when', () => {
    const m = alertMessage(makeAlert({ state: STATES.done }), integration(BOTH))
    expect(allText(m.blocks)).toContain('✅ *Deleted* by <@U0ACTOR1>, <!date^')
  })

  it('already done: says so, with the detail', () => {
    const state: AlertState = { kind: 'done', request: REQUEST, alreadyDone: 'deleted in Atlassian on 2024-04-30', at: '2024-05-01T12:01:00.000Z' }
    expect(allText(alertMessage(makeAlert({ state }), integration(BOTH)).blocks)).toContain('✅ *Already deleted:* deleted in Atlassian on 2024-04-30.')
  })

  it('scheduled: when the deletion becomes final', () => {
    const text = allText(alertMessage(makeAlert({ state: STATES.scheduled }), integration(BOTH)).blocks)
    expect(text).toContain('🗓 *Deletion scheduled:* final on <!date^1715774400^')
  })

  it('failed: the headline of the problem, and where the details are', () => {
    const state: AlertState = { kind: 'failed', request: REQUEST, problem: PROBLEMS.credentials, at: '2024-05-01T12:02:00.000Z' }
    const m = alertMessage(makeAlert({ state }), integration(BOTH))
    expect(allText(m.blocks)).toContain('⚠️ *Delete failed:* The registered credentials are incorrect or have expired. Details in the thread.')
    expect(m.text).toContain('Delete failed: The registered credentials are incorrect or have expired.')
  })

  it('block_ids are stable for one alert in one state, and new for each state', () => {
    const ids = (state: AlertState) => alertMessage(makeAlert({ state }), integration(BOTH)).blocks.map((b) => b.block_id)
    expect(ids(STATES.open)).toEqual(ids(STATES.open))
    const open = new Set(ids(STATES.open))
    for (const id of ids(STATES['in-progress'])) expect(open.has(id)).toBe(false)
    const other = new Set(alertMessage(makeAlert({ id: 'al_other' }), integration(BOTH)).blocks.map((b) => b.block_id))
    for (const id of open) expect(other.has(id)).toBe(false)
  })

  describe('with hostile input from the detector', () => {
    it.each(ALL_STATES.map((s) => [describeState(s), s] as const))('%s: within limits, nothing injected', (_name, state) => {
      for (const capabilities of [BOTH, NONE]) {
        const m = alertMessage(hostileAlert(state), integration(capabilities))
        expect(messageViolations(m)).toEqual([])
        expect(injectedMarkup(m)).toEqual([])
      }
    })

    it('shows the injected markup escaped, not interpreted', () => {
      const m = alertMessage(hostileAlert(), integration(BOTH))
      expect(allText(m.blocks)).toContain('&lt;!channel&gt;')
      expect(allText(m.blocks)).toContain('&lt;https://evil.example/phish|click here&gt;')
      expect(m.text).not.toContain('<!channel>')
    })

    it('cuts the 5,000-character reason with an ellipsis', () => {
      const m = alertMessage(hostileAlert(), integration(BOTH))
      expect(allText(m.blocks)).toContain('…')
      expect(allText(m.blocks)).not.toContain('x'.repeat(5000))
    })

    it('still offers the buttons, carrying the alert id', () => {
      const alert = hostileAlert()
      expect(buttons(alertMessage(alert, integration(BOTH)).blocks).map((b) => b.value)).toEqual([alert.id, alert.id])
    })
  })
})

describe('duplicateAlertMessage', () => {
  const original = { channel: 'C0ALERTS', ts: '1796517735.312000' }

  it('points to the copy the bot keeps, when it was posted, and offers nothing to click', () => {
    const m = duplicateAlertMessage(makeAlert(), original)
    expect(m.text).toMatch(/posted twice/i)
    expect(m.text).toContain('<!date^1796517735^')
    expect(m.blocks.some((b) => b.type === 'actions' || ('accessory' in b && b.accessory))).toBe(false)
  })

  it('stays within Slack’s limits and lets no markup through for a hostile alert', () => {
    const m = duplicateAlertMessage(hostileAlert(), original)
    expect(messageViolations(m)).toEqual([])
    expect(injectedMarkup(m)).toEqual([])
  })
})

function describeState(state: AlertState): string {
  if (state.kind === 'failed') return `failed (${state.problem.kind})`
  if (state.kind === 'done' && state.alreadyDone) return 'done (already)'
  if (state.kind === 'awaiting-approval') return `${state.kind} (${state.approval.action})`
  if (state.kind !== 'open') return `${state.kind} (${state.request.action})`
  return state.kind
}

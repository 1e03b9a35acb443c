import { describe, expect, it } from 'vitest'
import { requestActionId } from '../../src/constants.js'
import type { Outcome } from '../../src/providers/types.js'
import type { ActionsBlock, Button, KnownBlock } from '../../src/views/blocks.js'
import { messageViolations } from '../support/slack-limits.js'
import { deletionFinalReply, deletionReminderReply, inProgressReply, outcomeReply, progressReply } from '../../src/features/alerts/views/thread.js'
import {
  ALL_OUTCOMES,
  allText,
  CONSOLE_URL,
  FINAL_KINDS,
  HOSTILE,
  HOSTILE_PROBLEMS,
  hostileAlert,
  injectedMarkup,
  makeAlert,
  OUTCOMES,
  PROBLEMS,
  REQUEST,
  RETRYABLE_KINDS,
  SUSPEND_REQUEST,
} from './fixtures.js'

const alert = makeAlert()
const integration = { adminConsoleUrl: CONSOLE_URL }

function buttons(blocks: readonly KnownBlock[]): Button[] {
  return blocks
    .filter((b): b is ActionsBlock => b.type === 'actions')
    .flatMap((b) => b.elements)
    .filter((e): e is Button => e.type === 'button')
}

describe('inProgressReply', () => {
  it('says what is running, where, and who asked', () => {
    const reply = inProgressReply(alert, REQUEST)
    expect(messageViolations(reply)).toEqual([])
    expect(reply.text).toBe('⏳ Deleting ann.retired@corp.example from Atlassian, requested by <@U0ACTOR1>.')
    expect(allText(reply.blocks)).toContain('The result will be posted in this thread.')
  })

  it('uses the suspend words for a suspension', () => {
    expect(inProgressReply(alert, SUSPEND_REQUEST).text).toBe('⏳ Suspending ann.retired@corp.example in Atlassian, requested by <@U0ACTOR2>.')
  })

  it('with hostile input: within limits, escaped', () => {
    const reply = inProgressReply(hostileAlert(), REQUEST)
    expect(messageViolations(reply)).toEqual([])
    expect(injectedMarkup(reply)).toEqual([])
  })
})

describe('outcomeReply', () => {
  it.each(ALL_OUTCOMES.map((o) => [o.kind === 'failed' ? `failed (${o.problem.kind})` : o.kind, o] as const))('%s: within Slack’s limits', (_name, outcome) => {
    for (const request of [REQUEST, SUSPEND_REQUEST]) {
      expect(messageViolations(outcomeReply(alert, request, outcome, integration))).toEqual([])
      expect(messageViolations(outcomeReply(alert, request, outcome, {}))).toEqual([])
    }
  })

  it('done: what was done, where, and who asked', () => {
    const reply = outcomeReply(alert, REQUEST, OUTCOMES.done, integration)
    expect(reply.text).toBe('✅ ann.retired@corp.example was deleted from Atlassian.')
    expect(allText(reply.blocks)).toContain('✅ *ann.retired@corp.example was deleted from Atlassian.* Requested by <@U0ACTOR1>.')
    expect(outcomeReply(alert, SUSPEND_REQUEST, OUTCOMES.done, integration).text).toBe('✅ ann.retired@corp.example was suspended in Atlassian.')
  })

  it('already done: says so with the detail, nothing else to do', () => {
    expect(outcomeReply(alert, REQUEST, OUTCOMES['already-done'], integration).text).toBe(
      '✅ Already deleted: the account was deleted on 2024-04-30. Nothing else to do.',
    )
  })

  it('scheduled: when it becomes final, and whether it can be cancelled', () => {
    const reply = outcomeReply(alert, REQUEST, OUTCOMES.scheduled, integration)
    expect(allText(reply.blocks)).toContain(
      'scheduled for deletion from Atlassian:* final on <!date^1715774400^{date_short_pretty} {time}|2024-05-15T12:00:00Z>',
    )
    expect(allText(reply.blocks)).toContain(
      'Until then it can be cancelled with *Cancel deletion* on the alert; the bot reminds this thread 4 days before it becomes final.',
    )
    const final = outcomeReply(alert, REQUEST, { kind: 'scheduled', until: '2024-05-15T12:00:00.000Z', cancellable: false }, integration)
    expect(allText(final.blocks)).toContain('It cannot be cancelled.')
  })

  it('done: adds what the service did beyond the action', () => {
    expect(outcomeReply(alert, REQUEST, { kind: 'done', detail: 'their 2 API keys were deleted with them' }, integration).text).toBe(
      '✅ ann.retired@corp.example was deleted from Atlassian. Their 2 API keys were deleted with them.',
    )
  })

  it('progress: one line of how far a multi-step action has come, within Slack limits', () => {
    const reply = progressReply(alert, REQUEST, { done: 3, total: 5, label: 'access assignments removed' })
    expect(reply.text).toBe('⏳ Deleting ann.retired@corp.example in Atlassian: 3 of 5 access assignments removed.')
    expect(messageViolations(reply)).toEqual([])
  })

  it('reminds the thread before a scheduled deletion becomes final, with a Cancel deletion button', () => {
    const reply = deletionReminderReply(alert, REQUEST, '2024-05-15T12:00:00.000Z')
    expect(reply.text).toContain('becomes final on <!date^1715774400')
    expect(JSON.stringify(reply.blocks)).toContain('"action_id":"alert_action:cancel-delete"')
    expect(messageViolations(reply)).toEqual([])
    expect(messageViolations(deletionFinalReply(alert, REQUEST))).toEqual([])
  })

  it('pending: the service is still working, the bot checks again', () => {
    const reply = outcomeReply(alert, REQUEST, OUTCOMES.pending, integration)
    expect(reply.text).toBe('⏳ Atlassian is still deleting ann.retired@corp.example.')
    expect(allText(reply.blocks)).toContain('The bot checks again in 30 s and posts the result here.')
    expect(buttons(reply.blocks)).toEqual([])
  })

  it('failed: what failed, the explanation and the next step', () => {
    const reply = outcomeReply(alert, REQUEST, { kind: 'failed', problem: PROBLEMS.credentials }, integration)
    expect(reply.text).toBe('⚠️ Delete failed for ann.retired@corp.example in Atlassian: The registered credentials are incorrect or have expired.')
    const text = allText(reply.blocks)
    expect(text).toContain('⚠️ *Delete failed* for ann.retired@corp.example in Atlassian. Requested by <@U0ACTOR1>.')
    expect(text).toContain('*The registered credentials are incorrect or have expired.*')
    expect(text).toContain('*Next step:* Re-integrate Atlassian')
  })

  it.each(RETRYABLE_KINDS)('failed (%s): a primary Retry button for the same action and alert', (kind) => {
    const failed: Outcome = { kind: 'failed', problem: PROBLEMS[kind] }
    expect(buttons(outcomeReply(alert, REQUEST, failed, integration).blocks)).toEqual([
      expect.objectContaining({ text: expect.objectContaining({ text: 'Retry' }), action_id: requestActionId('delete'), value: alert.id, style: 'primary' }),
    ])
    expect(buttons(outcomeReply(alert, SUSPEND_REQUEST, failed, integration).blocks)[0]?.action_id).toBe(requestActionId('suspend'))
  })

  it.each(FINAL_KINDS)('failed (%s): no Retry button, since a retry cannot succeed', (kind) => {
    expect(buttons(outcomeReply(alert, REQUEST, { kind: 'failed', problem: PROBLEMS[kind] }, integration).blocks)).toEqual([])
  })

  it('block ids differ between attempts, so each reply is its own', () => {
    const failed: Outcome = { kind: 'failed', problem: PROBLEMS.transient }
    const first = outcomeReply(alert, REQUEST, failed, integration).blocks.map((b) => b.block_id)
    const second = outcomeReply(alert, { ...REQUEST, attempt: 2 }, failed, integration).blocks.map((b) => b.block_id)
    for (const id of second) expect(first).not.toContain(id)
  })

  describe('with hostile input from the detector and the service', () => {
    const outcomes: Outcome[] = [
      ...ALL_OUTCOMES,
      { kind: 'already-done', detail: HOSTILE.detail },
      ...HOSTILE_PROBLEMS.map((problem): Outcome => ({ kind: 'failed', problem })),
    ]

    it.each(outcomes.map((o) => [o.kind === 'failed' ? `failed (${o.problem.kind})` : o.kind, o] as const))(
      '%s: within limits, nothing injected',
      (_name, outcome) => {
        const reply = outcomeReply(hostileAlert(), REQUEST, outcome, integration)
        expect(messageViolations(reply)).toEqual([])
        expect(injectedMarkup(reply)).toEqual([])
      },
    )

    it('shows the provider’s detail escaped and cut', () => {
      const reply = outcomeReply(hostileAlert(), REQUEST, { kind: 'failed', problem: { kind: 'rejected', detail: HOSTILE.detail } }, integration)
      const text = allText(reply.blocks)
      expect(text).toContain('&lt;!channel&gt;')
      expect(text).not.toContain('y'.repeat(1000))
    })
  })
})

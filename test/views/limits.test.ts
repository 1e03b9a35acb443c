import { describe, expect, it } from 'vitest'
import { messageViolations, modalViolations } from '../support/slack-limits.js'

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text })
const plain = (text: string) => ({ type: 'plain_text', text })
const sectionBlock = (text: string, blockId?: string) => ({ type: 'section', ...(blockId ? { block_id: blockId } : {}), text: mrkdwn(text) })
const btn = (actionId: string, text = 'Go') => ({ type: 'button', action_id: actionId, text: plain(text), value: 'v' })

describe('messageViolations', () => {
  it('accepts a small, valid message', () => {
    expect(
      messageViolations({ text: 'hello', blocks: [sectionBlock('hello', 'a'), { type: 'actions', block_id: 'b', elements: [btn('x'), btn('y')] }] }),
    ).toEqual([])
  })

  it('requires a non-empty top-level text', () => {
    expect(messageViolations({ blocks: [sectionBlock('hi')] })).toEqual([expect.stringMatching(/^text: a message needs a non-empty top-level text/)])
    expect(messageViolations({ text: '   ', blocks: [] })).toHaveLength(1)
  })

  it('counts blocks: at most 50 in a message', () => {
    const blocks = Array.from({ length: 51 }, (_, i) => sectionBlock('x', `b${i}`))
    expect(messageViolations({ text: 't', blocks })).toEqual(['blocks: 51 blocks (max 50 in a message)'])
    expect(messageViolations({ text: 't', blocks: blocks.slice(0, 50) })).toEqual([])
  })

  it('limits section text to 3000 and fields to 10 items of 2000', () => {
    expect(messageViolations({ text: 't', blocks: [sectionBlock('x'.repeat(3001))] })).toEqual([
      'blocks[0].text.text: section text is 3001 characters (max 3000)',
    ])
    const fields = Array.from({ length: 11 }, () => mrkdwn('f'))
    fields[3] = mrkdwn('f'.repeat(2001))
    expect(messageViolations({ text: 't', blocks: [{ type: 'section', fields }] })).toEqual([
      'blocks[0].fields: 11 fields (max 10)',
      'blocks[0].fields[3].text: section field is 2001 characters (max 2000)',
    ])
  })

  it('requires non-empty text objects', () => {
    expect(messageViolations({ text: 't', blocks: [sectionBlock('')] })).toEqual(['blocks[0].text.text: section text must not be empty'])
    expect(messageViolations({ text: 't', blocks: [{ type: 'context', elements: [mrkdwn('')] }] })).toEqual([
      'blocks[0].elements[0].text: context text must not be empty',
    ])
  })

  it('limits header text to 150 plain-text characters', () => {
    expect(messageViolations({ text: 't', blocks: [{ type: 'header', text: plain('h'.repeat(151)) }] })).toEqual([
      'blocks[0].text.text: header text is 151 characters (max 150)',
    ])
    expect(messageViolations({ text: 't', blocks: [{ type: 'header', text: mrkdwn('h') }] })).toEqual([
      'blocks[0].text: header text must be a plain_text object',
    ])
  })

  it('limits context to 10 elements and actions to 25', () => {
    const context = { type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('c')) }
    const actions = { type: 'actions', elements: Array.from({ length: 26 }, (_, i) => btn(`a${i}`)) }
    expect(messageViolations({ text: 't', blocks: [context, actions] })).toEqual([
      'blocks[0].elements: 11 elements (max 10 per context block)',
      'blocks[1].elements: 26 elements (max 25 per actions block)',
    ])
  })

  it('checks buttons: text 75, value 2000, url 3000, style', () => {
    const bad = { ...btn('a', 'b'.repeat(76)), value: 'v'.repeat(2001), url: `https://x.example/${'u'.repeat(3000)}`, style: 'warning' }
    expect(messageViolations({ text: 't', blocks: [{ type: 'actions', elements: [bad] }] })).toEqual([
      'blocks[0].elements[0].text.text: button text is 76 characters (max 75)',
      'blocks[0].elements[0].value: value is 2001 characters (max 2000)',
      'blocks[0].elements[0].url: url is 3018 characters (max 3000)',
      'blocks[0].elements[0].style: expected "primary" or "danger", got "warning"',
    ])
  })

  it('checks buttons nested as a section accessory', () => {
    const block = { type: 'section', text: mrkdwn('x'), accessory: btn('a'.repeat(256), 'b'.repeat(80)) }
    expect(messageViolations({ text: 't', blocks: [block] })).toEqual([
      `blocks[0].accessory.action_id: action_id is 256 characters (max 255)`,
      'blocks[0].accessory.text.text: button text is 80 characters (max 75)',
    ])
  })

  it('limits block_id to 255 and requires block_ids to be unique', () => {
    expect(messageViolations({ text: 't', blocks: [sectionBlock('x', 'b'.repeat(256))] })).toEqual(['blocks[0].block_id: block_id is 256 characters (max 255)'])
    expect(messageViolations({ text: 't', blocks: [sectionBlock('x', 'same'), sectionBlock('y', 'same')] })).toEqual([
      'blocks[1].block_id: "same" repeats blocks[0].block_id (block_ids must be unique in a message)',
    ])
  })

  it('requires action_ids to be unique within a block, not across blocks', () => {
    const twice = { type: 'actions', elements: [btn('go'), btn('go')] }
    expect(messageViolations({ text: 't', blocks: [twice] })).toEqual([
      'blocks[0].elements[1].action_id: "go" repeats blocks[0].elements[0].action_id (action_ids must be unique within a block)',
    ])
    const a = { type: 'actions', block_id: 'a', elements: [btn('go')] }
    const b = { type: 'actions', block_id: 'b', elements: [btn('go')] }
    expect(messageViolations({ text: 't', blocks: [a, b] })).toEqual([])
  })

  it('walks unknown block types generically', () => {
    const odd = { type: 'future_block', inner: { deep: [{ type: 'mrkdwn', text: '' }, btn('z', 'q'.repeat(90))] } }
    expect(messageViolations({ text: 't', blocks: [odd] })).toEqual([
      'blocks[0].inner.deep[0].text: text must not be empty',
      'blocks[0].inner.deep[1].text.text: button text is 90 characters (max 75)',
    ])
  })
})

describe('modalViolations', () => {
  const modal = (overrides: Record<string, unknown> = {}) => ({
    type: 'modal',
    title: plain('Delete account'),
    close: plain('Cancel'),
    submit: plain('Delete'),
    callback_id: 'confirm_action',
    private_metadata: '{}',
    blocks: [sectionBlock('x', 'a')],
    ...overrides,
  })

  it('accepts a small, valid modal', () => {
    expect(modalViolations(modal())).toEqual([])
  })

  it('limits title, submit and close to 24 plain-text characters', () => {
    expect(modalViolations(modal({ title: plain('t'.repeat(25)), submit: plain('s'.repeat(25)), close: mrkdwn('c') }))).toEqual([
      'title.text: modal title is 25 characters (max 24)',
      'submit.text: modal submit is 25 characters (max 24)',
      'close: modal close must be a plain_text object',
    ])
    expect(modalViolations(modal({ title: undefined }))).toEqual(['title: modal title is required'])
  })

  it('limits private_metadata to 3000 and callback_id to 255', () => {
    expect(modalViolations(modal({ private_metadata: 'm'.repeat(3001), callback_id: 'c'.repeat(256) }))).toEqual([
      'private_metadata: private_metadata is 3001 characters (max 3000)',
      'callback_id: callback_id is 256 characters (max 255)',
    ])
  })

  it('counts blocks: at most 100 in a modal', () => {
    const blocks = Array.from({ length: 101 }, (_, i) => sectionBlock('x', `b${i}`))
    expect(modalViolations(modal({ blocks }))).toEqual(['blocks: 101 blocks (max 100 in a modal)'])
    expect(modalViolations(modal({ blocks: blocks.slice(0, 100) }))).toEqual([])
  })

  it('requires a submit button when the modal has an input block', () => {
    const input = { type: 'input', label: plain('New owner'), element: { type: 'plain_text_input', action_id: 'owner' } }
    expect(modalViolations(modal({ submit: undefined, blocks: [input] }))).toEqual(['submit: a modal with an input block needs a submit button'])
  })
})

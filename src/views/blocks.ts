/**
 * Block Kit types (from @slack/types, re-exported by @slack/bolt) and small
 * builders that apply Slack's limits as a last guard. The views choose budgets for
 * untrusted text well below these limits; the guards only stop a view from ever
 * producing a payload Slack would reject.
 */
import type { types } from '@slack/bolt'
import { plainSafe, truncate } from './text.js'

export type KnownBlock = types.KnownBlock
export type ModalView = types.ModalView
export type Button = types.Button
export type MrkdwnElement = types.MrkdwnElement
export type PlainTextElement = types.PlainTextElement
export type SectionBlock = types.SectionBlock
export type ContextBlock = types.ContextBlock
export type ActionsBlock = types.ActionsBlock
export type HeaderBlock = types.HeaderBlock
export type DividerBlock = types.DividerBlock
export type InputBlock = types.InputBlock
export type PlainTextOption = types.PlainTextOption
export type StaticSelect = types.StaticSelect

/** A message body for chat.postMessage / chat.update: the fallback text and the blocks. */
export interface SlackMessage {
  text: string
  blocks: KnownBlock[]
}

/** Slack's Block Kit limits this folder builds against, as `@slack/types` documents them on each block's fields. */
export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  text: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  id: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  optionText: 75,
  inputLabel: 2000,
  /** Not a Slack limit: the size we keep notification text to, far under the 40,000 Slack truncates at. */
  fallbackText: 3000,
} as const

export function mrkdwn(text: string): MrkdwnElement {
  // verbatim: Slack does not auto-link or auto-parse anything in the text; our own
  // <@U…>, <!date…> and <url|label> strings still render.
  return { type: 'mrkdwn', text: truncate(text, LIMITS.text), verbatim: true }
}

export function plain(text: string, max: number = LIMITS.text): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true }
}

export function section(blockId: string, text: string): SectionBlock {
  return { type: 'section', block_id: blockId, text: mrkdwn(text) }
}

export function fieldsSection(blockId: string, fields: readonly string[]): SectionBlock {
  return {
    type: 'section',
    block_id: blockId,
    fields: fields.slice(0, LIMITS.fields).map((field) => ({ ...mrkdwn(field), text: truncate(field, LIMITS.field) })),
  }
}

export function context(blockId: string, texts: readonly string[]): ContextBlock {
  return { type: 'context', block_id: blockId, elements: texts.slice(0, LIMITS.contextElements).map(mrkdwn) }
}

export function header(blockId: string, text: string): HeaderBlock {
  return { type: 'header', block_id: blockId, text: plain(text, LIMITS.header) }
}

export function divider(blockId: string): DividerBlock {
  return { type: 'divider', block_id: blockId }
}

export function actions(blockId: string, elements: readonly ActionsBlock['elements'][number][]): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: elements.slice(0, LIMITS.actionsElements) }
}

export interface ButtonSpec {
  text: string
  actionId: string
  value: string
  style?: 'primary' | 'danger'
  /** What a screen reader says instead of the short label ("Delete ann@corp.com from Atlassian"). */
  label?: string
}

export function button(spec: ButtonSpec): Button {
  const element: Button = {
    type: 'button',
    text: plain(spec.text, LIMITS.buttonText),
    action_id: blockIdPart(spec.actionId),
    value: truncate(spec.value, LIMITS.buttonValue),
  }
  if (spec.style) element.style = spec.style
  if (spec.label) element.accessibility_label = truncate(spec.label, LIMITS.accessibilityLabel)
  return element
}

/**
 * A block_id from parts ("alert", id, state, "actions"), joined with ':'. Ids longer
 * than Slack's 255 characters are shortened and suffixed with a hash of the whole,
 * so they stay unique and stable.
 */
export function blockId(...parts: readonly (string | number)[]): string {
  return blockIdPart(parts.join(':'))
}

function blockIdPart(id: string): string {
  if (id.length <= LIMITS.id) return id
  return `${id.slice(0, LIMITS.id - 10)}#${fnv1a(id)}`
}

/** 32-bit FNV-1a as 8 hex digits: a short, stable fingerprint (not a security hash). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/** Slack's limit on an option's value; an option's text is limited like a button's (75). */
const OPTION_VALUE_MAX = 150

export function option(value: string, label: string): PlainTextOption {
  return { value: value.slice(0, OPTION_VALUE_MAX), text: plain(plainSafe(label), LIMITS.optionText) }
}

export interface SelectSpec {
  blockId: string
  actionId: string
  label: string
  hint?: string
  optional?: boolean
  /** A fixed list, or undefined for a searchable select whose options the app serves. */
  options?: readonly PlainTextOption[]
  initial?: PlainTextOption
}

/** An input block holding one select: static when the options are known, external (searchable) otherwise. */
export function selectInput(spec: SelectSpec): InputBlock {
  const initial = spec.initial ? { initial_option: spec.initial } : {}
  const element = spec.options
    ? { type: 'static_select' as const, action_id: spec.actionId, options: spec.options.slice(0, 100), ...initial }
    : { type: 'external_select' as const, action_id: spec.actionId, min_query_length: 0, ...initial }
  return {
    type: 'input',
    block_id: spec.blockId,
    label: plain(plainSafe(spec.label), LIMITS.inputLabel),
    element,
    ...(spec.hint ? { hint: plain(plainSafe(spec.hint), LIMITS.inputLabel) } : {}),
    ...(spec.optional ? { optional: true } : {}),
  }
}

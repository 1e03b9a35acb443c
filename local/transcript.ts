/**
 * What Slack would show, as plain text for a terminal transcript of the demo and e2e runs.
 * Pure functions over plain JSON, so they render builders' output and the stand-in's state alike.
 */

export interface RenderableMessage {
  text?: string
  blocks?: readonly object[]
}

export interface RenderableThread extends RenderableMessage {
  replies?: readonly RenderableMessage[]
}

export interface RenderableView {
  type?: string
  title?: object | null
  submit?: object | null
  close?: object | null
  blocks?: readonly object[]
}

type Json = Record<string, unknown>

/** Blocks when there are any (Slack shows them and uses `text` only for notifications), else the text. */
export function renderMessage(message: RenderableMessage): string {
  const blocks = message.blocks ?? []
  if (blocks.length === 0) return mrkdwn(message.text ?? '')
  return renderBlocks(blocks).join('\n')
}

/** A message and its thread replies, replies indented under it. */
export function renderThread(thread: RenderableThread): string {
  const lines = [renderMessage(thread)]
  for (const reply of thread.replies ?? []) lines.push(indent(renderMessage(reply), '  ↳ ', '    '))
  return lines.join('\n')
}

/** A modal (title bar, body, Cancel/Submit) or a Home tab. */
export function renderView(view: RenderableView): string {
  const body = renderBlocks(view.blocks ?? [])
  if (view.type === 'home') return ['┌─ App Home', ...body.map((l) => `│ ${l}`), '└─'].join('\n')
  // Slack always shows a close button; 'Cancel' unless the view names it.
  const footer = [textOf(view.close) ?? 'Cancel', textOf(view.submit)]
    .map((label, i) => (label === undefined ? undefined : i === 1 ? `[ ${label} * ]` : `[ ${label} ]`))
    .filter((b): b is string => b !== undefined)
  return [`┌─ ${textOf(view.title) ?? 'Modal'}`, ...body.map((l) => `│ ${l}`), `└─ ${footer.join('  ')}`.trimEnd()].join('\n')
}

/** Slack mrkdwn to terminal text: links, mentions and dates resolved, entities unescaped, emphasis kept. */
export function mrkdwn(text: string): string {
  const linked = text.replace(/<([^<>]*)>/g, (_match, inner: string) => angleToken(inner))
  return unescapeEntities(linked)
}

function angleToken(inner: string): string {
  const bar = inner.indexOf('|')
  const target = bar === -1 ? inner : inner.slice(0, bar)
  const label = bar === -1 ? undefined : inner.slice(bar + 1)
  if (target.startsWith('@')) return `@${label ?? target.slice(1)}`
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`
  if (target.startsWith('!subteam^')) return label ?? `@${target.slice('!subteam^'.length)}`
  if (target.startsWith('!date^')) return label ?? target
  if (target.startsWith('!')) return `@${target.slice(1)}`
  if (label === undefined || label === '') return target
  const bare = target.replace(/^mailto:/, '')
  return label === bare ? label : `${label} (${target})`
}

function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

function renderBlocks(blocks: readonly object[]): string[] {
  return blocks.flatMap((block) => renderBlock(block as Json))
}

function renderBlock(block: Json): string[] {
  switch (block.type) {
    case 'header':
      return [`# ${textOf(block.text) ?? ''}`]
    case 'section':
      return renderSection(block)
    case 'context':
      return [
        arrayOf(block.elements)
          .map(contextElement)
          .filter((s) => s !== '')
          .join('  ·  '),
      ]
    case 'divider':
      return ['────────────────────────────────']
    case 'actions':
      return [arrayOf(block.elements).map(elementText).join(' ')]
    case 'input':
      return renderInput(block)
    case 'image':
      return [`[image: ${textOf(block.alt_text) ?? ''}]`]
    case 'markdown':
      return splitLines(typeof block.text === 'string' ? block.text : '')
    case 'rich_text':
      return splitLines(richText(block))
    default:
      return [`[${String(block.type)} block]`]
  }
}

function renderSection(block: Json): string[] {
  const lines = splitLines(textOf(block.text) ?? '')
  const accessory = block.accessory === undefined ? undefined : elementText(block.accessory as Json)
  if (accessory !== undefined && accessory !== '') {
    if (lines.length === 0) lines.push(accessory)
    else lines[0] = `${lines[0]}   ${accessory}`
  }
  for (const field of arrayOf(block.fields)) lines.push(...splitLines(textOf(field) ?? '').map((l, i) => (i === 0 ? `• ${l}` : `  ${l}`)))
  return lines
}

function renderInput(block: Json): string[] {
  const optional = block.optional === true ? ' (optional)' : ''
  const lines = [`${textOf(block.label) ?? ''}${optional}`, `  ${elementText(block.element as Json)}`]
  const hint = textOf(block.hint)
  if (hint !== undefined) lines.push(`  ${hint}`)
  return lines
}

function contextElement(element: Json): string {
  if (element.type === 'image') return `[${textOf(element.alt_text) ?? 'image'}]`
  return textOf(element) ?? ''
}

/** One interactive element as it looks in Slack: buttons, menus, inputs, pickers. */
function elementText(element: Json | undefined): string {
  if (element === undefined || element === null) return ''
  switch (element.type) {
    case 'button':
      return button(element)
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
      return `[ ${selected(element) ?? textOf(element.placeholder) ?? 'Select'} ▾ ]`
    case 'multi_static_select':
    case 'multi_users_select':
      return `[ ${textOf(element.placeholder) ?? 'Select'} ▾▾ ]`
    case 'overflow':
      return '[ ⋯ ]'
    case 'datepicker':
      return `[ ${textOf(element.initial_date) ?? textOf(element.placeholder) ?? 'Pick a date'} 📅 ]`
    case 'plain_text_input':
      return `[ ${textOf(element.initial_value) ?? textOf(element.placeholder) ?? ''}____ ]`
    case 'radio_buttons':
      return options(element, '(•)', '( )')
    case 'checkboxes':
      return options(element, '[x]', '[ ]')
    case 'image':
      return `[image: ${textOf(element.alt_text) ?? ''}]`
    default:
      return `[ ${String(element.type)} ]`
  }
}

function button(element: Json): string {
  const mark = element.style === 'danger' ? ' !' : element.style === 'primary' ? ' *' : ''
  const link = typeof element.url === 'string' ? ` ↗` : ''
  return `[ ${textOf(element.text) ?? ''}${mark}${link} ]`
}

function selected(element: Json): string | undefined {
  const option = element.initial_option as Json | undefined
  return option === undefined ? undefined : textOf(option.text)
}

function options(element: Json, on: string, off: string): string {
  const chosen = new Set(
    [element.initial_option, ...arrayOf(element.initial_options)].filter((o): o is Json => typeof o === 'object' && o !== null).map((o) => String(o.value)),
  )
  return arrayOf(element.options)
    .map((o) => `${chosen.has(String(o.value)) ? on : off} ${textOf(o.text) ?? ''}`)
    .join('  ')
}

function richText(block: Json): string {
  const flatten = (node: Json): string => {
    if (typeof node.text === 'string') return node.text
    if (node.type === 'user') return `@${String(node.user_id)}`
    if (node.type === 'link') return typeof node.text === 'string' ? node.text : String(node.url)
    const inner = arrayOf(node.elements).map(flatten).join('')
    return node.type === 'rich_text_list' || node.type === 'rich_text_section' ? `${inner}\n` : inner
  }
  return flatten(block).trimEnd()
}

/** Text of a text object (`plain_text` as is, `mrkdwn` resolved) or a bare string. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null) return undefined
  const { type, text } = value as Json
  if (typeof text !== 'string') return undefined
  return type === 'mrkdwn' ? mrkdwn(text) : text
}

function arrayOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null) : []
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split('\n')
}

function indent(text: string, first: string, rest: string): string {
  return text
    .split('\n')
    .map((line, i) => (i === 0 ? first : rest) + line)
    .join('\n')
}

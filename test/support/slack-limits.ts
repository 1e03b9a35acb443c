/**
 * Checks a message or a modal against Slack's documented Block Kit limits
 * (reference/slack-platform.md §4.1) and lists every violation, each with where
 * it is ("blocks[2].fields[0]") and what is wrong. Tests run every view through
 * it; in development it can run before each chat.postMessage / views.open.
 *
 * The walk is generic: it follows `text`, `fields`, `accessory`, `elements` and
 * any nested object, so a new block type still gets its text objects, action_ids
 * and buttons checked.
 */

type Json = Record<string, unknown>

/** The documented limits the checker enforces. */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  messageText: 40_000,
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  placeholder: 150,
  optionText: 75,
  options: 100,
  inputLabel: 2000,
  imageAltText: 2000,
  markdownBlock: 12_000,
  id: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
} as const

/** Violations of a chat.postMessage / chat.update body: `{ text, blocks }`. */
export function messageViolations(message: { readonly text?: unknown; readonly blocks?: unknown }): string[] {
  const out: string[] = []
  if (typeof message.text !== 'string' || message.text.trim() === '') {
    out.push('text: a message needs a non-empty top-level text (the notification and screen-reader fallback)')
  } else if (message.text.length > SLACK_LIMITS.messageText) {
    out.push(tooLong('text', 'message text', message.text.length, SLACK_LIMITS.messageText))
  }
  if (message.blocks !== undefined) checkBlocks(message.blocks, SLACK_LIMITS.messageBlocks, 'message', out)
  return out
}

/** Violations of a modal view for views.open / views.update / views.push. */
export function modalViolations(view: object): string[] {
  const out: string[] = []
  const v = view as Json
  if (v.type !== 'modal') out.push(`type: expected "modal", got ${JSON.stringify(v.type)}`)
  checkPlainText(v.title, 'title', 'modal title', SLACK_LIMITS.modalTitle, out)
  if (v.submit !== undefined) checkPlainText(v.submit, 'submit', 'modal submit', SLACK_LIMITS.modalButton, out)
  if (v.close !== undefined) checkPlainText(v.close, 'close', 'modal close', SLACK_LIMITS.modalButton, out)
  checkOptionalString(v.private_metadata, 'private_metadata', SLACK_LIMITS.privateMetadata, out)
  checkOptionalString(v.callback_id, 'callback_id', SLACK_LIMITS.callbackId, out)
  checkOptionalString(v.external_id, 'external_id', SLACK_LIMITS.externalId, out)
  checkBlocks(v.blocks, SLACK_LIMITS.modalBlocks, 'modal', out)
  if (Array.isArray(v.blocks) && v.submit === undefined && v.blocks.some((b) => isObject(b) && b.type === 'input')) {
    out.push('submit: a modal with an input block needs a submit button')
  }
  return out
}

function checkBlocks(blocks: unknown, max: number, surface: 'message' | 'modal', out: string[]): void {
  if (!Array.isArray(blocks)) {
    out.push('blocks: expected an array')
    return
  }
  if (blocks.length > max) out.push(`blocks: ${blocks.length} blocks (max ${max} in a ${surface})`)
  const blockIds = new Map<string, number>()
  blocks.forEach((block, i) => {
    const path = `blocks[${i}]`
    if (!isObject(block)) {
      out.push(`${path}: expected a block object`)
      return
    }
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== 'string' || block.block_id === '') {
        out.push(`${path}.block_id: expected a non-empty string`)
      } else {
        if (block.block_id.length > SLACK_LIMITS.id) out.push(tooLong(`${path}.block_id`, 'block_id', block.block_id.length, SLACK_LIMITS.id))
        const first = blockIds.get(block.block_id)
        if (first !== undefined) out.push(`${path}.block_id: "${block.block_id}" repeats blocks[${first}].block_id (block_ids must be unique in a ${surface})`)
        else blockIds.set(block.block_id, i)
      }
    }
    checkBlock(block, path, out)
    checkUniqueActionIds(block, path, out)
  })
}

function checkBlock(block: Json, path: string, out: string[]): void {
  switch (block.type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) out.push(`${path}: a section needs text or fields`)
      if (block.text !== undefined) checkTextObject(block.text, `${path}.text`, 'section text', SLACK_LIMITS.sectionText, out)
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) out.push(`${path}.fields: expected an array`)
        else {
          if (block.fields.length > SLACK_LIMITS.sectionFields) out.push(`${path}.fields: ${block.fields.length} fields (max ${SLACK_LIMITS.sectionFields})`)
          if (block.fields.length === 0) out.push(`${path}.fields: empty`)
          block.fields.forEach((field, i) => checkTextObject(field, `${path}.fields[${i}]`, 'section field', SLACK_LIMITS.sectionField, out))
        }
      }
      if (block.accessory !== undefined) checkElement(block.accessory, `${path}.accessory`, out)
      return
    }
    case 'header':
      checkPlainText(block.text, `${path}.text`, 'header text', SLACK_LIMITS.headerText, out)
      return
    case 'context':
      checkElements(block.elements, `${path}.elements`, 'context', SLACK_LIMITS.contextElements, out, (element, elementPath) => {
        if (isTextObject(element)) checkTextObject(element, elementPath, 'context text', SLACK_LIMITS.textObject, out)
        else checkElement(element, elementPath, out)
      })
      return
    case 'actions':
      checkElements(block.elements, `${path}.elements`, 'actions', SLACK_LIMITS.actionsElements, out, (element, elementPath) =>
        checkElement(element, elementPath, out),
      )
      return
    case 'input':
      checkPlainText(block.label, `${path}.label`, 'input label', SLACK_LIMITS.inputLabel, out)
      if (block.hint !== undefined) checkPlainText(block.hint, `${path}.hint`, 'input hint', SLACK_LIMITS.inputLabel, out)
      checkElement(block.element, `${path}.element`, out)
      return
    case 'markdown':
      if (typeof block.text !== 'string' || block.text === '') out.push(`${path}.text: expected non-empty text`)
      else if (block.text.length > SLACK_LIMITS.markdownBlock)
        out.push(tooLong(`${path}.text`, 'markdown block text', block.text.length, SLACK_LIMITS.markdownBlock))
      return
    case 'image':
      checkOptionalString(block.alt_text, `${path}.alt_text`, SLACK_LIMITS.imageAltText, out)
      return
    case 'divider':
      return
    default:
      if (typeof block.type !== 'string') out.push(`${path}.type: expected a block type`)
      walkGeneric(block, path, out)
  }
}

function checkElements(elements: unknown, path: string, kind: string, max: number, out: string[], check: (element: unknown, path: string) => void): void {
  if (!Array.isArray(elements)) {
    out.push(`${path}: expected an array`)
    return
  }
  if (elements.length === 0) out.push(`${path}: a ${kind} block needs at least one element`)
  if (elements.length > max) out.push(`${path}: ${elements.length} elements (max ${max} per ${kind} block)`)
  elements.forEach((element, i) => check(element, `${path}[${i}]`))
}

/** An interactive or image element, anywhere (accessory, actions, context, input). */
function checkElement(element: unknown, path: string, out: string[]): void {
  if (!isObject(element)) {
    out.push(`${path}: expected an element object`)
    return
  }
  if (element.action_id !== undefined) checkOptionalString(element.action_id, `${path}.action_id`, SLACK_LIMITS.id, out, { nonEmpty: true })
  if (element.type === 'button') {
    checkPlainText(element.text, `${path}.text`, 'button text', SLACK_LIMITS.buttonText, out)
    checkOptionalString(element.value, `${path}.value`, SLACK_LIMITS.buttonValue, out)
    checkOptionalString(element.url, `${path}.url`, SLACK_LIMITS.buttonUrl, out)
    checkOptionalString(element.accessibility_label, `${path}.accessibility_label`, SLACK_LIMITS.accessibilityLabel, out)
    if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
      out.push(`${path}.style: expected "primary" or "danger", got ${JSON.stringify(element.style)}`)
    }
  }
  if (element.type === 'image') checkOptionalString(element.alt_text, `${path}.alt_text`, SLACK_LIMITS.imageAltText, out)
  if (element.placeholder !== undefined) checkPlainText(element.placeholder, `${path}.placeholder`, 'placeholder', SLACK_LIMITS.placeholder, out)
  if (element.confirm !== undefined) checkConfirm(element.confirm, `${path}.confirm`, out)
  if (element.options !== undefined) {
    if (!Array.isArray(element.options)) out.push(`${path}.options: expected an array`)
    else {
      if (element.options.length > SLACK_LIMITS.options) out.push(`${path}.options: ${element.options.length} options (max ${SLACK_LIMITS.options})`)
      element.options.forEach((option, i) => {
        if (!isObject(option)) {
          out.push(`${path}.options[${i}]: expected an option object`)
          return
        }
        checkTextObject(option.text, `${path}.options[${i}].text`, 'option text', SLACK_LIMITS.optionText, out)
        if (option.description !== undefined)
          checkTextObject(option.description, `${path}.options[${i}].description`, 'option description', SLACK_LIMITS.optionText, out)
      })
    }
  }
  const known = new Set(['type', 'text', 'action_id', 'value', 'url', 'accessibility_label', 'style', 'alt_text', 'placeholder', 'confirm', 'options'])
  for (const [key, value] of Object.entries(element)) {
    if (!known.has(key)) walkGeneric(value, `${path}.${key}`, out)
  }
}

function checkConfirm(confirm: unknown, path: string, out: string[]): void {
  if (!isObject(confirm)) {
    out.push(`${path}: expected a confirm object`)
    return
  }
  if (confirm.title !== undefined) checkPlainText(confirm.title, `${path}.title`, 'confirm title', SLACK_LIMITS.confirmTitle, out)
  checkTextObject(confirm.text, `${path}.text`, 'confirm text', SLACK_LIMITS.confirmText, out)
  if (confirm.confirm !== undefined) checkPlainText(confirm.confirm, `${path}.confirm`, 'confirm button', SLACK_LIMITS.confirmButton, out)
  if (confirm.deny !== undefined) checkPlainText(confirm.deny, `${path}.deny`, 'deny button', SLACK_LIMITS.confirmButton, out)
}

/** Anything not covered by a specific rule: text objects and elements found anywhere below. */
function walkGeneric(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walkGeneric(item, `${path}[${i}]`, out))
    return
  }
  if (!isObject(value)) return
  if (isTextObject(value)) {
    checkTextObject(value, path, 'text', SLACK_LIMITS.textObject, out)
    return
  }
  if (value.action_id !== undefined || value.type === 'button') {
    checkElement(value, path, out)
    return
  }
  for (const [key, child] of Object.entries(value)) walkGeneric(child, `${path}.${key}`, out)
}

/** action_ids must be unique within their block: collect every one below the block. */
function checkUniqueActionIds(block: Json, path: string, out: string[]): void {
  const seen = new Map<string, string>()
  const visit = (value: unknown, at: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${at}[${i}]`))
      return
    }
    if (!isObject(value)) return
    if (typeof value.action_id === 'string') {
      const first = seen.get(value.action_id)
      if (first !== undefined) out.push(`${at}.action_id: "${value.action_id}" repeats ${first}.action_id (action_ids must be unique within a block)`)
      else seen.set(value.action_id, at)
    }
    for (const [key, child] of Object.entries(value)) visit(child, `${at}.${key}`)
  }
  for (const [key, child] of Object.entries(block)) visit(child, `${path}.${key}`)
}

function isTextObject(value: unknown): boolean {
  return isObject(value) && (value.type === 'plain_text' || value.type === 'mrkdwn')
}

function checkTextObject(value: unknown, path: string, what: string, max: number, out: string[]): void {
  if (!isObject(value) || !isTextObject(value)) {
    out.push(`${path}: expected a text object (plain_text or mrkdwn)`)
    return
  }
  if (typeof value.text !== 'string' || value.text.trim() === '') {
    out.push(`${path}.text: ${what} must not be empty`)
    return
  }
  if (value.text.length > max) out.push(tooLong(`${path}.text`, what, value.text.length, max))
}

function checkPlainText(value: unknown, path: string, what: string, max: number, out: string[]): void {
  if (value === undefined) {
    out.push(`${path}: ${what} is required`)
    return
  }
  if (!isObject(value) || value.type !== 'plain_text') {
    out.push(`${path}: ${what} must be a plain_text object`)
    return
  }
  checkTextObject(value, path, what, max, out)
}

function checkOptionalString(value: unknown, path: string, max: number, out: string[], options: { nonEmpty?: boolean } = {}): void {
  if (value === undefined) return
  if (typeof value !== 'string') {
    out.push(`${path}: expected a string`)
    return
  }
  if (options.nonEmpty && value === '') out.push(`${path}: must not be empty`)
  if (value.length > max) out.push(tooLong(path, path.split('.').pop() ?? path, value.length, max))
}

function tooLong(path: string, what: string, length: number, max: number): string {
  return `${path}: ${what} is ${length} characters (max ${max})`
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Text helpers every view uses: escaping untrusted strings for mrkdwn, cutting them
 * to Slack's limits, Slack's own date and mention syntax, and the one vocabulary
 * for each action ("Delete" / "deleted" / "Deleting").
 *
 * Rule for the whole folder: any string that did not come from this code (a
 * detector's reason, a name, an email, a provider's error detail) goes through
 * `escapeMrkdwn` (or `clip`, which escapes and truncates) before it is placed in
 * mrkdwn, so it cannot turn into a mention (`<!channel>`) or a disguised link.
 */
import type { Action } from '../providers/types.js'

const ELLIPSIS = '…'

/**
 * Escapes `&`, `<` and `>` as Slack asks, so untrusted text renders literally.
 * It also breaks bare `@channel` / `@here` / `@everyone` with a zero-width space,
 * in case a message is ever posted with `link_names` (email addresses such as
 * `ops@here.com` are left alone: the `@` there follows a word character).
 */
export function escapeMrkdwn(text: string): string {
  return escapeEntities(defuseBroadcasts(text))
}

function escapeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function defuseBroadcasts(text: string): string {
  return text.replace(/(^|[^\w.+-])@(channel|here|everyone)\b/gi, '$1@\u200B$2')
}

/**
 * Cuts `text` to at most `max` characters (UTF-16 units, as JavaScript and Slack's
 * limits count them), ending with an ellipsis when it had to cut. Never splits a
 * surrogate pair, so an emoji is either kept or dropped whole.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  if (max <= 0) return ''
  if (max === 1) return ELLIPSIS
  let out = ''
  for (const char of text) {
    if (out.length + char.length > max - 1) break
    out += char
  }
  return out + ELLIPSIS
}

/**
 * Escapes untrusted text and cuts it so the *escaped* result fits in `max`
 * characters, never cutting inside an `&amp;`-style entity.
 */
export function clip(text: string, max: number): string {
  const escaped = escapeMrkdwn(text)
  if (escaped.length <= max) return escaped
  if (max <= 0) return ''
  if (max === 1) return ELLIPSIS
  let out = ''
  for (const char of defuseBroadcasts(text)) {
    const piece = escapeEntities(char)
    if (out.length + piece.length > max - 1) break
    out += piece
  }
  return out + ELLIPSIS
}

/** Untrusted text for one line: control characters and runs of whitespace become one space. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim()
}

/**
 * Untrusted text for a plain_text field or an accessibility label: one line, with
 * `<` and `>` replaced by look-alikes (‹ ›), so that even a surface that parses
 * plain text can never see a mention or a link. Entities would be shown literally there.
 */
export function plainSafe(text: string): string {
  return oneLine(text).replace(/</g, '‹').replace(/>/g, '›')
}

/** `clip(oneLine(text), max)`: for names, emails and details shown inline. */
export function inline(text: string, max: number): string {
  return clip(oneLine(text), max)
}

/**
 * A time in Slack's date syntax, shown in each reader's own time zone
 * ("Yesterday 3:04 PM"), with the ISO time as the fallback. An unreadable time is
 * shown as the escaped text it was.
 */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return inline(iso, 64)
  const unix = Math.floor(ms / 1000)
  const fallback = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return `<!date^${unix}^{date_short_pretty} {time}|${fallback}>`
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/

/** A Slack user mention (`<@U0123>`). Anything that is not a user ID is shown as escaped text. */
export function mention(userId: string): string {
  return SLACK_USER_ID.test(userId) ? `<@${userId}>` : inline(userId, 64)
}

/**
 * A mrkdwn link. Only http(s) URLs become links; anything else falls back to the
 * label alone. The label is escaped; the URL has `|` and `>` percent-encoded.
 */
export function link(url: string | undefined, label: string): string {
  const safeLabel = escapeMrkdwn(label)
  if (!url) return safeLabel
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return safeLabel
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return safeLabel
  const href = parsed.href.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C')
  if (href.length > 2000) return safeLabel
  return `<${href}|${safeLabel}>`
}

/** The words for one action, so every view says the same thing. */
export interface ActionWords {
  /** The modal title (at most 24 characters): "Delete account". */
  title: string
  /** Button and title word: "Delete". */
  verb: string
  /** Mid-sentence: "delete". */
  lower: string
  /** "deleted". */
  past: string
  /** "Deleting". */
  progressive: string
  /** "Deletion". */
  noun: string
  /** How the account relates to the service after it: "deleted from Atlassian", "suspended in Atlassian". */
  preposition: 'from' | 'in'
}

export const ACTION_WORDS: Readonly<Record<Action, ActionWords>> = {
  delete: { verb: 'Delete', title: 'Delete account', lower: 'delete', past: 'deleted', progressive: 'Deleting', noun: 'Deletion', preposition: 'from' },
  suspend: { verb: 'Suspend', title: 'Suspend account', lower: 'suspend', past: 'suspended', progressive: 'Suspending', noun: 'Suspension', preposition: 'in' },
  restore: {
    verb: 'Reactivate',
    title: 'Reactivate account',
    lower: 'reactivate',
    past: 'reactivated',
    progressive: 'Reactivating',
    noun: 'Reactivation',
    preposition: 'in',
  },
  // Cancelling a scheduled deletion gives the account back: "restored" reads right in every sentence.
  'deprovision-access': {
    verb: 'De-provision',
    title: 'De-provision access',
    lower: 'de-provision',
    past: 'de-provisioned',
    progressive: 'De-provisioning',
    noun: 'De-provisioning',
    preposition: 'from',
  },
  'cancel-delete': {
    verb: 'Cancel deletion',
    title: 'Cancel deletion',
    lower: 'cancel the deletion of',
    past: 'restored',
    progressive: 'Cancelling the deletion of',
    noun: 'Cancellation of the deletion',
    preposition: 'in',
  },
}

export function words(action: Action): ActionWords {
  return ACTION_WORDS[action]
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Drops one trailing period, so a sentence can be embedded ("Delete failed: <headline>."). */
export function withoutPeriod(sentence: string): string {
  return sentence.endsWith('.') ? sentence.slice(0, -1) : sentence
}

/** "in 30 s", "in 5 min", "in 2 h": a wait in milliseconds, rounded up. */
export function duration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000))
  if (seconds < 90) return `${seconds} s`
  const minutes = Math.ceil(seconds / 60)
  if (minutes < 90) return `${minutes} min`
  return `${Math.ceil(minutes / 60)} h`
}

/** Plain-text helpers for the wording adapters write (consequences, warnings, details); no Slack markup. */

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Cuts `text` to at most `max` characters, ending with an ellipsis when it had to cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** Slack may send an email in a slash command's text as a link (`<mailto:ada@corp.example|ada@corp.example>`) when the command escapes links. */
export function unlinkEmail(word: string): string {
  return /^<mailto:[^|>]+\|([^>]+)>$/.exec(word)?.[1] ?? /^<mailto:([^|>]+)>$/.exec(word)?.[1] ?? word
}

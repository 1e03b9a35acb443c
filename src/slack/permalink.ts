/** A link to a message, for "follow it there"; undefined when Slack cannot give one (the answer is then worded without it). */
import type { MessageRef } from '../domain/alert.js'
import type { SlackPort } from './web-api.js'

/** `withinMs`: give up after this long (an answer that must go in an ack cannot wait for Slack's full timeout). */
export async function permalinkOf(slack: SlackPort, message: MessageRef | undefined, withinMs?: number): Promise<string | undefined> {
  if (!message) return undefined
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => {
    if (withinMs !== undefined) timer = setTimeout(() => resolve(undefined), withinMs)
  })
  try {
    const asked = slack.chat.getPermalink({ channel: message.channel, message_ts: message.ts }).then((answer) => answer.permalink)
    return await Promise.race([asked, late])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

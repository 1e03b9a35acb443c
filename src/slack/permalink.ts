/** A link to a message, for "follow it there"; undefined when Slack cannot give one (the answer is then worded without it). */
import type { MessageRef } from '../domain/alert.js'
import type { SlackPort } from './web-api.js'

export async function permalinkOf(slack: SlackPort, message: MessageRef | undefined): Promise<string | undefined> {
  if (!message) return undefined
  try {
    return (await slack.chat.getPermalink({ channel: message.channel, message_ts: message.ts })).permalink
  } catch {
    return undefined
  }
}

/** Who is acting: their email from Slack, for the guard that refuses their own account. */
import type { WebClient } from '@slack/web-api'

/** The Slack user's email (needs the users:read.email scope); undefined when Slack does not tell it. */
export async function lookupEmail(slack: WebClient, userId: string): Promise<string | undefined> {
  try {
    const answer = await slack.users.info({ user: userId })
    return answer.user?.profile?.email || undefined
  } catch {
    return undefined
  }
}

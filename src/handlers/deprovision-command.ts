/**
 * /deprovision: acked at once so Slack never shows a timeout. Offboarding a person by
 * email across every service is not built yet; until it is, the command says so
 * plainly and points to where actions happen today.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt'

export function deprovisionCommand(alertChannelId: string) {
  return async ({ ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack({
      response_type: 'ephemeral',
      text: `Offboarding a person by email across every service is not available in this version yet. Act on the account alerts in <#${alertChannelId}>: each has Delete and Suspend buttons.`,
    })
  }
}

/**
 * /deprovision: acked at once so Slack never shows a timeout, then answered through
 * the command's response_url. `status` checks every integration (ephemeral);
 * `help` (or nothing) explains the command. Offboarding a person by email across
 * every service is not built yet, and the command says so plainly.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt'
import { statusMessage } from '../views/health.js'
import { mutesMessage } from '../views/mutes.js'
import { isActor, type HandlerDeps } from './deps.js'

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs

export function deprovisionCommand(deps: HandlerDeps & { alertChannelId: string }) {
  return async ({ ack, command, respond }: Args): Promise<void> => {
    const [subcommand = 'help'] = command.text.trim().split(/\s+/).filter(Boolean)
    if (!isActor(deps, command.user_id)) {
      await ack({ response_type: 'ephemeral', text: '🔒 Only the security team’s actors may use /deprovision. Ask an admin to add your Slack user ID to ACTORS.' })
      return
    }
    if (subcommand === 'status') {
      await ack({ response_type: 'ephemeral', text: '⏳ Checking every integration…' })
      const statuses = await deps.checkIntegrations()
      await respond({ response_type: 'ephemeral', replace_original: true, ...statusMessage(statuses) })
      return
    }
    if (subcommand === 'mutes') {
      await ack()
      const mutes = await deps.mutes.list()
      const items = mutes.map((mute) => ({ ...mute, service: deps.providers.get(mute.integration)?.displayName ?? mute.integration }))
      await respond({ response_type: 'ephemeral', ...mutesMessage(items) })
      return
    }
    await ack({ response_type: 'ephemeral', text: usage(deps.alertChannelId, subcommand) })
  }
}

function usage(alertChannelId: string, subcommand: string): string {
  const lead = subcommand === 'help' ? '' : 'Offboarding a person by email across every service is not available in this version yet. '
  return `${lead}Usage: \`/deprovision status\` checks every integration's credentials; \`/deprovision mutes\` lists muted alerts. Act on the account alerts in <#${alertChannelId}>: each has the buttons its service supports.`
}

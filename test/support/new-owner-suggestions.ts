/** What the bot offers while the actor types in a confirmation modal's new-owner select, asked the way Slack asks. */
import { expect } from 'vitest'
import { ANSWER_ACTION_ID } from '../../src/constants.js'
import { LOCAL, type LocalEnvironment } from '../../local/local-environment.js'
import { SANDBOX, interactionBody, postToSlackApp } from '../../local/slack-signing.js'
import type { StoredView } from '../../local/slack-stand-in.js'

export interface SuggestedOption {
  value: string
  text: { text: string }
}

export async function newOwnerSuggestions(env: LocalEnvironment, view: StoredView, typed: string): Promise<SuggestedOption[]> {
  const payload = {
    type: 'block_suggestion',
    user: { id: LOCAL.actor, username: 'sandbox.admin', team_id: SANDBOX.teamId },
    team: { id: SANDBOX.teamId, domain: SANDBOX.teamDomain },
    api_app_id: SANDBOX.apiAppId,
    token: SANDBOX.verificationToken,
    action_id: ANSWER_ACTION_ID,
    block_id: 'question:new-owner',
    value: typed,
    view: { id: view.id, type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values: {} } },
  }
  const response = await postToSlackApp(`${env.bot.url}/slack/events`, LOCAL.signingSecret, interactionBody(payload))
  expect(response.status).toBe(200)
  return (JSON.parse(response.body) as { options: SuggestedOption[] }).options
}

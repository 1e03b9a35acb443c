/** The ephemeral `/deprovision mutes` list: every active mute, with an Unmute button each. */
import { UNMUTE_ACTION_ID } from '../constants.js'
import { actions, blockId, button, section, type KnownBlock, type SlackMessage } from './blocks.js'
import { inline, mention, plainSafe, slackDate } from './text.js'

export interface MuteListItem {
  id: string
  scope: 'account' | 'service'
  /** The integration's display name. */
  service: string
  email?: string
  by: string
  until?: string
  suppressed: number
}

/** Two blocks a mute keeps the list under Slack's 50 blocks. */
const SHOWN = 24

export function mutesMessage(mutes: MuteListItem[]): SlackMessage {
  if (mutes.length === 0) return { text: 'No alerts are muted.', blocks: [section('mutes:none', '🔔 No alerts are muted.')] }
  const blocks: KnownBlock[] = []
  mutes.slice(0, SHOWN).forEach((mute, index) => {
    const service = inline(mute.service, 120)
    const what = mute.scope === 'account' ? `*${inline(mute.email ?? '', 256)}* in ${service}` : `every *${service}* alert`
    const until = mute.until ? `until ${slackDate(mute.until)}` : 'until unmuted'
    const kept = mute.suppressed === 1 ? '1 alert kept back' : `${mute.suppressed} alerts kept back`
    blocks.push(section(blockId('mutes', index), `🔕 ${what}, ${until}. Muted by ${mention(mute.by)}; ${kept}.`))
    blocks.push(
      actions(blockId('mutes', index, 'actions'), [
        button({ text: 'Unmute', actionId: UNMUTE_ACTION_ID, value: mute.id, label: `Unmute ${plainSafe(mute.email ?? mute.service)}` }),
      ]),
    )
  })
  if (mutes.length > SHOWN) blocks.push(section('mutes:more', `…and ${mutes.length - SHOWN} more.`))
  return { text: `${mutes.length} active mutes.`, blocks }
}

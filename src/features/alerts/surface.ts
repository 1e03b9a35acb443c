/**
 * The alert message as it should look now: the view, fed with what is known beyond
 * the alert itself (what the integration offers, its mute). Every post and update of
 * an alert goes through here, so none of them drops the mute line or the buttons.
 */
import type { ProviderRegistry } from '../../providers/registry.js'
import type { MuteStore } from '../mutes/store.js'
import { alertMessage } from './views/alert-message.js'
import type { SlackMessage } from '../../views/blocks.js'
import type { Alert } from '../../domain/alert.js'
import type { Problem } from '../../providers/problems.js'

export async function alertSurface(alert: Alert, providers: ProviderRegistry, mutes: MuteStore, extra: { broken?: Problem } = {}): Promise<SlackMessage> {
  const mute = alert.muteId ? await mutes.get(alert.muteId) : null
  return alertMessage(alert, {
    ...providers.summary(alert.integration),
    ...extra,
    ...(mute ? { mute: { id: mute.id, scope: mute.scope, by: mute.by, ...(mute.until ? { until: mute.until } : {}) } } : {}),
  })
}

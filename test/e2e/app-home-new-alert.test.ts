/**
 * Delete from the App Home on an account with no alert yet: the bot opens the alert and posts it itself, before
 * the confirmation, rather than waiting for the posting worker; so the action's "in progress" lands in the new
 * alert's thread even when no worker is running (this bot runs none: `workers: false`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOME_OPEN_SERVICE_ACTION_ID, homeAccountActionId, homeTabActionId } from '../../src/constants.js'
import { LOCAL, startLocalEnvironment, type LocalEnvironment } from '../../local/local-environment.js'
import type { RecordedCall } from '../../local/slack-stand-in.js'

let env: LocalEnvironment
beforeAll(async () => {
  env = await startLocalEnvironment({ workers: false, users: [{ id: 'u-bob', userName: 'bob@example.com', displayName: 'Bob Builder' }] })
})
afterAll(async () => {
  await env?.stop()
})

const later = (since: number) => (call: RecordedCall) => env.slack.calls.indexOf(call) >= since
const alertPostsAbout = (email: string) =>
  env.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && String(c.args.text).includes(email) && /account alert/.test(String(c.args.text)))

async function pressInHome(actionId: string, value?: string): Promise<void> {
  const since = env.slack.calls.length
  await env.pressInHome(actionId, value === undefined ? {} : { value })
  await env.publishedHome(since)
}

describe('Delete from the App Home on an account without an alert', () => {
  it('posts the new alert before the confirmation, and says "in progress" in its thread, with no worker running', async () => {
    await env.openHome()
    await pressInHome(homeTabActionId('services'))
    await pressInHome(HOME_OPEN_SERVICE_ACTION_ID, LOCAL.integrationId)
    const since = env.slack.calls.length
    await env.pressInHome(homeAccountActionId('delete'))
    const confirmation = await env.confirmation(since)

    const posts = alertPostsAbout('bob@example.com')
    expect(posts).toHaveLength(1)
    const alert = env.slack.message(LOCAL.channel, (posts[0]!.response as { ts: string }).ts)!
    expect(JSON.stringify(alert.blocks)).toMatch(/Opened from the App Home/)

    await env.submit(confirmation)
    const inProgress = await env.slack.waitFor('chat.postMessage', (c) => later(since)(c) && c.args.thread_ts === alert.ts)
    expect(String(inProgress.args.text)).toMatch(/bob@example\.com/)
    expect(alertPostsAbout('bob@example.com')).toHaveLength(1)
  })
})

/** Posts an accepted alert to the alert channel, once, and remembers where it went. */
import type { Job } from 'bullmq'
import { describeProblem } from '../providers/problems.js'
import { alertSurface } from '../alerts/surface.js'
import type { JobContext } from './context.js'
import type { PostAlertJob } from './queues.js'

export async function postAlert(ctx: JobContext, job: Job<PostAlertJob>): Promise<void> {
  const alert = await ctx.alerts.get(job.data.alertId)
  if (!alert || alert.message) return
  // Say a broken integration is broken on the alert itself, before anyone clicks.
  const health = (await ctx.health.all())[alert.integration]
  const broken = health && !health.ok ? describeProblem(health.problem) : undefined
  const posted = await ctx.poster.chat.postMessage({
    channel: ctx.alertChannelId,
    ...(await alertSurface(alert, ctx.providers, ctx.mutes, broken ? { broken } : {})),
  })
  if (!posted.ts || !posted.channel) throw new Error('chat.postMessage answered without channel and ts')
  await ctx.alerts.setMessage(alert.id, { channel: posted.channel, ts: posted.ts })
  ctx.logger.info({ alertId: alert.id, integration: alert.integration, channel: posted.channel, ts: posted.ts }, 'alert posted')
}

/**
 * Posts an accepted alert to the channel it was routed to, once, and remembers where it went. Slack has no idempotency key and
 * the app has no scope to read the channel back, so the job itself remembers the message Slack accepted before the
 * alert records it: a retry after the record failed records that message instead of posting another. Should two
 * tries both post (a job run twice), the first recorded copy is the alert and the other is edited to point to it.
 */
import type { Job } from 'bullmq'
import type { Alert, MessageRef } from '../../../domain/alert.js'
import { postNewAlert } from '../posting.js'
import type { Logger } from '../../../logger.js'
import { duplicateAlertMessage } from '../views/alert-message.js'
import type { AlertJobDeps } from '../deps.js'
import type { PostAlertJob } from '../../../jobs/queues.js'

export async function postAlert(ctx: AlertJobDeps, job: Job<PostAlertJob>): Promise<void> {
  const alert = await ctx.alerts.get(job.data.alertId)
  // A ref kept in the job still goes through the record, which answers the first one recorded: a copy that lost
  // and whose pointer edit failed (Slack) gets its edit on the retry.
  if (!alert || (alert.message && !job.data.posted)) return
  const log = ctx.logger.child({ alertId: alert.id, integration: alert.integration })
  const posted = job.data.posted ?? (await post(ctx, alert, job, log))
  const recorded = await ctx.alerts.recordMessage(alert.id, posted)
  if (recorded && recorded.ts !== posted.ts) {
    await ctx.poster.chat.update({ channel: posted.channel, ts: posted.ts, ...duplicateAlertMessage(alert, recorded) })
    log.warn({ channel: posted.channel, ts: posted.ts, original: recorded.ts }, 'alert posted twice; the second copy now points to the first')
    return
  }
  log.info({ channel: posted.channel, ts: posted.ts, reused: job.data.posted !== undefined }, 'alert posted')
}

async function post(ctx: AlertJobDeps, alert: Alert, job: Job<PostAlertJob>, log: Logger): Promise<MessageRef> {
  const posted = await postNewAlert(ctx, ctx.poster, alert, log)
  // Kept in the job first, over the worker's connection, which waits out a Redis outage instead of failing: a retry
  // then records this message. Only a crash between Slack's answer and this write can still lead to a second post.
  await job.updateData({ ...job.data, posted })
  return posted
}

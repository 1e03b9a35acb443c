/**
 * Starting and cancelling a scheduled offboarding when something happens in between: a
 * start whose queueing fails after it decided (the queue is unreachable, the process dies)
 * is never left started with nothing to start it: its start timer stays until the run is
 * queued, so the timer queues it at its time, and it is recorded as started once. A Cancel
 * while the checklist is being posted still marks the checklist cancelled.
 */
import { describe, expect, it } from 'vitest'
import { advanceOffboard, type OffboardJobDeps } from '../../src/features/offboarding/jobs/advance-offboard.js'
import { armSchedule, cancelScheduled, startScheduled, type ScheduleDeps } from '../../src/features/offboarding/schedule.js'
import { newRunId, OffboardStore } from '../../src/features/offboarding/store.js'
import type { Run, Schedule } from '../../src/features/offboarding/plan.js'
import { TimerStore } from '../../src/jobs/timers.js'
import type { JobQueues, OffboardJob } from '../../src/jobs/queues.js'
import type { Job } from 'bullmq'
import { AUDIT_STREAM, AuditLog } from '../../src/store/audit.js'
import { createLogger } from '../../src/logger.js'
import type { SlackPort } from '../../src/slack/web-api.js'
import { useRedis } from '../support/redis.js'

const NOW = new Date('2026-12-06T03:16:00Z')
const RUN_AT = '2026-12-11T16:00:00.000Z'

const { redis } = useRedis()

/** A queue that is unreachable for the first `failures` adds, and records what it queued after. */
function flakyQueues(failures: number) {
  const queued: string[] = []
  let left = failures
  const queues = {
    enqueueOffboardAdvance: async (runId: string, cause: string) => {
      if (left-- > 0) throw new Error('queue unreachable')
      queued.push(`${runId}.${cause}`)
    },
  } as unknown as JobQueues
  return { queues, queued }
}

const waitingRun = (email: string): Run & { schedule: Schedule } => ({
  id: newRunId(),
  email,
  actor: 'U0ACTOR1',
  createdAt: NOW.toISOString(),
  steps: [],
  untouched: [],
  schedule: { runAt: RUN_AT, status: 'waiting' },
})

describe('Run now whose queueing fails after it decided to start', () => {
  it('keeps the start timer, so the run still starts at its time, and is recorded as started once', async () => {
    const { queues, queued } = flakyQueues(1)
    const offboard = new OffboardStore(redis())
    const timers = new TimerStore(redis(), () => NOW)
    const deps: ScheduleDeps = { offboard, timers, queues, audit: new AuditLog(redis()), logger: createLogger('silent'), now: () => NOW }
    const run = waitingRun('amy@corp.example')
    await offboard.begin(run, NOW)
    await armSchedule(deps, run)

    await expect(startScheduled(deps, run.id, { by: 'run-now', actor: 'U0ACTOR2' })).rejects.toThrow('queue unreachable')
    expect((await offboard.getRun(run.id))?.schedule).toMatchObject({ status: 'started', by: 'run-now' })
    expect((await timers.pending()).map(({ timer }) => timer)).toContainEqual({ kind: 'offboard-start', runId: run.id })

    // At its time the start timer finds it started and queues it.
    expect(await startScheduled(deps, run.id, { by: 'timer' })).toMatchObject({ kind: 'already-started' })
    expect(queued).toEqual([`${run.id}.start`])
    expect(await timers.pending()).toEqual([])
    const started = (await redis().xrange(AUDIT_STREAM, '-', '+')).filter(([, fields]) => fields.includes('offboard-started'))
    expect(started).toHaveLength(1)
  })
})

describe('Cancel while the checklist is being posted', () => {
  it('marks the checklist cancelled, though it was posted after the Cancel first read the run', async () => {
    const store = new OffboardStore(redis())
    const checklist = { channel: 'C0ALERTS1', ts: '1765000000.000100' }
    // The checklist's job records its message between the Cancel's read of the run and its decision.
    const offboard = Object.assign(Object.create(store) as OffboardStore, {
      decideSchedule: async (...args: Parameters<OffboardStore['decideSchedule']>) => {
        await store.setMessage(args[0], checklist)
        return store.decideSchedule(...args)
      },
    })
    const updates: unknown[] = []
    const slack = { chat: { update: async (message: unknown) => void updates.push(message) } } as unknown as SlackPort
    const timers = new TimerStore(redis(), () => NOW)
    const deps = { offboard, timers, queues: flakyQueues(0).queues, audit: new AuditLog(redis()), logger: createLogger('silent'), now: () => NOW, slack }
    const run = waitingRun('bo@corp.example')
    await store.begin(run, NOW)

    expect(await cancelScheduled(deps, run.id, 'U0ACTOR2')).toEqual({ kind: 'cancelled' })
    expect(updates).toEqual([expect.objectContaining({ ...checklist, text: 'Offboarding bo@corp.example was cancelled' })])
  })
})

describe('Cancel decided while the checklist is being posted', () => {
  it('is shown on the checklist by the job that posted it', async () => {
    const store = new OffboardStore(redis())
    const run = waitingRun('cy@corp.example')
    await store.begin(run, NOW)
    const posted: Array<{ channel: string; text?: string }> = []
    const updates: Array<{ ts: string; text?: string }> = []
    const slack = {
      chat: {
        // The Cancel is decided while Slack takes the checklist, before the job records where it is.
        postMessage: async (message: { channel: string; text?: string }) => {
          posted.push(message)
          await store.decideSchedule(run.id, { runAt: RUN_AT, status: 'cancelled', actor: 'U0ACTOR2', at: NOW.toISOString() })
          return { ok: true, channel: message.channel, ts: '1765000000.000200' }
        },
        update: async (message: { ts: string; text?: string }) => void updates.push(message),
      },
    }
    const ctx = { offboard: store, slack, alertChannelId: 'C0ALERTS1', logger: createLogger('silent') } as unknown as OffboardJobDeps
    await advanceOffboard(ctx, { data: { runId: run.id, cause: 'scheduled' } } as Job<OffboardJob>)

    expect(posted.map(({ text }) => text)).toEqual([
      expect.stringMatching(/^Offboarding cy@corp.example is scheduled for <!date\^\d+\^.*\|2026-12-11T16:00:00Z>$/),
    ])
    expect(updates).toEqual([expect.objectContaining({ ts: '1765000000.000200', text: 'Offboarding cy@corp.example was cancelled' })])
  })
})

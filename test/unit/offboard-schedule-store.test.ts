/**
 * A scheduled offboarding in Redis: it holds the person like a running one, is listed by its
 * time until it is decided, and is started or cancelled exactly once, whichever of the timer,
 * Run now and Cancel comes first on however many replicas; a cancelled one frees the person.
 */
import { describe, expect, it } from 'vitest'
import { newRunId, OffboardStore } from '../../src/features/offboarding/store.js'
import type { Run } from '../../src/features/offboarding/plan.js'
import { useRedis } from '../support/redis.js'

const NOW = new Date('2026-12-06T03:16:00Z')
const RUN_AT = '2026-12-11T16:00:00.000Z'

const { redis, connect } = useRedis()
const replica = () => new OffboardStore(connect())

const scheduledRun = (email: string): Run => ({
  id: newRunId(),
  email,
  actor: 'U0ACTOR1',
  createdAt: NOW.toISOString(),
  steps: [],
  untouched: [],
  schedule: { runAt: RUN_AT, status: 'waiting' },
})
const started = (actor: string) => ({ runAt: RUN_AT, status: 'started', by: 'run-now', actor, at: NOW.toISOString() }) as const
const cancelled = (actor: string) => ({ runAt: RUN_AT, status: 'cancelled', actor, at: NOW.toISOString() }) as const

describe('a scheduled offboarding run', () => {
  it('holds the person, is listed until decided, and is kept until past its time', async () => {
    const store = replica()
    const run = scheduledRun('amy@corp.example')
    expect(await store.begin(run, NOW)).toEqual({ status: 'started' })
    expect(await store.begin(scheduledRun('AMY@corp.example'), NOW)).toEqual({ status: 'running', runId: run.id })
    expect((await store.activeRun('amy@corp.example'))?.schedule).toEqual({ runAt: RUN_AT, status: 'waiting' })
    expect((await store.scheduledRuns(10)).runs.map(({ id }) => id)).toContain(run.id)
    // 5.5 days ahead plus the 90 days every run is kept.
    const ttl = await redis().ttl(`dpb:offboard:run:${run.id}`)
    expect(ttl).toBeGreaterThan(95 * 86_400)
  })

  it('is decided once when the timer, Run now and Cancel race on three replicas', async () => {
    const run = scheduledRun('bo@corp.example')
    await replica().begin(run, NOW)
    const decisions = await Promise.all([
      replica().decideSchedule(run.id, { ...started('timer'), by: 'timer' }),
      replica().decideSchedule(run.id, started('U0ACTOR2')),
      replica().decideSchedule(run.id, cancelled('U0ACTOR3')),
    ])
    expect(decisions.filter((decision) => decision.status === 'decided')).toHaveLength(1)
    const winner = decisions.find((decision) => decision.status === 'decided')!
    for (const decision of decisions) expect(decision).toMatchObject({ schedule: 'schedule' in winner ? winner.schedule : {} })
    expect((await replica().scheduledRuns(10)).runs.map(({ id }) => id)).not.toContain(run.id)
  })

  it('refuses a Cancel after it started, and frees the person when cancelled first', async () => {
    const store = replica()
    const first = scheduledRun('cy@corp.example')
    await store.begin(first, NOW)
    await store.decideSchedule(first.id, started('U0ACTOR1'))
    expect(await store.decideSchedule(first.id, cancelled('U0ACTOR2'))).toEqual({ status: 'already', schedule: started('U0ACTOR1') })
    expect((await store.activeRun('cy@corp.example'))?.id).toBe(first.id)

    const second = scheduledRun('di@corp.example')
    await store.begin(second, NOW)
    expect(await store.decideSchedule(second.id, cancelled('U0ACTOR2'))).toEqual({ status: 'decided', schedule: cancelled('U0ACTOR2') })
    expect(await store.activeRun('di@corp.example')).toBeNull()
    expect((await store.getRun(second.id))?.schedule).toEqual(cancelled('U0ACTOR2'))
  })

  it('cannot be started or cancelled when it was never scheduled', async () => {
    const store = replica()
    const now = { ...scheduledRun('ed@corp.example'), schedule: undefined }
    await store.begin(now, NOW)
    expect(await store.decideSchedule(now.id, cancelled('U0ACTOR2'))).toEqual({ status: 'missing' })
    expect(await store.decideSchedule('ob_nope', cancelled('U0ACTOR2'))).toEqual({ status: 'missing' })
  })
})

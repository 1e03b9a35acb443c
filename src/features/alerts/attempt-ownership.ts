/**
 * Whether an action job may still write to the service: its BullMQ lock is still this worker's (a stalled worker
 * that is still alive may have lost it to another), and the alert is still in progress for its attempt. Checked in
 * one Lua script, right before the write, so a job that lost either never acts a second time. The same script
 * records when the attempt first wrote, so a re-run knows its first write may have landed (an answer lost).
 */
import type { Redis } from 'ioredis'
import { alertKey } from '../../store/alerts.js'
import { ACTION_QUEUE, QUEUE_PREFIX } from '../../jobs/queues.js'

/** KEYS: job lock, alert; ARGV: token ('' when the job runs without one), attempt, now (ISO 8601). */
const OWNS_ATTEMPT = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local state = redis.call('HGET', KEYS[2], 'state')
if not state then return 0 end
local current = cjson.decode(state)
if current.kind ~= 'in-progress' or tostring(current.request.attempt) ~= ARGV[2] then return 0 end
redis.call('HSETNX', KEYS[2], 'writeAt:' .. ARGV[2], ARGV[3])
return 1
`

/** BullMQ's lock of an action job (`<prefix>:<queue>:<jobId>:lock`, holding the token of the worker running it). */
export function actionJobLockKey(jobId: string): string {
  return `${QUEUE_PREFIX}:${ACTION_QUEUE}:${jobId}:lock`
}

export interface AttemptOwner {
  jobId: string
  token: string | undefined
  alertId: string
  attempt: number
}

/** Answers whether the job may write now; when it may, records the attempt's first write time (once). */
export async function ownsAttempt(redis: Redis, job: AttemptOwner, now: Date): Promise<boolean> {
  const owned = await redis.eval(OWNS_ATTEMPT, 2, actionJobLockKey(job.jobId), alertKey(job.alertId), job.token ?? '', String(job.attempt), now.toISOString())
  return owned === 1
}

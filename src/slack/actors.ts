/**
 * Who is acting: their email from Slack, for the guard that refuses their own account,
 * and their time zone, for the times they type (`/deprovision user@corp at …`).
 * Slack's `users.info` is asked through a client of its own whose retry policy retries
 * quickly, the whole lookup bounded so a modal does not wait long; each answer is kept
 * in Redis a short while (shared by replicas) and used when Slack does not answer.
 * Undefined means nobody could say, and the guards then refuse delete and suspend.
 */
import type { RetryOptions } from '@slack/web-api'
import type { WebClient } from '@slack/web-api'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import type { Logger } from '../logger.js'
import { KEY_PREFIX } from '../store/redis.js'

/** For the lookup's WebClient: each request at most this long, retried twice with short backoff (5xx, timeouts, errors). */
export const ACTOR_LOOKUP_TIMEOUT_MS = 600
export const ACTOR_LOOKUP_RETRY: RetryOptions = { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 300, randomize: false }
/** The whole lookup, retries and a rate limit's wait included: the modal is already open, the actor waits for this. */
const LOOKUP_DEADLINE_MS = 2_000
/** How long an answer stands in for Slack: a Slack profile's email rarely changes, and a departed actor leaves ACTORS. */
export const ACTOR_EMAIL_TTL_MS = 10 * 60_000

const cacheKey = (userId: string) => `${KEY_PREFIX}actor-email:${userId}`
const cachedSchema = z.object({ email: z.string().min(1), at: z.string().datetime() })

type Answer = { kind: 'told'; value: string } | { kind: 'not-told'; why: string; err?: unknown }
type SlackUser = NonNullable<Awaited<ReturnType<WebClient['users']['info']>>['user']>

/** Whether the Slack user may act at all (ACTORS). */
export function isActor(deps: { actors: ReadonlySet<string> }, userId: string): boolean {
  return deps.actors.has(userId)
}

export class ActorEmails {
  constructor(
    /** A client made for this lookup, with ACTOR_LOOKUP_RETRY and ACTOR_LOOKUP_TIMEOUT_MS. */
    private readonly slack: WebClient,
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The Slack user's email (needs the users:read.email scope), else a recent answer; undefined when neither tells it. */
  async of(userId: string): Promise<string | undefined> {
    const answer = await this.ask(userId)
    if (answer.kind === 'told') {
      await this.remember(userId, answer.value)
      return answer.value
    }
    const recalled = await this.recall(userId)
    this.logger.warn({ actor: userId, reason: answer.why, err: answer.err, usedRecentAnswer: recalled !== undefined }, 'Slack did not tell the actor’s email')
    return recalled
  }

  /**
   * The Slack user's IANA time zone (`user.tz` from users.info), for times they type; undefined when Slack does not
   * say. Never taken from an older answer: a person who travels changes zone, and a wrong zone moves a run by hours.
   */
  async timeZoneOf(userId: string): Promise<string | undefined> {
    const answer = await this.askUser(userId, (user) => user.tz?.trim() || undefined, 'the profile has no time zone')
    if (answer.kind === 'told') return answer.value
    this.logger.warn({ actor: userId, reason: answer.why, err: answer.err }, 'Slack did not tell the actor’s time zone')
    return undefined
  }

  private ask(userId: string): Promise<Answer> {
    return this.askUser(userId, (user) => user.profile?.email?.trim() || undefined, 'the profile has no email')
  }

  /** One users.info call within LOOKUP_DEADLINE_MS, reading `pick` from the user it answers. */
  private async askUser(userId: string, pick: (user: SlackUser) => string | undefined, missing: string): Promise<Answer> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<Answer>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'not-told', why: `no answer within ${LOOKUP_DEADLINE_MS} ms` }), LOOKUP_DEADLINE_MS)
    })
    const asked = this.slack.users.info({ user: userId }).then(
      (answer): Answer => {
        const value = answer.user ? pick(answer.user) : undefined
        return value ? { kind: 'told', value } : { kind: 'not-told', why: missing }
      },
      (error: unknown): Answer => ({ kind: 'not-told', why: 'users.info failed', err: error }),
    )
    return Promise.race([asked, deadline]).finally(() => clearTimeout(timer))
  }

  private async remember(userId: string, email: string): Promise<void> {
    const entry = JSON.stringify({ email, at: this.now().toISOString() })
    await this.redis.set(cacheKey(userId), entry, 'PX', ACTOR_EMAIL_TTL_MS).catch((error: unknown) => {
      this.logger.warn({ actor: userId, err: error }, 'could not keep the actor’s email (Redis)')
    })
  }

  /** The bot's clock decides whether an answer is recent, as for every date it keeps; Redis's expiry only clears it. */
  private async recall(userId: string): Promise<string | undefined> {
    const stored = await this.redis.get(cacheKey(userId)).catch(() => null)
    if (!stored) return undefined
    const entry = cachedSchema.safeParse(parseJson(stored))
    if (!entry.success) return undefined
    const age = this.now().getTime() - Date.parse(entry.data.at)
    return age >= 0 && age < ACTOR_EMAIL_TTL_MS ? entry.data.email : undefined
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

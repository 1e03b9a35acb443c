/**
 * Where each person is in the App Home (overview, services, one service's accounts with its
 * search and page), in Redis: buttons then carry only a direction, provider cursors of any
 * length stay out of Slack's 2,000-character values, and any replica can serve the next click.
 */
import type { Redis } from 'ioredis'
import { z } from 'zod'
import { KEY_PREFIX } from '../../store/redis.js'

const homeKey = (userId: string) => `${KEY_PREFIX}home:${userId}`
const TTL_SECONDS = 7 * 24 * 3600
/** Previous pages remembered; older ones are dropped (the list restarts from the first page). */
const MAX_HISTORY = 50

const positionSchema = z.object({ cursor: z.string().max(8_000).optional(), offset: z.number().int().min(0) })
export type AccountPosition = z.infer<typeof positionSchema>

const screenSchema = z.discriminatedUnion('screen', [
  z.object({ screen: z.literal('overview') }),
  z.object({ screen: z.literal('services') }),
  z.object({
    screen: z.literal('accounts'),
    integration: z.string().min(1).max(128),
    query: z.string().max(256),
    position: positionSchema,
    /** The positions of the pages before this one, for Previous. */
    history: z.array(positionSchema).max(MAX_HISTORY),
    /** Where the next page starts, once this one was read; absent on the last page. */
    next: positionSchema.optional(),
  }),
])
export type HomeScreen = z.infer<typeof screenSchema>
export type AccountsScreen = Extract<HomeScreen, { screen: 'accounts' }>

export const FIRST_PAGE: AccountPosition = { offset: 0 }

export function accountsScreen(integration: string, query = ''): AccountsScreen {
  return { screen: 'accounts', integration, query, position: FIRST_PAGE, history: [] }
}

/** The page after or before `screen`'s; unchanged where there is none. */
export function turnPage(screen: AccountsScreen, direction: 'next' | 'previous'): AccountsScreen {
  const { next: _next, ...rest } = screen
  if (direction === 'next') {
    return screen.next ? { ...rest, position: screen.next, history: [...screen.history, screen.position].slice(-MAX_HISTORY) } : screen
  }
  const previous = screen.history.at(-1)
  return previous ? { ...rest, position: previous, history: screen.history.slice(0, -1) } : screen
}

export class HomeStateStore {
  constructor(private readonly redis: Redis) {}

  /** The person's screen; the overview when none is stored or what is stored is not readable. */
  async get(userId: string): Promise<HomeScreen> {
    const text = await this.redis.get(homeKey(userId))
    if (!text) return { screen: 'overview' }
    try {
      const parsed = screenSchema.safeParse(JSON.parse(text))
      return parsed.success ? parsed.data : { screen: 'overview' }
    } catch {
      return { screen: 'overview' }
    }
  }

  async set(userId: string, screen: HomeScreen): Promise<void> {
    await this.redis.set(homeKey(userId), JSON.stringify(screen), 'EX', TTL_SECONDS)
  }
}

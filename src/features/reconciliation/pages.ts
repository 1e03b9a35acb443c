/**
 * Walks a service's account list page by page, within its rate limits: a 429 waits as
 * long as the service asked (Retry-After) and asks for the same page again; a 5xx or a
 * timeout backs off and asks again. Only one page is held at a time.
 */
import { ProviderError, isRetryable } from '../../providers/problems.js'
import type { Account, AccountPage } from '../../providers/types.js'

export interface WalkOptions {
  /** Tries per page, the first included. */
  attempts?: number
  /** First backoff when the service did not say how long to wait; doubles each try. */
  baseDelayMs?: number
  /** The longest single wait, whatever the service asks. */
  maxDelayMs?: number
  /** How to wait; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>
}

export const DEFAULT_WALK: Required<Omit<WalkOptions, 'sleep'>> = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 }

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Every page of accounts, in the service's order; a page that keeps failing ends the walk with its error. */
export async function* accountPages(list: (cursor?: string) => Promise<AccountPage>, options: WalkOptions = {}): AsyncGenerator<Account[]> {
  let cursor: string | undefined
  do {
    const page = await withRetries(() => list(cursor), options)
    yield page.accounts
    cursor = page.nextCursor
  } while (cursor !== undefined)
}

async function withRetries<T>(call: () => Promise<T>, options: WalkOptions): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs } = { ...DEFAULT_WALK, ...options }
  const sleep = options.sleep ?? sleepFor
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (!(error instanceof ProviderError) || !isRetryable(error.problem) || attempt >= attempts) throw error
      const asked = error.problem.kind === 'rate-limited' ? error.problem.retryAfterMs : undefined
      await sleep(Math.min(asked ?? baseDelayMs * 2 ** (attempt - 1), maxDelayMs))
    }
  }
}

/**
 * An OAuth access token kept until shortly before it expires: replaced this long before (as Google's and
 * Microsoft's own libraries do), or at half its life if that is shorter. Concurrent callers share one request.
 */
export const REFRESH_MARGIN_MS = 5 * 60_000

export interface FetchedToken {
  token: string
  /** 0 when the service did not say: the token is then used once. */
  lifetimeMs: number
  /** When its lifetime started counting. */
  issuedAt: Date
}

export interface TokenCache {
  token(): Promise<string>
  /** Forgets the cached token (the service refused it), so the next call asks for a new one. */
  invalidate(): void
}

export function cacheToken(fetchToken: () => Promise<FetchedToken>, now: () => Date): TokenCache {
  let cached: { token: string; refreshAt: number } | undefined
  let inFlight: Promise<string> | undefined

  const refresh = async (): Promise<string> => {
    const { token, lifetimeMs, issuedAt } = await fetchToken()
    cached = { token, refreshAt: issuedAt.getTime() + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) }
    return token
  }

  return {
    token() {
      if (cached && now().getTime() < cached.refreshAt) return Promise.resolve(cached.token)
      inFlight ??= refresh().finally(() => {
        inFlight = undefined
      })
      return inFlight
    },
    invalidate() {
      cached = undefined
    },
  }
}

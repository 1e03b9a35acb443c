/** Slack clients that count their failures and retries in the bot's metrics (GET /metrics). */
import { ErrorCode, type RetryOptions, type WebClientOptions } from '@slack/web-api'
import type { Metrics } from '../metrics.js'

/**
 * Options for a Slack WebClient that count its failures: every failed request by method and error
 * (its own fetch sees each attempt), and every retry its retry policy makes.
 */
export function countedSlackOptions(
  metrics: Pick<Metrics, 'slackErrors' | 'slackRetries'>,
  retry: RetryOptions,
): Pick<WebClientOptions, 'retryConfig' | 'fetch'> {
  // @slack/web-api hands retryConfig to p-retry, which calls onFailedAttempt before each retry and after the last attempt.
  const onFailedAttempt = (error: Error & { retriesLeft?: number }) => {
    if ((error.retriesLeft ?? 0) > 0) metrics.slackRetries.inc({ reason: slackRetryReason(error) })
  }
  return {
    retryConfig: { ...retry, onFailedAttempt } as RetryOptions,
    fetch: async (url, init) => {
      const method = new URL(url).pathname.split('/').pop() || 'unknown'
      let response: Response
      try {
        response = await fetch(url, init)
      } catch (error) {
        metrics.slackErrors.inc({ method, error: 'request_failed' })
        throw error
      }
      // Read once and handed on as a new Response: response.clone() would tee the body's stream on every call.
      const body = await response.text()
      const error = slackErrorOf(response.status, body)
      if (error) metrics.slackErrors.inc({ method, error })
      return new Response(body === '' ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers })
    },
  }
}

/** The error a Slack answer carries: rate limited, an HTTP failure, or `ok: false` with Slack's error code. */
export function slackErrorOf(status: number, body: string): string | undefined {
  if (status === 429) return 'ratelimited'
  if (status !== 200) return `http_${status}`
  // Parsed only when it may say ok: false; the client parses every answer anyway.
  if (!/"ok"\s*:\s*false/.test(body)) return undefined
  try {
    const answer = JSON.parse(body) as { ok?: boolean; error?: unknown }
    return answer.ok === false ? (typeof answer.error === 'string' ? answer.error : 'unknown') : undefined
  } catch {
    return undefined
  }
}

/** Why @slack/web-api tries a request again: it retries only rate limits, HTTP failures and requests that got no answer. */
export function slackRetryReason(error: Error & { code?: unknown }): 'ratelimited' | 'http_error' | 'request_failed' {
  if (error.code === ErrorCode.HTTPError) return 'http_error'
  if (/rate limit/i.test(error.message)) return 'ratelimited'
  return 'request_failed'
}

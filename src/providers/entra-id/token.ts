/**
 * Microsoft identity platform's client-credentials grant (OAuth 2.0, RFC 6749 §4.4):
 * `POST {loginUrl}/{tenantId}/oauth2/v2.0/token` with the app's id and secret and the
 * scope `{graphUrl}/.default` (the application permissions an admin consented to).
 * The access token is cached until shortly before it expires; a failure says which part
 * of the app registration is wrong (AADSTS code), never the secret.
 */
import { z } from 'zod'
import { createHttpClient } from '../kit/http.js'
import { ProviderError } from '../problems.js'
import { cacheToken, type TokenCache } from '../kit/token-cache.js'

export interface ClientCredentials {
  loginUrl: string
  tenantId: string
  clientId: string
  clientSecret: string
  /** e.g. https://graph.microsoft.com/.default */
  scope: string
  timeoutMs?: number
  now?: () => Date
}

/** Answers a valid access token; `invalidate` drops the cached one (the service refused it). */
export type TokenSource = TokenCache

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive(),
})

const tokenErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  error_codes: z.array(z.number()).optional(),
})

/** AADSTS codes that mean the registration is wrong (not a passing fault): what to fix, in words. */
const SETUP_ERRORS: Readonly<Record<number, string>> = {
  7000215: 'the client secret is wrong: create a new one under Certificates & secrets and set it',
  7000222: 'the client secret has expired: create a new one under Certificates & secrets and set it',
  700016: 'no application with this client id in the tenant: check clientId, and that the app is registered (or consented) there',
  90002: 'no such tenant: check tenantId',
  900023: 'the tenant id is not a valid directory id or domain: check tenantId',
  7000229: 'the app has no service principal in the tenant: an admin must consent to it (Enterprise applications)',
}

export function createTokenSource(credentials: ClientCredentials): TokenSource {
  const now = credentials.now ?? (() => new Date())
  const http = createHttpClient({
    baseUrl: credentials.loginUrl,
    timeoutMs: credentials.timeoutMs,
    describeError: describeTokenError,
  })
  return cacheToken(async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: credentials.scope,
    })
    let response
    try {
      response = await http.send({
        method: 'POST',
        path: `/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`,
        body: form.toString(),
        contentType: 'application/x-www-form-urlencoded',
      })
    } catch (error) {
      throw asSetupProblem(error)
    }
    const parsed = tokenResponseSchema.safeParse(response.body)
    if (!parsed.success)
      throw new ProviderError({ kind: 'rejected', status: response.status, detail: 'the token endpoint answered with something that is not an access token' })
    return { token: parsed.data.access_token, lifetimeMs: parsed.data.expires_in * 1000, issuedAt: now() }
  }, now)
}

/** `{error, error_description: "AADSTS7000215: Invalid client secret …", error_codes}`: the first line of the description. */
export function describeTokenError(_status: number, body: unknown): string | undefined {
  const parsed = tokenErrorSchema.safeParse(body)
  if (!parsed.success) return undefined
  const code = parsed.data.error_codes?.[0]
  const known = code === undefined ? undefined : SETUP_ERRORS[code]
  const said = parsed.data.error_description?.split(/\r?\n/)[0]
  return known ? `${known} (AADSTS${code})` : `${said ?? parsed.data.error}`
}

/**
 * The token endpoint answers 400 or 401 to a wrong secret, client id or tenant: either way the credentials are
 * to be fixed, not retried.
 */
function asSetupProblem(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error
  const problem = error.problem
  if (problem.kind === 'rejected' && problem.status === 400) {
    return new ProviderError({ kind: 'credentials', status: 400, detail: `Microsoft refused the token request: ${problem.detail}` }, { cause: error })
  }
  if (problem.kind === 'credentials') {
    return new ProviderError(
      { kind: 'credentials', status: problem.status, detail: `Microsoft refused the token request${problem.detail ? `: ${problem.detail}` : ''}` },
      { cause: error },
    )
  }
  return error
}

/** The providers file entry of a GitHub organisation. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const githubSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('github'),
    /** The organisation's login, as in https://github.com/<org>. */
    org: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38})$/i, 'expected an organisation login such as acme (letters, digits, dashes)'),
    /** A GitHub App installation token or a token with admin:org. */
    token: secret,
    /** https://github.example.com/api/v3 for GitHub Enterprise Server; tests point it at a local server. */
    apiUrl: httpUrl.default('https://api.github.com'),
  })

export type GitHubIntegration = z.infer<ReturnType<typeof githubSchema>>

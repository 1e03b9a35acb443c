/** The providers file entry of an Atlassian organization. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const atlassianSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('atlassian'),
    orgId: z.string().min(1),
    /** An organization admin API key (admin.atlassian.com > Settings > API keys). */
    apiKey: secret,
    /** Leave out to use the organization's only directory (looked up once). */
    directoryId: z.string().min(1).optional(),
    baseUrl: httpUrl.default('https://api.atlassian.com'),
  })

export type AtlassianIntegration = z.infer<ReturnType<typeof atlassianSchema>>

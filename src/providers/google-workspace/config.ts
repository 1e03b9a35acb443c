/** The providers file entry of a Google Workspace domain. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const googleWorkspaceSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('google-workspace'),
    /** The primary domain, e.g. corp.example. */
    domain: z.string().min(3),
    /** A super admin the service account acts as (domain-wide delegation). */
    adminEmail: z.email(),
    /** The service account's JSON key, as a ${ENV} reference. */
    serviceAccountKey: secret,
    /** Leave out for Google's hosts; tests point them at a local server. */
    baseUrl: httpUrl.default('https://admin.googleapis.com'),
    tokenUrl: httpUrl.default('https://oauth2.googleapis.com/token'),
  })

export type GoogleWorkspaceIntegration = z.infer<ReturnType<typeof googleWorkspaceSchema>>

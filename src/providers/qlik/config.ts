/** The providers file entry of a Qlik Cloud tenant. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const qlikSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('qlik'),
    /** https://<tenant>.<region>.qlikcloud.com, also the API base. */
    tenantUrl: httpUrl,
    /** A tenant admin's API key. */
    apiKey: secret,
  })

export type QlikIntegration = z.infer<ReturnType<typeof qlikSchema>>

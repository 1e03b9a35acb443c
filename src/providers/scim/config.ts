/** The providers file entry of a SCIM 2.0 service. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const scimSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('scim'),
    baseUrl: httpUrl,
    token: secret,
  })

export type ScimIntegration = z.infer<ReturnType<typeof scimSchema>>

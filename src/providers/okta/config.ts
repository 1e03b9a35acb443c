/** The providers file entry of an Okta org. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const oktaSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('okta'),
    /** https://<your-org>.okta.com (tests point it at a local server). */
    orgUrl: httpUrl,
    /** An API token (SSWS) of an admin allowed to manage users. */
    apiToken: secret,
  })

export type OktaIntegration = z.infer<ReturnType<typeof oktaSchema>>

/** The providers file entry of a Microsoft Entra ID tenant. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

export const entraIdSchema = (secret: Secret) =>
  z.object({
    ...COMMON_FIELDS,
    type: z.literal('entra-id'),
    /** The directory (tenant) id, or one of its domains (contoso.onmicrosoft.com). */
    tenantId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'expected the directory (tenant) id, e.g. 00000000-0000-0000-0000-000000000000'),
    /** The application (client) id of the app registration. */
    clientId: z.string().min(1),
    clientSecret: secret,
    /** Leave out for Microsoft's global cloud; national clouds and tests set both. */
    graphUrl: httpUrl.default('https://graph.microsoft.com'),
    loginUrl: httpUrl.default('https://login.microsoftonline.com'),
  })

export type EntraIdIntegration = z.infer<ReturnType<typeof entraIdSchema>>

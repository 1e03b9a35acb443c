/** A Microsoft Entra ID tenant: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createEntraIdProvider } from './provider.js'
import { entraIdSchema } from './config.js'

export const entraIdProvider = defineProvider({
  type: 'entra-id',
  schema: entraIdSchema,
  create: createEntraIdProvider,
  credentialsNeeded:
    'an app registration with a client secret and the application permissions User.EnableDisableAccount.All, User.RevokeSessions.All, User.ReadWrite.All, AuditLog.Read.All and RoleManagement.Read.Directory, admin-consented',
})

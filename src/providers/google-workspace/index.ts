/** A Google Workspace domain: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createGoogleWorkspaceProvider } from './provider.js'
import { googleWorkspaceSchema } from './config.js'

export const googleWorkspaceProvider = defineProvider({
  type: 'google-workspace',
  schema: googleWorkspaceSchema,
  create: createGoogleWorkspaceProvider,
  credentialsNeeded: 'a service account with domain-wide delegation for the admin.directory.user scope, acting as a super admin',
})

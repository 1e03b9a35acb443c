/** A SCIM 2.0 service: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createScimProvider } from './adapter.js'
import { scimSchema } from './config.js'

export const scimProvider = defineProvider({
  type: 'scim',
  schema: scimSchema,
  create: createScimProvider,
  credentialsNeeded: 'a SCIM bearer token allowed to read, update and delete Users',
})

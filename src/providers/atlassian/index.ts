/** An Atlassian organization: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createAtlassianProvider } from './provider.js'
import { atlassianSchema } from './config.js'

export const atlassianProvider = defineProvider({
  type: 'atlassian',
  schema: atlassianSchema,
  create: createAtlassianProvider,
  credentialsNeeded: 'an organization admin API key (user lifecycle: deactivate, delete, cancel deletion)',
})

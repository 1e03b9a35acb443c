/** An Okta org: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createOktaProvider } from './provider.js'
import { oktaSchema } from './config.js'

export const oktaProvider = defineProvider({
  type: 'okta',
  schema: oktaSchema,
  create: createOktaProvider,
  credentialsNeeded: 'an API token of an admin allowed to manage users (okta.users.manage)',
  // Okta's Users API org-wide default: 600 requests a minute (developer.okta.com/docs/reference/rl-global-mgmt).
  defaultRequestsPerSecond: 600 / 60,
})

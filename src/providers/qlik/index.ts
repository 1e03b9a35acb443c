/** A Qlik Cloud tenant: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createQlikProvider } from './provider.js'
import { qlikSchema } from './config.js'

export const qlikProvider = defineProvider({
  type: 'qlik',
  schema: qlikSchema,
  create: createQlikProvider,
  credentialsNeeded: 'an API key of a user with the TenantAdmin role',
  // Qlik Cloud Tier 1: 1,000 requests a minute per user per tenant (qlik.dev/apis/rest/rate-limiting).
  defaultRequestsPerSecond: 1000 / 60,
})

/** An Alibaba Cloud CloudSSO directory: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createCloudSsoProvider } from './provider.js'
import { alibabaCloudSsoSchema } from './config.js'

export const alibabaCloudSsoProvider = defineProvider({
  type: 'alibaba-cloudsso',
  schema: alibabaCloudSsoSchema,
  create: createCloudSsoProvider,
  credentialsNeeded: 'a RAM AccessKey allowed the cloudsso: actions listed in the README',
})

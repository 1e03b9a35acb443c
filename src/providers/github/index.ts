/** A GitHub organisation: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createGitHubProvider } from './provider.js'
import { githubSchema } from './config.js'

export const githubProvider = defineProvider({
  type: 'github',
  schema: githubSchema,
  create: createGitHubProvider,
  credentialsNeeded: "a GitHub App installation token (organisation Members: read and write) or an owner's token with the admin:org scope",
})

/**
 * Every kind of service the bot can act on. Adding a provider is its folder (docs/structure.md, "Add a
 * provider") and one line here; config.ts reads the providers file's schema from this list, the registry
 * builds adapters from it.
 */
import { z } from 'zod'
import { alibabaCloudSsoProvider } from './alibaba-cloudsso/index.js'
import { atlassianProvider } from './atlassian/index.js'
import { entraIdProvider } from './entra-id/index.js'
import { githubProvider } from './github/index.js'
import { googleWorkspaceProvider } from './google-workspace/index.js'
import { secretReference, type ProviderDefinition, type Secret } from './kit/config.js'
import { oktaProvider } from './okta/index.js'
import { qlikProvider } from './qlik/index.js'
import { scimProvider } from './scim/index.js'
import { treasureDataProvider } from './treasure-data/index.js'

export const CATALOGUE = [
  scimProvider,
  atlassianProvider,
  treasureDataProvider,
  qlikProvider,
  alibabaCloudSsoProvider,
  oktaProvider,
  googleWorkspaceProvider,
  githubProvider,
  entraIdProvider,
] as const

type Definition = (typeof CATALOGUE)[number]
type SchemaOf<D> = D extends ProviderDefinition<string, infer Schema> ? Schema : never
/** The catalogue's schemas as a tuple, which is what zod's discriminated union takes. */
type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: SchemaOf<T[K]> }

/** One entry of the providers file, whichever its service; `env` holds the secrets its `${ENV}` references name. */
export function integrationSchema(env: Readonly<Record<string, string | undefined>>) {
  const secret: Secret = secretReference(env)
  return z.discriminatedUnion('type', CATALOGUE.map((definition) => definition.schema(secret)) as unknown as SchemasOf<typeof CATALOGUE>)
}

export type IntegrationConfig = z.infer<ReturnType<typeof integrationSchema>>
export type IntegrationType = IntegrationConfig['type']

/** The catalogue's entry for a type; every configured integration has one (config.ts parsed it with this list). */
export function definitionOf<T extends IntegrationType>(type: T): Extract<Definition, { type: T }> {
  const definition = CATALOGUE.find((candidate) => candidate.type === type)
  if (!definition) throw new Error(`no provider of type ${type} in the catalogue`)
  return definition as Extract<Definition, { type: T }>
}

/**
 * What every provider's entry in the providers file shares, and the pieces each provider's schema is built
 * from. A provider folder declares its own schema with these; config.ts reads the union from the catalogue.
 */
import { z } from 'zod'
import { ACTIONS, type Provider, type ProviderOptions } from '../types.js'

/** `${ENV_NAME}`: how the providers file names a secret without holding it. */
const SECRET_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/

/** A secret field: a `${ENV}` reference in the file, the secret's value once parsed. */
export function secretReference(env: Readonly<Record<string, string | undefined>>) {
  return z.string().transform((value, ctx) => {
    const name = SECRET_REFERENCE.exec(value.trim())?.[1]
    if (!name) {
      ctx.addIssue({ code: 'custom', message: 'expected a ${ENV_NAME} reference: secrets are never written inline' })
      return z.NEVER
    }
    const secret = env[name]
    if (!secret) {
      ctx.addIssue({ code: 'custom', message: `refers to \${${name}}, which is not set in the environment` })
      return z.NEVER
    }
    return secret
  })
}

export type Secret = ReturnType<typeof secretReference>

export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })

/** The fields every integration has, whatever its service. */
export const COMMON_FIELDS = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected a short id of lowercase letters, digits and dashes'),
  displayName: z.string().min(1).max(60),
  adminConsoleUrl: httpUrl.optional(),
  /** The account whose credentials the bot uses here (an email): never deleted or suspended. */
  integrationOwner: z.email().optional(),
  /** This integration is the identity provider: offboarding suspends here first. */
  identityProvider: z.boolean().optional(),
  /** Offer only these actions (default: all the service supports); an empty list offers none. */
  actions: z.array(z.enum(ACTIONS)).optional(),
  /**
   * Send at most this many requests a second to the service (every replica together), so a burst is paced
   * instead of refused with 429s. Set it a little under the service's own limit; leave it out to send at once.
   */
  requestsPerSecond: z.number().positive().max(10_000).optional(),
  /** These actions wait for a second actor's approval before they run (two-person rule). */
  approval: z
    .array(z.enum(ACTIONS))
    .refine(
      (actions) => !actions.includes('cancel-delete'),
      'cancel-delete cannot wait for approval: a scheduled deletion becomes final on its date regardless, so cancelling it stays immediate',
    )
    .optional(),
}

/** Everything the bot needs to know of one kind of service: one per provider folder, listed in catalogue.ts. */
export interface ProviderDefinition<Type extends string, Schema extends z.ZodType<{ type: Type }>> {
  readonly type: Type
  /** The providers file entry, given how to read a secret reference. */
  readonly schema: (secret: Secret) => Schema
  readonly create: (config: z.infer<Schema>, options: ProviderOptions) => Provider
  /** What the integration's credentials must allow, for "re-integrate with these permissions". */
  readonly credentialsNeeded: string
  /** The service's published limit, the pace its integration starts at until the service says otherwise. */
  readonly defaultRequestsPerSecond?: number
}

/** Ties a definition's parts to one schema, so `create` receives exactly what the schema parsed. */
export function defineProvider<Type extends string, Schema extends z.ZodType<{ type: Type }>>(
  definition: ProviderDefinition<Type, Schema>,
): ProviderDefinition<Type, Schema> {
  return definition
}

/** Okta's answers, as far as the adapter relies on them, and how the adapter names what they hold. */
import { z } from 'zod'

// --- Okta's answers, as far as the adapter relies on them --------------------

export const userSchema = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  transitioningToStatus: z.string().nullish(),
  lastLogin: z.string().nullish(),
  profile: z.object({
    login: z.string().min(1),
    email: z.string().nullish(),
    secondEmail: z.string().nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    displayName: z.string().nullish(),
  }),
  credentials: z.object({ provider: z.object({ type: z.string().nullish(), name: z.string().nullish() }).nullish() }).nullish(),
})
export type OktaUser = z.infer<typeof userSchema>

export const roleSchema = z.object({
  id: z.string().optional(),
  type: z.string().min(1),
  label: z.string().nullish(),
  status: z.string().nullish(),
  assignmentType: z.string().nullish(),
})
export type OktaRole = z.infer<typeof roleSchema>

export const assigneesSchema = z.object({
  value: z.array(z.object({ id: z.string().min(1) })).optional(),
  _links: z.object({ next: z.object({ href: z.string() }).nullish() }).nullish(),
})

export const errorSchema = z.object({
  errorCode: z.string().optional(),
  errorSummary: z.string().optional(),
  errorId: z.string().optional(),
  errorCauses: z.array(z.object({ errorSummary: z.string().optional() })).optional(),
})

// --- small helpers ------------------------------------------------------------

export function roleName(role: OktaRole): string {
  return role.label || role.type
}

export function roleNames(roles: OktaRole[]): string {
  return roles.map(roleName).join(', ')
}

export function nameOf(user: OktaUser): string {
  const name = displayNameOf(user)
  return name ? `${name} (${user.profile.login})` : user.profile.login
}

export function userPath(id: string): string {
  return `/api/v1/users/${encodeURIComponent(id)}`
}

export function displayNameOf(user: OktaUser): string | undefined {
  if (user.profile.displayName) return user.profile.displayName
  const parts = [user.profile.firstName, user.profile.lastName].filter((part): part is string => Boolean(part))
  return parts.length > 0 ? parts.join(' ') : undefined
}

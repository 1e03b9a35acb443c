/** Graph's answers, as far as the adapter relies on them, and how the adapter names what they hold. */
import { z } from 'zod'
import { unreadable } from '../kit/errors.js'

// --- Graph's answers, as far as the adapter relies on them ---------------------

const signInActivitySchema = z.object({
  lastSignInDateTime: z.string().nullish(),
  lastNonInteractiveSignInDateTime: z.string().nullish(),
  lastSuccessfulSignInDateTime: z.string().nullish(),
})

export const userSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  otherMails: z.array(z.string()).nullish(),
  displayName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  deletedDateTime: z.string().nullish(),
  signInActivity: signInActivitySchema.nullish(),
})
export type GraphUser = z.infer<typeof userSchema>

export const directoryRoleSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  roleTemplateId: z.string().nullish(),
})
export type DirectoryRole = z.infer<typeof directoryRoleSchema>

/** A role member: a user, or a service principal (an app), told apart by `@odata.type`. */
export const roleMemberSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string().min(1),
  appId: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  otherMails: z.array(z.string()).nullish(),
  displayName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
})

const collection = <T extends z.ZodType>(item: T) => z.object({ value: z.array(item), '@odata.nextLink': z.string().nullish() })
export const userPageSchema = collection(userSchema)
export const rolePageSchema = collection(directoryRoleSchema)
export const memberPageSchema = collection(roleMemberSchema)

export const errorSchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) })

// --- small helpers -----------------------------------------------------------------------

export function deletedOn(user: GraphUser, fallback: Date): Date {
  const at = Date.parse(user.deletedDateTime ?? '')
  return Number.isNaN(at) ? fallback : new Date(at)
}

/** 30 days from Microsoft's deletion date (the bot's clock when Graph does not say). */
export function restorableUntil(user: GraphUser | null, fallback: Date): Date {
  return new Date((user ? deletedOn(user, fallback) : fallback).getTime() + RESTORE_DAYS * DAY_MS)
}

/** "15 March 2025 (UTC)": unambiguous for readers in any locale. */
export function formatDate(date: Date): string {
  return `${date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })} (UTC)`
}

export function roleName(role: DirectoryRole): string {
  return role.displayName || role.roleTemplateId || role.id
}

export function userPath(id: string): string {
  return `/users/${encodeURIComponent(id)}`
}

export function deletedPath(id: string): string {
  return `/directory/deletedItems/${encodeURIComponent(id)}`
}

export function parseUser(body: unknown, status: number, call: string): GraphUser {
  const parsed = userSchema.safeParse(body)
  if (!parsed.success) throw unreadable('Graph', status, call, 'a user')
  return parsed.data
}

export function parseUsers(body: unknown, status: number, call: string): GraphUser[] {
  const parsed = userPageSchema.safeParse(body)
  if (!parsed.success) throw unreadable('Graph', status, call, 'a list of users')
  return parsed.data.value
}

export const DAY_MS = 86_400_000

/** Microsoft keeps a deleted user, restorable, for 30 days. */
export const RESTORE_DAYS = 30

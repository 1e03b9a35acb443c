/**
 * Email addresses as the guards compare them: a person's Slack email against every
 * address a service reports for an account. Pure.
 */
import type { Account } from './types.js'

/** An address as compared: trimmed, Unicode NFC (a composed and a decomposed "é" are the same), case-folded. */
export function comparableEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase()
}

/** Whether `email` is one of the account's addresses: its primary one or any other the service reports. */
export function isAddressOf(account: Pick<Account, 'email' | 'emails'>, email: string): boolean {
  const wanted = comparableEmail(email)
  return [account.email, ...(account.emails ?? [])].some((address) => comparableEmail(address) === wanted)
}

/** The Account `emails` field for what a service reports: set only when it names an address besides the primary one. */
export function otherAddresses(primary: string, reported: ReadonlyArray<string | null | undefined>): Pick<Account, 'emails'> {
  const all = [primary, ...reported.filter((address): address is string => Boolean(address))]
  const distinct = [...new Map(all.map((address) => [comparableEmail(address), address])).values()]
  return distinct.length > 1 ? { emails: distinct } : {}
}

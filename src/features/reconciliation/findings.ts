/**
 * What reconciliation finds wrong with one account of a service, judged against the
 * identity provider: pure functions of the account, where the person stands in the
 * identity provider, the settings and the date. The scheduled job and the App Home's
 * account list both use these, so an account is flagged the same way everywhere.
 *
 * - departed: deactivated, suspended or deleted in the identity provider, still active here;
 * - unknown: active here, but nobody in the identity provider has the address (outside
 *   collaborators on an expected domain are not flagged);
 * - inactive: no activity here for more than `inactiveDays` (only where the service reports activity).
 */
import type { AlertReport, Severity } from '../../domain/alert.js'
import type { Account } from '../../providers/types.js'
import { DEFAULT_INACTIVE_DAYS, FINDING_KINDS, type FindingKind, type ReconcileSettings } from '../../domain/reconciliation.js'

/** Where a person stands in the identity provider; 'deleted': seen there by an earlier run, gone now. */
export type Identity = { status: 'active' } | { status: 'suspended' } | { status: 'deleted'; lastSeen: string }

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  kinds: new Set(FINDING_KINDS),
  inactiveDays: DEFAULT_INACTIVE_DAYS,
  externalDomains: [],
}

export type Finding =
  | { kind: 'departed'; account: Account; identity: Exclude<Identity, { status: 'active' }> }
  | { kind: 'unknown'; account: Account }
  | { kind: 'inactive'; account: Account; idleDays: number; lastActiveAt: string }

const DAY_MS = 86_400_000

/** Addresses are compared without case or surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** Whether the address is on an expected outside domain (or one of its subdomains). */
export function isExternal(email: string, externalDomains: readonly string[]): boolean {
  const domain = normalizeEmail(email).split('@').at(-1) ?? ''
  return externalDomains.some((allowed) => {
    const wanted = allowed
      .trim()
      .toLowerCase()
      .replace(/^\*?\./, '')
    return wanted !== '' && (domain === wanted || domain.endsWith(`.${wanted}`))
  })
}

/**
 * The one finding for an account, or undefined: only active accounts with an address are
 * judged, and the most serious kind wins (departed, then unknown, then inactive).
 * `identity` is undefined when nobody in the identity provider has the address.
 */
export function findingFor(account: Account, identity: Identity | undefined, settings: ReconcileSettings, now: Date): Finding | undefined {
  if (account.status !== 'active' || normalizeEmail(account.email) === '') return undefined
  if (identity && identity.status !== 'active') {
    if (settings.kinds.has('departed')) return { kind: 'departed', account, identity }
  } else if (!identity && settings.kinds.has('unknown') && !isExternal(account.email, settings.externalDomains)) {
    return { kind: 'unknown', account }
  }
  return settings.kinds.has('inactive') ? inactivity(account, settings.inactiveDays, now) : undefined
}

function inactivity(account: Account, inactiveDays: number, now: Date): Finding | undefined {
  // No date means the service does not tell (or the account was never used): nothing to judge.
  const last = account.lastActiveAt ? Date.parse(account.lastActiveAt) : Number.NaN
  if (Number.isNaN(last)) return undefined
  const idleDays = Math.floor((now.getTime() - last) / DAY_MS)
  return idleDays > inactiveDays ? { kind: 'inactive', account, idleDays, lastActiveAt: new Date(last).toISOString() } : undefined
}

/** Stable per (integration, account, kind), so a daily run never posts an open alert twice. */
export function findingDedupKey(finding: Pick<Finding, 'kind' | 'account'>): string {
  return `reconcile:${finding.kind}:${normalizeEmail(finding.account.email)}`
}

const SEVERITY: Readonly<Record<FindingKind, Severity>> = { departed: 'high', unknown: 'medium', inactive: 'low' }

/** The alert a finding raises, as a detector would send it to POST /alerts. */
export function findingReport(
  integration: { id: string; displayName: string },
  finding: Finding,
  context: { identityProvider: string; inactiveDays: number },
): AlertReport {
  const { account } = finding
  return {
    integration: integration.id,
    email: account.email.trim(),
    accountId: account.id,
    ...(account.displayName ? { name: account.displayName } : {}),
    reason: findingReason(integration.displayName, finding, context),
    severity: SEVERITY[finding.kind],
    dedup: { origin: 'bot', key: findingDedupKey(finding) },
    finding: finding.kind,
  }
}

export function findingReason(service: string, finding: Finding, context: { identityProvider: string; inactiveDays: number }): string {
  const idp = context.identityProvider
  switch (finding.kind) {
    case 'departed':
      return finding.identity.status === 'suspended'
        ? `Departed: deactivated or suspended in ${idp}, but still active in ${service}.`
        : `Departed: no longer in ${idp} (last seen there ${day(finding.identity.lastSeen)}), but still active in ${service}.`
    case 'unknown':
      return `Unknown account: active in ${service}, but nobody in ${idp} has this address. If it belongs to an outside collaborator, add their domain to the reconciliation's expected domains.`
    case 'inactive':
      return `Inactive: no activity in ${service} for ${finding.idleDays} days (last active ${day(finding.lastActiveAt)}); the limit is ${context.inactiveDays} days.`
  }
}

function day(iso: string): string {
  return iso.slice(0, 10)
}

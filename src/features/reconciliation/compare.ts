/**
 * Compares a service's accounts with the identity provider, one page at a time: each
 * page's addresses are looked up in the identity index in one go, each finding is handed
 * on before the next page is read, and nothing of a page is kept once it is done. Memory
 * holds one page of the service, whatever its size.
 */
import type { Account } from '../../providers/types.js'
import { findingFor, normalizeEmail, type Finding, type Identity } from './findings.js'
import { FINDING_KINDS, type FindingKind, type ReconcileSettings } from '../../domain/reconciliation.js'

/** Where people stand in the identity provider, looked up a page of addresses at a time. */
export interface IdentityIndex {
  /** One answer per address, in order; undefined for an address nobody there has. */
  lookup(emails: readonly string[]): Promise<Array<Identity | undefined>>
}

export interface ComparisonCounts {
  /** Every account the service listed. */
  accounts: number
  /** Active accounts with an address: those judged. */
  judged: number
  /** Active accounts without any address: nobody can be matched to them. */
  withoutEmail: number
  findings: Record<FindingKind, number>
}

export function emptyFindingCounts(): Record<FindingKind, number> {
  return Object.fromEntries(FINDING_KINDS.map((kind) => [kind, 0])) as Record<FindingKind, number>
}

export async function compareAccounts(
  pages: AsyncIterable<Account[]>,
  index: IdentityIndex,
  settings: ReconcileSettings,
  now: Date,
  onFinding: (finding: Finding) => Promise<void>,
): Promise<ComparisonCounts> {
  const counts: ComparisonCounts = { accounts: 0, judged: 0, withoutEmail: 0, findings: emptyFindingCounts() }
  for await (const page of pages) {
    counts.accounts += page.length
    const active = page.filter((account) => account.status === 'active')
    const judged = active.filter((account) => normalizeEmail(account.email) !== '')
    counts.withoutEmail += active.length - judged.length
    counts.judged += judged.length
    const identities = judged.length > 0 ? await index.lookup(judged.map((account) => normalizeEmail(account.email))) : []
    for (const [position, account] of judged.entries()) {
      const finding = findingFor(account, identities[position], settings, now)
      if (!finding) continue
      counts.findings[finding.kind] += 1
      await onFinding(finding)
    }
  }
  return counts
}

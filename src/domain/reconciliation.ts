/**
 * What reconciliation looks for and why a run started: read by the configuration (RECONCILE_* settings) and the
 * job queue as well as by the reconciliation feature, so it lives below all of them.
 */
export const FINDING_KINDS = ['departed', 'unknown', 'inactive'] as const
export type FindingKind = (typeof FINDING_KINDS)[number]

export interface ReconcileSettings {
  /** The kinds looked for (default all). */
  kinds: ReadonlySet<FindingKind>
  /** An account idle longer than this is inactive. */
  inactiveDays: number
  /** Domains of expected outside collaborators (subdomains included): never flagged unknown. */
  externalDomains: readonly string[]
}

export const DEFAULT_INACTIVE_DAYS = 45

/** Why a run started: the schedule, or someone's `/deprovision scan`. */
export type ReconcileTrigger = { kind: 'schedule' } | { kind: 'command'; user: string }

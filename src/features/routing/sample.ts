/**
 * What `/deprovision routes okta critical departed` asks about: a message to try the rules on. Words are told
 * apart by what they are (a severity, a kind), so their order does not matter; the one left is the integration.
 */
import { SEVERITIES, type Severity } from '../../domain/alert.js'
import { ROUTE_KINDS, type RouteKind, type RouteSubject } from './rules.js'

const NO_SEVERITY: readonly RouteKind[] = ['health', 'reconcile-summary']

export function parseRouteSample(words: readonly string[]): { sample?: RouteSubject } | { problem: string } {
  if (words.length === 0) return {}
  const lower = words.map((word) => word.toLowerCase())
  const severities = lower.filter((word): word is Severity => (SEVERITIES as readonly string[]).includes(word))
  const kinds = lower.filter((word): word is RouteKind => (ROUTE_KINDS as readonly string[]).includes(word))
  const others = words.filter((_, index) => !severities.includes(lower[index] as Severity) && !kinds.includes(lower[index] as RouteKind))
  const usage = 'Try `/deprovision routes <integration> <severity> <kind>`, e.g. `/deprovision routes okta critical departed`.'
  if (severities.length > 1 || kinds.length > 1 || others.length > 1) return { problem: `One integration, one severity and one kind at most. ${usage}` }
  const kind = kinds[0] ?? 'detector'
  if (NO_SEVERITY.includes(kind) && severities.length > 0) return { problem: `A ${kind} message has no severity. ${usage}` }
  const integration = others[0]
  if (kind === 'reconcile-summary' && integration) return { problem: `A reconciliation summary covers every integration, not one. ${usage}` }
  return {
    sample: {
      kind,
      ...(integration ? { integration: integration.slice(0, 100) } : {}),
      // POST /alerts's own default, so the sample answers what a detector's alert without one would do.
      ...(NO_SEVERITY.includes(kind) ? {} : { severity: severities[0] ?? 'medium' }),
    },
  }
}

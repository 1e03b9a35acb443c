/**
 * A reconciliation run as people read it: one message in the alert channel per run
 * (running, then what it found in one line), and the full summary in that message's
 * thread: per kind, per integration (accounts compared, findings, alerts raised, muted,
 * resolved, how long), what failed and what was skipped, and why.
 */
import { FINDING_KINDS, type FindingKind } from '../../../domain/reconciliation.js'
import { emptyTallies, type IntegrationResult, type KindTally, type RunMeta, type RunRecord } from '../run-store.js'
import { blockId, context, section, type KnownBlock, type SlackMessage } from '../../../views/blocks.js'
import { clip, inline, mention, slackDate } from '../../../views/text.js'

const NAME_MAX = 120
const DETAIL_MAX = 500
/** One block per integration keeps the thread reply under Slack's 50 blocks. */
const SHOWN = 40

const KIND_LABEL: Readonly<Record<FindingKind, string>> = { departed: 'departed', unknown: 'unknown', inactive: 'inactive' }

export function reconcileRunningMessage(meta: RunMeta): SlackMessage {
  const what = meta.integrations.length === 1 ? '1 integration' : `${meta.integrations.length} integrations`
  const idp = inline(meta.identityProviders.join(' and ') || 'the identity provider', NAME_MAX)
  const text = `🔎 Reconciliation running: comparing ${what} with ${idp}.`
  return { text, blocks: [section(blockId('reconcile', meta.runId, 'running'), `${text} ${triggerLine(meta)}`)] }
}

/** The run's message once it is over: the totals in one line, the details in the thread. */
export function reconcileDoneMessage(run: RunRecord, finishedAt: Date): SlackMessage {
  const { meta } = run
  if (meta.error) {
    const text = `⚠️ Reconciliation could not run: ${meta.error}`
    return {
      text,
      blocks: [section(blockId('reconcile', meta.runId, 'done'), `⚠️ *Reconciliation could not run:* ${clip(meta.error, DETAIL_MAX)} ${triggerLine(meta)}`)],
    }
  }
  const totals = totalsOf(run.results)
  const failed = run.results.filter((result) => result.status === 'failed').length
  const parts = [
    `${count(totals.raised, 'new alert')}`,
    `${totals.resolved} resolved`,
    ...(totals.muted > 0 ? [`${totals.muted} muted`] : []),
    ...(failed > 0 ? [`${count(failed, 'integration')} failed`] : []),
    ...(meta.skipped.length > 0 ? [`${meta.skipped.length} skipped`] : []),
  ]
  const icon = failed > 0 ? '⚠️' : '🔎'
  const text = `${icon} Reconciliation finished in ${elapsed(meta.startedAt, finishedAt)}: ${parts.join(', ')}.`
  return {
    text,
    blocks: [
      section(
        blockId('reconcile', meta.runId, 'done'),
        `${icon} *Reconciliation finished* ${slackDate(finishedAt.toISOString())} in ${elapsed(meta.startedAt, finishedAt)}: ${parts.join(', ')}. Details in the thread. ${triggerLine(meta)}`,
      ),
    ],
  }
}

/** The full summary, posted in the run message's thread. */
export function reconcileSummaryReply(run: RunRecord, finishedAt: Date): SlackMessage {
  const { meta, results } = run
  const id = (...parts: (string | number)[]) => blockId('reconcile', meta.runId, ...parts)
  const blocks: KnownBlock[] = []
  if (meta.error) {
    blocks.push(section(id('error'), `⚠️ Nothing was compared: ${clip(meta.error, DETAIL_MAX)}`))
  } else {
    const totals = totalsOf(results)
    const byKind = FINDING_KINDS.map((kind) => `*${KIND_LABEL[kind]}*: ${tallyText(totals.kinds[kind])}`)
    const read = meta.identityReadMs === undefined ? '' : ` (read in ${elapsedMs(meta.identityReadMs)})`
    const people =
      meta.identityUsers === undefined ? '' : ` against ${meta.identityUsers} people in ${inline(meta.identityProviders.join(' and '), NAME_MAX)}${read}`
    blocks.push(
      section(
        id('totals'),
        `*Reconciliation summary*${people}, ${elapsed(meta.startedAt, finishedAt)} in all.\n${byKind.join('\n')}\n*resolved* (no longer found): ${totals.resolved}`,
      ),
    )
  }
  results.slice(0, SHOWN).forEach((result, index) => blocks.push(section(id('integration', index), integrationLine(result))))
  meta.skipped.slice(0, Math.max(0, SHOWN - results.length)).forEach((skipped, index) => {
    blocks.push(section(id('skipped', index), `⏭ *${inline(skipped.name, NAME_MAX)}*: skipped: ${clip(skipped.reason, DETAIL_MAX)}`))
  })
  const hidden = results.length + meta.skipped.length - SHOWN
  if (hidden > 0) blocks.push(context(id('more'), [`…and ${hidden} more integrations.`]))
  const text = meta.error
    ? `Reconciliation could not run: ${meta.error}`
    : `Reconciliation summary: ${results.length} integrations compared or failed, ${meta.skipped.length} skipped.`
  return { text: clip(text, 3000), blocks }
}

function integrationLine(result: IntegrationResult): string {
  const name = inline(result.name, NAME_MAX)
  const took = elapsedMs(result.durationMs)
  if (result.status === 'failed')
    return `⚠️ *${name}*: could not be compared (${took}): ${clip(result.error, DETAIL_MAX)} Its open alerts were left as they are.`
  const kinds = FINDING_KINDS.map((kind) => `${KIND_LABEL[kind]} ${tallyText(result.findings[kind])}`).join('; ')
  const withoutEmail = result.withoutEmail > 0 ? `, ${count(result.withoutEmail, 'active account')} without an address` : ''
  return `✅ *${name}*: ${count(result.accounts, 'account')} listed, ${result.judged} active compared${withoutEmail} (${took}).\n${kinds}; ${result.resolved} resolved.`
}

function tallyText(tally: KindTally): string {
  if (tally.found === 0) return '0'
  const open = tally.found - tally.raised - tally.muted
  const parts = [`${tally.raised} new`, ...(open > 0 ? [`${open} already open`] : []), ...(tally.muted > 0 ? [`${tally.muted} muted`] : [])]
  return `${tally.found} (${parts.join(', ')})`
}

interface Totals {
  kinds: Record<FindingKind, KindTally>
  raised: number
  muted: number
  resolved: number
}

function totalsOf(results: readonly IntegrationResult[]): Totals {
  const kinds = emptyTallies()
  let resolved = 0
  for (const result of results) {
    if (result.status !== 'compared') continue
    resolved += result.resolved
    for (const kind of FINDING_KINDS) {
      kinds[kind].found += result.findings[kind].found
      kinds[kind].raised += result.findings[kind].raised
      kinds[kind].muted += result.findings[kind].muted
    }
  }
  const sum = (field: keyof KindTally) => FINDING_KINDS.reduce((total, kind) => total + kinds[kind][field], 0)
  return { kinds, raised: sum('raised'), muted: sum('muted'), resolved }
}

function triggerLine(meta: RunMeta): string {
  return meta.trigger.kind === 'command' ? `(asked for by ${mention(meta.trigger.user)})` : '(scheduled)'
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function elapsed(startedAt: string, finishedAt: Date): string {
  return elapsedMs(finishedAt.getTime() - Date.parse(startedAt))
}

/** "850 ms", "12.4 s", "3 min 5 s". */
export function elapsedMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
}

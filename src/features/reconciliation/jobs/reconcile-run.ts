/**
 * The reconciliation jobs. A run reads the identity provider once into a snapshot, posts
 * the run's message, and starts one job per integration; each integration job walks the
 * service's accounts page by page, raises each finding through the same core as
 * POST /alerts (same dedup, same mutes), resolves the open alerts it no longer finds, and
 * records its result; the last one to finish queues the summary. One integration failing
 * never stops the others, and an integration that cannot list is skipped with the reason.
 */
import type { Job } from 'bullmq'
import { acceptAlert } from '../../alerts/ingest.js'
import { describeProblem, toProblem } from '../../../providers/problems.js'
import type { Provider } from '../../../providers/types.js'
import { compareAccounts, type ComparisonCounts } from '../compare.js'
import type { FindingStore } from '../finding-store.js'
import { findingReport, type Finding } from '../findings.js'
import { type FindingKind, type ReconcileSettings } from '../../../domain/reconciliation.js'
import type { IdentityStore } from '../identity-store.js'
import { accountPages, type WalkOptions } from '../pages.js'
import { emptyTallies, newRunId, type IntegrationResult, type KindTally, type RunMeta, type RunStore, type SkippedIntegration } from '../run-store.js'
import { reconcileDoneMessage, reconcileRunningMessage, reconcileSummaryReply } from '../views/reconcile.js'
import type { AlertJobDeps } from '../../alerts/deps.js'
import { integrationJobId, summaryJobId } from '../reconcile-jobs.js'
import { type ReconcileJob } from '../../../jobs/queues.js'
import { updateAlert } from '../../alerts/report.js'
import { postRouted } from '../../routing/fallback.js'
import { routeFor } from '../../routing/rules.js'
import { withMissedRoute } from '../../../views/missed-route.js'

export interface ReconcileContext extends AlertJobDeps {
  runs: RunStore
  identities: IdentityStore
  findings: FindingStore
  settings: ReconcileSettings
  /** How pages are retried (tests and the benchmark shorten the waits). */
  walk?: WalkOptions
}

export async function runReconcileJob(ctx: ReconcileContext, job: Job<ReconcileJob>): Promise<void> {
  const data = job.data
  switch (data.kind) {
    case 'run': {
      const runId = data.runId ?? newRunId(ctx.now())
      // A retry of this job must carry on the same run, not start another.
      if (!data.runId) await job.updateData({ ...data, runId })
      return startRun(ctx, runId, data)
    }
    case 'integration':
      return reconcileIntegration(ctx, data.runId, data.integration)
    case 'summary':
      return summarize(ctx, data.runId)
  }
}

/** The identity providers, and what the run compares or skips (with why). */
export function planRun(
  ctx: Pick<ReconcileContext, 'providers'>,
  only?: readonly string[],
): { identityProviders: Provider[]; compare: Provider[]; skipped: SkippedIntegration[] } {
  const all = ctx.providers.all()
  const identityProviders = all.filter((provider) => ctx.providers.isIdentityProvider(provider.id))
  const wanted = all.filter((provider) => !ctx.providers.isIdentityProvider(provider.id) && (!only || only.includes(provider.id)))
  const skipped = wanted
    .filter((provider) => !provider.listAccounts)
    .map((provider) => ({
      integration: provider.id,
      name: provider.displayName,
      reason: `${provider.displayName} cannot list its accounts through its API, so it cannot be compared.`,
    }))
  return { identityProviders, compare: wanted.filter((provider) => provider.listAccounts !== undefined), skipped }
}

async function startRun(ctx: ReconcileContext, runId: string, job: Extract<ReconcileJob, { kind: 'run' }>): Promise<void> {
  const plan = planRun(ctx, job.integrations)
  let meta = await ctx.runs.begin({
    runId,
    startedAt: ctx.now().toISOString(),
    trigger: job.trigger,
    identityProviders: plan.identityProviders.map((provider) => provider.displayName),
    integrations: plan.compare.map((provider) => provider.id),
    skipped: plan.skipped,
    ...(plan.identityProviders.length === 0
      ? { error: 'no integration is marked identityProvider: true in the providers file, so there is nobody to compare accounts with.' }
      : {}),
  })
  const log = ctx.logger.child({ runId })
  const route = routeFor(ctx.routes, { kind: 'reconcile-summary' })
  // A muted summary has no message, so the run posts no summary either; its findings are routed as alerts.
  if (!meta.message && route.kind === 'mute') ctx.metrics.routedMuted.inc({ kind: 'reconcile-summary', rule: route.rule })
  if (!meta.message && route.kind === 'post') {
    const routed = { slack: ctx.slack, defaultChannel: ctx.routes.defaultChannel, metrics: ctx.metrics, logger: log }
    const { posted, missed } = await postRouted(routed, route, 'reconcile-summary', (missed) => withMissedRoute(reconcileRunningMessage(meta), missed))
    meta = (await ctx.runs.update(runId, { message: posted, ...(missed ? { missedRoute: missed } : {}) })) ?? meta
  }
  if (!meta.error && meta.identityUsers === undefined) meta = await readIdentityProviders(ctx, meta, plan.identityProviders)
  if (meta.error || meta.integrations.length === 0) {
    log.warn({ error: meta.error }, 'reconciliation run has nothing to compare')
    await ctx.queues.enqueueReconcile({ kind: 'summary', runId }, summaryJobId(runId))
    return
  }
  for (const integration of meta.integrations) {
    await ctx.queues.enqueueReconcile({ kind: 'integration', runId, integration }, integrationJobId(runId, integration))
  }
  log.info({ integrations: meta.integrations, identityUsers: meta.identityUsers }, 'reconciliation run started')
}

/** Reads every identity provider whole into the run's snapshot; a partial read would make everyone missing look departed. */
async function readIdentityProviders(ctx: ReconcileContext, meta: RunMeta, identityProviders: Provider[]): Promise<RunMeta> {
  let users = 0
  const started = Date.now()
  for (const idp of identityProviders) {
    try {
      if (!idp.listAccounts) throw new Error(`${idp.displayName} cannot list its users`)
      const list = idp.listAccounts.bind(idp)
      for await (const page of accountPages(list, ctx.walk)) users += await ctx.identities.addPage(meta.runId, page, ctx.now())
    } catch (error) {
      const problem = describeProblem(toProblem(error))
      ctx.logger.warn({ runId: meta.runId, integration: idp.id, err: error }, 'identity provider could not be read')
      return (await ctx.runs.update(meta.runId, { error: `${idp.displayName} could not be read: ${problem}.` })) ?? meta
    }
  }
  await ctx.identities.complete(meta.runId)
  return (await ctx.runs.update(meta.runId, { identityUsers: users, identityReadMs: Date.now() - started })) ?? meta
}

async function reconcileIntegration(ctx: ReconcileContext, runId: string, integration: string): Promise<void> {
  const meta = await ctx.runs.meta(runId)
  const provider = ctx.providers.get(integration)
  if (!meta) return
  const started = Date.now()
  const name = provider?.displayName ?? integration
  let result: IntegrationResult
  try {
    if (!provider?.listAccounts) throw new Error(`${name} is no longer configured, or cannot list its accounts`)
    const tallies = emptyTallies()
    const runStart = Date.parse(meta.startedAt)
    const list = provider.listAccounts.bind(provider)
    const counts = await compareAccounts(accountPages(list, ctx.walk), ctx.identities.index(runId), ctx.settings, ctx.now(), (finding) =>
      raise(ctx, provider, meta, finding, runStart, tallies[finding.kind]),
    )
    const resolved = await resolveStale(ctx, provider, runStart)
    result = compared(provider, counts, tallies, resolved, Date.now() - started)
  } catch (error) {
    ctx.logger.warn({ runId, integration, err: error }, 'reconciliation of an integration failed')
    result = { status: 'failed', integration, name, durationMs: Date.now() - started, error: describeProblem(toProblem(error)) }
  }
  const remaining = await ctx.runs.record(runId, result)
  if (remaining <= 0) await ctx.queues.enqueueReconcile({ kind: 'summary', runId }, summaryJobId(runId))
}

/** One finding through the same core as POST /alerts: a mute counts it, an open alert is not repeated. */
async function raise(ctx: ReconcileContext, provider: Provider, meta: RunMeta, finding: Finding, runStart: number, tally: KindTally): Promise<void> {
  const report = findingReport(provider, finding, { identityProvider: meta.identityProviders.join(' and '), inactiveDays: ctx.settings.inactiveDays })
  const accepted = await acceptAlert(ctx, report, provider.displayName)
  tally.found += 1
  if (accepted.status === 'posted') tally.raised += 1
  if (accepted.status === 'muted') tally.muted += 1
  await ctx.findings.record(provider.id, finding.kind, finding.account.email, accepted.status === 'muted' ? undefined : accepted.alertId, runStart)
}

/** The findings this complete run no longer found: their open alerts say so, then they are forgotten. */
async function resolveStale(ctx: ReconcileContext, provider: Provider, runStart: number): Promise<number> {
  let resolved = 0
  const resolution = {
    at: ctx.now().toISOString(),
    detail: `a later reconciliation no longer found this problem in ${provider.displayName} (it was fixed elsewhere).`,
  }
  for (let batch = await ctx.findings.stale(provider.id, runStart); batch.length > 0; batch = await ctx.findings.stale(provider.id, runStart)) {
    for (const stale of batch) {
      const alert = stale.alertId ? await ctx.alerts.get(stale.alertId) : null
      if (!alert || !(await ctx.alerts.resolve(alert, resolution))) continue
      resolved += 1
      await updateAlert(ctx, { ...alert, resolved: resolution }).catch((error: unknown) =>
        ctx.logger.warn({ err: error, alertId: alert.id }, 'resolved alert could not be updated in Slack'),
      )
      ctx.logger.info({ alertId: alert.id, integration: provider.id, kind: stale.kind }, 'alert resolved by reconciliation')
    }
    await ctx.findings.forget(provider.id, batch)
  }
  return resolved
}

async function summarize(ctx: ReconcileContext, runId: string): Promise<void> {
  const run = await ctx.runs.load(runId)
  if (!run?.meta.message) return
  const { channel, ts } = run.meta.message
  const finishedAt = ctx.now()
  await ctx.runs.once(runId, 'thread', async () => {
    await ctx.slack.chat.postMessage({ channel, thread_ts: ts, ...reconcileSummaryReply(run, finishedAt) })
  })
  await ctx.runs.once(runId, 'headline', async () => {
    await ctx.slack.chat.update({ channel, ts, ...withMissedRoute(reconcileDoneMessage(run, finishedAt), run.meta.missedRoute) })
  })
  ctx.logger.info({ runId, results: run.results.length, skipped: run.meta.skipped.length }, 'reconciliation run summarized')
}

function compared(
  provider: Provider,
  counts: ComparisonCounts,
  tallies: Record<FindingKind, KindTally>,
  resolved: number,
  durationMs: number,
): IntegrationResult {
  return {
    status: 'compared',
    integration: provider.id,
    name: provider.displayName,
    durationMs,
    accounts: counts.accounts,
    judged: counts.judged,
    withoutEmail: counts.withoutEmail,
    findings: tallies,
    resolved,
  }
}

/**
 * One actionable explanation per Problem kind: what happened, why, and the next
 * step, and whether a Retry can succeed once that step is done. The only wording
 * of problems people read: the thread reply, the alert's lines, the confirmation
 * modal's blockers, App Home and `/deprovision status`.
 */
import type { Problem } from '../providers/problems.js'
import type { Action } from '../providers/types.js'
import { blockId, section, type KnownBlock } from './blocks.js'
import { capitalize, inline, link, oneLine, truncate, words, type ActionWords } from './text.js'

export interface ProblemContext {
  /** The integration's display name ("Atlassian"). */
  serviceName: string
  /** The action that met the problem; absent when it is about the integration itself (a health check, a listing). */
  action?: Action
  adminConsoleUrl?: string
  /** What the integration's credentials must allow, for "re-integrate with ..." (`ProviderRegistry.credentialsNeeded`). */
  credentialsNeeded?: string
}

/**
 * Every string is mrkdwn, safe to place in a text object as is: the parts that
 * came from a service or a detector are escaped and cut to size.
 */
export interface Explanation {
  /** What happened, one sentence. */
  headline: string
  /** Why, in the service's own words where it gave any. */
  why: string
  /** What the reader does now. */
  nextStep: string
  /** Whether a Retry can succeed once the next step is done. */
  retryable: boolean
}

/** The words for a problem met by no particular action. */
const ANY_CHANGE: ActionWords = {
  title: 'Change account',
  verb: 'Change',
  lower: 'change',
  past: 'changed',
  progressive: 'Changing',
  noun: 'Change',
  preposition: 'in',
}

/** Service-supplied details are cut to this many characters (escaped). */
const DETAIL_MAX = 600
/** Names (integration owner, service) are cut to this many characters. */
const NAME_MAX = 120

export function explainProblem(problem: Problem, ctx: ProblemContext): Explanation {
  const service = inline(ctx.serviceName, NAME_MAX)
  const w = ctx.action ? words(ctx.action) : ANY_CHANGE
  const consoleLink = link(ctx.adminConsoleUrl, `the ${truncate(oneLine(ctx.serviceName), NAME_MAX)} admin console`)

  switch (problem.kind) {
    case 'unsupported': {
      const action = inline(problem.action, 40) || w.lower
      return {
        headline: `The ${action} function is not yet supported.`,
        why: `${service} offers no way to ${action} accounts through its API, so the bot cannot do it for you.`,
        nextStep: `${capitalize(action)} the account by hand in ${consoleLink}.`,
        retryable: false,
      }
    }
    case 'api-prohibited':
      return {
        headline: `${service} does not allow this account to be ${w.past} through its API.`,
        why: `${service} said: ${detail(problem.detail)}`,
        nextStep: `${w.verb} it by hand in ${consoleLink} instead.`,
        retryable: false,
      }
    case 'integration-owner': {
      const owner = inline(problem.owner, NAME_MAX) || 'this account'
      return {
        headline: `This account owns the bot's ${service} integration.`,
        why: `The bot connects to ${service} with credentials linked by *${owner}*. ${w.progressive} this account would cut the bot off from ${service}.`,
        nextStep: `Ask another ${service} admin to re-link the integration with their own credentials first, then ${w.lower} this account.`,
        retryable: false,
      }
    }
    case 'self':
      return {
        headline: `This is your own ${service} account.`,
        why: `The bot matched it to the email of your Slack account, and nobody may ${w.lower} their own account with it.`,
        nextStep: 'Ask another member of the security team to do it.',
        retryable: false,
      }
    case 'unknown-actor':
      return {
        headline: 'The bot could not check that this is not your own account.',
        why: `Slack did not tell the bot who you are (your email address), so it could not compare you with this ${service} account. Nothing was changed.`,
        nextStep:
          'Try again in a minute. If this keeps happening, ask an admin to check that the bot has the users:read.email scope and that your Slack profile has an email address.',
        retryable: true,
      }
    case 'last-admin':
      return {
        headline: `This is the last admin account in ${service}.`,
        why: `${w.progressive} it would leave ${service} without any admin, so the bot stopped before calling ${service}.`,
        nextStep: `Invite another admin in ${consoleLink}, let the integration re-sync, then try again.`,
        retryable: true,
      }
    case 'credentials':
      return {
        headline: 'The registered credentials are incorrect or have expired.',
        why: `${service} rejected the bot's key (HTTP ${problem.status})${suffix(problem.detail)}`,
        nextStep: ctx.credentialsNeeded
          ? `Re-integrate with ${inline(ctx.credentialsNeeded, DETAIL_MAX)}, then update its secret and restart the bot.`
          : `Re-integrate ${service} with a key that has the admin permissions to ${w.lower} users, then try again.`,
        retryable: true,
      }
    case 'permission':
      if (!ctx.action) {
        return {
          headline: `The bot's credentials for ${service} lack a permission it needs.`,
          why: problem.detail ? detail(problem.detail) : `${service} refused a read the bot needs${problem.status ? ` (HTTP ${problem.status})` : ''}.`,
          nextStep: ctx.credentialsNeeded
            ? `Re-integrate with ${inline(ctx.credentialsNeeded, DETAIL_MAX)}.`
            : `Give the integration's key the admin permissions the bot needs in ${consoleLink}.`,
          retryable: true,
        }
      }
      return {
        headline: `The bot's role in ${service} cannot ${w.lower} this account.`,
        why:
          problem.status === undefined
            ? `${detail(problem.detail ?? '')} The bot checked the roles before calling ${service}, so nothing was changed.`
            : `${service} refused with HTTP ${problem.status}${suffix(problem.detail)} The bot's key is valid, but its role may not do this; on many services only an owner may ${w.lower} admins.`,
        nextStep: `Ask someone whose ${service} role may ${w.lower} this account to do it in ${consoleLink}, or give the integration's key that role and try again.`,
        retryable: true,
      }
    case 'not-found':
      if (!ctx.action) {
        return {
          headline: `${service} says what the bot asked for does not exist.`,
          why: `${service} answered "not found"${suffix(problem.detail)}`,
          nextStep: `Check the integration's entry in the providers file (its address and ids) against ${consoleLink}.`,
          retryable: false,
        }
      }
      return {
        headline: `The account no longer exists in ${service}.`,
        why: `${service} has no such account${suffix(problem.detail)} It was most likely removed already.`,
        nextStep:
          ctx.action === 'delete'
            ? 'Nothing to do: the bot treats this as done.'
            : `Nothing to ${w.lower}: check in ${consoleLink} whether it was deleted on purpose.`,
        retryable: false,
      }
    case 'rate-limited':
      return {
        headline: `${service} kept rate-limiting the bot.`,
        why:
          problem.retryAfterMs === undefined
            ? `The bot waited and retried, but ${service} answered every attempt with "too many requests" (HTTP 429).`
            : `The bot waited and retried, but ${service} answered every attempt with "too many requests" (HTTP 429), last asking to wait ${Math.ceil(problem.retryAfterMs / 1000)} s.`,
        nextStep: 'Try again in a few minutes.',
        retryable: true,
      }
    case 'transient':
      return {
        headline: `${service} did not answer or failed.`,
        why: `${problem.status ? `HTTP ${problem.status}: ` : ''}${detail(problem.detail)} The bot retried with backoff before giving up.`,
        nextStep: `Try again. If it keeps failing, check whether ${service} is having an outage.`,
        retryable: true,
      }
    case 'conflict':
      return {
        headline: `Something in ${service} must be resolved before this account can be ${w.past}.`,
        why: `${service} said: ${detail(problem.detail)}`,
        nextStep: `Resolve that in ${consoleLink}, then try again.`,
        retryable: true,
      }
    case 'rejected':
      return {
        headline: `${service} refused the request.`,
        why: `${service} said${problem.status ? ` (HTTP ${problem.status})` : ''}: ${detail(problem.detail)}`,
        nextStep: ctx.action
          ? `Check the account in ${consoleLink} and ${w.lower} it there if it still needs to go.`
          : `Check the integration's entry in the providers file against ${consoleLink}.`,
        retryable: false,
      }
    case 'unconfirmed':
      return {
        headline: `The bot could not confirm whether the account was ${w.past} in ${service}.`,
        why: `The job stopped on an unexpected error before it recorded ${service}'s answer (the bot's logs have it), so it may or may not have happened.`,
        nextStep: `Check the account in ${consoleLink}, or try again: the bot looks the account up first and says so if it is already ${w.past}.`,
        retryable: true,
      }
    case 'account-changed':
      return {
        headline: `The account changed since it was confirmed, so nothing was ${w.past}.`,
        why: `The confirmation was for ${service} account \`${inline(problem.confirmedId, NAME_MAX)}\`, but ${service} now holds another account for this email (\`${inline(problem.foundId, NAME_MAX)}\`): a re-hire, or an account deleted and created again.`,
        nextStep: `Check who the account belongs to now. Retry opens a fresh confirmation showing the account as ${service} holds it now.`,
        retryable: true,
      }
    case 'internal':
      return {
        headline: 'The bot ran into an error of its own.',
        why: `This is a bug in the bot, not a problem with ${service}; the bot's logs have the details.`,
        nextStep: ctx.action
          ? `Check the account in ${consoleLink} and ${w.lower} it there if it still needs to be, and tell whoever runs the bot: trying again meets the same bug.`
          : `Tell whoever runs the bot: trying again meets the same bug.`,
        retryable: false,
      }
  }
}

export interface ProblemBlocksOptions {
  /** Prefix for the block ids, so several problems (modal blockers) can share one view. */
  blockIdPrefix: string
}

/** The explanation as blocks: the headline and why, then the next step. */
export function problemBlocks(problem: Problem, ctx: ProblemContext, options: ProblemBlocksOptions): KnownBlock[] {
  const e = explainProblem(problem, ctx)
  return [
    section(blockId(options.blockIdPrefix, 'what'), `*${e.headline}*\n${e.why}`),
    section(blockId(options.blockIdPrefix, 'next'), `*Next step:* ${e.nextStep}`),
  ]
}

/** A service-supplied detail, escaped and cut, as a sentence. */
function detail(text: string): string {
  const clipped = inline(text, DETAIL_MAX)
  if (!clipped) return 'no details given.'
  return /[.!?…]$/.test(clipped) ? clipped : `${clipped}.`
}

/** An optional detail after a status: ": detail." or just ".". */
function suffix(text: string | undefined): string {
  return text && text.trim() ? `: ${detail(text)}` : '.'
}

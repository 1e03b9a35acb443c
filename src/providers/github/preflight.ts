/** What removing someone from the organisation would do, said before anyone confirms. */
import type { Context, Membership } from './adapter.js'
import type { Invitation } from './answers.js'
import type { Account, Preflight } from '../types.js'
import { graphql, INVITATION_ID, MATCHED_BY_LOGIN, membershipOf, sameLogin, tokenUser } from './adapter.js'
import { TEAMS_QUERY, teamsSchema } from './answers.js'
import { invitationsFor, tokenOwner } from './actions.js'
import { ProviderError } from '../problems.js'

// --- preflight --------------------------------------------------------------------

export async function preflight(ctx: Context, account: Account): Promise<Preflight> {
  const invitationId = INVITATION_ID.exec(account.id)?.[1]
  if (invitationId !== undefined) {
    return {
      kind: 'ready',
      account,
      consequences: [`Their pending invitation to the ${ctx.org} organisation is cancelled: they never joined, so there is nothing else to remove.`],
      warnings: [],
      reversible: false,
    }
  }
  const [me, membership, teams, invitations] = await Promise.all([
    tokenUser(ctx),
    membershipOf(ctx, account.id),
    teamsOf(ctx, account.id),
    invitationsFor(ctx, account),
  ])
  if (me !== undefined && sameLogin(me, account.id)) return { kind: 'blocked', account, blockers: [{ problem: tokenOwner(me) }] }
  if (membership.kind === 'none') return { kind: 'gone' }
  return {
    kind: 'ready',
    account,
    consequences: consequences(ctx, account.id, membership, teams, invitations),
    warnings:
      account.matchedBy === MATCHED_BY_LOGIN
        ? [`GitHub shows no email for @${account.id}: the bot found them by the login the alert gave. Check it is the right person.`]
        : [],
    reversible: false,
  }
}

function consequences(ctx: Context, login: string, membership: Membership, teams: string[] | undefined, invitations: Invitation[]): string[] {
  const org = ctx.org
  const list =
    membership.kind === 'outside-collaborator'
      ? [`@${login} is removed as an outside collaborator from every repository of ${org}: their access to them ends.`]
      : [
          `@${login} is removed from the ${org} organisation: their access to its repositories, teams and projects ends${membership.kind === 'member' && membership.role === 'admin' ? ', and so do their owner rights' : ''}.`,
          teams === undefined
            ? 'The teams they leave could not be read.'
            : teams.length > 0
              ? `They leave these teams: ${teams.join(', ')}.`
              : 'They are in no team.',
          `GitHub deletes their forks of ${org}'s private repositories.`,
        ]
  if (invitations.length > 0)
    list.push(`The pending invitation to ${invitations.map((invitation) => invitation.email ?? `@${invitation.login ?? login}`).join(', ')} is cancelled too.`)
  list.push(
    `Their personal GitHub account stays theirs: only what ${org} gave them ends. Re-inviting them within three months can restore their former access.`,
  )
  return list
}

/** The names of the member's teams in the organisation; undefined when GitHub would not tell. */
async function teamsOf(ctx: Context, login: string): Promise<string[] | undefined> {
  try {
    const data = await graphql(ctx, TEAMS_QUERY, { org: ctx.org, login }, teamsSchema)
    const teams = data.organization?.teams
    if (!teams) return undefined
    const names = teams.nodes.map((team) => team.name)
    return teams.totalCount > names.length ? [...names, `and ${teams.totalCount - names.length} more`] : names
  } catch (error) {
    if (error instanceof ProviderError && (error.problem.kind === 'permission' || error.problem.kind === 'rejected')) return undefined
    throw error
  }
}

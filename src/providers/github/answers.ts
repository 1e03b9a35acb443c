/** GitHub's answers (REST and GraphQL), as far as the adapter relies on them. */
import { z } from 'zod'

// --- GitHub's answers, as far as the adapter relies on them ------------------

export const membershipSchema = z.object({
  state: z.string().min(1),
  role: z.string().min(1),
  user: z.object({ login: z.string().min(1) }).nullish(),
})

export const simpleUserSchema = z.object({ login: z.string().min(1), name: z.string().nullish() })

export const invitationSchema = z.object({
  id: z.number(),
  login: z.string().nullish(),
  email: z.string().nullish(),
  role: z.string().nullish(),
  created_at: z.string().nullish(),
  inviter: z.object({ login: z.string() }).nullish(),
})
export type Invitation = z.infer<typeof invitationSchema>

export const graphqlAnswerSchema = z.object({
  data: z.unknown().optional(),
  errors: z.array(z.object({ type: z.string().optional(), message: z.string().optional() })).optional(),
})

export const samlIdentitiesSchema = z.object({
  organization: z
    .object({
      samlIdentityProvider: z
        .object({
          externalIdentities: z.object({
            nodes: z.array(
              z.object({
                samlIdentity: z.object({ nameId: z.string().nullish(), emails: z.array(z.object({ value: z.string().nullish() })).nullish() }).nullish(),
                user: z.object({ login: z.string().min(1), name: z.string().nullish() }).nullish(),
              }),
            ),
          }),
        })
        .nullish(),
    })
    .nullish(),
})

export const membersPageSchema = z.object({
  organization: z
    .object({
      membersWithRole: z.object({
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() }),
        edges: z.array(
          z.object({
            role: z.string().nullish(),
            node: z.object({ login: z.string().min(1), name: z.string().nullish(), organizationVerifiedDomainEmails: z.array(z.string()) }),
          }),
        ),
      }),
    })
    .nullish(),
})
export type MemberEdge = NonNullable<z.infer<typeof membersPageSchema>['organization']>['membersWithRole']['edges'][number]

export const teamsSchema = z.object({
  organization: z.object({ teams: z.object({ totalCount: z.number(), nodes: z.array(z.object({ name: z.string() })) }) }).nullish(),
})

export const errorSchema = z.object({
  message: z.string().optional(),
  errors: z.array(z.object({ message: z.string().optional(), code: z.string().optional() })).optional(),
})

// The GraphQL documents, named so the stand-in (and GitHub's logs) can tell them apart.
export const SAML_IDENTITY_QUERY = `query SamlIdentityByEmail($org: String!, $email: String!) {
  organization(login: $org) {
    samlIdentityProvider {
      externalIdentities(first: 10, userName: $email) {
        nodes { samlIdentity { nameId emails { value } } user { login name } }
      }
    }
  }
}`

export const MEMBERS_QUERY = `query MembersWithVerifiedEmails($org: String!, $first: Int!, $after: String) {
  organization(login: $org) {
    membersWithRole(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { role node { login name organizationVerifiedDomainEmails(login: $org) } }
    }
  }
}`

export const TEAMS_QUERY = `query TeamsOfMember($org: String!, $login: String!) {
  organization(login: $org) {
    teams(first: 100, userLogins: [$login]) { totalCount nodes { name } }
  }
}`

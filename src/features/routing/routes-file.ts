/**
 * The routes file (ROUTES_FILE): a YAML list of rules, read and checked once at start-up. Every problem is one line
 * naming the rule (from 1) and the field, and any problem stops the start, so a typo never sends alerts astray.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { ConfigError } from '../../config.js'
import { SEVERITIES } from '../../domain/alert.js'
import { configuredId, ROUTE_KINDS, type RouteRule, type RoutingTable } from './rules.js'

/** A channel, public (C…) or private (G… for older ones); not a DM, not a name. */
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/
/** A user group's id, as Slack's `<!subteam^S0123ABCD>` mention carries it. */
const USER_GROUP_ID = /^S[A-Z0-9]{2,}$/

/** Kinds and severities are words, read whatever their case (`Critical`, `DEPARTED`). */
const lowercase = (value: unknown): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value)

/** A single value or a list, read as a list (so each value's problem names its place). */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((value: unknown): unknown => (Array.isArray(value) ? value : [value]), z.array(item).min(1, 'expected at least one value'))

const ruleSchema = z.strictObject({
  integration: oneOrMany(z.string().min(1)).optional(),
  severity: z.preprocess(lowercase, z.enum(SEVERITIES, { error: `expected one severity, matched as "at least": ${SEVERITIES.join(', ')}` })).optional(),
  kind: oneOrMany(z.preprocess(lowercase, z.enum(ROUTE_KINDS, { error: `expected ${ROUTE_KINDS.join(', ')}` }))).optional(),
  source: oneOrMany(z.string().trim().min(1).max(100)).optional(),
  channel: z
    .string()
    // A channel link copied from Slack (`<#C0123456789|security>`) carries the ID.
    .transform((value) => /^<#([^|>]+)(\|[^>]*)?>$/.exec(value.trim())?.[1] ?? value.trim())
    .pipe(z.string().regex(CHANNEL_ID, 'expected a channel ID like C0123456789 (channel details → About), not a channel name'))
    .optional(),
  mute: z.boolean().optional(),
  mention: z
    .string()
    .transform((value) => /^<!subteam\^([^|>]+)(\|[^>]*)?>$/.exec(value.trim())?.[1] ?? value.trim())
    .pipe(z.string().regex(USER_GROUP_ID, 'expected a user group as <!subteam^S0123ABCD> or its ID S0123ABCD'))
    .optional(),
})

export function loadRoutes(
  path: string,
  context: { integrations: readonly string[]; defaultChannel: string },
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): RoutingTable {
  let text: string
  try {
    text = readFile(path)
  } catch (error) {
    throw new ConfigError([`ROUTES_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`])
  }
  return parseRoutes(text, path, context)
}

/** The rules in `text`, or a ConfigError with one line per problem. */
export function parseRoutes(text: string, path: string, context: { integrations: readonly string[]; defaultChannel: string }): RoutingTable {
  let document: unknown
  try {
    document = parseYaml(text)
  } catch (error) {
    throw new ConfigError([`ROUTES_FILE: ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`])
  }
  const list = z.array(z.unknown()).safeParse(document ?? [])
  if (!list.success) throw new ConfigError([`ROUTES_FILE: ${path}: expected a YAML list of rules`])

  const problems: string[] = []
  const rules: RouteRule[] = []
  list.data.forEach((entry, index) => {
    const number = index + 1
    const problem = (what: string) => problems.push(`ROUTES_FILE ${path} rule ${number}: ${what}`)
    const parsed = ruleSchema.safeParse(entry)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problem(`${issue.path.join('.') || 'rule'}: ${issue.message}`)
      return
    }
    const { channel, mute, mention, ...parsedMatch } = parsed.data
    const before = problems.length
    const integration = parsedMatch.integration?.map((id) => configuredId(context.integrations, id) ?? id)
    const match = { ...parsedMatch, ...(integration ? { integration } : {}) }
    const unknown = (integration ?? []).filter((id) => !context.integrations.includes(id))
    if (unknown.length > 0) problem(`integration: ${unknown.join(', ')} is not in the providers file (${context.integrations.join(', ') || 'none'})`)
    if (mute && channel) problem('mute: true and a channel: a rule either mutes or names a channel, not both')
    else if (mute && mention) problem('mention: a muted rule posts nothing, so it notifies nobody')
    else if (!mute && !channel) problem('expected a channel, or mute: true')
    if (problems.length > before) return
    rules.push({ number, match, target: channel ? { kind: 'channel', channel, ...(mention ? { mention } : {}) } : { kind: 'mute' } })
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return { rules, defaultChannel: context.defaultChannel }
}

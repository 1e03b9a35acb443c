/**
 * Slack's Web API as @slack/web-api types it: `<Method>Arguments` (request) and
 * `<Method>Response` for each method. These are intersections and unions of interfaces
 * (`TokenOverridable & MessageContents & …`, `ViewTriggerId | ViewInteractivityPointer`),
 * so they are read with the TypeScript type checker rather than the parser alone.
 */
import { dirname, join } from 'node:path'
import ts from 'typescript'
import { installedPackage } from './package-root.js'
import type { Shape } from './shape.js'

const { root, label } = installedPackage('@slack/web-api')

export const SLACK_WEB_API = label

export interface SlackMethodTypes {
  /** Whether the arguments named satisfy some alternative of the method's `Arguments` type (by presence). */
  acceptsArguments(present: ReadonlySet<string>): boolean
  /** The method's `Response` type. */
  response: Shape
}

/** `chat.postMessage` -> `ChatPostMessage`, the SDK's prefix for its types. */
export function typePrefix(method: string): string {
  return method
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
}

/** The types of each method, by the SDK's own names (`typeNames` overrides where they differ, e.g. `files.getUploadURLExternal`). */
export function slackMethodTypes(methods: readonly string[], typeNames: Record<string, string> = {}): Map<string, SlackMethodTypes> {
  const prefixes = methods.map((method) => [method, typeNames[method] ?? typePrefix(method)] as const)
  const entry = join(root, 'dist', 'types', 'virtual-entry.ts')
  const source = [
    `import type * as Slack from './request/index';`,
    `import type * as Answers from './response/index';`,
    ...prefixes.flatMap(([, prefix]) => [`export type ${prefix}_A = Slack.${prefix}Arguments;`, `export type ${prefix}_R = Answers.${prefix}Response;`]),
  ].join('\n')
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, types: [] }
  const host = ts.createCompilerHost(options)
  const readFile = host.readFile.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.readFile = (file) => (file === entry ? source : readFile(file))
  host.fileExists = (file) => file === entry || ts.sys.fileExists(file)
  host.getSourceFile = (file, language) => (file === entry ? ts.createSourceFile(file, source, language, true) : getSourceFile(file, language))
  const program = ts.createProgram([entry], options, host)
  const checker = program.getTypeChecker()
  const file = program.getSourceFile(entry)
  if (!file) throw new Error(`cannot read the types of ${label} from ${dirname(entry)}`)
  const aliases = new Map(file.statements.filter(ts.isTypeAliasDeclaration).map((alias) => [alias.name.text, checker.getTypeAtLocation(alias.name)]))
  const typeOf = (name: string): ts.Type => {
    const type = aliases.get(name)
    if (!type || type.flags & ts.TypeFlags.Any) throw new Error(`${label} has no type ${name.replace(/_A$/, 'Arguments').replace(/_R$/, 'Response')}`)
    return type
  }
  const shapes = shapeReader(checker)
  return new Map(
    prefixes.map(([method, prefix]) => {
      const alternatives = requiredPerAlternative(checker, typeOf(`${prefix}_A`))
      return [
        method,
        {
          acceptsArguments: (present) => alternatives.some((required) => required.every((name) => present.has(name))),
          response: shapes(typeOf(`${prefix}_R`), `${prefix}Response`),
        },
      ] as const
    }),
  )
}

/** The required property names of each alternative of a (union) arguments type. */
function requiredPerAlternative(checker: ts.TypeChecker, type: ts.Type): string[][] {
  const alternatives = type.isUnion() ? type.types : [type]
  return alternatives.map((alternative) =>
    checker
      .getPropertiesOfType(alternative)
      .filter((property) => !(property.flags & ts.SymbolFlags.Optional))
      .map((property) => property.name),
  )
}

function shapeReader(checker: ts.TypeChecker): (type: ts.Type, name: string) => Shape {
  const shapeOf = (type: ts.Type, name: string): Shape => {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { kind: 'any' }
    if (type.flags & ts.TypeFlags.BooleanLike) return { kind: 'boolean' }
    if (type.flags & ts.TypeFlags.StringLiteral) return { kind: 'string', values: [(type as ts.StringLiteralType).value] }
    if (type.flags & ts.TypeFlags.StringLike) return { kind: 'string' }
    if (type.flags & ts.TypeFlags.NumberLike) return { kind: 'number' }
    if (type.isUnion()) {
      const options = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))).map((t) => shapeOf(t, name))
      const strings = options.filter((o): o is Extract<Shape, { kind: 'string' }> => o.kind === 'string')
      // A union of string literals is an enum: keep its values together.
      if (strings.length === options.length && strings.every((s) => s.values)) return { kind: 'string', values: strings.flatMap((s) => s.values ?? []) }
      if (options.every((o) => o.kind === 'boolean')) return { kind: 'boolean' }
      return options.length === 1 && options[0] ? options[0] : { kind: 'union', options }
    }
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      const items = checker.getTypeArguments(type as ts.TypeReference)
      const item = items.length === 1 && items[0] ? shapeOf(items[0], name) : { kind: 'union' as const, options: items.map((t) => shapeOf(t, name)) }
      return { kind: 'array', item }
    }
    if (type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) {
      // The SDK's response types are generated from sample answers: `{}` is how they write a free-form object (metadata's event_payload, view state).
      if (checker.getPropertiesOfType(type).length === 0 && checker.getIndexInfosOfType(type).length === 0) return { kind: 'any' }
      let fields: Map<string, Shape> | undefined
      const index = checker.getIndexInfoOfType(type, ts.IndexKind.String)
      return {
        kind: 'object',
        name,
        fields: () =>
          (fields ??= new Map(
            checker
              .getPropertiesOfType(type)
              .map((property) => [property.name, shapeOf(checker.getTypeOfSymbol(property), `${name}.${property.name}`)] as const),
          )),
        ...(index ? { additional: shapeOf(index.type, `${name}[key]`) } : {}),
      }
    }
    return { kind: 'any' }
  }
  return shapeOf
}

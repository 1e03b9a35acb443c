/**
 * Microsoft Graph's resource types as Microsoft publishes them in
 * @microsoft/microsoft-graph-types (`microsoft-graph.d.ts`, generated from Graph's
 * metadata), read with the TypeScript parser: interfaces with what they inherit
 * (`User extends DirectoryObject extends Entity`) and `NullableOption<T>` as T.
 * The package holds types only, no operations: the calls the adapter makes are listed
 * by hand below from Graph's API reference, and only their bodies are checked.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import ts from 'typescript'
import type { Operation } from './operations.js'
import type { Shape } from './shape.js'

// A types-only package has no entry point to resolve; its package.json (not restricted by `exports`) locates it.
const PACKAGE_JSON = createRequire(import.meta.url).resolve('@microsoft/microsoft-graph-types/package.json')
const ROOT = dirname(PACKAGE_JSON)

export const GRAPH_TYPES = `@microsoft/microsoft-graph-types@${(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version}`

/** OData annotations any Graph answer may carry (protocol, not resource, properties). */
const ANNOTATIONS: ReadonlyArray<[string, Shape]> = ['@odata.type', '@odata.context', '@odata.id', '@odata.nextLink', '@odata.count'].map((name) => [
  name,
  name === '@odata.count' ? { kind: 'number' } : { kind: 'string' },
])

export function readGraphTypes(): { shapeOf(name: string): Shape } {
  const file = join(ROOT, 'microsoft-graph.d.ts')
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const interfaces = new Map<string, ts.InterfaceDeclaration>()
  const aliases = new Map<string, ts.TypeAliasDeclaration>()
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && !interfaces.has(node.name.text)) interfaces.set(node.name.text, node)
    if (ts.isTypeAliasDeclaration(node) && !aliases.has(node.name.text)) aliases.set(node.name.text, node)
    ts.forEachChild(node, visit)
  }
  visit(source)

  const membersWithInherited = (declaration: ts.InterfaceDeclaration): ts.PropertySignature[] => {
    const inherited = (declaration.heritageClauses ?? []).flatMap((clause) =>
      clause.types.flatMap((type) => {
        const parent = interfaces.get(type.expression.getText(source))
        return parent ? membersWithInherited(parent) : []
      }),
    )
    return [...inherited, ...declaration.members.filter(ts.isPropertySignature)]
  }

  const shapeOf = (name: string): Shape => {
    const declaration = interfaces.get(name)
    if (declaration) {
      let fields: Map<string, Shape> | undefined
      return {
        kind: 'object',
        name,
        fields: () =>
          (fields ??= new Map([
            ...ANNOTATIONS,
            ...membersWithInherited(declaration).map(
              (member) =>
                [member.name.getText(source).replace(/^["']|["']$/g, ''), member.type ? shapeOfNode(member.type, name) : { kind: 'any' }] as [string, Shape],
            ),
          ])),
      }
    }
    const alias = aliases.get(name)
    return alias ? shapeOfNode(alias.type, name) : { kind: 'any' }
  }

  const shapeOfNode = (node: ts.TypeNode, name: string): Shape => {
    if (ts.isParenthesizedTypeNode(node)) return shapeOfNode(node.type, name)
    if (ts.isArrayTypeNode(node)) return { kind: 'array', item: shapeOfNode(node.elementType, name) }
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { kind: 'string', values: [node.literal.text] }
    if (ts.isUnionTypeNode(node)) {
      const options = node.types.filter((t) => !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword)).map((t) => shapeOfNode(t, name))
      const strings = options.filter((o): o is Extract<Shape, { kind: 'string' }> => o.kind === 'string')
      if (strings.length === options.length && strings.every((s) => s.values)) return { kind: 'string', values: strings.flatMap((s) => s.values ?? []) }
      return options.length === 1 && options[0] ? options[0] : { kind: 'union', options }
    }
    if (ts.isTypeReferenceNode(node)) {
      const ref = node.typeName.getText(source)
      const argument = node.typeArguments?.[0]
      // NullableOption<T> = T | null: the value is T or absent.
      if (ref === 'NullableOption' && argument) return shapeOfNode(argument, name)
      return { kind: 'ref', resolve: () => shapeOf(ref) }
    }
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { kind: 'string' }
      case ts.SyntaxKind.NumberKeyword:
        return { kind: 'number' }
      case ts.SyntaxKind.BooleanKeyword:
        return { kind: 'boolean' }
      default:
        return { kind: 'any' }
    }
  }
  return { shapeOf }
}

/** A Graph collection answer: `value` holds the items, annotations around it. */
export function collectionOf(item: Shape, name: string): Shape {
  return { kind: 'object', name: `${name} collection`, fields: () => new Map<string, Shape>([...ANNOTATIONS, ['value', { kind: 'array', item }]]) }
}

/**
 * The Graph v1.0 calls the adapter makes, from learn.microsoft.com/graph/api: each path, the OData query options
 * that page documents, and the resource type of its body and answer.
 */
export function graphOperations(): Operation[] {
  const types = readGraphTypes()
  const user = types.shapeOf('User')
  const role = types.shapeOf('DirectoryRole')
  const member: Shape = { kind: 'union', options: [user, types.shapeOf('ServicePrincipal')] }
  const list = new Set(['$filter', '$select', '$top', '$count', '$skiptoken', '$orderby', '$search', '$expand'])
  const boolean: Shape = { kind: 'object', name: 'Edm.Boolean answer', fields: () => new Map<string, Shape>([...ANNOTATIONS, ['value', { kind: 'boolean' }]]) }
  return [
    { name: 'user-list', method: 'GET', path: '/v1.0/users', query: list, response: collectionOf(user, 'User') },
    { name: 'user-get', method: 'GET', path: '/v1.0/users/{id}', query: new Set(['$select', '$expand']), response: user },
    { name: 'user-update', method: 'PATCH', path: '/v1.0/users/{id}', query: new Set(), requestBody: user },
    { name: 'user-delete', method: 'DELETE', path: '/v1.0/users/{id}', query: new Set() },
    { name: 'user-revokesigninsessions', method: 'POST', path: '/v1.0/users/{id}/revokeSignInSessions', query: new Set(), response: boolean },
    {
      name: 'user-list-memberof (directoryRole)',
      method: 'GET',
      path: '/v1.0/users/{id}/memberOf/microsoft.graph.directoryRole',
      query: list,
      response: collectionOf(role, 'DirectoryRole'),
    },
    {
      name: 'directoryrole-list',
      method: 'GET',
      path: '/v1.0/directoryRoles',
      query: new Set(['$filter', '$select']),
      response: collectionOf(role, 'DirectoryRole'),
    },
    {
      name: 'directoryrole-list-members',
      method: 'GET',
      path: '/v1.0/directoryRoles/{id}/members',
      query: new Set(['$select', '$skiptoken', '$top']),
      response: collectionOf(member, 'DirectoryObject'),
    },
    {
      name: 'directory-deleteditems-list (user)',
      method: 'GET',
      path: '/v1.0/directory/deletedItems/microsoft.graph.user',
      query: list,
      response: collectionOf(user, 'User'),
    },
    { name: 'directory-deleteditems-get', method: 'GET', path: '/v1.0/directory/deletedItems/{id}', query: new Set(['$select']), response: user },
    { name: 'directory-deleteditems-restore', method: 'POST', path: '/v1.0/directory/deletedItems/{id}/restore', query: new Set(), response: user },
  ]
}

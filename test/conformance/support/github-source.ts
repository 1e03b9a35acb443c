/**
 * GitHub's REST API as @octokit/openapi-types writes it from GitHub's OpenAPI description
 * (openapi-typescript): the `paths` interface maps each path and method to an entry of
 * `operations`, whose `parameters.query` names the query parameters and whose 2xx
 * `content["application/json"]` is the answer, with `components["schemas"][…]` references;
 * read with the TypeScript parser. GraphQL is not part of it.
 */
import { join } from 'node:path'
import ts from 'typescript'
import type { Operation } from './operations.js'
import { installedPackage } from './package-root.js'
import { propertyName, readTsDeclarations } from './ts-shapes.js'

const { root, label } = installedPackage('@octokit/openapi-types')

export const OCTOKIT_OPENAPI = label

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch'])

export function githubOperations(): Operation[] {
  const declarations = readTsDeclarations(join(root, 'types.d.ts'))
  const operations = new Map(
    declarations
      .membersOf('operations')
      .flatMap((member) => (member.name && ts.isPropertySignature(member) && member.type ? [[propertyName(member.name), member.type] as const] : [])),
  )
  return declarations.membersOf('paths').flatMap((pathMember) => {
    if (!pathMember.name || !ts.isPropertySignature(pathMember) || !pathMember.type || !ts.isTypeLiteralNode(pathMember.type)) return []
    const path = propertyName(pathMember.name)
    return pathMember.type.members.flatMap((methodMember): Operation[] => {
      const method = methodMember.name ? propertyName(methodMember.name) : ''
      const ref = ts.isPropertySignature(methodMember) ? methodMember.type : undefined
      if (
        !METHODS.has(method) ||
        !ref ||
        !ts.isIndexedAccessTypeNode(ref) ||
        !ts.isLiteralTypeNode(ref.indexType) ||
        !ts.isStringLiteral(ref.indexType.literal)
      )
        return []
      const name = ref.indexType.literal.text
      const operation = operations.get(name)
      const query = member(member(operation, 'parameters'), 'query')
      const content = member(member(member(member(operation, 'requestBody'), 'content'), 'application/json'), '')
      const success = ['200', '201'].map((status) => member(member(member(operation, 'responses'), status), 'content')).find(Boolean)
      const json = member(success, 'application/json')
      return [
        {
          name,
          method: method.toUpperCase(),
          path,
          query: new Set(query && ts.isTypeLiteralNode(query) ? query.members.flatMap((m) => (m.name ? [propertyName(m.name)] : [])) : []),
          ...(content ? { requestBody: declarations.shapeOfType(content) } : {}),
          ...(json ? { response: declarations.shapeOfType(json) } : {}),
        },
      ]
    })
  })
}

/** The type of member `name` of a type literal; '' answers the type itself. */
function member(node: ts.TypeNode | undefined, name: string): ts.TypeNode | undefined {
  if (!node || name === '') return node
  if (!ts.isTypeLiteralNode(node)) return undefined
  const found = node.members.find((m) => m.name && propertyName(m.name) === name)
  return found && ts.isPropertySignature(found) ? found.type : undefined
}

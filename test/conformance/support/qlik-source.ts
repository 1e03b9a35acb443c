/**
 * Qlik Cloud's REST APIs as @qlik/api generates them from Qlik's OpenAPI documents:
 * each function's method and path template from its `.js` file, and from its `.d.ts`
 * the query parameter names, the body type and the `data` of its successful response,
 * read with the TypeScript parser.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import type { Operation } from './operations.js'
import { installedPackage } from './package-root.js'
import type { Shape } from './shape.js'
import { objectFields, propertyName, readTsDeclarations } from './ts-shapes.js'
import type { TsDeclarations } from './ts-shapes.js'

const { root: ROOT, label } = installedPackage('@qlik/api')

export const QLIK_API = label

/** Every REST function of the package, named like `users.getUsers`. */
export function qlikOperations(): Operation[] {
  return readdirSync(ROOT)
    .filter((file) => file.endsWith('.js') && existsSync(join(ROOT, file.replace(/\.js$/, '.d.ts'))))
    .flatMap((file) => {
      const api = file.replace(/\.js$/, '')
      const calls = [
        ...readFileSync(join(ROOT, file), 'utf8').matchAll(
          /async function (\w+)\([^)]*\) \{\s*return invokeFetch\("[^"]*", \{\s*method: "(\w+)",\s*pathTemplate: "([^"]+)"/g,
        ),
      ]
      if (calls.length === 0) return []
      const declarations = readTsDeclarations(join(ROOT, `${api}.d.ts`))
      const functions = declaredFunctions(declarations.sourceFile)
      return calls.flatMap(([, name = '', method = '', path = '']) => {
        const declaration = functions.get(name)
        return declaration ? [operation(`${api}.${name}`, method.toUpperCase(), path, declaration, declarations)] : []
      })
    })
}

function operation(name: string, method: string, path: string, fn: ts.FunctionDeclaration, declarations: TsDeclarations): Operation {
  const text = (node: ts.Node) => node.getText(declarations.sourceFile)
  const parameter = (id: string) => fn.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === id)?.type
  const query = parameter('query')
  const body = parameter('body')
  const returned = fn.type && ts.isTypeReferenceNode(fn.type) ? fn.type.typeArguments?.[0] : undefined
  return {
    name,
    method,
    path,
    query: new Set(query && ts.isTypeLiteralNode(query) ? query.members.flatMap((m) => (m.name ? [propertyName(m.name)] : [])) : []),
    ...(body ? { requestBody: declarations.shapeOf(text(body)) } : {}),
    ...(returned ? { response: responseData(declarations.shapeOf(text(returned))) } : {}),
  }
}

/** The `data` of a response type, or of each response of a union of them. */
function responseData(response: Shape): Shape {
  return {
    kind: 'ref',
    resolve: () => {
      const resolved = response.kind === 'ref' ? response.resolve() : response
      if (resolved.kind === 'union') return { kind: 'union', options: resolved.options.map(responseData) }
      return objectFields(resolved).get('data') ?? { kind: 'any' }
    },
  }
}

function declaredFunctions(sourceFile: ts.SourceFile): Map<string, ts.FunctionDeclaration> {
  const found = new Map<string, ts.FunctionDeclaration>()
  for (const statement of sourceFile.statements) if (ts.isFunctionDeclaration(statement) && statement.name) found.set(statement.name.text, statement)
  return found
}

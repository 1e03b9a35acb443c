/**
 * The Admin SDK Directory API and Data Transfer API as Google's generator writes them
 * into @googleapis/admin's `directory_v1.ts` and `datatransfer_v1.ts` from the APIs'
 * discovery documents: each resource method's URL,
 * HTTP method, path and query parameters, body and response schema, and the `Schema$…`
 * interfaces, read with the TypeScript parser.
 */
import { join } from 'node:path'
import ts from 'typescript'
import type { Operation } from './operations.js'
import { installedPackage } from './package-root.js'
import { propertyName, readTsDeclarations } from './ts-shapes.js'

const { root: ROOT, label } = installedPackage('@googleapis/admin')

export const GOOGLE_ADMIN = label

/** Every Directory API method, named like `Resource$Users.get`. */
export function directoryOperations(): Operation[] {
  return adminOperations('directory_v1.ts')
}

/** Every Data Transfer API method, named like `Resource$Transfers.insert`. */
export function dataTransferOperations(): Operation[] {
  return adminOperations('datatransfer_v1.ts')
}

/** Every method of every `Resource$…` class of one of the package's API files. */
function adminOperations(file: string): Operation[] {
  const declarations = readTsDeclarations(join(ROOT, file))
  // `auth` is the client's credentials object, never sent as a parameter.
  const standard = new Set(
    declarations
      .membersOf('StandardParameters')
      .map(memberName)
      .filter((name) => name !== 'auth'),
  )
  const operations: Operation[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isMethodDeclaration(node) && node.body && ts.isClassDeclaration(node.parent) && node.parent.name?.text.startsWith('Resource$')) {
      const text = node.getText(declarations.sourceFile)
      const url = /url:\s*\(\s*rootUrl \+\s*'([^']+)'/.exec(text)?.[1]
      const method = /method: '(\w+)'/.exec(text)?.[1]
      const params = /as (Params\$[\w$]+);/.exec(text)?.[1]
      if (url && method && params) {
        const pathParams = new Set([...(/pathParams: \[([^\]]*)\]/.exec(text)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]))
        const members = declarations.membersOf(params)
        const body = members.find((m) => memberName(m) === 'requestBody')
        const response = /BodyResponseCallback<(Schema\$\w+)>/.exec(text)?.[1]
        operations.push({
          name: `${node.parent.name.text}.${propertyName(node.name)}`,
          method,
          path: url,
          query: new Set([...members.map(memberName), ...standard].filter((name) => name !== 'requestBody' && !pathParams.has(name))),
          ...(body && ts.isPropertySignature(body) && body.type ? { requestBody: declarations.shapeOf(body.type.getText(declarations.sourceFile)) } : {}),
          ...(response ? { response: declarations.shapeOf(response) } : {}),
        })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(declarations.sourceFile)
  return operations
}

function memberName(member: ts.TypeElement): string {
  return member.name ? propertyName(member.name) : ''
}

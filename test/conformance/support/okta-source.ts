/**
 * Okta's Management API as @okta/okta-sdk-nodejs generates it from Okta's OpenAPI
 * document: operations read from its generated request factories (path, method, query
 * parameters, body model) and response processors (the model a 2xx answer is read as),
 * and models from each generated class's `attributeTypeMap`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Operation } from './operations.js'
import { installedPackage } from './package-root.js'
import type { Shape } from './shape.js'

const require = createRequire(import.meta.url)
const { root, label } = installedPackage('@okta/okta-sdk-nodejs')
const GENERATED = join(root, 'src', 'generated')

export const OKTA_SDK = label

interface Attribute {
  baseName: string
  type: string
}

/** The model (or primitive, `Array<…>`, map) the SDK names by `type`. */
export function oktaShape(type: string): Shape {
  const array = /^Array<(.+)>$/.exec(type)
  if (array?.[1]) return { kind: 'array', item: oktaShape(array[1]) }
  if (type === 'string' || type === 'Date') return { kind: 'string' }
  if (type === 'number') return { kind: 'number' }
  if (type === 'boolean') return { kind: 'boolean' }
  if (type === 'any' || type.startsWith('{ [key: string]')) return { kind: 'any' }
  const file = join(GENERATED, 'models', `${type}.js`)
  // Types with no generated model (HttpFile, a download) say nothing about fields.
  if (!existsSync(file)) return { kind: 'any' }
  const model = require(file) as Record<string, { attributeTypeMap?: Attribute[]; mapping?: Record<string, string> } | undefined>
  // A oneOf is generated as `<type>Class` mapping its discriminator's values to models.
  const mapping = model[`${type}Class`]?.mapping
  if (mapping) return { kind: 'union', options: [...new Set(Object.values(mapping))].map(oktaShape) }
  const attributes = model[type]?.attributeTypeMap
  // Enums are generated as modules with no class: their values are strings.
  if (!attributes) return { kind: 'string' }
  let fields: Map<string, Shape> | undefined
  return {
    kind: 'object',
    name: type,
    fields: () => (fields ??= new Map(attributes.map((a) => [a.baseName, lazyOktaShape(a.type)]))),
  }
}

function lazyOktaShape(type: string): Shape {
  return { kind: 'ref', resolve: () => oktaShape(type) }
}

/** Every operation of the generated `*Api.js` files, named `UserApi.suspendUser`. */
export function oktaOperations(): Operation[] {
  return readdirSync(join(GENERATED, 'apis'))
    .filter((file) => file.endsWith('Api.js'))
    .flatMap((file) => apiOperations(file.replace(/\.js$/, ''), readFileSync(join(GENERATED, 'apis', file), 'utf8')))
}

function apiOperations(api: string, source: string): Operation[] {
  const [factory = '', processor = ''] = source.split(`class ${api}ResponseProcessor`)
  const responses = new Map(
    methodBlocks(processor).flatMap(([name, block]) => {
      const type = /deserialize\([^;]*?, '([^']+)', ''\)/.exec(block)?.[1]
      return type && type !== 'ModelError' ? [[name, type] as const] : []
    }),
  )
  return methodBlocks(factory).flatMap(([name, block]) => {
    const path = /const path = '([^']+)'/.exec(block)?.[1]
    const method = /HttpMethodEnum\.(\w+)/.exec(block)?.[1]
    if (!path || !method) return []
    const body = /stringify\(ObjectSerializer_1\.ObjectSerializer\.serialize\(\w+, '([^']+)'/.exec(block)?.[1]
    const response = responses.get(name)
    return [
      {
        name: `${api}.${name}`,
        method,
        path,
        query: new Set([...block.matchAll(/setQueryParam\('(\w+)'/g)].map((m) => m[1] ?? '')),
        ...(body ? { requestBody: lazyOktaShape(body) } : {}),
        ...(response ? { response: lazyOktaShape(response) } : {}),
      },
    ]
  })
}

/** [method name, its text] for each `async name(` of a generated class. */
function methodBlocks(source: string): [string, string][] {
  const starts = [...source.matchAll(/\n {2}async (\w+)\(/g)]
  return starts.map((m, i) => [m[1] ?? '', source.slice(m.index, starts[i + 1]?.index ?? source.length)])
}

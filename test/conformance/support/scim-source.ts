/**
 * SCIM 2.0 (RFC 7643/7644) as scimmy and scimmy-routers implement it, independently of
 * this project: the routes scimmy-routers serves, the User resource from scimmy's schema
 * definition (core attributes and the enterprise extension), the ListResponse message's
 * fields, and scimmy's own validation of PatchOp requests.
 */
import SCIMMY from 'scimmy'
import SCIMMYRouters from 'scimmy-routers'
import type { Operation } from './operations.js'
import { installedPackage } from './package-root.js'
import type { Shape } from './shape.js'

export const SCIMMY_LABEL = `${installedPackage('scimmy').label} + ${installedPackage('scimmy-routers').label}`

interface ScimmyAttribute {
  name: string
  type: string
  config: { multiValued: boolean }
  subAttributes?: ScimmyAttribute[]
}

function attributeShape(attribute: ScimmyAttribute): Shape {
  const single: Shape =
    attribute.type === 'complex'
      ? objectOf(attribute.name, attribute.subAttributes ?? [])
      : attribute.type === 'boolean'
        ? { kind: 'boolean' }
        : attribute.type === 'integer' || attribute.type === 'decimal'
          ? { kind: 'number' }
          : { kind: 'string' }
  return attribute.config.multiValued ? { kind: 'array', item: single } : single
}

function objectOf(name: string, attributes: readonly ScimmyAttribute[], extra: [string, Shape][] = []): Shape {
  return { kind: 'object', name, fields: () => new Map([...attributes.map((a) => [a.name, attributeShape(a)] as [string, Shape]), ...extra]) }
}

function schemaShape(
  schema: { definition: { id: string; attributes: ScimmyAttribute[] } },
  extensions: { definition: { id: string; attributes: ScimmyAttribute[] } }[] = [],
): Shape {
  return objectOf(
    schema.definition.id,
    schema.definition.attributes,
    extensions.map((extension) => [extension.definition.id, objectOf(extension.definition.id, extension.definition.attributes)]),
  )
}

export const scimUserShape = schemaShape(SCIMMY.Schemas.User as never, [SCIMMY.Schemas.EnterpriseUser as never])

/** The ListResponse message's own fields (RFC 7644 §3.4.2), its Resources being Users. */
export const listResponseShape: Shape = {
  kind: 'object',
  name: 'ListResponse',
  fields: () =>
    new Map(
      Object.keys(new SCIMMY.Messages.ListResponse([])).map(
        (key) =>
          [
            key,
            key === 'Resources' ? { kind: 'array', item: scimUserShape } : key === 'schemas' ? { kind: 'array', item: { kind: 'string' } } : { kind: 'number' },
          ] as [string, Shape],
      ),
    ),
}

const patchOp: Shape = {
  kind: 'validated',
  problems: (value) => {
    try {
      new SCIMMY.Messages.PatchOp(value as never)
      return []
    } catch (error) {
      return [`scimmy refuses this PatchOp: ${(error as Error).message}`]
    }
  },
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> }
  /** Express 5 keeps a mount path only as a matcher. */
  matchers?: ((path: string) => { path: string } | false)[]
  handle?: { stack?: Layer[] }
}

/** The routes scimmy-routers serves for the User resource and the discovery endpoints, with the bodies scimmy reads and writes. */
export function scimOperations(): Operation[] {
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
  const endpoints = Object.values(SCIMMY.Resources.declared() as Record<string, { endpoint: string }>).map((resource) => resource.endpoint)
  const router = new SCIMMYRouters({ type: 'bearer', handler: () => 'conformance', context: () => ({}) }) as unknown as { stack: Layer[] }
  const routes = (stack: Layer[], prefix: string): [string, string][] =>
    stack.flatMap((layer) => {
      if (layer.route)
        return Object.keys(layer.route.methods).map(
          (method) => [method.toUpperCase(), `${prefix}${layer.route?.path === '/' ? '' : (layer.route?.path ?? '')}`] as [string, string],
        )
      const mount = endpoints.find((endpoint) => layer.matchers?.[0]?.(endpoint)) ?? ''
      return layer.handle?.stack ? routes(layer.handle.stack, `${prefix}${mount}`) : []
    })
  return routes(router.stack, '').map(([method, path]) => {
    const template = path.replace(/:(\w+)/g, '{$1}')
    const onUsers = template.startsWith('/Users')
    return {
      name: `scimmy-routers ${method} ${path}`,
      method,
      path: template,
      // scimmy reads the query from express at request time: it has no list of names to check against.
      query: 'unchecked',
      ...(onUsers && method === 'PATCH' ? { requestBody: patchOp } : onUsers && (method === 'POST' || method === 'PUT') ? { requestBody: scimUserShape } : {}),
      ...(onUsers && method === 'GET'
        ? { response: template === '/Users' ? listResponseShape : scimUserShape }
        : onUsers && method !== 'DELETE'
          ? { response: scimUserShape }
          : {}),
    }
  })
}

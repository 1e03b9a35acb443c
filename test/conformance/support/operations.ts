/**
 * The operations an official source defines, and the check of one recorded exchange
 * against them: the request must be an operation the source defines (method, path,
 * query and body parameter names) and a successful answer's body must fit the response
 * the source declares for it.
 */
import type { Exchange } from './recording-proxy.js'
import type { Mismatch, Shape } from './shape.js'
import { mismatches } from './shape.js'

export interface Operation {
  /** The source's own name for it, e.g. `UserApi.suspendUser`. */
  name: string
  method: string
  /** With `{param}` placeholders, each standing for one path segment. */
  path: string
  /** The query parameter names; `unchecked` where the source has no list of them. */
  query: ReadonlySet<string> | 'unchecked'
  requestBody?: Shape
  /** The body of a successful answer. */
  response?: Shape
}

/** The operation whose method and path template the request matches; the most literal template wins. */
export function operationFor(operations: readonly Operation[], method: string, path: string): Operation | undefined {
  const segments = path.split('/')
  const candidates = operations.filter((op) => {
    if (op.method !== method.toUpperCase()) return false
    const template = op.path.split('/')
    return template.length === segments.length && template.every((part, i) => /^\{[^}]+\}$/.test(part) || part === segments[i])
  })
  const literalParts = (op: Operation) => op.path.split('/').filter((part) => !part.startsWith('{')).length
  return candidates.sort((a, b) => literalParts(b) - literalParts(a))[0]
}

/** An exchange described the way the checks report it. */
export function requestLine(exchange: Exchange): string {
  const query = Object.keys(exchange.query)
  return `${exchange.method} ${exchange.path}${query.length > 0 ? `?${query.join('&')}` : ''}`
}

/** Everything about one exchange that the source does not define. */
export function exchangeMismatches(operations: readonly Operation[], exchange: Exchange): Mismatch[] {
  const line = requestLine(exchange)
  const op = operationFor(operations, exchange.method, exchange.path)
  if (!op) return [`${line}: no such operation in the source`]
  const names = op.query
  const unknownQuery = names === 'unchecked' ? [] : Object.keys(exchange.query).filter((name) => !names.has(name))
  const found: Mismatch[] = unknownQuery.map((name) => `${line}: query parameter ${name} is not one of ${op.name}'s`)
  if (exchange.requestBody !== undefined) {
    if (op.requestBody) found.push(...mismatches(exchange.requestBody, op.requestBody, `${op.name} request`).map((m) => `${line}: ${m}`))
    else found.push(`${line}: ${op.name} takes no body`)
  }
  if (exchange.status >= 200 && exchange.status < 300 && op.response) {
    found.push(...mismatches(exchange.responseBody, op.response, `${op.name} response`).map((m) => `${line}: ${m}`))
  }
  return found
}

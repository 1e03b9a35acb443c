/**
 * What an adapter reads, from its own zod schemas, checked against the official shape
 * of the same answer: every field the adapter parses must be one the source defines,
 * with a compatible type. The recorded exchanges cover what the stand-in sends; this
 * covers optional fields the stand-in never sends.
 */
import type { z } from 'zod'
import type { Mismatch, Shape } from './shape.js'

interface Def {
  type: string
  shape?: Record<string, z.ZodType>
  element?: z.ZodType
  innerType?: z.ZodType
  options?: z.ZodType[]
  in?: z.ZodType
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def

/** Optional, nullable, defaulted and piped schemas stand for what they wrap. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema)
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined)
  return inner ? unwrap(inner) : schema
}

function resolve(shape: Shape): Shape[] {
  if (shape.kind === 'ref') return resolve(shape.resolve())
  if (shape.kind === 'union') return shape.options.flatMap(resolve)
  return [shape]
}

const PRIMITIVES = new Set(['string', 'number', 'boolean'])

/** Every field `schema` reads that `shape` does not define, or types differently. */
export function zodMismatches(schema: z.ZodType, shape: Shape, at = '$'): Mismatch[] {
  const zod = unwrap(schema)
  const def = defOf(zod)
  const candidates = resolve(shape)
  if (candidates.some((c) => c.kind === 'any' || c.kind === 'validated')) return []
  if (def.type === 'union') {
    const tries = (def.options ?? []).map((option) => zodMismatches(option, shape, at))
    return tries.some((found) => found.length === 0) ? [] : (tries[0] ?? [])
  }
  if (def.type === 'object') {
    const objects = candidates.filter((c): c is Extract<Shape, { kind: 'object' }> => c.kind === 'object')
    if (objects.length === 0) return [`${at}: the adapter reads an object, the source says ${candidates.map((c) => c.kind).join(' | ')}`]
    return Object.entries(def.shape ?? {}).flatMap(([key, field]) => {
      const fieldShapes = objects.flatMap((o) => {
        const found = o.fields().get(key) ?? o.additional
        return found ? [found] : []
      })
      if (fieldShapes.length === 0) return [`${at}.${key}: not in ${objects.map((o) => o.name).join(' | ')}`]
      const tries = fieldShapes.map((fieldShape) => zodMismatches(field, fieldShape, `${at}.${key}`))
      return tries.some((found) => found.length === 0) ? [] : (tries[0] ?? [])
    })
  }
  if (def.type === 'array') {
    const arrays = candidates.filter((c): c is Extract<Shape, { kind: 'array' }> => c.kind === 'array')
    if (arrays.length === 0) return [`${at}: the adapter reads an array, the source says ${candidates.map((c) => c.kind).join(' | ')}`]
    return def.element ? zodMismatches(def.element, arrays[0]?.item ?? { kind: 'any' }, `${at}[]`) : []
  }
  if (PRIMITIVES.has(def.type) && !candidates.some((c) => c.kind === def.type)) {
    return [`${at}: the adapter reads a ${def.type}, the source says ${candidates.map((c) => c.kind).join(' | ')}`]
  }
  return []
}

/** The shape of one field of an object shape (`data` of a Qlik page), following references. */
export function fieldOf(shape: Shape | undefined, name: string): Shape {
  for (const candidate of shape ? resolve(shape) : []) {
    if (candidate.kind === 'object') return candidate.fields().get(name) ?? { kind: 'any' }
  }
  throw new Error(`the source has no field ${name} here`)
}

/** The item shape of an array shape. */
export function itemOf(shape: Shape | undefined): Shape {
  for (const candidate of shape ? resolve(shape) : []) if (candidate.kind === 'array') return candidate.item
  throw new Error('the source has no array here')
}

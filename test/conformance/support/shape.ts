/**
 * What an official source says a JSON value looks like, read from whatever form the
 * source ships (SDK model maps, TypeScript types, SCIM schema definitions), and the one
 * check every service shares: does a body the adapter sent or read fit it.
 */

export type Shape =
  | { kind: 'object'; name: string; fields: () => ReadonlyMap<string, Shape>; additional?: Shape }
  | { kind: 'array'; item: Shape }
  | { kind: 'string'; values?: readonly string[] }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'union'; options: readonly Shape[] }
  /** The source leaves it open (free-form maps, `any`). */
  | { kind: 'any' }
  /** A source that validates rather than describes (scimmy's PatchOp): its own verdict. */
  | { kind: 'validated'; problems: (value: unknown) => string[] }
  /** A named type read from the source only when a body reaches it. */
  | { kind: 'ref'; resolve: () => Shape }

/** One place where a body differs from the source, e.g. `$.profile.login: not in UserProfile`. */
export type Mismatch = string

/** Every field of `value` that the source does not define, or whose type it contradicts. */
export function mismatches(value: unknown, shape: Shape, at = '$'): Mismatch[] {
  if (value === null || value === undefined) return []
  switch (shape.kind) {
    case 'any':
      return []
    case 'ref':
      return mismatches(value, shape.resolve(), at)
    case 'validated':
      return shape.problems(value).map((problem) => `${at}: ${problem}`)
    case 'string':
      if (typeof value !== 'string') return [`${at}: ${describe(value)}, the source says string`]
      return shape.values && !shape.values.includes(value) ? [`${at}: "${value}" is not one of ${shape.values.join(', ')}`] : []
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: ${describe(value)}, the source says number`]
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: ${describe(value)}, the source says boolean`]
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) => mismatches(item, shape.item, `${at}[${i}]`))
        : [`${at}: ${describe(value)}, the source says array`]
    case 'union': {
      const tries = shape.options.map((option) => mismatches(value, option, at))
      return tries.some((found) => found.length === 0) ? [] : (tries.sort((a, b) => a.length - b.length)[0] ?? [])
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: ${describe(value)}, the source says object ${shape.name}`]
      const fields = shape.fields()
      return Object.entries(value).flatMap(([key, field]) => {
        const fieldShape = fields.get(key) ?? shape.additional
        return fieldShape ? mismatches(field, fieldShape, `${at}.${key}`) : [`${at}.${key}: not in ${shape.name}`]
      })
    }
  }
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'array' : typeof value
}

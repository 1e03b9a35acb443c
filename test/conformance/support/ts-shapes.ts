/**
 * Shapes read from TypeScript declarations an official package ships (Google's
 * generated `directory_v1.ts`, Qlik's `.d.ts` files), with the TypeScript compiler's
 * parser: interfaces and type aliases by name, anywhere in the file.
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import type { Shape } from './shape.js'

export interface TsDeclarations {
  sourceFile: ts.SourceFile
  /** The shape of the interface or type alias `name`; `any` when the file does not declare it. */
  shapeOf(name: string): Shape
  /** The members of the interface or object type alias `name` (empty when it is not one). */
  membersOf(name: string): ts.TypeElement[]
  /** The shape of a type written in the file (a member's type). */
  shapeOfType(node: ts.TypeNode): Shape
}

export function readTsDeclarations(file: string): TsDeclarations {
  const sourceFile = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const declarations = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>()
  const visit = (node: ts.Node): void => {
    if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && !declarations.has(node.name.text)) declarations.set(node.name.text, node)
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)

  const membersOf = (name: string): ts.TypeElement[] => {
    const declaration = declarations.get(name)
    if (!declaration) return []
    if (ts.isInterfaceDeclaration(declaration)) return [...declaration.members]
    return ts.isTypeLiteralNode(declaration.type) ? [...declaration.type.members] : []
  }

  const shapeOf = (name: string): Shape => {
    const declaration = declarations.get(name)
    if (!declaration) return { kind: 'any' }
    return ts.isInterfaceDeclaration(declaration) ? objectShape(name, declaration.members) : shapeOfNode(declaration.type, name)
  }

  const objectShape = (name: string, members: ts.NodeArray<ts.TypeElement>): Shape => {
    let fields: Map<string, Shape> | undefined
    const index = members.find(ts.isIndexSignatureDeclaration)
    return {
      kind: 'object',
      name,
      fields: () =>
        (fields ??= new Map(
          members
            .filter(ts.isPropertySignature)
            .map(
              (member) =>
                [propertyName(member.name), member.type ? shapeOfNode(member.type, `${name}.${propertyName(member.name)}`) : { kind: 'any' }] as const,
            ),
        )),
      ...(index ? { additional: shapeOfNode(index.type, `${name}[key]`) } : {}),
    }
  }

  const shapeOfNode = (node: ts.TypeNode, name: string): Shape => {
    if (ts.isParenthesizedTypeNode(node)) return shapeOfNode(node.type, name)
    if (ts.isArrayTypeNode(node)) return { kind: 'array', item: shapeOfNode(node.elementType, name) }
    if (ts.isTypeLiteralNode(node)) return objectShape(name, node.members)
    if (ts.isTypeOperatorNode(node)) return shapeOfNode(node.type, name)
    if (ts.isLiteralTypeNode(node)) {
      if (ts.isStringLiteral(node.literal)) return { kind: 'string', values: [node.literal.text] }
      if (node.literal.kind === ts.SyntaxKind.TrueKeyword || node.literal.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'boolean' }
      if (ts.isNumericLiteral(node.literal)) return { kind: 'number' }
      return { kind: 'any' }
    }
    if (ts.isUnionTypeNode(node)) {
      const options = node.types.filter((t) => !isNullish(t)).map((t) => shapeOfNode(t, name))
      const strings = options.filter((o): o is Extract<Shape, { kind: 'string' }> => o.kind === 'string')
      // A union of string literals is an enum: keep its values together.
      if (strings.length === options.length && strings.every((s) => s.values)) return { kind: 'string', values: strings.flatMap((s) => s.values ?? []) }
      return options.length === 1 && options[0] ? options[0] : { kind: 'union', options }
    }
    if (ts.isIntersectionTypeNode(node)) {
      // `User & unknown` is how the generator writes "a User, maybe with more": the object parts' fields together.
      const parts = node.types.filter((t) => t.kind !== ts.SyntaxKind.UnknownKeyword).map((t) => shapeOfNode(t, name))
      if (parts.length === 1 && parts[0]) return parts[0]
      return { kind: 'object', name, fields: () => new Map(parts.flatMap((part) => [...objectFields(part)])) }
    }
    if (ts.isIndexedAccessTypeNode(node) && ts.isLiteralTypeNode(node.indexType) && ts.isStringLiteral(node.indexType.literal)) {
      // `components["schemas"]["simple-user"]`, as openapi-typescript writes references (Octokit's types).
      const key = node.indexType.literal.text
      const outer = node.objectType
      return { kind: 'ref', resolve: () => objectFields(shapeOfNode(outer, name)).get(key) ?? { kind: 'any' } }
    }
    if (ts.isTypeReferenceNode(node)) {
      const ref = node.typeName.getText(sourceFile)
      if (ref === 'Array' && node.typeArguments?.[0]) return { kind: 'array', item: shapeOfNode(node.typeArguments[0], name) }
      if (ref === 'Record' && node.typeArguments?.[1])
        return { kind: 'object', name, fields: () => new Map(), additional: shapeOfNode(node.typeArguments[1], name) }
      return { kind: 'ref', resolve: () => shapeOf(ref.replace(/^.*\./, '')) }
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

  return { sourceFile, shapeOf, membersOf, shapeOfType: (node) => shapeOfNode(node, node.getText(sourceFile)) }
}

/** The fields of an object shape, following references; none for any other shape. */
export function objectFields(shape: Shape): ReadonlyMap<string, Shape> {
  if (shape.kind === 'ref') return objectFields(shape.resolve())
  return shape.kind === 'object' ? shape.fields() : new Map()
}

export function propertyName(name: ts.PropertyName): string {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ? name.text : name.getText()
}

function isNullish(node: ts.TypeNode): boolean {
  return node.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isLiteralTypeNode(node) && node.literal.kind === ts.SyntaxKind.NullKeyword)
}

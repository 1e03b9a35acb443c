/**
 * Dependencies in src/ point one way (docs/structure.md): the kit, the providers and the Slack port know no
 * feature; views and use-cases know no listener, job, Bolt app or worker, and use no Slack client but the port's;
 * a feature reaches another only through its public modules (its root files and views, never its listeners or
 * jobs); and no module depends on itself in a cycle. Imports are read with the TypeScript compiler, type-only ones
 * included: a type edge is still an edge.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const SRC = join(ROOT, 'src')

type Module = string // path relative to the repository root, e.g. src/features/alerts/report.ts

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

/**
 * Every module's imports: relative ones resolved to modules (type-only ones too: a type edge is still an edge),
 * packages by name when a value is imported from them (Block Kit's types from Slack's packages are fine anywhere).
 */
export function importGraph(files: readonly string[]): Map<Module, { modules: Module[]; packages: string[] }> {
  const graph = new Map<Module, { modules: Module[]; packages: string[] }>()
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest)
    const modules: Module[] = []
    const packages: string[] = []
    for (const statement of source.statements) {
      const declaration = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement : undefined
      const specifier = declaration?.moduleSpecifier
      if (!declaration || !specifier || !ts.isStringLiteral(specifier)) continue
      const typeOnly = ts.isImportDeclaration(declaration) ? declaration.importClause?.isTypeOnly === true : declaration.isTypeOnly
      if (specifier.text.startsWith('.')) modules.push(relative(ROOT, resolve(dirname(file), specifier.text)).replace(/\.js$/, '.ts'))
      else if (!typeOnly) packages.push(specifier.text)
    }
    graph.set(relative(ROOT, file), { modules, packages })
  }
  return graph
}

/** Where a module sits: the layer its folder gives it. */
type Place =
  | { layer: 'providers' | 'kit' | 'slack' | 'app' | 'workers' | 'composition' }
  | { layer: 'feature'; feature: string; part: 'use-case' | 'views' | 'listeners' | 'jobs' }

export function placeOf(module: Module): Place {
  const parts = module.split('/')
  if (parts[1] === 'providers') return { layer: 'providers' }
  if (parts[1] === 'slack') return { layer: 'slack' }
  if (parts[1] === 'app') return { layer: 'app' }
  if (parts[1] === 'workers') return { layer: 'workers' }
  if (parts[1] === 'features') {
    const sub = parts.length > 4 ? parts[3] : undefined
    const part = sub === 'views' || sub === 'listeners' || sub === 'jobs' ? sub : 'use-case'
    return { layer: 'feature', feature: parts[2] ?? '', part }
  }
  if (['src/runtime.ts', 'src/main.ts', 'src/probes.ts'].includes(module)) return { layer: 'composition' }
  return { layer: 'kit' } // config, logger, metrics, constants, domain/, store/, views/, jobs/ (queues and timers)
}

const isView = (place: Place, module: Module) =>
  (place.layer === 'feature' && place.part === 'views') || (place.layer === 'kit' && module.startsWith('src/views/'))
const SLACK_PACKAGES = ['@slack/bolt', '@slack/web-api']

/** Why `from` may not import `to`, or undefined when it may. */
export function backEdge(from: Module, to: Module): string | undefined {
  const a = placeOf(from)
  const b = placeOf(to)
  if (!to.startsWith('src/')) return 'src/ imports only src/ (the local world and tests stay outside)'
  if (a.layer === 'providers' && b.layer !== 'providers' && to !== 'src/config.ts') return 'providers know nothing of the bot around them'
  if (a.layer === 'kit' && b.layer !== 'kit' && b.layer !== 'providers')
    return 'the kit (domain, shared stores, views, queues) knows no feature, Slack or worker'
  if (a.layer === 'slack' && b.layer !== 'slack' && b.layer !== 'kit' && b.layer !== 'providers')
    return 'the Slack port knows no feature, listener wiring or worker'
  if (
    isView(a, from) &&
    (b.layer === 'app' || b.layer === 'workers' || b.layer === 'composition' || (b.layer === 'feature' && (b.part === 'listeners' || b.part === 'jobs')))
  ) {
    return 'views are pure: no listeners, jobs or workers'
  }
  if (a.layer === 'feature') {
    if (b.layer === 'app' || b.layer === 'workers' || b.layer === 'composition')
      return 'features are wired by the Bolt app, the workers and the composition root, never the other way'
    if (b.layer === 'feature' && b.feature !== a.feature && (b.part === 'listeners' || b.part === 'jobs'))
      return `a feature reaches ${b.feature} only through its public modules (root files, views)`
    if (a.part === 'use-case' && b.layer === 'feature' && (b.part === 'listeners' || b.part === 'jobs')) return 'use-cases know no listener or job adapter'
  }
  return undefined
}

/** Every cycle's members (strongly connected components larger than one module, or a module importing itself). */
export function cycles(graph: Map<Module, { modules: Module[] }>): Module[][] {
  let index = 0
  const order = new Map<Module, number>()
  const low = new Map<Module, number>()
  const stack: Module[] = []
  const found: Module[][] = []
  const visit = (node: Module) => {
    order.set(node, index)
    low.set(node, index++)
    stack.push(node)
    for (const next of graph.get(node)?.modules ?? []) {
      if (!graph.has(next)) continue
      if (!order.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, order.get(next)!))
    }
    if (low.get(node) === order.get(node)) {
      const component: Module[] = []
      let member: Module
      do {
        member = stack.pop()!
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || graph.get(node)?.modules.includes(node)) found.push(component.sort())
    }
  }
  for (const node of graph.keys()) if (!order.has(node)) visit(node)
  return found
}

describe('the import graph of src/', () => {
  const graph = importGraph(sourceFiles(SRC))

  it('has no edge pointing back up the layers', () => {
    const back = [...graph].flatMap(([from, { modules }]) =>
      modules.flatMap((to) => {
        const why = backEdge(from, to)
        return why ? [`${from} → ${to}: ${why}`] : []
      }),
    )
    expect(back).toEqual([])
  })

  it('keeps Slack packages out of views, use-cases and the kit', () => {
    const leaks = [...graph].flatMap(([from, { packages }]) => {
      const place = placeOf(from)
      const mayUseSlack =
        place.layer === 'slack' ||
        place.layer === 'app' ||
        place.layer === 'workers' ||
        place.layer === 'composition' ||
        (place.layer === 'feature' && (place.part === 'listeners' || place.part === 'jobs'))
      return mayUseSlack ? [] : packages.filter((name) => SLACK_PACKAGES.includes(name)).map((name) => `${from} → ${name}`)
    })
    expect(leaks).toEqual([])
  })

  it('has no cycle', () => {
    expect(cycles(graph)).toEqual([])
  })
})

describe('the rules themselves', () => {
  it('catch a view importing a listener, a use-case importing Slack, and a feature reaching into another one’s jobs', () => {
    expect(backEdge('src/features/alerts/views/thread.ts', 'src/features/alerts/listeners/request-action.ts')).toBeDefined()
    expect(backEdge('src/features/alerts/report.ts', 'src/app/slack-app.ts')).toBeDefined()
    expect(backEdge('src/slack/web-api.ts', 'src/features/alerts/deps.ts')).toBeDefined()
    expect(backEdge('src/features/approval/listeners/approval.ts', 'src/features/alerts/jobs/run-action.ts')).toBeDefined()
    expect(backEdge('src/store/alerts.ts', 'src/features/alerts/report.ts')).toBeDefined()
    expect(backEdge('src/providers/okta.ts', 'src/features/alerts/report.ts')).toBeDefined()
  })

  it('find a cycle of two modules', () => {
    expect(
      cycles(
        new Map([
          ['a', { modules: ['b'] }],
          ['b', { modules: ['a'] }],
        ]),
      ),
    ).toEqual([['a', 'b']])
  })
})

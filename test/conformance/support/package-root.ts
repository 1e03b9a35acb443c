/** Where an installed dev dependency lives, and its name@version for the reports. */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

export interface InstalledPackage {
  root: string
  /** e.g. `@qlik/api@2.19.0`. */
  label: string
}

/** Found from the package's entry point, since some packages do not export their package.json. */
export function installedPackage(name: string): InstalledPackage {
  let dir = dirname(entryOf(name))
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find the root of ${name}`)
    dir = parent
  }
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }
  return { root: dir, label: `${name}@${version}` }
}

/** The package's entry point; a types-only package (@octokit/openapi-types) has none but its package.json. */
function entryOf(name: string): string {
  try {
    return require.resolve(name)
  } catch {
    return require.resolve(`${name}/package.json`)
  }
}

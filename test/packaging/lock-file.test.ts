/**
 * `npm ci` installs exactly what package-lock.json records and refuses a lock file that lacks a
 * package some platform needs ("Missing: … from lock file"), even on a platform that would not
 * install it. Each platform npm supports is simulated (npm_config_os/cpu) with a dry run, in a
 * copy of the manifest so the checkout is left alone.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const folder = mkdtempSync(join(tmpdir(), 'dpb-lock-'))
for (const file of ['package.json', 'package-lock.json']) copyFileSync(file, join(folder, file))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const PLATFORMS = ['linux', 'darwin', 'win32'].flatMap((os) => ['x64', 'arm64'].map((cpu) => ({ os, cpu })))

describe('the lock file', () => {
  it.each(PLATFORMS)('lets npm ci install on $os $cpu without a fallback', ({ os, cpu }) => {
    const install = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, npm_config_os: os, npm_config_cpu: cpu },
    })
    const errors = install.stderr.split('\n').filter((line) => line.startsWith('npm error') && !line.includes('Usage'))
    expect({ status: install.status, errors: errors.slice(0, 4) }).toEqual({ status: 0, errors: [] })
  })
})

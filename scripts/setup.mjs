// Makes a fresh clone runnable: installs the npm dependencies exactly as locked when
// they are missing or stale, and Debian's redis-server when it is missing (as root).
// Runs before `npm test`, `npm run demo` and `npm run bench`, and prints nothing when
// there is nothing to do; plain Node, no dependencies.
import { execSync, spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'

const run = (command) => {
  console.error(`setup: ${command}`)
  execSync(command, { stdio: 'inherit' })
}
const has = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0

const marker = 'node_modules/.package-lock.json'
if (!existsSync(marker) || statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs) {
  run('npm ci --no-audit --no-fund')
}

if (!process.env.REDIS_URL && !has('redis-server')) {
  if (process.getuid?.() === 0 && has('apt-get')) {
    run('apt-get update -qq')
    run('apt-get install -y -qq redis-server')
  } else {
    console.error('setup: redis-server is missing. Install it (sudo apt-get install redis-server, or brew install redis), or set REDIS_URL to a running Redis.')
    process.exit(1)
  }
}

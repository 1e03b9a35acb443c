#!/usr/bin/env bash
# Installs the npm dependencies exactly as locked. `npm ci` refuses the lock file
# when the registry in use serves no build of an optional platform package
# (msgpackr-extract's macOS/Windows builds, an optional accelerator of BullMQ's
# msgpackr, are missing from some mirrors); `npm install` then installs the same
# locked versions and skips the packages this platform does not need, without
# rewriting the lock file (--no-save), so a test run leaves the checkout clean.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! npm ci --no-audit --no-fund; then
  echo "install-deps: npm ci refused the lock file; installing the locked versions with npm install" >&2
  npm install --no-audit --no-fund --no-save
fi

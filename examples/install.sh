#!/usr/bin/env bash
# Installs each example service's own dependencies the way its community does (npm ci from its lock file),
# only when the lock file is newer than the install. One ✓/✗ line per example.
set -euo pipefail
cd "$(dirname "$0")"
for dir in */; do
  name=${dir%/}
  if [ -f "$name/package-lock.json" ]; then
    if [ ! -f "$name/node_modules/.package-lock.json" ] || [ "$name/package-lock.json" -nt "$name/node_modules/.package-lock.json" ]; then
      log=$(mktemp)
      if ! (cd "$name" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo " ✗ examples/$name: npm ci failed" >&2
        exit 1
      fi
      rm -f "$log"
      echo " ✓ examples/$name: npm ci"
    else
      echo " ✓ examples/$name: dependencies up to date"
    fi
  fi
done

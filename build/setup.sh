#!/usr/bin/env bash
# Installs everything zerodrop needs on a fresh Debian machine, idempotently: Debian packages (apt-get),
# npm dependencies (npm ci from the lock file), and checks Go. Prints one ✓/✗ line per step. Safe to run again: it only acts
# on what is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Redis, nginx (load balancer of the no-Kubernetes tier), wrk (benchmarks), and the
# node-level pieces of the embedded cluster: containerd (+ ctr, shim), runc, the CNI plugins, iptables,
# iproute2 (ip: bridge, netns), openssl (PKI), kmod (modprobe where br_netfilter/overlay are modules),
# gcc + libc6-dev (the static pause binary); patch (build/k6-patches/ on the k6 source).
APT_PACKAGES=(redis-server nginx-light wrk busybox-static curl containerd runc containernetworking-plugins iptables iproute2 openssl kmod gcc libc6-dev patch)

ok() { echo " ✓ $*"; }
fail() { echo " ✗ $*" >&2; exit 1; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || fail "apt-get not found: install ${missing[*]} by hand"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get install ${missing[*]} failed"
  fi
  rm -f "$log"
  # Debian starts the services it installs; zerodrop starts its own instances on ports chosen at run time.
  for svc in redis-server nginx; do
    command -v service >/dev/null && $sudo service "$svc" stop >/dev/null 2>&1 || true
  done
  ok "Installing Debian packages (${missing[*]})"
else
  ok "Debian packages present (${APT_PACKAGES[*]})"
fi

command -v node >/dev/null || fail "node not found: install Node.js ≥ 20"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log=$(mktemp)
  # `npm ci` installs exactly the lock and never rewrites it (the lock holds every platform's optional
  # packages, test/unit/lockfile.test.ts); a lock out of step with package.json fails here instead.
  npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "npm ci failed"; }
  rm -f "$log"
  ok "Installing npm dependencies (npm ci from package-lock.json)"
else
  ok "npm dependencies up to date"
fi

command -v go >/dev/null || fail "go not found: install Go ≥ 1.25 (needed to build k6)"
ok "Go present ($(go env GOVERSION))"

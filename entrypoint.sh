#!/usr/bin/env bash
# The container's entry point (docker/Dockerfile), after the seed's:
#   web        production frontend on $PORT: primary + workers (docs/operations.md, "The process runtime")
#   web-local  development frontend on $PORT: reloads on change, debug logs
#   api        production document API on $PORT: primary + workers, as web
#   api-local  development document API on $PORT: reloads on change, debug logs
#   antivirus  production antivirus API (Notify's POST /scan) on $PORT, in front of clamd at $CLAMD_SOCKET
#   antivirus-local  development antivirus API on $PORT (6016 locally)
#   anything else is run as given: `entrypoint.sh node dist/src/cli.js --help`
set -euo pipefail

app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

require_port() {
  if [ -z "${PORT:-}" ]; then
    echo "$1: Missing required environment variable: PORT" >&2
    exit 2
  fi
}

# V8's heap sized for a server whose live heap is ~20 MB: 4 MB semi-spaces (Node 24's V8 grows them to 64 MB
# on a large machine) and an old generation that grows by half its live size after each full collection, not
# up to 4x. Measured in bench/results/runtime*.md: ~125 MB less per worker after load for ~6 % more CPU per
# request. Cluster workers inherit the flags. NODE_HEAP_FLAGS replaces them ("" gives V8's own defaults);
# these flags cannot go through NODE_OPTIONS.
DEFAULT_HEAP_FLAGS="--max-semi-space-size=4 --heap-growing-percent=50"
# The frontend's processes give V8 one background thread (for concurrent marking, sweeping and compiling)
# instead of four: each thread holds its own malloc arena and stack. ~4 MB less per worker. And no Maglev (the
# mid-tier compiler Node 22+ turns on; Node 20's V8 has it off): its compile memory stays in malloc's arenas,
# ~22 MB per worker under Node 24. Same CPU per page for both (docs/operations.md, "Memory of a frontend worker").
WEB_V8_FLAGS="--v8-pool-size=1 --no-maglev"

# Production: the compiled entry point under plain node (the frontend's bundled one, scripts/bundle-web.mjs).
serve() {
  local name=$1
  require_port "$name"
  local entry="$app_dir/dist/src/bin/$name.js"
  local app_flags=()
  if [ "$name" = web ]; then
    entry="$app_dir/dist/bundle/web.js"
    read -r -a app_flags <<<"$WEB_V8_FLAGS"
  fi
  if [ ! -f "$entry" ]; then
    echo "$name: $entry is missing (run 'npm run build' first)" >&2
    exit 1
  fi
  local heap_flags
  read -r -a heap_flags <<<"${NODE_HEAP_FLAGS-$DEFAULT_HEAP_FLAGS}"
  exec node "${heap_flags[@]}" "${app_flags[@]}" "$entry"
}

# Development: one worker, debug logs, local defaults, restart on every change. From the TypeScript sources
# when the dev tooling is there (the test image, a checkout), else from the compiled files.
serve_local() {
  local name=$1
  require_port "$name"
  export NOTIFY_ENVIRONMENT=${NOTIFY_ENVIRONMENT:-development}
  export LOG_LEVEL=${LOG_LEVEL:-debug}
  export WEB_CONCURRENCY=${WEB_CONCURRENCY:-1}
  if [ -x "$app_dir/node_modules/.bin/tsx" ] && [ -f "$app_dir/src/bin/$name.ts" ]; then
    exec "$app_dir/node_modules/.bin/tsx" watch --clear-screen=false "$app_dir/src/bin/$name.ts"
  fi
  local entry="$app_dir/dist/src/bin/$name.js"
  if [ ! -f "$entry" ]; then
    echo "$name-local: neither src/bin/$name.ts with tsx nor $entry is there" >&2
    exit 1
  fi
  exec node --watch "$entry"
}

case "${1:-}" in
  web) serve web ;;
  web-local) serve_local web ;;
  api) serve api ;;
  api-local) serve_local api ;;
  antivirus) serve antivirus ;;
  antivirus-local) serve_local antivirus ;;
  *)
    echo "Running custom command"
    exec "$@"
    ;;
esac

#!/usr/bin/env bash
# Builds the real images from docker/Dockerfile with buildah and checks the production one by running it with
# podman, as a person would with Docker: status, a landing page with its CSS, the user it runs as, what the
# image holds, a custom command, a clear error without PORT, and a quick stop. Prints the numbers it measured.
#
#   scripts/container-smoke.sh        # makes the local base image first when it is missing
#   SKIP_TEST_IMAGE=1 scripts/...      # builds only the production target
#   CONTEXT=DIR scripts/...            # builds from another copy of the tree (default: this checkout)
set -euo pipefail
# shellcheck source=scripts/container-env.sh
source "$(dirname "$0")/container-env.sh"
cd "$container_root"

started=$(date +%s)
passes=0
failures=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok   $what"
    passes=$((passes + 1))
  else
    echo "FAIL $what"
    failures=$((failures + 1))
  fi
}
# Runs a command with its output kept aside, shown only when it fails.
quietly() {
  local out
  out=$(mktemp)
  if "$@" >"$out" 2>&1; then
    rm -f "$out"
  else
    tail -n 40 "$out" >&2
    rm -f "$out"
    return 1
  fi
}
ms_now() { date +%s%3N; }
lacks() { ! grep -Eq "$1" <<<"$2"; }

bash scripts/make-base-image.sh
context=${CONTEXT:-$container_root}

buildah_bud() {
  buildah bud --layers --isolation chroot --pull=never --network host \
    --build-arg "BASE=$BASE_IMAGE" --build-arg "GIT_COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    -f "$context/docker/Dockerfile" --target "$1" -t "$IMAGE:$1" "$context"
}
build() {
  local target=$1
  local log="/tmp/container-build-$target.log"
  local t0
  t0=$(ms_now)
  # Once more on failure: buildah's copier has been seen failing once, transiently, on a busy machine.
  if ! buildah_bud "$target" >"$log" 2>&1 && ! buildah_bud "$target" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "FAIL building the $target target (log: $log)" >&2
    exit 1
  fi
  echo "built $IMAGE:$target in $((($(ms_now) - t0) / 1000)) s"
}
build production
[ -n "${SKIP_TEST_IMAGE:-}" ] || build test

production="$IMAGE:production"
base_size=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
image_size=$(podman image inspect --format '{{.Size}}' "$production")
over_base_mb=$(((image_size - base_size) / 1000000))

# Local upstreams on the host; the container shares the host's network.
upstreams_log=$(mktemp)
node docker/smoke-upstreams.mjs >"$upstreams_log" &
upstreams_pid=$!
container=""
cleanup() {
  [ -z "$container" ] || podman rm -f "$container" >/dev/null 2>&1 || true
  kill "$upstreams_pid" 2>/dev/null || true
  rm -f "$upstreams_log"
}
trap cleanup EXIT
for _ in $(seq 50); do
  [ -s "$upstreams_log" ] && break
  sleep 0.1
done
read -r directory_url document_api_url landing < <(node -e '
  const u = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(u.directory, u.documentApi, u.landing);' "$upstreams_log")
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
  console.log(s.address().port); s.close(); });')
base_url="http://127.0.0.1:$port"

# Start the production image the way the seed does (`web`), and time it to the first /_status 200.
t0=$(ms_now)
container=$(podman run -d --init --network host \
  -e PORT="$port" -e NOTIFY_ENVIRONMENT=production -e API_HOST_NAME="$directory_url" \
  -e ADMIN_CLIENT_SECRET=container-smoke-secret -e SECRET_KEY=container-smoke-secret-key \
  -e DOCUMENT_DOWNLOAD_API_HOST_NAME=http://download.example.gov.uk \
  -e ACCESSIBILITY_OPERATOR_NAME="Container smoke test" -e ACCESSIBILITY_CONTACT_EMAIL=accessibility@example.gov.uk \
  -e ACCESSIBILITY_STATEMENT_PREPARED_ON=2026-12-01 \
  -e DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL="$document_api_url" \
  "$production" web)
status_ms=""
while [ $(($(ms_now) - t0)) -lt 60000 ]; do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base_url/_status")" = 200 ]; then
    status_ms=$(($(ms_now) - t0))
    break
  fi
  sleep 0.02
done
if [ -z "$status_ms" ]; then
  podman logs "$container" | tail -n 30 >&2
  echo "FAIL /_status never answered 200" >&2
  exit 1
fi

check "/_status answers {\"status\":\"ok\"}" \
  test "$(curl -s "$base_url/_status")" = '{"status":"ok"}'
page=$(curl -s "$base_url$landing")
check "the landing page renders" grep -q 'You have a file to download' <<<"$page"
check "the landing page names the service" grep -q 'Container Smoke Service' <<<"$page"
css=$(grep -o 'href="/assets/application-[^"]*\.css"' <<<"$page" | head -n 1 | cut -d'"' -f2)
check "the landing page links its CSS" test -n "$css"
check "its CSS is served as text/css" \
  grep -qi '^content-type: text/css' < <(curl -s -o /dev/null -D - "$base_url$css")

# Wait for every worker before looking at the processes.
for _ in $(seq 600); do
  podman logs "$container" 2>/dev/null | grep -q '"event":"server_started"' && break
  sleep 0.1
done
users=$(podman top "$container" user args | awk 'NR > 1 && /node/ { print $1 }' | sort -u)
node_processes=$(podman top "$container" user args | awk 'NR > 1 && /node/' | wc -l)
check "the server runs as notify, never root (users: ${users//$'\n'/ })" test "$users" = notify
cpus=$(podman exec "$container" nproc)
check "a primary and one worker per CPU run ($node_processes node processes, $cpus CPUs)" \
  test "$node_processes" -eq $((cpus > 1 ? cpus + 1 : 1))
check "the image runs Node 24 ($(podman exec "$container" node --version))" \
  grep -q '^v24\.' < <(podman exec "$container" node --version)
check "the compile cache is in the image" podman exec "$container" test -d /home/vcap/app/.node-compile-cache
logs=$(podman logs "$container" 2>&1)
check "logs are JSON lines with the app name" grep -q '"app":"document-download-frontend"' <<<"$logs"
check "the key never reaches a log line" lacks "${landing#*key=}" "$logs"

# What the image holds: runtime files only.
inventory=$(podman run --rm --entrypoint /bin/sh "$production" -c '
  cd /home/vcap/app
  echo "ts:$(find . -path ./node_modules -prune -o -name "*.ts" -print | wc -l)"
  echo "maps:$(find dist -name "*.map" | wc -l)"
  for dir in test tests bench assets scripts docker; do [ -e "$dir" ] && echo "dir:$dir"; done
  for dev in typescript vitest eslint tsx rollup sass prettier playwright-core stylelint; do
    [ -e "node_modules/$dev" ] && echo "dev:$dev"
  done
  [ -w dist ] && echo "writable:dist"
  [ -w data ] || echo "readonly:data"
  cat dist/version.json')
check "no TypeScript sources in the image" grep -qx 'ts:0' <<<"$inventory"
check "no source maps in the image" grep -qx 'maps:0' <<<"$inventory"
check "no tests, bench, asset sources or scripts in the image" lacks '^dir:' "$inventory"
check "no dev dependencies in the image" lacks '^dev:' "$inventory"
check "code is read-only and data/ writable for notify" lacks '^(writable|readonly):' "$inventory"
check "the version file holds the commit" grep -q '"git_commit":"[0-9a-f]\{40\}"' <<<"$inventory"

# A CPU limit (as --cpus or a Kubernetes limit sets the cgroup quota) decides the default: one process, no primary.
limited=$(podman run -d --init --network host --cpus 1 -e PORT="$((port + 1))" -e NOTIFY_ENVIRONMENT=production \
  -e API_HOST_NAME="$directory_url" -e ADMIN_CLIENT_SECRET=container-smoke-secret \
  -e SECRET_KEY=container-smoke-secret-key -e DOCUMENT_DOWNLOAD_API_HOST_NAME=http://download.example.gov.uk \
  -e ACCESSIBILITY_OPERATOR_NAME="Container smoke test" -e ACCESSIBILITY_CONTACT_EMAIL=accessibility@example.gov.uk \
  -e ACCESSIBILITY_STATEMENT_PREPARED_ON=2026-12-01 \
  "$production" web)
for _ in $(seq 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((port + 1))/_status")" = 200 ] && break
  sleep 0.1
done
limited_processes=$(podman top "$limited" args | awk 'NR > 1 && /node/' | wc -l)
check "with --cpus 1 one process serves alone ($limited_processes node processes)" test "$limited_processes" -eq 1
check "  and answers /_status" test "$(curl -s "http://127.0.0.1:$((port + 1))/_status")" = '{"status":"ok"}'
podman rm -f "$limited" >/dev/null

custom=$(podman run --rm "$production" node -e 'console.log(JSON.stringify(process.argv.slice(1)))' \
  'two words' '$HOME' '*' 2>&1)
check "a custom command runs with its arguments intact" \
  test "$custom" = $'Running custom command\n["two words","$HOME","*"]'
no_port_status=0
no_port=$(podman run --rm "$production" web 2>&1) || no_port_status=$?
check "web without PORT stops with one clear line (exit $no_port_status: $no_port)" \
  test "$no_port_status" -ne 0 -a "$no_port" = 'web: Missing required environment variable: PORT'

t0=$(ms_now)
podman stop -t 10 "$container" >/dev/null
stop_ms=$(($(ms_now) - t0))
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
check "podman stop ends it within 3 s (${stop_ms} ms), exit code $exit_code" \
  test "$stop_ms" -lt 3000 -a "$exit_code" -eq 0
check "the stop is logged" grep -q '"event":"server_stopped"' < <(podman logs "$container" 2>&1)

if [ -z "${SKIP_TEST_IMAGE:-}" ]; then
  check "the test image runs the unit and HTTP tests on Node 24" \
    quietly podman run --rm --network host "$IMAGE:test" npx vitest run test/unit test/frontend test/server
fi

echo
echo "container start to first /_status 200: ${status_ms} ms"
echo "production image: $((image_size / 1000000)) MB, ${over_base_mb} MB over the base image ($((base_size / 1000000)) MB)"
echo "stop: ${stop_ms} ms; whole smoke run: $(($(date +%s) - started)) s"
echo "container checks: $passes passed, $failures failed"
[ "$failures" -eq 0 ]

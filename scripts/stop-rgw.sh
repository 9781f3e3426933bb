#!/usr/bin/env bash
# Stops the cluster that scripts/start-rgw.sh started in DATA_DIR; safe to run twice or on a dead cluster.
#
#   scripts/stop-rgw.sh DATA_DIR [--remove]
#
# --remove also deletes DATA_DIR (only if it looks like one of ours: it holds ceph.conf).
set -uo pipefail

DIR=${1:-}
if [ -z "$DIR" ]; then
  echo "usage: stop-rgw.sh DATA_DIR [--remove]" >&2
  exit 2
fi
REMOVE=${2:-}

# Only signal a process whose command line is the Ceph daemon this directory started (pids can be reused).
is_our_daemon() {
  local pid=$1 cmdline
  cmdline=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  case "$cmdline" in
    *"$DIR/ceph.conf"*) return 0 ;;
    *) return 1 ;;
  esac
}

pids=()
for name in client.rgw.a osd.0 mon.a; do
  pid_file="$DIR/run/$name.pid"
  [ -f "$pid_file" ] || continue
  pid=$(cat "$pid_file" 2>/dev/null || true)
  if [ -n "$pid" ] && is_our_daemon "$pid"; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  fi
done

# Give them up to 10 s to exit, then insist.
for _ in $(seq 100); do
  alive=()
  for pid in "${pids[@]}"; do
    is_our_daemon "$pid" && alive+=("$pid")
  done
  [ ${#alive[@]} -eq 0 ] && break
  sleep 0.1
done
for pid in "${pids[@]}"; do
  is_our_daemon "$pid" && kill -KILL "$pid" 2>/dev/null
done
rm -f "$DIR"/run/*.pid

if [ "$REMOVE" = "--remove" ] && [ -f "$DIR/ceph.conf" ]; then
  rm -rf "${DIR:?}"
fi
echo "stopped"

#!/usr/bin/env bash
# Runs a private ClamAV daemon (clamd) on the project's own test signatures, for tests and `make run`, where no
# ClamAV mirror is reachable and freshclam cannot run.
#
#   scripts/start-clamd.sh DIR
#
# Writes into DIR (created if missing):
#   signatures/document-download-test.hdb  one MD5 signature (md5:size:name) of the EICAR test file, computed
#                                          here from its published 68-byte string; clamd reports it as
#                                          "Eicar-Test-Signature.UNOFFICIAL", in archives too
#   clamd.conf                             LocalSocket DIR/clamd.sock (or, with CLAMD_TCP_PORT set, TCPSocket
#                                          on 127.0.0.1), DatabaseDirectory DIR/signatures, Foreground
# then runs clamd in the foreground (exec: this script's pid is clamd's) until it is stopped with SIGTERM.
# clamd answers PING once its socket is up and the database loaded; callers poll for that. Needs Debian's
# clamav-daemon (`make system-deps`). Production uses the official databases instead (docs/antivirus.md).
set -euo pipefail

fail() {
  echo "start-clamd: $*" >&2
  exit 1
}

dir=${1:-}
[ -n "$dir" ] || fail "usage: scripts/start-clamd.sh DIR"
clamd_binary=$(command -v clamd || true)
[ -n "$clamd_binary" ] || [ ! -x /usr/sbin/clamd ] || clamd_binary=/usr/sbin/clamd
[ -n "$clamd_binary" ] || fail "clamd not found; install Debian's clamav-daemon (make system-deps)"

mkdir -p "$dir/signatures" "$dir/tmp"
dir=$(cd "$dir" && pwd)

# The EICAR test file's published 68 bytes (single quotes: every character literal).
# shellcheck disable=SC2016
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
md5=$(printf '%s' "$eicar" | md5sum | cut -d' ' -f1)
printf '%s:%s:%s\n' "$md5" "${#eicar}" Eicar-Test-Signature >"$dir/signatures/document-download-test.hdb"

if [ -n "${CLAMD_TCP_PORT:-}" ]; then
  listen="TCPSocket $CLAMD_TCP_PORT
TCPAddr 127.0.0.1"
else
  listen="LocalSocket $dir/clamd.sock
LocalSocketMode 660
FixStaleSocket yes"
  rm -f "$dir/clamd.sock"
fi

# StreamMaxLength is above the document API's file limit (2 MiB + 1 KiB), so the antivirus service's own 413
# answers first. MaxThreads scans run at once; up to MaxQueue more wait for a thread.
cat >"$dir/clamd.conf" <<EOF
$listen
DatabaseDirectory $dir/signatures
TemporaryDirectory $dir/tmp
PidFile $dir/clamd.pid
Foreground yes
OfficialDatabaseOnly no
ScanArchive yes
StreamMaxLength 4M
MaxThreads 10
MaxQueue 200
MaxConnectionQueueLength 200
ReadTimeout 60
CommandReadTimeout 30
SelfCheck 0
ConcurrentDatabaseReload no
Bytecode no
EOF

exec "$clamd_binary" --foreground --config-file="$dir/clamd.conf"

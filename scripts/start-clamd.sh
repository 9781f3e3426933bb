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
#   signatures/document-download-test.ndb  the same 68 bytes as a body signature, so EICAR is also found
#                                          anywhere inside a larger file (at the start, middle or end)
#   clamd.conf                             LocalSocket DIR/clamd.sock (or, with CLAMD_TCP_PORT set, TCPSocket
#                                          on 127.0.0.1), DatabaseDirectory DIR/signatures, Foreground, and
#                                          size limits that let clamd scan every byte of the largest upload
#
# The largest upload is the larger of MAX_STREAMED_FILE_SIZE (default 104857600, 100 MiB) and
# MAX_DECODED_FILE_SIZE (default 2 MiB + 1 KiB), the document API's and the antivirus service's own settings.
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
# ndb: name:target type (0, any file):offset (* anywhere):the bytes in hex.
hex=$(printf '%s' "$eicar" | od -An -v -tx1 | tr -d ' \n')
printf 'Eicar-Test-Signature:0:*:%s\n' "$hex" >"$dir/signatures/document-download-test.ndb"

whole_number() {
  case "$2" in
    '' | *[!0-9]*) fail "$1 must be a whole number of bytes, not \"$2\"" ;;
  esac
}
streamed=${MAX_STREAMED_FILE_SIZE:-104857600}
decoded=${MAX_DECODED_FILE_SIZE:-2098176}
whole_number MAX_STREAMED_FILE_SIZE "$streamed"
whole_number MAX_DECODED_FILE_SIZE "$decoded"
limit=$((streamed > decoded ? streamed : decoded))
# clamd keeps these sizes in 32 bits: 4000M is the most it takes.
clamd_most=$((4000 * 1024 * 1024))
[ "$limit" -le "$clamd_most" ] || fail "a file limit of $limit bytes is more than clamd can scan ($clamd_most)"
scan_size=$((limit * 4 > clamd_most ? clamd_most : limit * 4))

if [ -n "${CLAMD_TCP_PORT:-}" ]; then
  listen="TCPSocket $CLAMD_TCP_PORT
TCPAddr 127.0.0.1"
else
  listen="LocalSocket $dir/clamd.sock
LocalSocketMode 660
FixStaleSocket yes"
  rm -f "$dir/clamd.sock"
fi

# clamd must scan every byte it is sent. StreamMaxLength is the largest upload (the antivirus service's own 413
# answers first); MaxFileSize, the largest file clamd scans (the upload, or a file inside an archive), is the
# same; MaxScanSize, the most it scans per stream counting what it unpacks from archives, is four times that
# (ClamAV's own default ratio, up to clamd's most). Past MaxFileSize or MaxScanSize clamd would stop scanning
# and answer OK; AlertExceedsMax makes it answer "Heuristics.Limits.Exceeded.… FOUND" instead, which the
# service reports as a virus. MaxThreads scans run at once; up to MaxQueue more wait for a thread.
cat >"$dir/clamd.conf" <<EOF
$listen
DatabaseDirectory $dir/signatures
TemporaryDirectory $dir/tmp
PidFile $dir/clamd.pid
Foreground yes
OfficialDatabaseOnly no
ScanArchive yes
StreamMaxLength $limit
MaxFileSize $limit
MaxScanSize $scan_size
AlertExceedsMax yes
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

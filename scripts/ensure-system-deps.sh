#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, when they are missing.
set -euo pipefail

declare -A wanted=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/shellcheck]=shellcheck
  [/usr/bin/radosgw]=radosgw
  [/usr/bin/ceph-mon]=ceph-mon
  [/usr/bin/ceph-osd]=ceph-osd
  [/usr/sbin/clamd]=clamav-daemon
  [/usr/sbin/haproxy]=haproxy
)
missing=()
for binary in "${!wanted[@]}"; do
  [ -x "$binary" ] || missing+=("${wanted[$binary]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" fonts-liberation

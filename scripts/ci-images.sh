#!/usr/bin/env bash
# Builds both images from the real Dockerfiles with podman (no Docker engine here) on an offline
# stand-in for the node base image, runs them hardened against this machine's PostgreSQL and Redis
# (checks/src/images.test.ts), then runs the rendered Kubernetes gateway pod with `podman kube play`
# (checks/src/kube-play.test.ts). Called by .ci/run; installs what it needs with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

export CONTAINERS_CONF="$PWD/scripts/ci-images/containers.conf"
bash scripts/ci-images/base-image.sh
echo "base image: $(($(date +%s) - started)) s"
# In this order: kube-play runs the gateway image that images.test.ts builds.
(cd checks && npx vitest run --config vitest.images.config.ts src/images.test.ts)
(cd checks && npx vitest run --config vitest.images.config.ts src/kube-play.test.ts)
echo "images: $(($(date +%s) - started)) s"

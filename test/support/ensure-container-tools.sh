#!/usr/bin/env bash
# What `npm run test:container` needs from Debian: podman with the runc runtime (the default crun refuses this
# kind of machine's cgroup layout), debootstrap for the stand-in base image, poppler for pdftotext/pdffonts.
set -euo pipefail
packages=(podman runc debootstrap poppler-utils)
if command -v podman >/dev/null && command -v runc >/dev/null && command -v debootstrap >/dev/null && command -v pdffonts >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Container test tools missing. Install them as root: apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi
echo "installing container test tools: ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

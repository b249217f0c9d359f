#!/usr/bin/env bash
# What local builds use on this machine: node, bubblewrap and tini where apt can install them,
# and corepack with pinned pnpm and yarn releases prepared in a corepack home, so that builds
# (and the tests) run package managers without downloading them. The versions and their
# hashes live in build_runner/tools/package.json (and its package-lock.json), which the
# build image reads too.
set -euo pipefail

tools=$(realpath -m "${1:-.tools}")
pins=$(dirname "$(realpath "$0")")/tools

apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq "$@" >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }
    else
        echo "install-tools: cannot install $* (needs root and apt-get)" >&2
        return 1
    fi
}

command -v node >/dev/null || apt_install nodejs npm
command -v bwrap >/dev/null || apt_install bubblewrap ||
    echo "install-tools: bubblewrap is missing: local builds will not be sandboxed" >&2
command -v slirp4netns >/dev/null || apt_install slirp4netns ||
    echo "install-tools: slirp4netns is missing: sandboxed builds will share the host's network" >&2
command -v ip >/dev/null || apt_install iproute2 || true
command -v tini >/dev/null || apt_install tini || true

# npm ci installs exactly the lock, checking each package's integrity hash.
if ! cmp -s "$pins/package-lock.json" "$tools/corepack/package-lock.json"; then
    mkdir -p "$tools/corepack"
    cp "$pins/package.json" "$pins/package-lock.json" "$tools/corepack/"
    npm ci --silent --no-audit --no-fund --prefix "$tools/corepack"
fi
# The last of each name becomes the default for projects that do not name a version.
mapfile -t managers < <(node -p 'require(process.argv[1]).packageManagers.join("\n")' "$pins/package.json")
export COREPACK_HOME="$tools/corepack-home"
for manager in "${managers[@]}"; do
    # name@version+sha512.<hex>: corepack refuses a download with any other hash.
    name=${manager%%@*} version=${manager#*@} version=${version%%+*}
    if [ ! -d "$COREPACK_HOME/v1/$name/$version" ]; then
        # The registry's metadata carries no signature this corepack knows; the pinned
        # sha512 is what vouches for the release. Yarn 2+ comes from npm only when told so.
        COREPACK_NPM_REGISTRY=https://registry.npmjs.org COREPACK_INTEGRITY_KEYS=0 \
            COREPACK_DEFAULT_TO_LATEST=0 "$tools/corepack/node_modules/.bin/corepack" install -g "$manager" >/dev/null
    fi
done
echo "install-tools: corepack and ${managers[*]%%+*} in $tools"

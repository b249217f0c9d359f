#!/usr/bin/env bash
# What local builds use on this machine: node, bubblewrap and tini where apt can install them,
# and corepack with pinned pnpm and yarn releases prepared in a corepack home, so that builds
# (and the tests) run package managers without downloading them.
set -euo pipefail

tools=$(realpath -m "${1:-.tools}")
corepack_version=0.36.0
# The last of each name becomes the default for projects that do not name a version.
managers=(pnpm@9.15.9 yarn@4.12.0 yarn@1.22.22)

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
command -v tini >/dev/null || apt_install tini || true

if [ ! -x "$tools/corepack/node_modules/.bin/corepack" ]; then
    npm install --silent --no-audit --no-fund --prefix "$tools/corepack" "corepack@$corepack_version"
fi
export COREPACK_HOME="$tools/corepack-home"
for manager in "${managers[@]}"; do
    name=${manager%@*} version=${manager#*@}
    if [ ! -d "$COREPACK_HOME/v1/$name/$version" ]; then
        registry=()
        # Yarn 2+ normally comes from its own site; corepack fetches it from npm when told to.
        [[ $name == yarn && $version != 1.* ]] && registry=(COREPACK_NPM_REGISTRY=https://registry.npmjs.org)
        # The registry's metadata carries no signature this corepack knows; the tarball's
        # integrity hash is still checked.
        env "${registry[@]}" COREPACK_INTEGRITY_KEYS=0 COREPACK_DEFAULT_TO_LATEST=0 \
            "$tools/corepack/node_modules/.bin/corepack" install -g "$manager"
    fi
done
echo "install-tools: corepack $corepack_version with ${managers[*]} in $tools"

#!/usr/bin/env bash
# What `make dev` needs beyond Python: git and node for builds, bubblewrap for the sandbox,
# slirp4netns and iproute2 for the sandbox's own network.
# Installs what is missing when it can (root with apt-get); otherwise says what is missing.
set -euo pipefail
missing=()
command -v git >/dev/null || missing+=(git)
command -v node >/dev/null || missing+=(nodejs npm)
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v slirp4netns >/dev/null || missing+=(slirp4netns)
command -v ip >/dev/null || missing+=(iproute2)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif [[ " ${missing[*]} " == *" git "* || " ${missing[*]} " == *" nodejs "* ]]; then
  echo "Please install: ${missing[*]}" >&2
  exit 1
else
  echo "note: ${missing[*]} not installed; builds will run with less isolation (docs/security.md)" >&2
fi

#!/usr/bin/env bash
# What `make test` needs beyond Python: PostgreSQL (the tests start their own server),
# bubblewrap, slirp4netns and iproute2 (sandboxed builds and their network), git, node and
# python3-venv (real builds), Chromium (dashboard tests).
# Installs what is missing as root with apt-get; otherwise names what is missing.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v slirp4netns >/dev/null || missing+=(slirp4netns)
command -v ip >/dev/null || missing+=(iproute2)
command -v git >/dev/null || missing+=(git)
command -v node >/dev/null || missing+=(nodejs npm)
# The system Python with its venv module: MkDocs and Sphinx builds make an environment with it.
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3 python3-venv)
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need these Debian packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi

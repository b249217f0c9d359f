"""`python -m services.proxy`: serve every site on SLIPWAY_BIND:SLIPWAY_PROXY_PORT."""

from __future__ import annotations

from services.core.private_files import keep_files_private
from services.core.settings import load_settings
from services.proxy.server import run

if __name__ == "__main__":
    keep_files_private()
    run(load_settings("proxy"))

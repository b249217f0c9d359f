"""`slipway dev`: the whole platform on this machine, in the foreground, until interrupted.

Each service restarts on its own when it dies, and one dying never stops the others
(scripts/cli/supervisor.py): sites keep serving while the api is down. A port another
program holds is refused before anything starts; the banner comes once both services answer.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from scripts.cli.dev_start import (
    announce_when_answering,
    service_urls,
    taken_port_problem,
)
from scripts.cli.supervisor import Service, Supervisor
from services.core.private_files import keep_files_private, private_directory
from services.core.settings import Settings, load_settings


def ensure_secret(path: Path, given: str) -> str:
    """Use the value from the environment, else the saved one, else generate and save one."""
    if given:
        return given
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value


def _banner(settings: Settings, token_file: Path, secret_file: Path) -> str:
    api = settings.api_url
    example = settings.site_url(f"<project>.{settings.base_domain}")
    return "\n".join(
        [
            "Slipway is running. Press Ctrl-C to stop.",
            f"  API and dashboard  {api}/  (OpenAPI: {api}/schema)",
            f"  Sites              {example}",
            f"  API token          {token_file}",
            f"  Webhook secret     {secret_file}",
            f"  Data               {settings.data_dir.resolve()}",
        ]
    )


def dev_command() -> int:
    settings = load_settings("dev")
    if problem := taken_port_problem(settings):
        print(f"slipway dev: {problem}", file=sys.stderr, flush=True)
        return 1
    keep_files_private()
    data_dir = private_directory(settings.data_dir.resolve())
    token_file = settings.api_token_file
    secret_file = data_dir / "webhook-secret"
    env = dict(os.environ)
    # Quiet unless asked: the terminal shows deliveries, builds and errors, not the servers'
    # start-up chatter or a line per request.
    env.setdefault("SLIPWAY_LOG_LEVEL", "warning")
    env.setdefault("SLIPWAY_PROXY_ACCESS_LOG", "false")
    env["SLIPWAY_DATA_DIR"] = str(data_dir)
    env["SLIPWAY_API_TOKEN"] = ensure_secret(token_file, settings.api_token)
    env["SLIPWAY_GITHUB_WEBHOOK_SECRET"] = ensure_secret(
        secret_file, settings.github_webhook_secret
    )
    supervisor = Supervisor(
        [
            Service(name, [sys.executable, "-m", module])
            for name, module in (("api", "services.api"), ("proxy", "services.proxy"))
        ],
        env,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    banner = _banner(settings, token_file, secret_file)
    announce = threading.Thread(
        target=announce_when_answering,
        args=(service_urls(settings), banner, stop),
        daemon=True,
    )
    announce.start()
    return supervisor.run(stop)


if __name__ == "__main__":
    sys.exit(dev_command())

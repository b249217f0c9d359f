"""`slipway dev`: the whole platform on this machine, in the foreground, until interrupted."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    api = f"http://{settings.bind}:{settings.api_port}"
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
    keep_files_private()
    data_dir = private_directory(settings.data_dir.resolve())
    token_file = data_dir / "api-token"
    secret_file = data_dir / "webhook-secret"
    env = dict(os.environ)
    env["SLIPWAY_DATA_DIR"] = str(data_dir)
    env["SLIPWAY_API_TOKEN"] = ensure_secret(token_file, settings.api_token)
    env["SLIPWAY_GITHUB_WEBHOOK_SECRET"] = ensure_secret(
        secret_file, settings.github_webhook_secret
    )
    processes = {
        name: subprocess.Popen([sys.executable, "-m", module], env=env)
        for name, module in (("api", "services.api"), ("proxy", "services.proxy"))
    }
    print(_banner(settings, token_file, secret_file), flush=True)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    failed = ""
    while not stopping and not failed:
        for name, proc in processes.items():
            if proc.poll() is not None:
                failed = f"the {name} service exited with code {proc.returncode}"
        time.sleep(0.2)
    for proc in processes.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in processes.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    if failed:
        print(f"slipway dev: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(dev_command())

"""How `slipway dev` starts, for real: a taken port is refused in one line before anything
starts, and the banner comes only once both services answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import patch

import httpx
import pytest

from scripts.cli.dev_start import announce_when_answering
from tests.support.moto import free_port
from tests.support.processes import kill_all, with_environment

pytestmark = pytest.mark.slow

BANNER = "Slipway is running."


def dev_env(tmp_path: Path, api_port: int, proxy_port: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLIPWAY_")},
        "SLIPWAY_RUNTIME_REGISTRY": os.environ.get("SLIPWAY_RUNTIME_REGISTRY", ""),
        "SLIPWAY_DATA_DIR": str(tmp_path / "data"),  # also marks every process of this test
        "SLIPWAY_BIND": "127.0.0.1",
        "SLIPWAY_API_PORT": str(api_port),
        "SLIPWAY_PROXY_PORT": str(proxy_port),
    }


@pytest.fixture
def listener() -> Iterator[int]:
    """A port another program holds."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def run_dev(tmp_path: Path, api_port: int, proxy_port: int) -> subprocess.CompletedProcess[str]:
    """`slipway dev` expected to end by itself."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli.main", "dev"],
        env=dev_env(tmp_path, api_port, proxy_port),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_taken_api_port_is_refused_in_one_line_and_nothing_starts(
    tmp_path: Path, listener: int
) -> None:
    proxy_port = free_port()
    result = run_dev(tmp_path, listener, proxy_port)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(
        f"slipway dev: port {listener} is in use by another program, so the api cannot "
        f"listen on 127.0.0.1:{listener}: stop that program, or run SLIPWAY_API_PORT="
    )
    assert line.endswith(" make dev")
    suggested = int(line.split("SLIPWAY_API_PORT=")[1].split()[0])
    assert suggested not in (listener, proxy_port)
    assert BANNER not in result.stdout
    with pytest.raises(httpx.ConnectError):  # the proxy never started on its free port
        httpx.get(f"http://127.0.0.1:{proxy_port}/livez", timeout=2)
    assert not (tmp_path / "data").exists()  # nothing created half-way


def test_the_same_port_for_both_is_refused(tmp_path: Path) -> None:
    port = free_port()
    result = run_dev(tmp_path, port, port)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"slipway dev: SLIPWAY_API_PORT and SLIPWAY_PROXY_PORT are both {port}: "
        "give the api and the proxy different ports"
    )


def test_the_banner_comes_once_both_services_answer(tmp_path: Path) -> None:
    api_port, proxy_port = free_port(), free_port()
    out = tmp_path / "dev.out"
    with out.open("wb") as sink:
        runner = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli.main", "dev"],
            env=dev_env(tmp_path, api_port, proxy_port),
            stdout=sink,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        deadline = time.monotonic() + 90
        while BANNER not in out.read_text() and time.monotonic() < deadline:
            assert runner.poll() is None, out.read_text()
            time.sleep(0.05)
        # The banner was printed after both answered: they answer now.
        assert httpx.get(f"http://127.0.0.1:{api_port}/livez", timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{proxy_port}/livez", timeout=5).status_code == 200
        text = out.read_text()
        assert BANNER in text
        # Quiet: no server start-up chatter, migrations or request lines around the banner.
        assert text.startswith(BANNER), text
        for chatter in ("alembic", "[INFO]", "INFO:", "Uvicorn", "granian", "CTRL+C"):
            assert chatter not in text
    finally:
        kill_all([runner.pid, *with_environment(f"SLIPWAY_DATA_DIR={tmp_path / 'data'}")])
        runner.wait()


def test_the_banner_waits_for_a_slow_service_and_names_one_that_never_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    urls = {"api": f"http://127.0.0.1:{port}/livez"}
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", port), Live)
    late = threading.Timer(1.0, server.serve_forever)
    late.start()  # the service answers only after a second
    started = time.monotonic()
    try:
        assert announce_when_answering(urls, "banner", stop)
        assert time.monotonic() - started >= 1.0
        assert capsys.readouterr().out == "banner\n"
    finally:
        server.shutdown()
        server.server_close()
        late.join()
    nobody = {"proxy": f"http://127.0.0.1:{free_port()}/livez"}
    with patch("scripts.cli.dev_start.READY_WITHIN", 0.5):
        assert not announce_when_answering(nobody, "banner", stop)
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.startswith("slipway dev: the proxy did not answer within 0.5 s (")


class Live(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass

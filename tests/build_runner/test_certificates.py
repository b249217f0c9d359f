"""A build's Node.js trusts the CA the host trusts, as a registry behind a TLS proxy needs."""

from __future__ import annotations

import http.server
import shutil
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.secure_postgres import make_ca, make_server_cert
from tests.build_runner.shell_builds import build_shell_command
from tests.build_runner.support import published

pytestmark = pytest.mark.slow


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"trusted"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy_ca() -> Iterator[Path]:
    """A CA of its own, in a directory a build user may read, as a corporate CA bundle is."""
    directory = Path(tempfile.mkdtemp(prefix="slipway-test-ca-", dir="/var/tmp"))
    try:
        directory.chmod(0o755)
        ca = make_ca(directory, "proxy-ca")
        ca[0].chmod(0o644)
        yield ca[0]
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def https_server(proxy_ca: Path) -> Iterator[int]:
    """An HTTPS server on loopback whose certificate only `proxy_ca` vouches for: its port."""
    cert, key = make_server_cert(proxy_ca.parent, (proxy_ca, proxy_ca.with_suffix(".key")))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def fetch_with_node(port: int) -> str:
    """A build command: Node.js fetches the page over TLS into out/index.html.

    `--use-bundled-ca` makes any Node behave as a nodejs.org release does (a distribution's
    may read the system's store); unsandboxed, so that loopback is the host's.
    """
    script = (
        f"require('https').get('https://127.0.0.1:{port}/', r => {{ let b = ''; "
        "r.on('data', d => b += d); "
        "r.on('end', () => require('fs').writeFileSync('out/index.html', b)) })"
        ".on('error', e => { console.error('fetch failed: ' + e.message); process.exit(1) })"
    )
    return f'mkdir -p out && node --use-bundled-ca -e "{script}"'


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node on PATH")
def test_node_trusts_the_bundle_the_host_names_in_ssl_cert_file(
    tmp_path: Path, local_storage_url: str, proxy_ca: Path, https_server: int
) -> None:
    result = build_shell_command(
        tmp_path / "repo",
        local_storage_url,
        fetch_with_node(https_server),
        sandbox="none",
        variables={"SSL_CERT_FILE": str(proxy_ca)},
    )
    assert result.code == 0, result.stdout
    _, files, _ = published(local_storage_url, result.deployment_id)
    assert files["index.html"] == b"trusted"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node on PATH")
def test_without_the_hosts_bundle_node_refuses_the_proxy(
    tmp_path: Path, local_storage_url: str, https_server: int
) -> None:
    command = fetch_with_node(https_server)
    result = build_shell_command(tmp_path / "repo", local_storage_url, command, sandbox="none")
    assert result.code != 0
    assert "fetch failed: unable to verify the first certificate" in result.stdout


def test_a_node_bundle_the_host_names_itself_is_kept(
    tmp_path: Path, local_storage_url: str
) -> None:
    host_env = {
        "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
        "NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/proxy.pem",
    }
    command = 'mkdir -p out && echo "$SSL_CERT_FILE $NODE_EXTRA_CA_CERTS" > out/index.html'
    result = build_shell_command(
        tmp_path / "repo", local_storage_url, command, sandbox="auto", variables=host_env
    )
    assert result.code == 0, result.stdout
    _, files, _ = published(local_storage_url, result.deployment_id)
    assert files["index.html"] == b"/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/proxy.pem\n"

"""Outbound-only networking for one sandboxed command: its own network namespace, slirp4netns.

bubblewrap gives the command an empty network namespace; slirp4netns, started by the runner,
connects it to the outside through a user-mode TCP/IP stack that opens ordinary sockets on
the host. So the command reaches package registries, but:
- nothing listening on the host's loopback (the api, the proxy, a database): slirp4netns
  runs with `--disable-host-loopback`, and the namespace's own 127.0.0.1 is empty;
- not the host's own addresses, link-local metadata services (169.254.169.254, the ECS
  credentials endpoint 169.254.170.2) or the slirp gateway: `prohibit` routes inside the
  namespace, set before the command starts (bubblewrap waits on a pipe until then).
Chosen over a veth pair with NAT because it needs no host firewall rules and no bridge,
and leaves nothing behind on the host when the build ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import json
import os
import shutil
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# slirp4netns --configure: the namespace is 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3.
SLIRP_DNS = "10.0.2.3"
ALWAYS_BLOCKED = ("169.254.0.0/16", "10.0.2.2/32")
SETUP_SECONDS = 20.0


def _pipe() -> tuple[int, int]:
    read, write = os.pipe()
    os.set_inheritable(read, False)
    os.set_inheritable(write, False)
    return read, write


def _resolv_conf() -> int:
    """The sandbox's /etc/resolv.conf: slirp4netns's DNS forwarder, nothing of the host's."""
    fd = os.memfd_create("resolv.conf", os.MFD_CLOEXEC)
    os.write(fd, f"nameserver {SLIRP_DNS}\n".encode())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def host_addresses() -> list[str]:
    """This machine's own IPv4 addresses (where a service bound to 0.0.0.0 would answer)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    route = Path("/proc/net/fib_trie")
    if route.exists():  # every local address, whatever the host name resolves to
        lines = route.read_text().splitlines()
        for before, line in itertools.pairwise(lines):
            if "/32 host LOCAL" in line:
                found.add(before.strip().split()[-1])
    return sorted(a for a in found if not ipaddress.ip_address(a).is_loopback)


def blocked_networks(extra: Iterable[str] = ()) -> list[str]:
    return [*ALWAYS_BLOCKED, *(f"{a}/32" for a in host_addresses()), *extra]


def available() -> bool:
    return all(shutil.which(tool) for tool in ("slirp4netns", "nsenter", "ip"))


@dataclass
class IsolatedNetwork:
    """One command's namespace wiring: bwrap arguments before the spawn, `connect` after it."""

    blocked: list[str] = field(default_factory=blocked_networks)
    _info: tuple[int, int] = field(default_factory=_pipe, init=False)
    _block: tuple[int, int] = field(default_factory=_pipe, init=False)
    _resolv: int = field(default_factory=_resolv_conf, init=False)
    _slirp: asyncio.subprocess.Process | None = field(default=None, init=False)

    def bwrap_args(self) -> list[str]:
        return [
            "--unshare-net",
            "--ro-bind-data", str(self._resolv), "/etc/resolv.conf",
            "--info-fd", str(self._info[1]),
            "--block-fd", str(self._block[0]),
        ]  # fmt: skip

    @property
    def pass_fds(self) -> list[int]:
        """The child's ends; the sandboxed command closes the runner's copies once spawned."""
        return [self._info[1], self._block[0], self._resolv]

    async def connect(self) -> None:
        """After bwrap started: wire its namespace, block what must stay unreachable, release it."""
        async with asyncio.timeout(SETUP_SECONDS):
            pid = await asyncio.to_thread(_read_child_pid, self._info[0])
            # bubblewrap configures the namespace's loopback itself; slirp4netns configuring
            # tap0 at the same moment makes that fail, so it starts once loopback is up.
            await _until_loopback_is_up(pid)
            ready_read, ready_write = os.pipe()
            self._slirp = await asyncio.create_subprocess_exec(
                # By path, joining no user namespace: bubblewrap nests one more for the
                # command (--disable-userns), and the network belongs to the outer one.
                "slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback",
                f"--ready-fd={ready_write}", "--netns-type=path", f"/proc/{pid}/ns/net", "tap0",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, pass_fds=(ready_write,),
            )  # fmt: skip
            os.close(ready_write)
            ready = await asyncio.to_thread(os.read, ready_read, 1)
            os.close(ready_read)
            if ready != b"1":
                raise OSError("slirp4netns did not configure the build's network")
            for network in self.blocked:
                await _in_namespace(pid, "ip", "route", "add", "prohibit", network)
        os.write(self._block[1], b"1")

    async def close(self) -> None:
        for fd in (self._info[0], self._block[1]):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._slirp is not None and self._slirp.returncode is None:
            self._slirp.terminate()
            await self._slirp.wait()


async def _until_loopback_is_up(pid: int) -> None:
    """bubblewrap sets up the namespace's loopback itself, after it reported the pid."""
    show = ("ip", "-o", "-4", "addr", "show", "lo")
    while "127.0.0.1" not in await _in_namespace(pid, *show):  # noqa: ASYNC110  polling another process
        await asyncio.sleep(0.005)


def _read_child_pid(fd: int) -> int:
    data = b""
    while b"}" not in data:
        chunk = os.read(fd, 4096)
        if not chunk:
            raise OSError("bubblewrap ended before it reported its sandbox")
        data += chunk
    pid: int = json.loads(data[: data.index(b"}") + 1])["child-pid"]
    return pid


async def _in_namespace(pid: int, *argv: str) -> str:
    """Run a command in the sandbox's network namespace (as its user namespace's owner)."""
    enter = ["nsenter", f"--target={pid}", "--net"]
    if os.geteuid() != 0:
        enter += ["--user", "--preserve-credentials"]
    proc = await asyncio.create_subprocess_exec(
        *enter, "--", *argv,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise OSError(f"{' '.join(argv)}: {err.decode(errors='replace').strip()}")
    return out.decode(errors="replace")

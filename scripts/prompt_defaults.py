"""Run a command that only asks questions on a terminal, taking each default answer.

Some generators (VitePress's `init`, create-vuepress) have no flags for their questions and
refuse to run without a terminal. Here the command gets a pseudo-terminal, and whenever it
has printed something and then waits, it gets Enter: the answer it proposes. A question
whose default would not do (create-vuepress offers to start its dev server, which never
ends) is answered as `answers` says: (text in the question, what to type).
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

QUIET_SECONDS = 1.5  # a prompt is drawn and waiting once the output pauses this long
MAX_ANSWERS = 30
Answers = tuple[tuple[str, str], ...]
_TERMINAL_CODES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def run_with_default_answers(
    argv: tuple[str, ...],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    answers: Answers = (),
) -> None:
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,  # its own group, all stopped together if it overruns
    )
    os.close(terminal)
    output, question = bytearray(), bytearray()
    typed = 0
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], QUIET_SECONDS)
            if ready:
                chunk = _read(controller)
                output += chunk
                question += chunk
            elif typed < MAX_ANSWERS:
                os.write(controller, _answer(bytes(question), answers) + b"\r")
                question.clear()
                typed += 1
        output += _read(controller)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(controller)
    if proc.returncode != 0:
        text = _TERMINAL_CODES.sub(b"", bytes(output)).decode(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{text}")


def _answer(question: bytes, answers: Answers) -> bytes:
    """What to type before Enter: nothing (the default) unless `answers` names the question."""
    text = _TERMINAL_CODES.sub(b"", question).decode(errors="replace")
    return next((typed.encode() for asked, typed in answers if asked in text), b"")


def _read(controller: int) -> bytes:
    try:
        return os.read(controller, 65536)
    except OSError:  # the command has closed its terminal
        return b""

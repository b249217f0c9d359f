"""Why a build failed, as one typed object the runner writes into its log and the api reads.

The runner ends a failed build's log with one `failure` line holding this object as JSON;
the api finds the last such line in the log's tail and shows `text()` as the deployment's
`error` (the API, the dashboard, the CLI and, shortened, the GitHub commit status). The
runner masks every field before writing it, as it masks the rest of the log.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

# The step name of the line in the build log (`<time> failure | {...}`).
LOG_STEP = "failure"
# What the summary may say: a few lines of the command's output, each cut to a line's width.
MAX_ERROR_LINES = 4
MAX_LINE_CHARS = 200
MAX_TEXT_CHARS = 800
# The api reads this much of the log's end; the failure line fits in it with room to spare.
LOG_TAIL_CHARS = 4000


@dataclass(frozen=True)
class FailureSummary:
    step: str  # the failure reason: install, build, output, …
    message: str  # the runner's sentence: "`npm ci` exited with code 1", "no output found …"
    command: str | None = None  # the project's command, when one failed
    exit_code: int | None = None  # that command's own exit code (not the runner's)
    errors: list[str] = field(default_factory=list)  # its last meaningful output lines
    hint: str | None = None  # what to change, only when the output shows the cause

    def __post_init__(self) -> None:
        cut = [_cut(line, MAX_LINE_CHARS) for line in self.errors[-MAX_ERROR_LINES:]]
        object.__setattr__(self, "errors", cut)

    def text(self) -> str:
        """One line naming the cause, and a second with the hint when there is one."""
        first = f"{self.step}: {self.message}"
        if self.errors:
            first += ": " + " · ".join(self.errors)
        first = _cut(first, MAX_TEXT_CHARS)
        return f"{first}\n{self.hint}" if self.hint else first

    def to_log_message(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_log(cls, log_text: str) -> FailureSummary | None:
        """The last `failure` line of a build log, or None when there is none (or it is bad)."""
        marker = f"{LOG_STEP:<7} | "
        for line in reversed(log_text.splitlines()):
            # `<time> failure | …`: the step field itself, never text a command printed.
            _, _, after_time = line.partition(" ")
            if not after_time.startswith(marker):
                continue
            message = after_time[len(marker) :]
            try:
                data = json.loads(message)
                return cls(
                    step=str(data["step"]),
                    message=str(data["message"]),
                    command=_optional_text(data.get("command")),
                    exit_code=_optional_int(data.get("exit_code")),
                    errors=[str(e) for e in data.get("errors") or []],
                    hint=_optional_text(data.get("hint")),
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                return None
        return None


def error_text(log_text: str) -> str:
    """A failed deployment's `error`: the runner's summary, else the log's last error line.

    The fallback covers a runner that died before it could write its summary.
    """
    if (summary := FailureSummary.from_log(log_text)) is not None:
        return summary.text()
    lines = [line for line in log_text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "error" in line.lower() or "failed" in line.lower():
            return line[-500:]
    return lines[-1][-500:] if lines else "the build failed"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("exit_code must be a whole number")
    return value

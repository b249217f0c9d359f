"""Which lines of a failed command's output say why it failed.

Package managers end a failed script with their own trailer (npm's "Lifecycle script …
failed", pnpm's ELIFECYCLE, yarn's "Command failed"), and tools print progress, stack
frames and blank lines; none of those name the cause. What is left, preferring lines that
say "error", is what the failure summary shows.
"""

from __future__ import annotations

import re

from services.core.ansi import strip_ansi

# How many lines to show, at most.
SHOWN_LINES = 3
_NOISE = re.compile(
    r"""^(?:
        [^A-Za-z]*$                                   # no words: rules, spinners, percentages
      | at\s.+                                        # a JavaScript stack frame
      | npm\s(?:error|ERR!)\s*(?:$|code\s|errno\s|path\s|workspace\s|location\s|command\s
          |signal\s|Lifecycle\sscript|A\scomplete\slog|For\sa\sfull\sreport|Exit\sstatus
          |Failed\sat\sthe|This\sis\sprobably\snot|\S+@\S+\s\S+:\s).*
      | npm\s(?:warn|WARN|notice|timing|http|verb|info)\b.*
      | ELIFECYCLE\b.*
      | error\sCommand\sfailed\swith\sexit\scode.*
      | info\sVisit\shttps://.*
      | Progress:\sresolved.*
      | Packages:\s.*
      | \[\d+/\d+\]\s.*                               # yarn's [1/4] Resolving packages...
      | (?:>\s)?\S+@\S+\s\S+$                         # npm's "> site@1.0.0 build" banner
      | >\s.*                                         # the script npm is about to run
      | ➤\sYN0000:.*                                  # yarn berry's progress
      | Done\sin\s[\d.]+s\.?
      | npm\s(?:error|ERR!)\s/\S+                     # a path: the report npm wrote
    )$""",
    re.VERBOSE,
)
# \u2718 and \u00d7 are the heavy ballot X and the multiplication sign some tools print.
_ERROR = re.compile(r"error|ERR!|ERR_|\bfail|fatal|cannot|could not|not found|\u2718|\u00d7", re.I)


# npm prints the command's whole usage after a usage error: the cause is above it.
_NPM_USAGE = re.compile(r"^npm (?:error|ERR!) Usage:$")
_NPM_BLANK = re.compile(r"^npm (?:error|ERR!)$")


def meaningful_lines(output: list[str]) -> list[str]:
    """The last few lines of `output` that can name a failure's cause."""
    kept = [clean for line in output if (clean := strip_ansi(line).strip())]
    kept = _without_npm_usage(kept)
    kept = [line for line in kept if not _NOISE.match(line)]
    last = next((i for i in range(len(kept) - 1, -1, -1) if _ERROR.search(kept[i])), None)
    if last is None:
        return kept[-SHOWN_LINES:]
    # The block of error lines the last one ends, then what follows it (details, hints).
    start = last
    while start > 0 and last - start + 1 < SHOWN_LINES and _ERROR.search(kept[start - 1]):
        start -= 1
    return kept[start : start + SHOWN_LINES]


def _without_npm_usage(lines: list[str]) -> list[str]:
    usage = next((i for i, line in enumerate(lines) if _NPM_USAGE.match(line)), None)
    if usage is None:
        return lines
    # Also the command's one-line description, between two blank `npm error` lines.
    if usage >= 3 and _NPM_BLANK.match(lines[usage - 1]) and _NPM_BLANK.match(lines[usage - 3]):
        return lines[: usage - 3]
    return lines[:usage]

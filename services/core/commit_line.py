"""The commit a build fetched, as one typed line the runner writes into its log and the api reads.

A deployment made from a branch (by hand, the dashboard or a deploy hook) learns its commit's
subject only when the runner fetches it; the runner writes `<time> commit  | {...}` right
after the fetch, before any of the project's commands run, so nothing the project prints
can stand in for it, and the api records the subject when the deployment ends.
"""

from __future__ import annotations

import json

LOG_STEP = "commit"
MAX_SUBJECT_CHARS = 200
# The line comes before any command runs: it is within the log's first few KiB.
LOG_HEAD_CHARS = 8000


def commit_message(sha: str, subject: str) -> str:
    """The line's message: the sha and the subject, one line, cut."""
    clean = "".join(c for c in subject if c.isprintable())[:MAX_SUBJECT_CHARS]
    return json.dumps({"sha": sha, "subject": clean}, ensure_ascii=False, separators=(",", ":"))


def read_commit_line(log_text: str) -> tuple[str, str] | None:
    """(sha, subject) from the first `commit` line of a log's head, or None."""
    marker = f"{LOG_STEP:<7} | "
    for line in log_text[:LOG_HEAD_CHARS].splitlines():
        _, _, after_time = line.partition(" ")
        if not after_time.startswith(marker):
            continue
        try:
            data = json.loads(after_time[len(marker) :])
        except ValueError:
            return None
        if isinstance(data, dict) and isinstance(data.get("sha"), str):
            subject = data.get("subject")
            return data["sha"], subject[:MAX_SUBJECT_CHARS] if isinstance(subject, str) else ""
        return None
    return None

"""The serving config of a deployment: SPA fallback and the `_redirects` / `_headers` files.

Both files are parsed here with the proxy's own parser, so a mistake fails the build rather
than the site. Their text is kept as written; the proxy parses it again when it loads. Rules
the proxy can never match (a `Role=` condition) are accepted with a warning in the build log.
"""

from __future__ import annotations

from pathlib import Path

from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from services.core.build_protocol import EXIT_OUTPUT
from services.core.manifest import ServingConfig
from services.core.site_rules import (
    SiteRulesError,
    condition_warnings,
    parse_headers,
    parse_redirects,
)

MAX_RULES_BYTES = 256 * 1024


def _read(path: Path) -> str | None:
    if not path.is_file() or path.is_symlink():
        return None
    if path.stat().st_size > MAX_RULES_BYTES:
        raise BuildFailure(EXIT_OUTPUT, f"{path.name} is larger than {MAX_RULES_BYTES} bytes")
    try:
        return path.read_text()
    except UnicodeDecodeError:
        raise BuildFailure(EXIT_OUTPUT, f"{path.name} is not UTF-8 text") from None


def serving_config(output: Path, spa: bool, log: BuildLog) -> ServingConfig:
    redirects = _read(output / "_redirects")
    headers = _read(output / "_headers")
    try:
        if redirects is not None:
            for warning in condition_warnings(parse_redirects(redirects)):
                log.line("publish", f"warning: {warning}")
        if headers is not None:
            parse_headers(headers)
    except SiteRulesError as exc:
        raise BuildFailure(EXIT_OUTPUT, str(exc)) from None
    return ServingConfig(spa=spa, redirects=redirects, headers=headers)

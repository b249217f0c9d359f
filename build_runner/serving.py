"""The serving config of a deployment: SPA fallback and the `_redirects` / `_headers` files.

Both files are parsed here with the proxy's own parser, so a mistake fails the build rather
than the site. Their text is kept as written; the proxy parses it again when it loads. Rules
from netlify.toml or vercel.json (`build_runner.netlify_config`, `build_runner.vercel_config`)
come after the files' own, as Netlify orders them. Rules the proxy can never match (a `Role=`
condition) are accepted with a warning in the build log.
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


def rules_mark(file_name: str) -> str:
    """Marks where the rules translated from a config file start in the manifest's text."""
    return f"# from {file_name}\n"


NETLIFY_TOML_MARK = rules_mark("netlify.toml")


def is_read(path: Path) -> bool:
    """Whether a config file is there to be read: a symlinked one is not."""
    return path.is_file() and not path.is_symlink()


def read_rules_file(path: Path) -> str | None:
    """A small config file's text; None when it is missing or a symlink."""
    if not is_read(path):
        return None
    if path.stat().st_size > MAX_RULES_BYTES:
        raise BuildFailure(EXIT_OUTPUT, f"{path.name} is larger than {MAX_RULES_BYTES} bytes")
    try:
        return path.read_text()
    except UnicodeDecodeError:
        raise BuildFailure(EXIT_OUTPUT, f"{path.name} is not UTF-8 text") from None


def _followed_by(text: str | None, appended: str, mark: str) -> str | None:
    """The file's rules, then the appended ones (a config file's) under a marking comment."""
    if not appended:
        return text
    if not text:
        return mark + appended
    separator = "" if text.endswith("\n") else "\n"
    return f"{text}{separator}{mark}{appended}"


def serving_config(
    output: Path,
    spa: bool,
    log: BuildLog,
    *,
    appended_redirects: str = "",
    appended_headers: str = "",
    appended_from: str = "netlify.toml",
) -> ServingConfig:
    """The serving config; `appended_*` are rules from `appended_from` that follow the files'."""
    mark = rules_mark(appended_from)
    file_redirects = read_rules_file(output / "_redirects")
    redirects = _followed_by(file_redirects, appended_redirects, mark)
    headers = _followed_by(read_rules_file(output / "_headers"), appended_headers, mark)
    try:
        if file_redirects is not None:  # appended rules were checked, and warned of, already
            for warning in condition_warnings(parse_redirects(file_redirects)):
                log.line("publish", f"warning: {warning}")
        if redirects is not None:  # whole, for the limits on the rules together
            parse_redirects(redirects)
        if headers is not None:
            parse_headers(headers)
    except SiteRulesError as exc:
        raise BuildFailure(EXIT_OUTPUT, str(exc)) from None
    return ServingConfig(spa=spa, redirects=redirects, headers=headers)

"""The serving config of a deployment: SPA fallback and the `_redirects` / `_headers` files.

Both files are parsed here with the proxy's own parser, so a mistake fails the build rather
than the site. Their text is kept as written; the proxy parses it again when it loads. Rules
from netlify.toml or vercel.json (`build_runner.netlify_config`, `build_runner.vercel_config`)
come after the files' own, as Netlify orders them. Rules the proxy can never match (a `Role=`
condition) are accepted with a warning in the build log.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from build_runner.confined import Parts, Refused, Root
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


def read_rules_file(root: Root, rel: str, base: Parts = ()) -> str | None:
    """A small config file's text, links followed only inside `root`; None when it is missing.

    Raises Refused when it leads out of the root or is not a plain file of its own.
    """
    name = PurePosixPath(rel).name
    data = root.read(rel, MAX_RULES_BYTES, base)
    if data is None:
        return None
    if len(data) > MAX_RULES_BYTES:
        raise BuildFailure(EXIT_OUTPUT, f"{name} is larger than {MAX_RULES_BYTES} bytes")
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise BuildFailure(EXIT_OUTPUT, f"{name} is not UTF-8 text") from None


def read_config_file(project_dir: Path, name: str, within: Path | None = None) -> str | None:
    """`name` in the project's directory, links followed only inside `within` (the checkout;
    by default the project's directory itself). One that leads out fails the build."""
    try:
        with Root(within or project_dir, "repository") as repo:
            return read_rules_file(repo, name, repo.parts_of(project_dir))
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"{name}: {exc}") from None


def has_config_file(project_dir: Path, name: str, within: Path | None = None) -> bool:
    """Whether the project has `name` to read (see `read_config_file`)."""
    try:
        with Root(within or project_dir, "repository") as repo:
            return repo.has_file(name, repo.parts_of(project_dir))
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"{name}: {exc}") from None


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
    try:
        with Root(output, "output") as root:
            file_redirects = _output_rules(root, "_redirects", log)
            file_headers = _output_rules(root, "_headers", log)
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"the output cannot be read: {exc}") from None
    redirects = _followed_by(file_redirects, appended_redirects, mark)
    headers = _followed_by(file_headers, appended_headers, mark)
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


def _output_rules(root: Root, name: str, log: BuildLog) -> str | None:
    """The output's own rules file; one that is a link out (or no file of its own) is skipped."""
    try:
        return read_rules_file(root, name)
    except Refused as exc:
        log.line("publish", f"skipped {name}: {exc}")
        return None

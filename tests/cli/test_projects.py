from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from scripts.cli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.cli.conftest import Cli, Result
from tests.cli.live import LiveApi, Site
from tests.support.gitrepo import GitRepo


def refused(result: Result, code: int, *lines: str) -> None:
    """The command failed with `code`, saying exactly these lines on stderr."""
    assert (result.code, result.err) == (code, "".join(f"{line}\n" for line in lines))


def test_create_list_show_update_delete(cli: Cli, api: LiveApi, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "blog", branch="trunk")
    repo.commit({"index.html": "blog"})
    result = cli(
        "projects", "create", "blog",
        "--repo", repo.url,
        "--github-repo", "acme/blog",
        "--branch", "trunk",
        "--output-dir", "public",
        "--env", "API_KEY=s3cret",
        "--domain", "blog.example.com",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "Created project blog: http://blog.localhost:8080/" in result.out

    listed = cli("projects", "list")
    assert listed.code == 0
    line = next(line for line in listed.out.splitlines() if line.startswith("blog "))
    assert "http://blog.localhost:8080/" in line
    assert "trunk" in line
    assert "none yet" in line
    assert any(p["name"] == "blog" for p in json.loads(cli("projects", "list", "--json").out))

    shown = cli("projects", "show", "blog")
    assert shown.code == 0
    assert "acme/blog" in shown.out
    assert "blog.example.com" in shown.out
    assert "API_KEY" in shown.out
    assert "s3cret" not in shown.out
    data = json.loads(cli("projects", "show", "blog", "--json").out)
    assert data["env"] == {"API_KEY": "********"}
    assert data["output_dir"] == "public"
    revealed = json.loads(cli("projects", "show", "blog", "--json", "--reveal").out)
    assert revealed["env"] == {"API_KEY": "s3cret"}

    updated = cli("projects", "update", "blog", "--build-command", "make site", "--spa", "--json")
    assert updated.code == 0, updated.err
    data = json.loads(updated.out)
    assert (data["build_command"], data["spa"], data["production_branch"]) == (
        "make site",
        True,
        "trunk",
    )
    assert cli("projects", "update", "blog").code == EXIT_USAGE

    refused = cli("projects", "delete", "blog")
    assert refused.code == EXIT_USAGE
    assert "--yes" in refused.err
    deleted = cli("projects", "delete", "blog", "--yes")
    assert deleted.code == 0
    assert cli("projects", "show", "blog").code == EXIT_NOT_FOUND


def test_create_needs_a_repository(cli: Cli) -> None:
    result = cli("projects", "create", "norepo")
    assert result.code == EXIT_USAGE
    assert "--repo is required" in result.err


def test_env_set_list_unset(cli: Cli, make_site: Callable[..., Site]) -> None:
    site = make_site()
    assert cli("env", "list", site.name).out.strip() == f"{site.name} has no build variables"
    result = cli("env", "set", site.name, "A=1", "B=two=2")
    assert result.code == 0, result.err
    assert cli("env", "set", site.name, "C=3").code == 0

    hidden = cli("env", "list", site.name)
    assert "A" in hidden.out
    assert "********" in hidden.out
    assert "two=2" not in hidden.out
    assert json.loads(cli("env", "list", site.name, "--json", "--reveal").out) == {
        "A": "1",
        "B": "two=2",
        "C": "3",
    }

    assert cli("env", "unset", site.name, "A", "C").code == 0
    assert json.loads(cli("env", "list", site.name, "--json", "--reveal").out) == {"B": "two=2"}

    refused(
        cli("env", "unset", site.name, "NOPE"),
        EXIT_NOT_FOUND,
        f"error: {site.name} has no build variable 'NOPE'",
        f"hint: `slipway env list {site.name} --scope all` shows them",
    )
    refused(
        cli("env", "set", site.name, "novalue"),
        EXIT_USAGE,
        "error: expected KEY=VALUE, got 'novalue': type the name, '=' and the value, "
        "as in 'novalue=value'",
    )


def test_domains_add_list_remove(cli: Cli, make_site: Callable[..., Site]) -> None:
    site = make_site()
    assert cli("domains", "add", site.name, "WWW.Example.org", "example.org").code == 0
    assert json.loads(cli("domains", "list", site.name, "--json").out) == [
        "example.org",
        "www.example.org",
    ]
    assert "www.example.org" in cli("domains", "list", site.name).out
    assert cli("domains", "remove", site.name, "www.example.org").code == 0
    assert json.loads(cli("domains", "list", site.name, "--json").out) == ["example.org"]
    refused(
        cli("domains", "remove", site.name, "other.example"),
        EXIT_NOT_FOUND,
        f"error: {site.name} has no domain 'other.example'",
        f"hint: `slipway domains list {site.name}` shows them",
    )
    refused(
        cli("domains", "add", site.name, "not a domain"),
        EXIT_USAGE,
        "error: not a valid domain name: 'not a domain': type a host name such as www.example.com",
    )


def test_create_and_show_production_and_preview_variables(
    cli: Cli, api: LiveApi, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "scoped")
    repo.commit({"index.html": "scoped"})
    created = cli(
        "projects", "create", "scoped",
        "--repo", repo.url,
        "--env", "API_URL=https://api.example.com",
        "--production-env", "STRIPE_KEY=sk_live_1",
        "--production-env", "ANALYTICS=on",
        "--preview-env", "STRIPE_KEY=sk_test_1",
    )  # fmt: skip
    assert created.code == 0, created.err

    shown = cli("projects", "show", "scoped")
    assert shown.code == 0, shown.err
    assert "production env" in shown.out
    assert "ANALYTICS, STRIPE_KEY" in shown.out
    assert "preview env" in shown.out
    assert "sk_live_1" not in shown.out
    assert "sk_test_1" not in shown.out
    revealed = cli("projects", "show", "scoped", "--reveal")
    assert "sk_live_1" in revealed.out
    assert "sk_test_1" in revealed.out

    data = json.loads(cli("projects", "show", "scoped", "--json", "--reveal").out)
    assert data["env"] == {"API_URL": "https://api.example.com"}
    assert data["production_env"] == {"STRIPE_KEY": "sk_live_1", "ANALYTICS": "on"}
    assert data["preview_env"] == {"STRIPE_KEY": "sk_test_1"}
    refused = cli(
        "projects", "create", "bad", "--repo", "file:///x", "--preview-env", "SLIPWAY_X=1"
    )
    assert refused.code != 0
    assert "reserved" in refused.err


def test_env_commands_take_a_scope(cli: Cli, make_site: Callable[..., Site]) -> None:
    site = make_site()
    assert cli("env", "set", site.name, "--scope", "preview", "NOINDEX=1").code == 0
    assert cli("env", "set", site.name, "--scope", "production", "CDN=prod").code == 0
    assert json.loads(cli("env", "list", site.name, "--json", "--reveal").out) == {}
    preview = cli("env", "list", site.name, "--scope", "preview", "--json", "--reveal")
    assert json.loads(preview.out) == {"NOINDEX": "1"}
    production = cli("env", "list", site.name, "--scope", "production")
    assert "CDN" in production.out
    assert "********" in production.out

    assert cli("env", "unset", site.name, "--scope", "preview", "NOINDEX").code == 0
    empty = cli("env", "list", site.name, "--scope", "preview")
    assert empty.out.strip() == f"{site.name} has no build variables for preview builds"
    missing = cli("env", "unset", site.name, "--scope", "production", "NOINDEX")
    assert missing.code == EXIT_NOT_FOUND
    assert cli("env", "list", site.name, "--scope", "staging").code == EXIT_USAGE


def test_preview_password_set_from_a_value_or_stdin_and_cleared(cli: Cli, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "guarded")
    repo.commit({"index.html": "guarded"})
    created = cli(
        "projects", "create", "guarded",
        "--repo", repo.url,
        "--preview-password", "first password",
    )  # fmt: skip
    assert created.code == 0, created.err
    shown = cli("projects", "show", "guarded")
    line = next(line for line in shown.out.splitlines() if line.startswith("previews"))
    assert "password-protected" in line
    data = json.loads(cli("projects", "show", "guarded", "--json").out)
    assert data["preview_protected"] is True
    assert "first password" not in json.dumps(data)

    # `-` reads the password from standard input (no terminal here).
    piped = cli(
        "projects", "update", "guarded", "--preview-password", "-", "--json", stdin="from stdin!\n"
    )
    assert piped.code == 0, piped.err
    assert json.loads(piped.out)["preview_protected"] is True
    assert "from stdin" not in piped.out

    short = cli("projects", "update", "guarded", "--preview-password", "short")
    assert short.code != 0
    assert "8 to 128" in short.err
    empty = cli("projects", "update", "guarded", "--preview-password", "-", stdin="")
    assert empty.code == EXIT_USAGE
    both = cli(
        "projects", "update", "guarded", "--preview-password", "x" * 8, "--no-preview-password"
    )
    assert both.code == EXIT_USAGE

    cleared = cli("projects", "update", "guarded", "--no-preview-password")
    assert cleared.code == 0, cleared.err
    shown = cli("projects", "show", "guarded")
    line = next(line for line in shown.out.splitlines() if line.startswith("previews"))
    assert "public" in line
    assert cli("projects", "delete", "guarded", "--yes").code == 0

from __future__ import annotations

import json
from collections.abc import Callable

from scripts.cli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site


def test_create_list_show_update_delete(cli: Cli, api: LiveApi, tmp_path: object) -> None:
    result = cli(
        "projects", "create", "blog",
        "--repo", "https://github.com/acme/blog.git",
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

    missing = cli("env", "unset", site.name, "NOPE")
    assert missing.code == EXIT_NOT_FOUND
    assert "no build variable 'NOPE'" in missing.err
    malformed = cli("env", "set", site.name, "novalue")
    assert malformed.code == EXIT_USAGE
    assert "expected KEY=VALUE" in malformed.err


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
    missing = cli("domains", "remove", site.name, "other.example")
    assert missing.code == EXIT_NOT_FOUND

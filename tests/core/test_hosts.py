"""Branch hosts: one DNS label per branch, never shared by two branches."""

from __future__ import annotations

import pytest

from services.core import hosts

LOOKALIKES = ["feature/x", "feature-x", "FEATURE.X", "feature_x", "Feature-X", "feature--x"]


@pytest.mark.parametrize(
    ("branch", "label"),
    [
        pytest.param("main", "site-git-main", id="plain"),
        pytest.param("feature-x", "site-git-feature-x", id="hyphenated"),
        pytest.param("v2", "site-git-v2", id="digits"),
    ],
)
def test_a_branch_that_is_its_own_slug_keeps_its_plain_host(branch: str, label: str) -> None:
    assert hosts.branch_label("site", branch) == label


def test_branches_sharing_a_slug_get_distinct_hosts() -> None:
    labels = {hosts.branch_label("site", b) for b in LOOKALIKES}
    assert len(labels) == len(LOOKALIKES)


@pytest.mark.parametrize("branch", ["feature/x", "FEATURE.X", "feature_x", "功能"])
def test_a_lossy_slug_carries_a_stable_hash_of_the_exact_name(branch: str) -> None:
    label = hosts.branch_label("site", branch)
    assert label == hosts.branch_label("site", branch)  # stable
    stem, digest = label.rsplit("--", 1)
    assert stem.startswith("site-git-")
    assert len(digest) == hosts.BRANCH_HASH_LENGTH


def test_a_hashed_label_never_equals_a_plain_one() -> None:
    """A branch literally named like another's hashed label stays apart (no `--` in it)."""
    hashed = hosts.branch_label("site", "feature/x")
    literal = hashed.removeprefix("site-git-")
    assert hosts.branch_label("site", literal) != hashed


@pytest.mark.parametrize(
    ("project", "branch"),
    [
        pytest.param("a" * 40, "b" * 255, id="longest-project-and-branch"),
        pytest.param("site", "x" * 60, id="long-plain-branch"),
        pytest.param("site", "release/" + "y" * 200, id="long-lossy-branch"),
    ],
)
def test_every_label_fits_dns(project: str, branch: str) -> None:
    label = hosts.branch_label(project, branch)
    assert len(label) <= hosts.MAX_LABEL
    assert hosts.normalize_host(f"{label}.localhost") == f"{label}.localhost"
    assert label.startswith(f"{project}-git-")


def test_long_names_differing_only_past_the_cut_get_distinct_hosts() -> None:
    first, second = "x" * 100 + "-one", "x" * 100 + "-two"
    assert hosts.branch_label("site", first) != hosts.branch_label("site", second)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("site.localhost", True, id="production"),
        pytest.param("site-abcdefgh.localhost", True, id="deployment"),
        pytest.param("site-git-main.localhost", True, id="branch"),
        pytest.param("site-pr-7.localhost", True, id="pull-request"),
        pytest.param("site-2.localhost", True, id="same-shape-as-another-project"),
        pytest.param("sites.localhost", False, id="longer-name"),
        pytest.param("site.example.com", False, id="another-domain"),
        pytest.param("www.site.localhost", False, id="subdomain"),
    ],
)
def test_which_hosts_may_be_a_projects_own(host: str, expected: bool) -> None:
    assert hosts.may_be_host_of("site", host, "localhost") is expected


@pytest.mark.parametrize(
    ("text", "host"),
    [
        pytest.param("http://site-1a2b3c4d.localhost:8080/", "site-1a2b3c4d.localhost", id="url"),
        pytest.param("https://Site.Example.COM/a/b?c#d", "site.example.com", id="path-and-case"),
        pytest.param("site-1a2b3c4d.localhost:8080", "site-1a2b3c4d.localhost", id="host-port"),
        pytest.param("  site.localhost.  ", "site.localhost", id="trailing-dot"),
        pytest.param("http://bad host/", None, id="space"),
        pytest.param("../projects", None, id="path"),
    ],
)
def test_host_of_what_people_paste(text: str, host: str | None) -> None:
    assert hosts.host_of(text) == host


@pytest.mark.parametrize(
    ("host", "parts"),
    [
        pytest.param("site-1a2b3c4d.localhost", ("site", "1a2b3c4d"), id="deployment"),
        pytest.param("my-site-1a2b3c4d.example.com", ("my-site", "1a2b3c4d"), id="hyphenated"),
        pytest.param("site.localhost", None, id="production"),
        pytest.param("site-pr-12.localhost", None, id="pull-request"),
        pytest.param("site-1a2b3c4.localhost", None, id="seven-characters"),
        pytest.param("-1a2b3c4d.localhost", None, id="no-project"),
    ],
)
def test_deployment_host_parts(host: str, parts: tuple[str, str] | None) -> None:
    assert hosts.deployment_host_parts(host) == parts


def test_a_deployment_host_parses_back_to_its_project_and_short_id() -> None:
    deployment_id = hosts.new_deployment_id()
    host = hosts.deployment_host("site", deployment_id, "localhost")
    assert hosts.deployment_host_parts(host) == ("site", deployment_id[:8])
    assert hosts.is_id_prefix(deployment_id)
    assert hosts.is_id_prefix(deployment_id[:8])
    assert not hosts.is_id_prefix(deployment_id[:7])

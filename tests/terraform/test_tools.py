"""terraform fmt and checkov, run for real on the real code (tools from `make terraform-tools`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.tfconfig import ROOT, TERRAFORM, checkov_binary, terraform_binary, tool_env

SKIP_DIRS = {".git", ".venv", ".tools", "node_modules", ".slipway", "build", "artifacts"}


def dockerfiles() -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        found += [Path(dirpath) / f for f in filenames if f.startswith("Dockerfile")]
    return sorted(found)


def run_checkov(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**tool_env(), "CKV_PARSE_ERROR_FAIL": "true", "BC_SKIP_MAPPING": "TRUE"}
    return subprocess.run(
        [checkov_binary(), "--skip-download", "--output", "json", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def reports(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data = json.loads(result.stdout)
    return data if isinstance(data, list) else [data]


def test_terraform_fmt_check_passes() -> None:
    result = subprocess.run(
        [terraform_binary(), "fmt", "-check", "-recursive", "-diff", "-no-color", str(TERRAFORM)],
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"not formatted as terraform fmt formats:\n{result.stdout}"


def test_terraform_fmt_check_catches_bad_formatting(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('variable "x" {\ntype=string\n}\n')
    result = subprocess.run(
        [terraform_binary(), "fmt", "-check", "-recursive", str(tmp_path)],
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0


@pytest.fixture(scope="module")
def terraform_scan() -> list[dict[str, Any]]:
    result = run_checkov("--framework", "terraform", "-d", str(TERRAFORM))
    assert result.returncode in (0, 1), result.stderr
    return reports(result)


def test_checkov_finds_no_failed_terraform_check(terraform_scan: list[dict[str, Any]]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range'][0]})"
        for report in terraform_scan
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "checkov failures:\n" + "\n".join(failed)
    assert sum(r["summary"]["passed"] for r in terraform_scan) > 250, "checkov scanned too little"
    assert all(r["summary"]["parsing_errors"] == 0 for r in terraform_scan)


def test_every_checkov_skip_states_its_reason(terraform_scan: list[dict[str, Any]]) -> None:
    skipped = [c for r in terraform_scan for c in r["results"]["skipped_checks"]]
    assert skipped, "expected the documented inline skips"
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason.strip()) > 15, f"{check['check_id']} on {check['resource']}: no reason"


def test_checkov_scans_every_module(terraform_scan: list[dict[str, Any]]) -> None:
    scanned = {
        Path(c["file_path"]).parent.name
        for r in terraform_scan
        for kind in ("passed_checks", "skipped_checks")
        for c in r["results"][kind]
    }
    expected = {p.name for p in (TERRAFORM / "modules").iterdir() if p.is_dir()}
    assert expected <= scanned, expected - scanned


@pytest.mark.parametrize("path", dockerfiles(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_checkov_finds_no_failed_dockerfile_check(path: Path) -> None:
    result = run_checkov("--framework", "dockerfile", "-f", str(path))
    failed = [
        f"{c['check_id']} {c['check_name']} (line {c['file_line_range'][0]})"
        for report in reports(result)
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, f"{path.relative_to(ROOT)}:\n" + "\n".join(failed)
    assert result.returncode == 0


def test_checkov_really_fails_bad_code(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket_public_access_block" "this" {\n'
        '  bucket            = "x"\n'
        "  block_public_acls = false\n"
        "}\n"
    )
    result = run_checkov("--framework", "terraform", "-d", str(tmp_path))
    assert result.returncode == 1
    failed = {c["check_id"] for r in reports(result) for c in r["results"]["failed_checks"]}
    assert "CKV_AWS_53" in failed


def test_checkov_fails_on_a_file_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "this" {\n  bucket = \n')
    result = run_checkov("--framework", "terraform", "-d", str(tmp_path))
    assert result.returncode != 0

"""`slipway gc`: delete what retention lets go; `--dry-run` lists it, and why, first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.table import Table

from . import render
from .context import api
from .projects import JsonFlag

DryRunFlag = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="List what would be deleted, and by which rule; delete nothing."
    ),
]


def size(n: int) -> str:
    """Bytes for people: 512 B, 3.4 MiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def report_table(report: Mapping[str, Any]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("KIND", "TARGET", "PROJECT", "RULE", "OBJECTS", "SIZE"):
        table.add_column(column, no_wrap=True)
    for item in report["deletions"]:
        table.add_row(
            item["kind"],
            item["target"],
            item.get("project") or "-",
            item["rule"],
            str(item.get("objects", 0)),
            size(int(item.get("bytes", 0))),
        )
    return table


def gc(dry_run: DryRunFlag = False, as_json: JsonFlag = False) -> None:
    """Delete old deployments, deleted projects' objects and partial publishes (docs/cli.md)."""
    with api() as client:
        report = client.post("/api/gc", json={"dry_run": dry_run})
    if as_json:
        render.print_json(report)
        return
    out = render.console()
    deletions, kept = report["deletions"], report["kept"]
    if deletions:
        out.print(report_table(report))
    total = sum(int(item.get("bytes", 0)) for item in deletions)
    verb = "would delete" if dry_run else "deleted"
    noun = "item" if len(deletions) == 1 else "items"
    out.print(f"{verb} {len(deletions)} {noun} ({size(total)})")
    for item in kept:
        what = item.get("deployment") or item["target"]
        out.print(f"kept {what}: {item['reason']}")

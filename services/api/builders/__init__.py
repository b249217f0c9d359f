"""Builder backends: where a deployment's `python -m build_runner` actually runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BuildSpec:
    deployment_id: str
    project: str
    # The runner's whole input: the contract's SLIPWAY_* names and the project's variables.
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BuildState:
    running: bool
    exit_code: int | None = None  # set when the run ended with a known code
    detail: str = ""  # why a run was lost, for the deployment's error


class Builder(Protocol):
    async def start(self, spec: BuildSpec) -> str:
        """Start the run and return a handle that survives an api restart."""
        ...

    async def poll(self, deployment_id: str, handle: str) -> BuildState: ...

    async def stop(self, deployment_id: str, handle: str) -> None: ...

    async def read_log(
        self, deployment_id: str, handle: str | None, offset: int
    ) -> tuple[str, int]:
        """Live log text from `offset`, and the offset to ask for next."""
        ...

    async def cleanup(self, deployment_id: str) -> None: ...

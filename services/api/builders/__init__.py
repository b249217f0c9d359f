"""Builder backends: where a deployment's `python -m build_runner` actually runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.core.runner_inputs import RunnerInputs


@dataclass(frozen=True, slots=True)
class BuildState:
    running: bool
    exit_code: int | None = None  # set when the run ended with a known code
    detail: str = ""  # why a run was lost, for the deployment's error


class Builder(Protocol):
    async def start(self, inputs: RunnerInputs) -> str:
        """Start the run of `inputs.to_env()`; return a handle that survives an api restart."""
        ...

    async def find(self, deployment_id: str) -> str | None:
        """The handle of a run started for the deployment, when the builder can tell: how
        an api that died before recording a handle gets its run back."""
        ...

    async def poll(self, deployment_id: str, handle: str) -> BuildState: ...

    async def stop(self, deployment_id: str, handle: str) -> None: ...

    async def read_log(
        self, deployment_id: str, handle: str | None, offset: int
    ) -> tuple[str, int]:
        """Live log text from `offset`, and the offset to ask for next."""
        ...

    async def cleanup(self, deployment_id: str) -> None: ...

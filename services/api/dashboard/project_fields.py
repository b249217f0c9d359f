"""A project's settings as the dashboard's forms show them and as the API's request bodies
take them (services/api/schemas.py), so that a form is checked exactly as the API checks
the same JSON: by services/api/projects.py, with the same sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from services.api.errors import BadRequest, validation_sentence
from services.api.schemas import ProjectCreate, ProjectUpdate

# The settings both the new-project form and the settings form edit, as the API names them.
TEXT_SETTINGS = (
    "repo_url",
    "github_repo",
    "production_branch",
    "root_dir",
    "install_command",
    "build_command",
    "output_dir",
)
SWITCHES = ("spa", "auto_promote")  # checkboxes: a form leaves an unticked one out

# What a new project's form starts with: the API's own defaults ("" where it has none).
_API_DEFAULTS = {field.name: field.default for field in msgspec.structs.fields(ProjectCreate)}
NEW_PROJECT: dict[str, Any] = {
    field: default if isinstance(default, str | bool) else ""
    for field, default in _API_DEFAULTS.items()
    if field in ("name", *TEXT_SETTINGS, *SWITCHES)
}

# The API request body a form becomes: ProjectCreate, ProjectUpdate, TokenCreate, HookCreate.
Body = TypeVar("Body", bound=msgspec.Struct)


def typed_settings(form: Mapping[str, str]) -> dict[str, Any]:
    """The settings as typed, with the spaces a paste leaves around them trimmed."""
    values: dict[str, Any] = {field: form.get(field, "").strip() for field in TEXT_SETTINGS}
    values.update({switch: switch in form for switch in SWITCHES})
    return values


def stored_settings(project: Mapping[str, Any]) -> dict[str, Any]:
    """A project's settings (its API view) as the settings form shows them."""
    values = {field: project[field] or "" for field in TEXT_SETTINGS}
    values.update({switch: bool(project[switch]) for switch in SWITCHES})
    return values


def create_request(form: Mapping[str, str]) -> ProjectCreate:
    body = {"name": form.get("name", "").strip(), **typed_settings(form)}
    body["github_repo"] = body["github_repo"] or None  # empty: found from a github.com URL
    return as_body(body, ProjectCreate)


def update_request(form: Mapping[str, str], project: Mapping[str, Any]) -> ProjectUpdate | None:
    """Only the settings that differ from the stored ones, as `slipway projects update` sends
    them: an unchanged repository is not asked again. None when nothing changed."""
    stored = stored_settings(project)
    changed = {k: v for k, v in typed_settings(form).items() if v != stored[k]}
    return as_body(changed, ProjectUpdate) if changed else None


def as_body(values: Mapping[str, Any], shape: type[Body]) -> Body:
    """The request body the API would have decoded, refused in the sentence it would say."""
    try:
        return msgspec.convert(values, shape)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        raise BadRequest(
            validation_sentence([{"key": where.rstrip("`") or None, "message": message}]) or message
        ) from None

"""`/schema`: the API's reference as one server-rendered page that needs no network.

Litestar's usual reference pages load their scripts from a CDN, so where there is none
(a laptop offline, a locked-down network) they are blank. This page is plain HTML made
from the same OpenAPI document: each operation with its method, path, summary, parameters,
request body and answers. The document itself stays at /schema/openapi.json.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

_METHODS = ("get", "post", "put", "patch", "delete")
_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }
code { font: 13px ui-monospace, monospace; }
.op { border-top: 1px solid #ddd; padding: .5rem 0; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 600; }
.muted { color: #666; }
"""


def _ref_name(schema: dict[str, Any] | None) -> str:
    """A schema as a reader knows it: its component's name, or its type."""
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_ref_name(schema.get('items'))}"
    if choices := schema.get("oneOf") or schema.get("anyOf"):
        return " or ".join(_ref_name(s) for s in choices)
    return str(schema.get("type", ""))


def _body_schema(content: dict[str, Any] | None) -> str:
    for media in (content or {}).values():
        return _ref_name(media.get("schema"))
    return ""


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    parts = [
        f'<div class="op" id="{escape(op.get("operationId", ""))}">',
        f'<span class="method">{method.upper()}</span> <code>{escape(path)}</code>',
    ]
    if summary := op.get("summary") or op.get("description", "").split("\n", 1)[0]:
        parts.append(f"<div>{escape(summary)}</div>")
    params = [
        f"<code>{escape(p['name'])}</code> ({escape(p.get('in', ''))}"
        f"{', required' if p.get('required') else ''})"
        for p in op.get("parameters", [])
    ]
    if params:
        parts.append(f'<div class="muted">parameters: {", ".join(params)}</div>')
    if body := _body_schema(op.get("requestBody", {}).get("content")):
        parts.append(f'<div class="muted">body: <code>{escape(body)}</code></div>')
    answers = [
        f"{escape(code)}" + (f" <code>{escape(shape)}</code>" if shape else "")
        for code, answer in op.get("responses", {}).items()
        for shape in [_body_schema(answer.get("content"))]
    ]
    if answers:
        parts.append(f'<div class="muted">answers: {"; ".join(answers)}</div>')
    parts.append("</div>")
    return "".join(parts)


def reference_html(document: dict[str, Any]) -> str:
    info = document.get("info", {})
    title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
    sections: dict[str, list[str]] = {}
    for path, item in sorted(document.get("paths", {}).items()):
        for method in _METHODS:
            if (op := item.get(method)) is not None:
                tag = (op.get("tags") or ["other"])[0]
                sections.setdefault(tag, []).append(_operation(method, path, op))
    body = "".join(f"<h2>{escape(tag)}</h2>{''.join(ops)}" for tag, ops in sorted(sections.items()))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p>The OpenAPI document: <a href="/schema/openapi.json">/schema/openapi.json</a>. '
        f"<code>/api/*</code> needs <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
        f"{body}</body></html>"
    )


class ReferencePage(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/", favicon="", style="")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:  # type: ignore[type-arg]
        return reference_html(openapi_schema).encode()

"""Extract a compact AWS provider schema from the `@cdktn/provider-aws` npm package.

The package's `.jsii` assembly describes every resource and data source of the AWS
provider it was generated from: Terraform type names, argument names (in the
registry links of each property's docs), required flags and nested blocks. This
script keeps only that, so the structural tests can check our Terraform offline.

Usage: extract_aws_schema.py PACKAGE.tgz OUTPUT.json.gz
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Any

LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/hashicorp/aws/([^/]+)/docs/"
    r"(resources|data-sources)/([a-z0-9_]+)(?:#([a-z0-9_]+))? [^}]*\}"
)

Schema = dict[str, Any]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _read_assembly(package: Path) -> dict[str, Any]:
    with tarfile.open(package, "r:gz") as archive:
        member = archive.extractfile("package/.jsii")
        if member is None:
            raise SystemExit(f"{package}: no package/.jsii inside")
        return json.load(member)


def _struct_fqn(type_ref: dict[str, Any]) -> str | None:
    """The struct a property refers to, directly, in a collection or in a union."""
    if "fqn" in type_ref:
        return type_ref["fqn"] if not type_ref["fqn"].startswith("cdktn.") else None
    if "collection" in type_ref:
        return _struct_fqn(type_ref["collection"]["elementtype"])
    for member in type_ref.get("union", {}).get("types", []):
        found = _struct_fqn(member)
        if found:
            return found
    return None


def _arg_name(prop: dict[str, Any]) -> str | None:
    docs = prop.get("docs", {})
    text = docs.get("summary", "") + " " + docs.get("remarks", "")
    names = [m.group(4) for m in LINK.finditer(text) if m.group(4)]
    return names[-1] if names else None


def _schema(types: dict[str, Any], fqn: str, depth: int = 0) -> Schema:
    node: Schema = {"required": [], "optional": [], "blocks": {}}
    if depth > 12:  # recursive structures do not occur in the AWS provider; stop anyway
        return node
    for prop in types[fqn].get("properties", []):
        name = _arg_name(prop)
        if name is None:
            continue
        nested = _struct_fqn(prop["type"])
        if nested and types.get(nested, {}).get("datatype"):
            block = _schema(types, nested, depth + 1)
            if not prop.get("optional"):
                block["min"] = 1
            node["blocks"][name] = block
        elif prop.get("optional"):
            node["optional"].append(name)
        else:
            node["required"].append(name)
    return {
        key: (sorted(value) if isinstance(value, list) else value)
        for key, value in node.items()
        if value
    }


def extract(assembly: dict[str, Any]) -> dict[str, Any]:
    types = assembly["types"]
    out: dict[str, Any] = {
        "package": f"{assembly['name']}@{assembly['version']}",
        "provider_version": None,
        "resource": {},
        "data": {},
    }
    for klass in types.values():
        base = klass.get("base")
        if base not in ("cdktn.TerraformResource", "cdktn.TerraformDataSource"):
            continue
        match = LINK.search(klass["docs"].get("summary", ""))
        if not match:
            continue
        version, kind, short = match.group(1), match.group(2), match.group(3)
        out["provider_version"] = version
        params = klass.get("initializer", {}).get("parameters", [])
        config = next((p["type"]["fqn"] for p in params if p["name"] == "config"), None)
        if config is None:
            continue
        section = "resource" if kind == "resources" else "data"
        schema = _schema(types, config)
        # Attributes only read, never set (arn, dns_name, ...): the class's getters, less
        # the "...Input" ones, in the provider's snake_case.
        settable = set(schema.get("required", [])) | set(schema.get("optional", []))
        settable |= set(schema.get("blocks", {}))
        computed = {
            _snake(prop["name"])
            for prop in klass.get("properties", [])
            if not prop.get("static") and not prop["name"].endswith("Input")
        } - settable
        if computed:
            schema["computed"] = sorted(computed)
        out[section][f"aws_{short}"] = schema
    out["resource"] = dict(sorted(out["resource"].items()))
    out["data"] = dict(sorted(out["data"].items()))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    schema = extract(_read_assembly(Path(argv[0])))
    text = json.dumps(schema, separators=(",", ":"), sort_keys=True) + "\n"
    # mtime=0 keeps the committed file byte-identical when nothing changed upstream.
    Path(argv[1]).write_bytes(gzip.compress(text.encode(), mtime=0))
    print(
        f"{argv[1]}: AWS provider {schema['provider_version']}, "
        f"{len(schema['resource'])} resources, {len(schema['data'])} data sources"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

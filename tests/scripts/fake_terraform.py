"""A stand-in for the `terraform` executable, answering as Terraform 1.x does.

It records each call (argv, working directory, TF_DATA_DIR) as one JSON line in
$FAKE_TERRAFORM_LOG and prints what Terraform 1.11 prints for the same command: the
`version -json` document, `show -json` plan representation (format 1.2) and `output -json`
map. $FAKE_TERRAFORM_FAIL=<command> makes that command fail with a Terraform-style error
block on stderr (its summary $FAKE_TERRAFORM_ERROR when set) and exit code 1.
$FAKE_TERRAFORM_OUTPUTS names a JSON file of output values.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.11.4",
    "resource_changes": [
        {"address": "module.cluster.aws_ecs_cluster.this", "change": {"actions": ["create"]}},
        {"address": "module.edge.aws_lb.this", "change": {"actions": ["update"]}},
        {
            "address": "module.dns[0].aws_route53_record.api",
            "change": {"actions": ["delete", "create"]},
        },
        {"address": "module.logs.aws_s3_bucket.this", "change": {"actions": ["no-op"]}},
        {"address": "data.aws_caller_identity.current", "change": {"actions": ["read"]}},
        {"address": "module.network.aws_eip.nat[0]", "change": {"actions": ["delete"]}},
    ],
}


def error_block(summary: str) -> str:
    return f"\u2577\n\u2502 Error: {summary}\n\u2502 \n\u2502 (from the fake terraform)\n\u2575\n"


def main(argv: list[str]) -> int:
    log = os.environ.get("FAKE_TERRAFORM_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            record = {
                "argv": argv,
                "cwd": os.getcwd(),
                "tf_data_dir": os.environ.get("TF_DATA_DIR"),
            }
            handle.write(json.dumps(record) + "\n")
    command = argv[0] if argv else ""
    if os.environ.get("FAKE_TERRAFORM_FAIL") == command:
        default = f"{command} failed: Invalid value for variable"
        sys.stderr.write(error_block(os.environ.get("FAKE_TERRAFORM_ERROR", default)))
        return 1
    options = [arg for arg in argv[1:] if arg.startswith("-")]
    args = [arg for arg in argv[1:] if not arg.startswith("-")]
    if command == "version":
        version = os.environ.get("FAKE_TERRAFORM_VERSION", "1.11.4")
        print(
            json.dumps(
                {
                    "terraform_version": version,
                    "platform": "linux_amd64",
                    "provider_selections": {},
                    "terraform_outdated": False,
                }
            )
        )
    elif command == "init":
        print("\nInitializing the backend...\n\nTerraform has been successfully initialized!")
    elif command == "plan":
        out = next(arg.split("=", 1)[1] for arg in options if arg.startswith("-out="))
        Path(out).write_text("fake saved plan\n")
        print("Plan: 2 to add, 1 to change, 2 to destroy.")
    elif command == "show":
        print(json.dumps(PLAN))
    elif command == "apply":
        if not args or not Path(args[0]).is_file():
            sys.stderr.write(error_block("Failed to load saved plan"))
            return 1
        print("Apply complete! Resources: 2 added, 1 changed, 2 destroyed.")
    elif command == "output":
        source = os.environ.get("FAKE_TERRAFORM_OUTPUTS")
        values = json.loads(Path(source).read_text()) if source else {}
        print(
            json.dumps(
                {
                    name: {"sensitive": False, "type": "string", "value": value}
                    for name, value in values.items()
                }
            )
        )
    elif command == "destroy":
        print("Destroy complete! Resources: 3 destroyed.")
    else:
        sys.stderr.write(error_block(f'unknown command "{command}"'))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Operator tooling: render tfvars and task definitions, drive Terraform, roll out releases.

`python -m scripts.deploy --help` (or the `make plan|apply|destroy|release|rollback`
targets) is the entry point; docs/operators.md walks through it.
"""

"""One YAML file per environment, validated on load.

Unknown keys and bad values are errors that name the key path
(`services.api.cpu: ...`). Secrets never live here: Terraform creates them in Secrets
Manager and task definitions reference them by ARN.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scripts.deploy.errors import ConfigError

# Resource names are "slipway-<environment>", which Terraform limits to 20 characters.
ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,10}[a-z0-9]$|^[a-z]$")

# Fargate's valid task sizes: cpu units -> memory (MiB) choices.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]
BucketName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
DomainName = Annotated[
    str, Field(min_length=3, max_length=253, pattern=rf"^({LABEL}\.)+[a-z]{{2,63}}$")
]

CertificateArn = Annotated[
    str, Field(pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/")
]
KmsKeyArn = Annotated[
    str, Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$")
]
EmailAddress = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
# Docker platform of the images -> Fargate CPU architecture of the tasks that run them.
ARCHITECTURES = {"linux/amd64": "X86_64", "linux/arm64": "ARM64"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaskSize(Strict):
    cpu: int = 256
    memory: int = 512

    @model_validator(mode="after")
    def _fargate_pair(self) -> TaskSize:
        if self.cpu not in FARGATE_SIZES:
            raise ValueError(f"cpu {self.cpu} is not a Fargate size ({sorted(FARGATE_SIZES)})")
        if self.memory not in FARGATE_SIZES[self.cpu]:
            choices = FARGATE_SIZES[self.cpu]
            raise ValueError(
                f"memory {self.memory} does not fit cpu {self.cpu} "
                f"(Fargate allows {choices[0]}..{choices[-1]} MiB in its steps)"
            )
        return self


class ServiceSize(TaskSize):
    # Terraform sets the first count and the autoscaling range; releases leave counts alone.
    desired_count: int = Field(default=2, ge=1, le=50)
    min_count: int = Field(default=1, ge=1, le=50)
    max_count: int = Field(default=4, ge=1, le=50)

    @model_validator(mode="after")
    def _counts_in_order(self) -> ServiceSize:
        if not self.min_count <= self.desired_count <= self.max_count:
            raise ValueError("counts must satisfy min_count <= desired_count <= max_count")
        return self


class BuilderSize(TaskSize):
    cpu: int = 1024
    memory: int = 2048
    timeout_seconds: int = Field(default=900, ge=60, le=7200)


class Services(Strict):
    api: ServiceSize = ServiceSize(cpu=512, memory=1024, desired_count=1, max_count=3)
    proxy: ServiceSize = ServiceSize(desired_count=2, min_count=2, max_count=6)
    # The api as a second container in each proxy task, not a service of its own
    # (terraform variable api_beside_proxy): one task and one address fewer.
    api_beside_proxy: bool = False

    @model_validator(mode="after")
    def _api_sized_once(self) -> Services:
        if self.api_beside_proxy and "api" in self.model_fields_set:
            raise ValueError(
                "api has no task of its own when api_beside_proxy is true: size the proxy's"
            )
        return self


class Aws(Strict):
    region: Region
    # When set, every command refuses credentials for another account.
    account_id: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None


class State(Strict):
    """The S3 bucket holding Terraform state (created once by hand, see docs/operators.md)."""

    bucket: BucketName
    key: str | None = None
    region: Region | None = None


class Dns(Strict):
    base_domain: DomainName
    # Route 53 zone for the base domain: Terraform adds records and a validated certificate.
    hosted_zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{1,31}$")] | None = None
    # Or bring your own ACM certificate covering the base domain and *.base domain.
    certificate_arn: CertificateArn | None = None
    # Hosts outside the base domain routed to the proxy, and certificates covering them.
    custom_domains: tuple[DomainName, ...] = ()
    additional_certificate_arns: tuple[CertificateArn, ...] = ()

    @model_validator(mode="after")
    def _zone_or_certificate(self) -> Dns:
        if self.hosted_zone_id is None and self.certificate_arn is None:
            raise ValueError("set hosted_zone_id or certificate_arn (or both)")
        return self


class Database(Strict):
    instance_class: Annotated[str, Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] = "db.t4g.micro"
    multi_az: bool = False
    engine_version: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] = "17"
    allocated_storage_gb: int = Field(default=20, ge=20, le=1000)
    max_allocated_storage_gb: int = Field(default=100, ge=20, le=65536)
    backup_retention_days: int = Field(default=7, ge=0, le=35)


class Network(Strict):
    cidr: Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$")] = "10.40.0.0/16"
    az_count: int = Field(default=2, ge=2, le=4)
    # Tasks in private subnets behind one NAT gateway (costs money); else public subnets.
    enable_nat: bool = False


class Images(Strict):
    # git-sha: the tag is the first 12 characters of HEAD, and the tree must be clean.
    # explicit: `--tag` is required on every release.
    tag_policy: Literal["git-sha", "explicit"] = "git-sha"
    platform: Literal["linux/amd64", "linux/arm64"] = "linux/amd64"
    # How many images each ECR repository keeps.
    retention_count: int = Field(default=30, ge=1, le=1000)

    @property
    def cpu_architecture(self) -> str:
        """Of every task and of the images the release builds."""
        return ARCHITECTURES[self.platform]


class Health(Strict):
    # Host under the base domain used to reach the proxy through the ALB.
    proxy_host: str = "healthz"
    attempts: int = Field(default=30, ge=1, le=600)
    interval_seconds: float = Field(default=5, gt=0, le=60)


class Alarms(Strict):
    # Subscribed to the alarm topic; each gets AWS's confirmation mail, then the alarms.
    emails: tuple[EmailAddress, ...] = ()
    # A customer-managed key for the topic, whose key policy admits cloudwatch.amazonaws.com.
    topic_kms_key_arn: KmsKeyArn | None = None


class Environment(Strict):
    name: Annotated[str, Field(pattern=ENV_NAME.pattern)]
    aws: Aws
    state: State
    dns: Dns
    network: Network = Network()
    services: Services = Services()
    builder: BuilderSize = BuilderSize()
    database: Database = Database()
    images: Images = Images()
    health: Health = Health()
    rollout_timeout_seconds: int = Field(default=900, ge=60, le=3600)
    # Protect the ALB and the database from deletion; off only for throwaway environments.
    deletion_protection: bool = True
    access_logs: bool = True
    log_retention_days: int = 30
    # Container Insights: task counts per service and the alarms on them (about 18 USD a month).
    container_insights: bool = True
    alarms: Alarms = Alarms()
    # AWSServiceRoleForECS is one per account: `create` in a brand-new account, `existing`
    # where ECS has ever run (creating it again fails the apply).
    ecs_service_linked_role: Literal["create", "existing"] = "create"
    cache_expiration_days: int = Field(default=14, ge=1, le=3650)
    tags: dict[Annotated[str, Field(min_length=1, max_length=128)], str] = {}

    @field_validator("log_retention_days")
    @classmethod
    def _retention_is_one_cloudwatch_allows(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of {list(LOG_RETENTION_DAYS)}")
        return value

    @property
    def resource_name(self) -> str:
        return f"slipway-{self.name}"

    @property
    def state_key(self) -> str:
        return self.state.key or f"slipway/{self.name}/terraform.tfstate"

    @property
    def state_region(self) -> str:
        return self.state.region or self.aws.region


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        # Model validators report at their model's path; strip pydantic's wrapper text.
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(f"{_key_path(tuple(item['loc']))}: {message}")
    return "; ".join(problems)


def parse_environment(name: str, data: Any, *, source: str) -> Environment:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of keys at the top level")
    if "name" in data and data["name"] != name:
        raise ConfigError(f"{source}: name: {data['name']!r} does not match the file name")
    try:
        return Environment.model_validate({**data, "name": name})
    except ValidationError as error:
        raise ConfigError(f"{source}: {describe_validation_error(error)}") from None


def environment_names(directory: Path) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.yaml"))


def load_environment(name: str, directory: Path) -> Environment:
    known = environment_names(directory)
    choices = ", ".join(known) if known else f"none yet in {directory}"
    if not name:
        raise ConfigError("no environment given", hint=f"pass ENV=<name>; environments: {choices}")
    if not ENV_NAME.match(name):
        raise ConfigError(
            f"environment name {name!r} is not valid",
            hint="lowercase letters, digits and '-', at most 12 characters",
        )
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"no environment file {path}", hint=f"environments: {choices}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None)
        raise ConfigError(
            f"{path}:{where} is not valid YAML" + (f" ({problem})" if problem else "")
        ) from None
    return parse_environment(name, data, source=str(path))


class _UniqueKeyLoader(yaml.SafeLoader):
    """`yaml.safe_load`, except that a key given twice in one mapping is an error: PyYAML
    keeps the last one silently, so a second `region:` further down would quietly win."""


def _unique_keys(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`; its keys may be overridden
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            repeated = key in seen
        except TypeError:  # an unhashable key: construct_mapping names that problem
            continue
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_keys)

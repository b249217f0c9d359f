"""One build from start to end: fetch, install, build, publish, then the log, whatever happened."""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
import time
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any

from build_runner.build_cache import restore_cache, save_cache
from build_runner.buildenv import (
    add_file_variables,
    build_environment,
    own_tmpdir,
    package_manager_env,
)
from build_runner.corepack_home import seed_corepack_home
from build_runner.deadline import Deadline
from build_runner.disk_watch import DiskLimits, LimitReached
from build_runner.errors import BuildFailure
from build_runner.exec_limits import CannotStart, check_fits
from build_runner.failure_hints import install_hint
from build_runner.failure_lines import meaningful_lines
from build_runner.fetch import fetch_commit
from build_runner.identity import build_identity
from build_runner.log import BuildLog
from build_runner.netlify_config import DeployTarget, describe
from build_runner.next_export import require_static_export
from build_runner.node_check import select_node
from build_runner.node_version import node_setting
from build_runner.output import collect_files, locate_output
from build_runner.plan import BuildPlan, Command, make_plan
from build_runner.presets import NEXT
from build_runner.process import run_logged
from build_runner.publish import publish_site
from build_runner.python_runtime import (
    Interpreter,
    choose_python,
    interpreters,
    python_env_command,
    requested_python,
)
from build_runner.python_runtime import environment_variables as python_env_variables
from build_runner.runtimes import NodeRuntime, RuntimeStore
from build_runner.sandbox import (
    SANDBOX_HOME,
    Sandbox,
    reachable_by_others,
    resolve_sandbox,
    toolchain_paths,
)
from build_runner.serving import serving_config
from build_runner.site_variables import commit_variables, site_variables
from build_runner.vercel_config import describe as describe_vercel
from services.core.build_failure import LOG_STEP as FAILURE_STEP
from services.core.build_protocol import (
    EXIT_BUILD,
    EXIT_INSTALL,
    EXIT_INTERNAL,
    EXIT_OUTPUT,
    EXIT_PUBLISH,
    EXIT_SKIPPED,
    reason_for_exit,
)
from services.core.manifest import build_log_key
from services.core.runner_inputs import RunnerInputs
from services.core.storage import Storage, StorageError

# A cache that takes longer than this to move is not saving time.
CACHE_SECONDS = 120.0
# Stopped by SIGTERM (a canceled deployment): 128 + the signal, as shells report it.
EXIT_TERMINATED = 128 + signal.SIGTERM


class _Workspace:
    """The build's private directory.

    `root` is the runner's alone (git's askpass helper lives there); `sandbox` under it is
    what the project's commands get: the checkout, the package cache, the corepack home,
    their TMPDIR and, unsandboxed, HOME. It is handed to the build user before their commands
    run.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="slipway-build-")).resolve()
        # bubblewrap, running as the build user, must pass through `root` (never list it) to
        # reach `sandbox`; so must it through every directory above (see docs/security.md).
        self.root.chmod(0o711)
        self.sandbox = self.root / "sandbox"
        self.checkout = self.sandbox / "src"
        self.cache = self.sandbox / "cache"
        self.python_env = self.sandbox / "python"  # outside the checkout: never published
        self.home = self.sandbox / "home"
        self.home.mkdir(parents=True)
        # The commands' TMPDIR: private (0700, the build user's once handed over), on disk
        # and counted in the workspace's limit, unlike the sandbox's /tmp (a tmpfs, kept for
        # tools that ignore TMPDIR); removed with the workspace.
        self.tmp = self.sandbox / "tmp"
        self.tmp.mkdir(mode=0o700)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class _Executor:
    """Runs the project's commands: in the sandbox, as the build user, with its environment."""

    def __init__(
        self,
        inputs: RunnerInputs,
        runner_env: Mapping[str, str],
        work: _Workspace,
        sandbox: Sandbox,
    ) -> None:
        self.sandbox = sandbox
        self.work = work
        self.env = build_environment(
            runner_env,
            home=Path(SANDBOX_HOME) if sandbox.enabled else work.home,
            cache_dir=work.cache,
            project_env=inputs.build_env,
            commit_sha=inputs.commit_sha,
            ref=inputs.ref,
            deploy_context=inputs.deploy_context,
            site_env=site_variables(inputs),
        )
        self._extra_ro = toolchain_paths(self.env["PATH"], self.env.get("COREPACK_HOME"))
        if prepared := self.env.get("COREPACK_HOME"):
            home = seed_corepack_home(Path(prepared), work.sandbox / "corepack")
            self.env["COREPACK_HOME"] = str(home)
        self._disk = (work.sandbox, DiskLimits(inputs.limits.max_workspace_bytes))

    def use_runtime(self, runtime: NodeRuntime) -> None:
        """Put a runtime first on the commands' PATH, mounted read-only in the sandbox."""
        if self.sandbox.identity.switched and not reachable_by_others(runtime.bin / "node"):
            raise BuildFailure(
                EXIT_INTERNAL,
                f"{runtime.home} cannot be read by build users: set SLIPWAY_RUNTIMES_DIR "
                "to a directory every user may pass through",
            )
        self.env["PATH"] = f"{runtime.bin}:{self.env['PATH']}"
        self.add_read_only(runtime.home)

    def add_read_only(self, directory: Path) -> None:
        """A toolchain directory the commands need, mounted read-only (system ones already are)."""
        self._extra_ro.append(directory)

    def can_run(self, program: Path) -> bool:
        """Whether the build user can reach and run `program` (a toolchain binary)."""
        return not self.sandbox.identity.switched or reachable_by_others(program)

    def use_python_env(self, venv: Path) -> None:
        """Put the build's own Python environment first on the commands' PATH."""
        self.env["PATH"] = f"{venv / 'bin'}:{self.env['PATH']}"
        self.env.update(python_env_variables(venv, self.work.cache))

    def hand_over(self) -> None:
        """Give the build user what the runner wrote into the sandbox (checkout, cache)."""
        self.sandbox.identity.hand_over(self.work.sandbox)

    async def run(self, command: Command, step: str, log: BuildLog, deadline: Deadline) -> int:
        # Checked at every command: netlify.toml's variables join after the first one.
        if note := own_tmpdir(self.env, self.work.tmp):
            log.line(step, note)
        check_fits(command.argv, self.env)  # the sandbox's own arguments are a few KiB
        self.hand_over()
        wrapped = self.sandbox.command(
            command.argv, workdir=self.work.sandbox, cwd=command.cwd, extra_ro=self._extra_ro
        )
        try:
            return await run_logged(
                wrapped,
                cwd=command.cwd,
                env=self.env,
                log=log,
                step=step,
                deadline=deadline,
                disk=self._disk,
            )
        except FileNotFoundError:
            log.line(step, f"command not found: {command.argv[0]}")
            return 127
        finally:
            if stopped := self.sandbox.identity.stop_leftovers():
                log.line(step, f"stopped {stopped} process(es) the command left running")


async def run_build(inputs: RunnerInputs, runner_env: Mapping[str, str], log: BuildLog) -> int:
    """Run the whole build and return its exit code; the log is uploaded in every case."""
    started = time.monotonic()
    log.add_secrets(inputs.secrets)
    storage: Storage | None = None
    work = _Workspace()
    code = EXIT_INTERNAL
    failure: BuildFailure | None = None
    try:
        storage = Storage(inputs.storage_url)
        code = await _build(inputs, runner_env, log, storage, work, started)
    except BuildFailure as failed:
        failure = failed
    except asyncio.CancelledError:  # SIGTERM: every command was stopped, no manifest written
        # A cancel on request or a stopped task, not a failure of the build: said plainly.
        log.line("result", "build stopped (SIGTERM): nothing was published")
        code = EXIT_TERMINATED
    except StorageError as exc:  # storage refused or unreachable: the publish failed
        failure = BuildFailure(EXIT_PUBLISH, f"storage: {exc}")
    except Exception as exc:  # the runner's own bug: report it, fail as internal
        failure = BuildFailure(EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}")
    finally:
        work.remove()
    if failure is not None:
        code = failure.exit_code
        log.line("error", failure.message)
        if failure.hint:
            log.line("error", failure.hint)
        # What the api shows as the deployment's error (services/core/build_failure.py).
        log.line(FAILURE_STEP, failure.summary().to_log_message())
    if code not in (0, EXIT_SKIPPED, EXIT_TERMINATED):
        log.line("result", f"build failed: {reason_for_exit(code)} (exit code {code})")
    if storage is not None:
        await _upload_log(storage, inputs.deployment_id, log)
    return code


async def _build(
    inputs: RunnerInputs,
    runner_env: Mapping[str, str],
    log: BuildLog,
    storage: Storage,
    work: _Workspace,
    started: float,
) -> int:
    deadline = Deadline(inputs.build_timeout)
    identity = build_identity(inputs.deployment_id, inputs.limits.max_processes)
    sandbox = resolve_sandbox(inputs.sandbox, identity)
    log.line("setup", f"deployment {inputs.deployment_id} of {inputs.project}")
    log.line("setup", f"sandbox: {sandbox.describe()}")
    executor = _Executor(inputs, runner_env, work, sandbox)

    with log.step("fetch"):
        sha = await fetch_commit(
            repo_url=inputs.repo_url,
            commit_sha=inputs.commit_sha,
            ref=inputs.ref,
            token=inputs.git_token,
            dest=work.checkout,
            private_dir=work.root,
            log=log,
            deadline=deadline,
            # Ignore commands compare the commit with its parent (`git diff HEAD^ HEAD`).
            depth=2 if inputs.ignore_command else 1,
        )
    commit = commit_variables(sha)
    executor.env.update({k: v for k, v in commit.items() if k not in inputs.build_env})

    if inputs.ignore_command and await _should_skip(inputs, executor, work, log, deadline):
        return EXIT_SKIPPED

    plan = make_plan(
        work.checkout,
        root_dir=inputs.root_dir,
        install_command=inputs.install_command,
        build_command=inputs.build_command,
        path=executor.env["PATH"],
        output_dir=inputs.output_dir,
        target=DeployTarget(inputs.deploy_context, inputs.ref),
    )
    _describe_plan(plan, work.checkout, log)
    for line in _config_file_lines(plan, inputs):
        log.line("detect", line)
    if plan.netlify is not None:
        add_file_variables(executor.env, plan.netlify.environment, inputs.build_env)
    manager = plan.package_manager.name if plan.package_manager else None
    package_manager_env(executor.env, manager, work.cache, inputs.build_env)
    if plan.package_json is not None:
        request = node_setting(inputs.build_env) or plan.node_request
        store = RuntimeStore.from_env(runner_env)
        if runtime := await select_node(request, executor.env, store, log, deadline):
            executor.use_runtime(runtime)

    python = _choose_python(plan, inputs, executor, work, log) if plan.preset.python else None
    cached = plan.install is not None and (plan.package_manager is not None or python is not None)
    if cached:
        restore = restore_cache(
            storage, inputs.project, work.cache, log, context=inputs.deploy_context
        )
        await _best_effort(restore, log, deadline)
    if python is not None:
        with log.step("install"):
            make_env = Command(python_env_command(python, work.python_env), plan.project_dir)
            await _must_succeed(make_env, "install", EXIT_INSTALL, executor, log, deadline, plan)
            executor.use_python_env(work.python_env)
    if plan.install is not None:
        with log.step("install"):
            await _must_succeed(
                plan.install, "install", EXIT_INSTALL, executor, log, deadline, plan
            )
    if plan.build is not None:
        with log.step("build"):
            await _must_succeed(plan.build, "build", EXIT_BUILD, executor, log, deadline, plan)
    else:
        log.line("build", "no build step: publishing the files as they are")

    with log.step("publish"):
        if plan.preset is NEXT and not plan.output_dir:
            require_static_export(plan.project_dir, work.checkout)
        output = _output_directory(plan, work.checkout)
        log.line("publish", f"output directory: {_relative(output, work.checkout)}")
        files = collect_files(output, inputs.limits, log, is_root=output == plan.project_dir)
        rules = plan.config_file
        config = serving_config(
            output,
            inputs.spa,
            log,
            appended_redirects=rules.redirects_text() if rules else "",
            appended_headers=rules.headers_text() if rules else "",
            appended_from=rules.FILE_NAME if rules else "",
        )
        try:
            async with asyncio.timeout(deadline.remaining()):
                stats = await publish_site(
                    storage,
                    deployment_id=inputs.deployment_id,
                    project=inputs.project,
                    files=files,
                    config=config,
                    concurrency=inputs.publish_concurrency,
                )
        except TimeoutError:
            raise deadline.expired() from None
    if cached:  # the deployment is published: nothing here may fail the build any more
        save = save_cache(storage, inputs.project, work.cache, log, context=inputs.deploy_context)
        await _best_effort(save, log, deadline)
    log.line(
        "summary",
        f"published {stats.files} files, {stats.bytes} bytes ({stats.objects} objects, "
        f"{stats.stored_bytes} bytes stored) in {time.monotonic() - started:.2f}s",
    )
    return 0


async def _best_effort(work: Coroutine[Any, Any, bool], log: BuildLog, deadline: Deadline) -> None:
    """Run a cache step within the time left (at most CACHE_SECONDS); log and go on on failure."""
    try:
        async with asyncio.timeout(min(CACHE_SECONDS, max(deadline.seconds_left(), 1))):
            await work
    except TimeoutError:
        log.line("cache", "the build cache step took too long and was abandoned")
    except Exception as exc:  # a cache only saves time; it never fails a build
        log.line("cache", f"the build cache step failed: {type(exc).__name__}: {exc}")


async def _should_skip(
    inputs: RunnerInputs, executor: _Executor, work: _Workspace, log: BuildLog, deadline: Deadline
) -> bool:
    command = Command(["sh", "-c", inputs.ignore_command], work.checkout)
    if await executor.run(command, "ignore", log, deadline) == 0:
        log.line("ignore", "the ignore command exited 0: this build is skipped")
        return True
    return False


async def _must_succeed(
    command: Command,
    step: str,
    exit_code: int,
    executor: _Executor,
    log: BuildLog,
    deadline: Deadline,
    plan: BuildPlan,
) -> None:
    log.line(step, f"$ {command.describe()}")
    try:
        code = await executor.run(command, step, log, deadline)
    except LimitReached as limit:
        raise BuildFailure(exit_code, f"{step} command stopped: {limit.message}") from None
    except CannotStart as refused:
        raise BuildFailure(exit_code, f"{step} command cannot start: {refused.message}") from None
    if code == 0:
        return
    output = log.recent_output(step)
    described = log.mask(command.shown())
    raise BuildFailure(
        exit_code,
        f"`{described}` exited with code {code}",
        command=described,
        command_exit=code,
        errors=meaningful_lines(output),
        hint=install_hint(plan.package_manager, output) if step == "install" else None,
    )


def _choose_python(
    plan: BuildPlan, inputs: RunnerInputs, executor: _Executor, work: _Workspace, log: BuildLog
) -> Interpreter:
    request = requested_python(plan.project_dir, work.checkout, inputs.build_env)
    python = choose_python(request, interpreters(executor.env["PATH"], executor.can_run))
    asked = f"the project asks for {request[0]!r} ({request[1]})" if request else "the newest here"
    log.line("detect", f"{python.describe()}: {asked}")
    executor.add_read_only(python.prefix)
    return python


def _output_directory(plan: BuildPlan, checkout: Path) -> Path:
    """Where the build wrote its site; when it is missing, what detection noted is the why."""
    try:
        return locate_output(
            plan.project_dir, checkout, plan.output_dir, plan.preset.output_dir, plan.preset.name
        )
    except BuildFailure as failure:
        # Every note is about the output: a framework set up as a server, a config unread.
        if failure.exit_code == EXIT_OUTPUT and plan.notes and failure.hint is None:
            failure.hint = "; ".join(plan.notes)
        raise


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root.resolve())) if path != root.resolve() else "."


def _config_file_lines(plan: BuildPlan, inputs: RunnerInputs) -> list[str]:
    """What the project's netlify.toml or vercel.json contributed, for the build log."""
    settings = {"build_setting": inputs.build_command, "output_setting": inputs.output_dir}
    if plan.netlify is not None:
        return describe(plan.netlify, **settings, project_env=inputs.build_env)
    if plan.vercel is not None:
        return describe_vercel(plan.vercel, **settings, install_setting=inputs.install_command)
    return []


def _describe_plan(plan: BuildPlan, checkout: Path, log: BuildLog) -> None:
    log.line("detect", f"project directory: {_relative(plan.project_dir, checkout)}")
    log.line("detect", f"framework: {plan.preset.name}")
    for note in plan.notes:  # what a framework's config said that the build should know
        log.line("detect", note)
    if plan.package_manager is not None:
        log.line("detect", f"package manager: {plan.package_manager.describe()}")
        if plan.package_manager.other_lockfile:
            log.line("detect", plan.package_manager.other_lockfile)
    elif plan.package_json is None:
        log.line("detect", "no package.json: nothing to install")


async def _upload_log(storage: Storage, deployment_id: str, log: BuildLog) -> None:
    try:
        await storage.put(
            build_log_key(deployment_id),
            log.text().encode(),
            content_type="text/plain; charset=utf-8",
            create_only=True,  # a repeated run never replaces the first run's log
        )
    except StorageError as exc:
        log.line("error", f"could not upload the build log: {exc}")

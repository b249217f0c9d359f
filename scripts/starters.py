"""Framework starters made by their own generators, for build tests and benchmarks.

One starter per row of docs/frameworks.md that a generator here can make: the generator,
pinned to an exact version and run with its non-interactive flags, then the steps a
developer takes after it (`steps`: Next.js's `output: 'export'`, SvelteKit's prerendering).

`python -m scripts.starters prepare NAME…` generates each one (it needs the npm registry or
PyPI), then installs once with an npm cache of its own, which writes the lockfile. What is
kept, under `.tools/starters/<name>/`: `app/` (the generated project and its lockfile,
without node_modules) and `npm-cache/` (every package the install fetched); for a Python
starter, `wheels/` (every wheel its requirements.txt installs). A build can then install
from that cache, restored as the project's build cache (tests/build_runner/
test_starters_offline.py), or from a loopback registry serving it (bench/builds.py).

Rows left out, since their generators download templates from GitHub, which builders' test
machines may not reach, and no copy of the template is published on npm: Astro
(create-astro), Nuxt (nuxi init), Gatsby (create-gatsby; the gatsby-starter-* packages on
npm are not Gatsby's), React Router and Remix (create-react-router, create-remix),
SolidStart (create-solid). Hugo and Jekyll are programs, not packages a build installs.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.dependencies.requirements import REPO_ROOT
from scripts.prompt_defaults import Answers
from scripts.starter_steps import Edit, Run, Step, Write, run_command
from scripts.starter_tools import python_tool, tool_env

STARTERS_DIR = REPO_ROOT / ".tools" / "starters"
NPM = ["npm", "--no-audit", "--no-fund", "--loglevel=error"]
LEFTOVERS = (".git", "node_modules")  # generators that install or `git init` leave these
LOCK_ONLY = ("--package-lock-only", "--ignore-scripts")  # the install that follows adds the rest


@dataclass(frozen=True)
class Starter:
    name: str
    generator: tuple[str, ...]  # run in an empty directory; writes ./app (none: steps do)
    framework: str  # what the build log's `framework:` line names
    page: str  # text the built site's index.html holds
    # Published paths (a regular expression) of fingerprinted files, which must be served
    # as immutable; empty when the framework fingerprints nothing.
    fingerprinted: str = ""
    steps: tuple[Step, ...] = ()  # after the generator, in ./app
    asks: bool = False  # the generator only asks on a terminal: each default is taken…
    answers: Answers = ()  # …but these (scripts/prompt_defaults.py)
    node: str = ""  # the Node.js the framework needs when this machine's is older (`22`)
    python_tool: str = ""  # `mkdocs==1.6.1`: generated from a venv, built from requirements.txt

    @property
    def made_with(self) -> str:
        """The pinned tool that made it (`create-vite@9.3.0`), as reports name it."""
        commands = [self.generator, *(getattr(step, "argv", ()) for step in self.steps)]
        pinned = [word for argv in commands for word in argv if re.search(r"\w@\d", word)]
        return pinned[0] if pinned else self.python_tool or "by hand"

    @property
    def home(self) -> Path:
        return STARTERS_DIR / self.name

    @property
    def app(self) -> Path:
        return self.home / "app"

    @property
    def npm_cache(self) -> Path:
        return self.home / "npm-cache"

    @property
    def wheels(self) -> Path:
        return self.home / "wheels"

    @property
    def ready(self) -> Path:
        return self.home / ".ready"


def _npm_exec(package: str, *args: str) -> tuple[str, ...]:
    return ("npm", "exec", "--yes", "--", package, *args)


def _create_vite(template: str, page: str) -> Starter:
    return Starter(
        f"vite-{template}",
        _npm_exec("create-vite@9.3.0", "app", "--template", template, "--no-interactive"),
        "Vite",
        page,
        r"assets/.+\.js",
    )


NEXT_EXPORT = Edit(
    "next.config.ts",
    "const nextConfig: NextConfig = {\n",
    "const nextConfig: NextConfig = {\n  output: 'export',\n",
    "add `output: 'export'`, Next.js's static export",
)

PRERENDER = Write(
    "src/routes/+layout.ts",
    "export const prerender = true;\n",
    "adapter-static needs every page prerendered, as SvelteKit's static-site guide says",
)

STARTERS = {
    s.name: s
    for s in (
        _create_vite("react-ts", '<div id="root"></div>'),
        _create_vite("vanilla-ts", '<div id="app"></div>'),
        _create_vite("vue-ts", '<div id="app"></div>'),
        _create_vite("svelte-ts", '<div id="app"></div>'),
        _create_vite("preact-ts", '<div id="app"></div>'),
        _create_vite("lit-ts", "<my-element>"),
        _create_vite("solid-ts", '<div id="root"></div>'),
        # Not qwik-ts: create-vite 9.3.0's template asks for @builder.io/qwik ^1.20.2, and
        # the newest published is 1.20.1, so its install fails (ETARGET).
        Starter(
            "next-export",
            _npm_exec(
                "create-next-app@16.4.3",
                *("app", "--ts", "--eslint", "--app", "--no-tailwind", "--src-dir"),
                *("--import-alias", "@/*", "--use-npm", "--skip-install", "--disable-git"),
                # The default template's next/font/google downloads its fonts from Google
                # Fonts while building, which benchmarks (loopback only) and test machines
                # that reach only the registries cannot; the empty one has none.
                "--empty",
                # Cache Components, on by default, makes `next build` refuse a static export
                # ("PPR cannot be enabled in export mode").
                *("--no-cache-components", "--yes"),
            ),
            "Next.js (static export)",
            "Hello world!",
            r"_next/static/.+\.js",
            steps=(NEXT_EXPORT,),
        ),
        Starter(
            "sveltekit",
            _npm_exec(
                "sv@0.17.1",
                *("create", "app", "--template", "minimal", "--types", "ts"),
                *("--add", "sveltekit-adapter=adapter:static", "--no-install"),
            ),
            "SvelteKit (static)",
            "Welcome to SvelteKit",
            r"_app/immutable/.+\.js",
            steps=(PRERENDER,),
            node="22",  # @sveltejs/kit's engines: >=22.17
        ),
        Starter(
            "qwik-city",
            _npm_exec("create-qwik@1.20.1", "empty", "app"),
            "Qwik City (static)",
            "Hi",
            r"build/q-.+\.js",
            # The adapter's own command edits the project; it runs from the installed packages.
            steps=(
                Run((*NPM, "install")),
                Run(("npm", "run", "qwik", "add", "static", "--", "--skipConfirmation=true")),
            ),
        ),
        Starter(
            "docusaurus",
            _npm_exec(
                "create-docusaurus@3.10.2",
                *("app", "classic", "--skip-install", "--javascript", "--package-manager", "npm"),
            ),
            "Docusaurus",
            "Dinosaurs are cool",
            r"assets/js/.+\.js",
        ),
        Starter(
            "vitepress",
            (),
            "VitePress",
            "My Awesome Project",
            r"assets/.+\.js",
            # Its getting-started guide: add the package, then `vitepress init`.
            steps=(
                Run(("npm", "init", "-y")),
                Run((*NPM, "install", "--save-dev", *LOCK_ONLY, "vitepress@1.6.4")),
                Run(_npm_exec("vitepress@1.6.4", "init"), asks=True),
            ),
        ),
        Starter(
            "vuepress",
            _npm_exec(
                "create-vuepress@2.0.0-rc.128", "app", "--theme", "default", "--preset", "docs"
            ),
            "VuePress",
            "Simplicity First",
            r"assets/.+\.js",
            asks=True,  # language, package manager, bundler, name…: the defaults (npm, vite)
            answers=(("preview template now", "n"),),  # its dev server, which never ends
            node="22",  # its packages' engines (chokidar 6, @babel/parser 8): >=22.18
        ),
        Starter(
            "angular",
            _npm_exec(
                "@angular/cli@22.2.7",
                *("new", "app", "--defaults", "--skip-install", "--skip-git", "--ssr=false"),
            ),
            "Angular",
            "<app-root></app-root>",
            r"main-\w+\.js",
            node="22",  # the CLI's engines: ^22.22.3 || ^24.15.0 || >=26
        ),
        Starter(
            "ember",
            _npm_exec(
                "ember-cli@7.3.0",
                # An app may not be called `app`: its name, and the directory apart.
                *("new", "ember-site", "--directory", "app", "--skip-npm", "--skip-git"),
            ),
            "Ember",
            "<title>EmberSite</title>",
            r"assets/.+\.js",
        ),
        Starter(
            "create-react-app",
            # It installs as it generates; deprecated, and still published.
            _npm_exec("create-react-app@5.1.0", "app", "--use-npm"),
            "Create React App",
            '<div id="root"></div>',
            r"static/js/main\.\w+\.js",
        ),
        Starter(
            "hexo",
            # --no-clone: the starter hexo-cli ships, instead of a git clone of hexo-starter.
            _npm_exec("hexo-cli@4.3.2", "init", "app", "--no-install", "--no-clone"),
            "Hexo",
            "Hello World",
        ),
        Starter(
            "eleventy",
            (),  # Eleventy has no generator: its Get Started page, step by step
            "Eleventy",
            "Hello from Eleventy",
            steps=(
                Run(("npm", "init", "-y")),
                Run((*NPM, "install", "--save-dev", *LOCK_ONLY, "@11ty/eleventy@3.1.8")),
                Write("index.md", "# Hello from Eleventy\n"),
            ),
        ),
        Starter(
            "mkdocs",
            ("mkdocs", "new", "app"),
            "MkDocs",
            "Welcome to MkDocs",
            python_tool="mkdocs==1.6.1",
        ),
        Starter(
            "sphinx",
            ("sphinx-quickstart", "-q", "-p", "Site", "-a", "Site Authors", "--no-sep", "app"),
            "Sphinx",
            "Site documentation",
            python_tool="sphinx==9.0.4",
        ),
        Starter(
            "plain-html",
            (),
            "plain static",
            "Hello from plain HTML",
            steps=(
                Write(
                    "index.html",
                    "<!doctype html>\n<title>Site</title>\n<h1>Hello from plain HTML</h1>\n",
                ),
            ),
        ),
    )
}


def build_variables(starter: Starter, app: Path) -> dict[str, str]:
    """What the project's settings must say for its build: the Node.js the framework needs,
    as `NODE_VERSION`, when the generated project names none (.nvmrc, engines)."""
    if not starter.node or any((app / f).exists() for f in (".nvmrc", ".node-version")):
        return {}
    engines = json.loads((app / "package.json").read_text()).get("engines") or {}
    return {} if "node" in engines else {"NODE_VERSION": starter.node}


def generate(starter: Starter, home: Path) -> Path:
    """Make the starter afresh in `home` (emptied first); returns its project, `home/app`."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    app = home / "app"
    if starter.python_tool:
        with python_tool(starter.python_tool) as tool_bin:
            _run_generator(starter, home, tool_env(extra_bin=tool_bin))
        # What the build installs: the same tool, pinned.
        (app / "requirements.txt").write_text(starter.python_tool + "\n")
    else:
        _run_generator(starter, home, tool_env(starter.node))
    for leftover in LEFTOVERS:
        shutil.rmtree(app / leftover, ignore_errors=True)
    return app


def _run_generator(starter: Starter, home: Path, env: dict[str, str]) -> None:
    app = home / "app"
    if starter.generator:
        run_command(starter.generator, home, env, starter.asks, starter.answers)
    else:
        app.mkdir()
    for step in starter.steps:
        step.apply(app, env)


def prepare(starter: Starter) -> None:
    if starter.ready.exists():
        return
    app = generate(starter, starter.home)
    if starter.python_tool:
        with python_tool(starter.python_tool) as tool_bin:
            download = [str(tool_bin / "pip"), "download", "-q", "-r", "requirements.txt"]
            subprocess.run([*download, "-d", str(starter.wheels)], cwd=app, check=True)
    elif (app / "package.json").exists():
        # Download addresses in the lockfile, as a developer's machine writes them: an offline
        # install finds each tarball in the cache by them (some machines' npmrc omits them).
        install = [*NPM, "install", "--omit-lockfile-registry-resolved=false"]
        install += ["--cache", str(starter.npm_cache)]
        env = tool_env(starter.node)
        subprocess.run(install, cwd=app, env=env, check=True, stdin=subprocess.DEVNULL)
        shutil.rmtree(app / "node_modules")
    starter.ready.touch()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.starters")
    parser.add_argument("command", choices=["prepare"])
    parser.add_argument("names", nargs="*", help=f"default: all ({', '.join(STARTERS)})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in STARTERS]
    if unknown:
        print(f"unknown starter {unknown[0]!r}: choose from {', '.join(STARTERS)}", file=sys.stderr)
        return 2
    for name in args.names or list(STARTERS):
        prepare(STARTERS[name])
        print(f"starters: {name} in {STARTERS[name].home}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``uses:`` steps the rehearsal knows, satisfied by this machine instead of downloads.

- ``actions/checkout``: the workspace already is the working tree.
- ``actions/setup-python``: a fresh virtual environment of the interpreter at hand goes first
  on ``PATH`` (so ``pip install`` there touches nothing else); another requested version is a
  warning, since only that interpreter is rehearsed.
- ``actions/setup-node`` and ``astral-sh/setup-uv``: the machine's ``node`` and ``uv``; a
  version mismatch or a missing tool is a warning.
- The setup actions' cache options are checked the way the actions check them: a
  ``cache-dependency-path`` that matches no file fails setup-python and setup-node on GitHub.

Any other action is an error naming it: the rehearsal cannot know what it would do.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RehearsalError
from .values import to_string

__all__ = ["KNOWN_ACTIONS", "ActionEffect", "action_name", "check_action", "run_action"]

_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass
class ActionEffect:
    """What an action leaves for later steps: ``PATH`` entries, variables, outputs."""

    path: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionCall:
    """One ``uses:`` step with its evaluated ``with:`` inputs and the machine around it."""

    uses: str
    inputs: Mapping[str, Any]
    workspace: Path
    tool_cache: Path
    machine_path: str
    warn: Callable[[str], None]
    log: Callable[[str], None]

    def input(self, name: str) -> str:
        """An input as a string ('' when not given)."""
        return to_string(self.inputs.get(name)).strip()  # true is 'true', as GitHub passes it


def action_name(uses: str) -> str:
    """``owner/repo`` of ``owner/repo[/path]@ref`` (lower case), or the reference as written."""
    if uses.startswith(("./", "docker://")):
        return uses
    return "/".join(uses.split("@", 1)[0].split("/")[:2]).lower()


def _matches(workspace: Path, patterns: str) -> list[Path]:
    found: list[Path] = []
    for pattern in (p.strip() for p in patterns.splitlines()):
        if pattern:
            found.extend(p for p in workspace.glob(pattern) if p.is_file())
    return found


def _check_inputs(call: ActionCall, known: set[str]) -> None:
    for name in call.inputs:
        if name not in known:
            call.warn(f"{call.uses}: input {name!r} is not modelled by the rehearsal (ignored)")


def _version_fits(requested: str, actual: tuple[int, ...]) -> bool | None:
    """Whether ``actual`` satisfies ``3.12`` / ``3.12.1`` / ``3.x`` / ``20``; None: unknown."""
    parts = requested.lstrip("v").split(".")
    if not parts or not parts[0].isdigit():
        return None
    for index, part in enumerate(parts):
        if part in ("x", "*"):
            return True
        if not part.isdigit():
            return None
        if index >= len(actual) or int(part) != actual[index]:
            return False
    return True


def _checkout(call: ActionCall) -> ActionEffect:
    _check_inputs(call, {"persist-credentials", "fetch-depth", "clean", "show-progress"})
    call.log(f"checkout: the working tree, copied to {call.workspace}")
    return ActionEffect()


def _setup_python(call: ActionCall) -> ActionEffect:
    _check_inputs(
        call,
        {"python-version", "python-version-file", "cache", "cache-dependency-path",
         "check-latest", "architecture", "update-environment", "allow-prereleases"},
    )  # fmt: skip
    requested = call.input("python-version")
    if not requested and call.input("python-version-file"):
        version_file = call.workspace / call.input("python-version-file")
        requested = (
            version_file.read_text(encoding="utf-8").split()[0] if version_file.is_file() else ""
        )
    here = ".".join(map(str, sys.version_info[:3]))
    if requested and not _version_fits(requested, tuple(sys.version_info[:3])):
        call.warn(
            f"setup-python asks for Python {requested}; this machine rehearses with {here} "
            "(the interpreter at hand)"
        )
    cache = call.input("cache")
    if cache:
        defaults = {"pip": "**/requirements.txt", "pipenv": "**/Pipfile.lock",
                    "poetry": "**/poetry.lock"}  # fmt: skip
        if cache not in defaults:
            raise RehearsalError(f"setup-python: cache {cache!r} is not pip, pipenv or poetry")
        patterns = call.input("cache-dependency-path") or defaults[cache]
        backup = "**/pyproject.toml" if cache == "pip" else ""
        if not _matches(call.workspace, patterns) and not _matches(call.workspace, backup):
            shown = ",".join(patterns.split()) + (f" or {backup}" if backup else "")
            raise RehearsalError(
                f"setup-python: no file in the workspace matched [{shown}] (cache: {cache}); "
                "GitHub fails this step: fix cache-dependency-path"
            )
    home = call.tool_cache / f"python-{here}"
    if not (home / "bin" / "python").exists():
        call.log(f"setup-python: a fresh virtual environment of Python {here} in {home}")
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
    bin_dir = str(home / "bin")
    return ActionEffect(
        path=[bin_dir],
        env={"pythonLocation": str(home), "Python_ROOT_DIR": str(home)},
        outputs={
            "python-version": here,
            "python-path": str(home / "bin" / "python"),
            "cache-hit": "false",
        },
    )


def _tool_version(tool: str, machine_path: str) -> tuple[str | None, tuple[int, ...]]:
    found = shutil.which(tool, path=machine_path)
    if found is None:
        return None, ()
    answer = subprocess.run(
        [found, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", answer)
    return found, tuple(int(g) for g in match.groups()) if match else ()


def _setup_node(call: ActionCall) -> ActionEffect:
    _check_inputs(
        call,
        {"node-version", "node-version-file", "cache", "cache-dependency-path",
         "check-latest", "registry-url", "always-auth"},
    )  # fmt: skip
    found, version = _tool_version("node", call.machine_path)
    if found is None:
        raise RehearsalError("setup-node: node is not on this machine's PATH: install Node.js")
    requested = call.input("node-version")
    if requested and not _version_fits(requested, version):
        call.warn(
            f"setup-node asks for Node {requested}; this machine has {'.'.join(map(str, version))}"
        )
    if call.input("cache"):
        patterns = call.input("cache-dependency-path")
        defaults = "package-lock.json\nnpm-shrinkwrap.json\nyarn.lock\npnpm-lock.yaml"
        if not _matches(call.workspace, patterns or defaults):
            raise RehearsalError(
                f"setup-node: dependencies lock file not found in the workspace "
                f"({','.join((patterns or defaults).split())}); GitHub fails this step: "
                "set cache-dependency-path (e.g. cdk/package-lock.json)"
            )
    return ActionEffect(outputs={"node-version": "v" + ".".join(map(str, version))})


def _setup_uv(call: ActionCall) -> ActionEffect:
    _check_inputs(
        call,
        {"version", "enable-cache", "cache-dependency-glob", "cache-suffix", "prune-cache",
         "ignore-nothing-to-cache", "github-token"},
    )  # fmt: skip
    found, version = _tool_version("uv", call.machine_path)
    if found is None:
        call.warn(
            "setup-uv: uv is not on this machine's PATH; steps here get uv only from "
            "what they install (nox[uv])"
        )
    elif call.input("version") and not _version_fits(call.input("version"), version):
        call.warn(f"setup-uv asks for uv {call.input('version')}; this machine has {version}")
    glob = call.input("cache-dependency-glob")
    if call.input("enable-cache") == "true" and glob and not _matches(call.workspace, glob):
        call.warn(f"setup-uv: no file matched [{','.join(glob.split())}]: the cache never renews")
    return ActionEffect(
        path=[str(Path(found).parent)] if found else [],
        outputs={"uv-version": ".".join(map(str, version))} if version else {},
    )


KNOWN_ACTIONS: dict[str, Callable[[ActionCall], ActionEffect]] = {
    "actions/checkout": _checkout,
    "actions/setup-python": _setup_python,
    "actions/setup-node": _setup_node,
    "astral-sh/setup-uv": _setup_uv,
}


def check_action(uses: str, where: str) -> str | None:
    """An error for an action the rehearsal does not know; a warning text for a loose pin."""
    name = action_name(uses)
    if name not in KNOWN_ACTIONS:
        known = ", ".join(KNOWN_ACTIONS)
        raise RehearsalError(
            f"{where} uses {uses}, an action the rehearsal does not know (it models {known}): "
            "replace it with a `run:` step, or teach rehearsal/actions.py what it does"
        )
    ref = uses.partition("@")[2]
    if not _SHA.match(ref):
        return f"{where} uses {uses}: pin third-party actions to a full commit SHA"
    return None


def run_action(
    uses: str,
    inputs: Mapping[str, Any],
    *,
    workspace: Path,
    tool_cache: Path,
    warn: Callable[[str], None],
    log: Callable[[str], None],
    machine_path: str | None = None,
) -> ActionEffect:
    """Do what a known action does, on this machine."""
    call = ActionCall(
        uses, inputs, workspace, tool_cache,
        machine_path if machine_path is not None else os.environ.get("PATH", ""), warn, log,
    )  # fmt: skip
    return KNOWN_ACTIONS[action_name(uses)](call)

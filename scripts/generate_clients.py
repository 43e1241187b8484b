"""Generate ``boto_session_manager/services.py`` and ``clients.py`` from botocore's service data.

Reads only the installed botocore's own data files, offline: the list of available services
and each service model's ``metadata``. Writes deterministic files (sorted by service name, no
timestamps) whose header names this script and the botocore version: the two modules, and the
migration guide's table of 2.x client names (``docs/guides/client-names-2x.inc``).

Usage::

    python scripts/generate_clients.py          # (re)write the two files
    python scripts/generate_clients.py --check  # exit 1 if the committed files are stale

``render()`` returns the files' contents without writing; the drift test imports it.
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CLIENTS_PY",
    "CLIENT_NAMES_INC",
    "SERVICES_PY",
    "Service",
    "aliases",
    "check",
    "load_services",
    "main",
    "render",
    "render_client_names",
    "render_clients",
    "render_services",
    "write",
]

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "boto_session_manager"
SERVICES_PY = PACKAGE_DIR / "services.py"
CLIENTS_PY = PACKAGE_DIR / "clients.py"
CLIENT_NAMES_INC = ROOT / "docs" / "guides" / "client-names-2x.inc"
#: How the header names this script (stable whatever the working directory).
SCRIPT = "scripts/generate_clients.py"
DOCS_URL = "https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/{}.html"

_NOT_IDENTIFIER_CHARS = re.compile(r"[^0-9A-Za-z_]+")


@dataclass(frozen=True)
class Service:
    """One botocore service and the Python names generated for it."""

    #: The name ``boto3.client()`` takes, e.g. ``"acm-pca"``.
    name: str
    #: The ``AwsServiceEnum`` attribute, e.g. ``"ACMPCA"``.
    enum_name: str

    @property
    def snake(self) -> str:
        """The service name as a Python identifier fragment, e.g. ``acm_pca``."""
        return self.name.replace("-", "_")

    @property
    def property_name(self) -> str:
        """The ``ClientMixin`` attribute, e.g. ``acm_pca_client``."""
        return f"{self.snake}_client"

    @property
    def legacy_property_name(self) -> str:
        """The 2.x attribute: the enum name in lower case, e.g. ``cloudwatchlogs_client``."""
        return f"{self.enum_name.lower()}_client"

    @property
    def stubs_module(self) -> str:
        """The ``mypy_boto3_*`` module that types this service's client."""
        return f"mypy_boto3_{self.snake}"


def _base_enum_name(service_name: str, metadata: dict[str, object]) -> str:
    """Name a service the way boto3 names its client class (and so did the 2.x library).

    That is botocore's ``get_service_module_name`` rule: the service abbreviation, else its
    full name, without "Amazon"/"AWS", keeping ASCII letters, digits and "_"; then ``serviceId``
    and the service name itself as fallbacks, and a prefix when the name starts with a digit.
    The rule is copied here rather than imported, so a change in botocore's helper cannot
    rename public enum members.
    """
    candidates = (
        metadata.get("serviceAbbreviation"),
        metadata.get("serviceFullName"),
        metadata.get("serviceId"),
        service_name,
    )
    for candidate in candidates:
        if not isinstance(candidate, str):
            continue
        name = candidate.replace("Amazon", "").replace("AWS", "")
        name = _NOT_IDENTIFIER_CHARS.sub("", name)
        if name:
            break
    else:  # pragma: no cover - the service name itself always yields something
        raise ValueError(f"cannot derive a Python name for service {service_name!r}")
    if name[0].isdigit() or name[0] == "_":
        name = f"AWS{name}"
    if keyword.iskeyword(name):
        name = f"{name}_"
    return name


def _resolve_collisions(bases: dict[str, str]) -> list[Service]:
    """Give every service a unique enum name, deterministically.

    Within a group of services sharing a base name, the one whose service name spells the
    base name (case and punctuation aside) keeps it, else the first by service name; the
    others get ``_<service_name>`` appended.
    """
    groups: dict[str, list[str]] = {}
    for service_name in sorted(bases):
        groups.setdefault(bases[service_name], []).append(service_name)
    taken = set(groups)
    names: dict[str, str] = {}
    for base, members in groups.items():
        if len(members) == 1:
            names[members[0]] = base
            continue
        members.sort(key=lambda s: (s.replace("-", "").lower() != base.lower(), s))
        names[members[0]] = base
        for service_name in members[1:]:
            name = f"{base}_{service_name.replace('-', '_')}"
            while name in taken:
                name += "_"
            taken.add(name)
            names[service_name] = name
    return [Service(name=s, enum_name=names[s]) for s in sorted(names)]


def aliases(services: Sequence[Service]) -> list[tuple[str, Service]]:
    """The 2.x attribute names that differ from the 3.0 ones, with their services.

    2.x named each attribute after boto3's client class name in lower case
    (``cloudwatchlogs_client``); 3.0 after the service name (``logs_client``). Where they
    differ, the 2.x spelling becomes an alias, unless it is another service's 3.0 name or an
    earlier alias (the first service by name keeps it), so no name ever means two services.
    """
    taken = {s.property_name for s in services}
    found: list[tuple[str, Service]] = []
    for service in services:
        name = service.legacy_property_name
        if name in taken:
            continue
        taken.add(name)
        found.append((name, service))
    return found


def load_services() -> tuple[str, list[Service]]:
    """Return botocore's version and its services, sorted by service name."""
    import botocore
    import botocore.session

    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    bases: dict[str, str] = {}
    for service_name in session.get_available_services():
        if not service_name.replace("-", "_").isidentifier():
            raise ValueError(f"service name {service_name!r} gives no Python property name")
        bases[service_name] = _base_enum_name(service_name, service_metadata(loader, service_name))
    return botocore.__version__, _resolve_collisions(bases)


#: A model file's head when ``metadata`` is its first key, or its second after ``version``.
_METADATA_FIRST = re.compile(r'\s*\{\s*(?:"version"\s*:\s*"[^"]*"\s*,\s*)?"metadata"\s*:\s*')


def service_metadata(loader: Any, service_name: str) -> dict[str, Any]:
    """A service model's ``metadata``, read from the head of its file.

    Every botocore model starts ``{"version":"2.0","metadata":{...}``, so the metadata is
    decoded alone, straight from there, without the rest: 0.3 s instead of 3 s for ~430
    models. A model laid out otherwise is loaded whole through botocore's loader.
    """
    import gzip
    import json

    version = loader.determine_latest_version(service_name, "service-2")
    candidates = (
        Path(root, service_name, version, name)
        for root in loader.search_paths
        for name in ("service-2.json.gz", "service-2.json")
    )
    found = next((path for path in candidates if path.is_file()), None)
    if found is not None:
        data = found.read_bytes()
        text = (gzip.decompress(data) if found.suffix == ".gz" else data).decode("utf-8")
        head = _METADATA_FIRST.match(text)
        if head:
            metadata, _end = json.JSONDecoder().raw_decode(text, head.end())
            if isinstance(metadata, dict):
                return metadata
    model = loader.load_service_model(service_name, "service-2")
    return dict(model.get("metadata", {}))


def _header(botocore_version: str, count: int, *, comment: str = "#") -> list[str]:
    return [
        f"{comment} GENERATED by {SCRIPT} from botocore {botocore_version} ({count} services).",
        f"{comment} DO NOT EDIT: run `nox -s generate` (or the script) to regenerate.",
    ]


def render_services(botocore_version: str, services: Sequence[Service]) -> str:
    """Return the text of ``services.py``."""
    lines = [
        *_header(botocore_version, len(services)),
        '"""``AwsServiceEnum``: the name of every AWS service botocore knows, as plain strings."""',
        "",
        "from __future__ import annotations",
        "",
        "TYPE_CHECKING = False",
        "if TYPE_CHECKING:",
        "    from typing import Final",
        "",
        '__all__ = ["AwsServiceEnum"]',
        "",
        "",
        "class AwsServiceEnum:",
        '    """Service names for ``get_client``: ``AwsServiceEnum.S3 == "s3"``.',
        "",
        "    A plain class, not an ``enum.Enum``: every member is a ``str``.",
        '    """',
        "",
    ]
    lines.extend(f'    {s.enum_name}: Final = "{s.name}"' for s in services)
    return "\n".join(lines) + "\n"


def render_clients(botocore_version: str, services: Sequence[Service]) -> str:
    """Return the text of ``clients.py``."""
    lines = [
        *_header(botocore_version, len(services)),
        '"""``ClientMixin``: one cached, typed ``<service>_client`` attribute per AWS service."""',
        "",
        "# The mypy_boto3_* stubs are optional: a missing one types its attribute as Any.",
        "# (mypy's ignore_missing_imports cannot match a module-name prefix, hence this line.)",
        '# mypy: disable-error-code="import-not-found"',
        "",
        "from __future__ import annotations",
        "",
        "from .client_descriptor import CachedClient, ClientAlias",
        "",
        "TYPE_CHECKING = False",
        "if TYPE_CHECKING:",
        "    from typing import Any",
        "",
    ]
    lines.extend(f"    import {s.stubs_module}" for s in services)
    lines += [
        "",
        "    # 2.x code imported AwsServiceEnum from this module; at run time it loads on use",
        "    from .services import AwsServiceEnum as AwsServiceEnum",
        "else:",
        "",
        "    def __getattr__(name: str) -> object:",
        '        """2.x\'s names here (see ``_moved``), loaded on first use."""',
        "        from ._moved import forwarder",
        "",
        "        return forwarder(__name__)(name)",
        "",
        '__all__ = ["ClientMixin"]',
        "",
        "",
        "class ClientMixin:",
        '    """One attribute per AWS service: its default client, made on first access.',
        "",
        "    Each is a :class:`~boto_session_manager.client_descriptor.CachedClient`: the first",
        "    access calls ``get_client(service_name)`` (which the class mixing this in provides)",
        "    and stores the client on the instance, so later accesses are plain attribute reads.",
        '    """',
        "",
        "    __slots__ = ()",
        "",
        "    if TYPE_CHECKING:",
        "",
        "        def get_client(self, service_name: str, **client_kwargs: Any) -> Any: ...",
    ]
    for s in services:
        url = DOCS_URL.format(s.name)
        lines += [
            "",
            f"    {s.property_name}: CachedClient[{s.stubs_module}.Client]"
            f' = CachedClient("{s.name}")',
            f'    """Cached ``{s.name}`` client (`boto3 docs <{url}>`__)."""',
        ]
    lines += [
        "",
        "    # -- 2.x names: boto3's client class name in lower case, where it differs from the",
        "    # 3.0 name. Each reads the attribute it names, so both give the same object.",
    ]
    for name, s in aliases(services):
        lines += [
            "",
            f'    {name}: ClientAlias[{s.stubs_module}.Client] = ClientAlias("{s.property_name}")',
            f'    """2.x name of ``{s.property_name}`` (the same client object)."""',
        ]
    return "\n".join(lines) + "\n"


def render_client_names(botocore_version: str, services: Sequence[Service]) -> str:
    """Return the migration guide's table of 2.x client names (a reST include file)."""
    lines = [
        *_header(botocore_version, len(services), comment=".."),
        "",
        ".. csv-table::",
        '   :header: "2.x attribute", "3.0 attribute", "service"',
        "   :widths: 40 40 20",
        "",
    ]
    lines.extend(
        f"   ``{name}``, ``{s.property_name}``, ``{s.name}``" for name, s in aliases(services)
    )
    return "\n".join(lines) + "\n"


def render() -> dict[Path, str]:
    """Return the generated files' paths and texts, from the installed botocore."""
    version, services = load_services()
    return {
        SERVICES_PY: render_services(version, services),
        CLIENTS_PY: render_clients(version, services),
        CLIENT_NAMES_INC: render_client_names(version, services),
    }


def write(files: dict[Path, str]) -> list[Path]:
    """Write the files whose text changed; return those paths."""
    changed = []
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(path)
    return changed


def _display(path: Path) -> str:
    """Show a path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _summary(path: Path, old: str, new: str, *, limit: int = 20) -> Iterable[str]:
    """Describe how ``old`` (on disk) differs from ``new`` (rendered), briefly."""
    diff = [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    added = sum(1 for line in diff if line.startswith("+"))
    yield f"{_display(path)}: {added} line(s) to add, {len(diff) - added} to remove"
    for line in diff[:limit]:
        yield f"    {line}"
    if len(diff) > limit:
        yield f"    ... and {len(diff) - limit} more"


def check(files: dict[Path, str]) -> list[str]:
    """Return a difference summary for every file on disk that differs; empty when none."""
    messages: list[str] = []
    for path, text in files.items():
        if not path.exists():
            messages.append(f"{_display(path)}: missing")
            continue
        old = path.read_text(encoding="utf-8")
        if old != text:
            messages.extend(_summary(path, old, text))
    return messages


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; with ``--check`` only compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the files on disk differ from what would be generated",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    files = render()
    elapsed = time.perf_counter() - started
    if args.check:
        messages = check(files)
        if messages:
            print("Generated files are out of date with the installed botocore:", file=sys.stderr)
            for message in messages:
                print(message, file=sys.stderr)
            print("Run `nox -s generate` (or python scripts/generate_clients.py).", file=sys.stderr)
            return 1
        print(f"Generated files are up to date ({elapsed:.1f} s).")
        return 0
    changed = write(files)
    for path in changed:
        print(f"wrote {_display(path)}")
    print(f"{len(changed)} file(s) changed, rendered in {elapsed:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

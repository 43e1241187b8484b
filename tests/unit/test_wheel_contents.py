"""The library's wheel holds the library only: nothing of this repository is baked in."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Owners GitHub's own documentation uses as placeholders; the library's docstrings may too.
PLACEHOLDER_OWNERS = {"OWNER", "octo-org", "octocat"}
#: The owner this project grew up under, and its stack's repository name.
THIS_PROJECT = ("MacHu-GWU", "boto_session_manager-project")
_OWNER_MENTION = re.compile(r"(?:github\.com[/:]|repo:|repository=)([A-Za-z0-9][A-Za-z0-9-]*)[/@]")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from this work tree with the project's build backend (offline)."""
    from hatchling.builders.wheel import WheelBuilder

    outdir = tmp_path_factory.mktemp("wheel")
    [built] = WheelBuilder(str(ROOT)).build(directory=str(outdir), versions=["standard"])
    return Path(built)


def _texts(wheel: Path) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if b"\0" not in data:
                yield name, data.decode("utf-8", errors="replace")


def test_only_the_library_is_packaged(wheel: Path) -> None:
    """No tests/ package, no cdk/ app, no settings module: the library and its metadata."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"boto_session_manager"}
    assert not [n for n in names if "/tests/" in n or n.endswith("/settings.py")]
    assert "boto_session_manager/testing/local_aws.py" in names  # the reusable stand-ins stay


def test_no_github_owner_is_named(wheel: Path) -> None:
    """No file of the wheel names a GitHub owner (placeholders aside), nor this project's."""
    found: dict[str, str] = {}
    for name, text in _texts(wheel):
        for owner in _OWNER_MENTION.findall(text):
            if owner not in PLACEHOLDER_OWNERS:
                found[owner] = name
        for word in THIS_PROJECT:
            if word.lower() in text.lower():
                found[word] = name
    assert found == {}


def test_the_check_would_see_an_owner() -> None:
    """The owner pattern catches the usual ways an owner is written (so the test is live)."""
    text = "https://github.com/someone/x repo:someone/x:* git@github.com:someone/x.git"
    assert set(_OWNER_MENTION.findall(text)) == {"someone"}

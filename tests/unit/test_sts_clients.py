"""The STS clients of botocore's credential fetchers (``credentials/sts_clients.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from boto_session_manager.credentials.sts_clients import shared_session, sts_client_creator

pytestmark = pytest.mark.usefixtures("isolated_aws_env")


def _web_identity_sts_endpoint() -> str:
    """The endpoint of the STS client the web-identity fetcher would be given now."""
    create = sts_client_creator(shared_session(), {"region_name": "us-east-1"})
    endpoint: str = create("sts").meta.endpoint_url
    return endpoint


def test_the_shared_session_follows_the_aws_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that points AWS_CONFIG_FILE (or AWS_PROFILE) elsewhere after its first OIDC
    manager gets STS clients from the new configuration, not the first one; the same
    configuration keeps one session (the STS model loads once)."""
    for name, endpoint in (("a", "https://sts-a.example.com"), ("b", "https://sts-b.example.com")):
        (tmp_path / name).write_text(
            f"[default]\nendpoint_url = {endpoint}\n[profile other]\nendpoint_url = {endpoint}/x\n"
        )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "a"))
    first = shared_session()
    assert _web_identity_sts_endpoint() == "https://sts-a.example.com"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "b"))
    assert _web_identity_sts_endpoint() == "https://sts-b.example.com"
    monkeypatch.setenv("AWS_PROFILE", "other")
    assert _web_identity_sts_endpoint() == "https://sts-b.example.com/x"
    monkeypatch.delenv("AWS_PROFILE")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "a"))
    assert shared_session() is first

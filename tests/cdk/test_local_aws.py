"""The local AWS emulator launcher: start, TLS with a local CA, state files, stop by pid."""

from __future__ import annotations

import json
import socket
import ssl
import stat
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from boto_session_manager.exceptions import LocalAwsEmulatorError
from boto_session_manager.testing.local_aws import (
    ADMIN_ACCESS_KEY_ID,
    EMULATOR_ACCOUNT_ID,
    LocalAws,
    find_local_aws,
    start_local_aws,
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_plain_http_with_auth(tmp_path: Path) -> None:
    """Over HTTP the emulator answers the admin key and refuses an unknown one (AUTH on)."""
    with start_local_aws(state_dir=tmp_path) as aws:
        assert aws.endpoint_url.startswith("http://127.0.0.1:")
        assert aws.ca_bundle is None
        sts = aws.boto3_session().client("sts", **aws.client_kwargs())
        assert sts.get_caller_identity()["Account"] == EMULATOR_ACCOUNT_ID
        stranger = aws.boto3_session(
            access_key_id="AKIAUNKNOWNUNKNOWN00", secret_access_key="x"
        ).client("sts", **aws.client_kwargs())
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            stranger.get_caller_identity()
    assert not _alive(aws.pid)


def test_tls_with_a_local_ca(tmp_path: Path) -> None:
    """Over HTTPS the certificate verifies against the generated CA only; the key is private."""
    with start_local_aws(tls=True, state_dir=tmp_path) as aws:
        assert aws.endpoint_url.startswith("https://127.0.0.1:")
        assert aws.ca_bundle == tmp_path / "ca.pem"
        assert stat.S_IMODE((tmp_path / "server.key").stat().st_mode) == 0o600
        health = aws.endpoint_url + "/_ministack/health"
        trusted = ssl.create_default_context(cafile=str(aws.ca_bundle))
        with urllib.request.urlopen(health, context=trusted, timeout=5) as response:  # noqa: S310
            assert response.status == 200
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(health, context=ssl.create_default_context(), timeout=5)  # noqa: S310
        env = aws.client_env()
        assert env["AWS_CA_BUNDLE"] == env["NODE_EXTRA_CA_CERTS"] == str(aws.ca_bundle)
        assert env["AWS_ENDPOINT_URL"] == aws.endpoint_url
        assert env["AWS_ACCESS_KEY_ID"] == ADMIN_ACCESS_KEY_ID


def test_state_files_and_stop_by_pid_from_another_handle(tmp_path: Path) -> None:
    """A detached emulator is found again from its state files and stopped by its pid."""
    started = start_local_aws(state_dir=tmp_path, detach=True)
    try:
        state = json.loads((tmp_path / "local-aws.json").read_text())
        assert state["pid"] == started.pid and state["port"] == started.port
        assert (tmp_path / "pid").read_text().strip() == str(started.pid)
        assert (tmp_path / "port").read_text().strip() == str(started.port)
        found = find_local_aws(tmp_path)
        assert isinstance(found, LocalAws) and found.pid == started.pid
        found.stop()
        assert not _alive(started.pid)
        assert not (tmp_path / "pid").exists()
        assert find_local_aws(tmp_path) is None
    finally:
        started.stop()


def test_two_emulators_side_by_side(tmp_path: Path) -> None:
    """Two emulators run at once on their own ports (the IoT listener on 8883 is off)."""
    with (
        start_local_aws(state_dir=tmp_path / "a") as one,
        start_local_aws(state_dir=tmp_path / "b") as two,
    ):
        assert one.port != two.port
        assert one.is_healthy() and two.is_healthy()


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    """A port that is taken makes start fail with the emulator's reason and the log's path."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LocalAwsEmulatorError, match=r"ministack exited .* See .*ministack.log"):
            start_local_aws(port=port, state_dir=tmp_path, timeout=20)


def test_default_temp_folder_and_its_tls_key_go_with_stop() -> None:
    """Without a state_dir, the private temporary folder (TLS key included) is removed by stop()."""
    aws = start_local_aws(tls=True)
    try:
        assert aws.state_dir is not None
        key = aws.state_dir / "server.key"
        assert key.is_file() and stat.S_IMODE(aws.state_dir.stat().st_mode) == 0o700
    finally:
        aws.stop()
    assert not aws.state_dir.exists()
    assert not _alive(aws.pid)


def test_a_given_state_dir_is_kept(tmp_path: Path) -> None:
    """A state_dir the caller gave stays, with its TLS material (deploy reuses it)."""
    with start_local_aws(tls=True, state_dir=tmp_path) as aws:
        pass
    assert (tmp_path / "ca.pem").is_file() and (tmp_path / "server.key").is_file()
    assert not (tmp_path / "pid").exists()
    assert not _alive(aws.pid)

"""The access-key lifecycle against the local emulator: rotation, the two-key limit, .env."""

from __future__ import annotations

import datetime
import json
import stat
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from dotenv import dotenv_values

from boto_session_manager.identity import mask_access_key_id
from boto_session_manager.testing.local_aws import LocalAws
from cdk import settings
from cdk.access_key import (
    DOTENV_MARKER,
    AccessKeyError,
    check_dotenv_not_tracked,
    delete_access_keys,
    keys_to_make_room,
    rotate_access_key,
)


@pytest.fixture
def iam(local_aws: LocalAws) -> Any:
    """An admin IAM client of the shared emulator."""
    return local_aws.boto3_session().client("iam", **local_aws.client_kwargs())


@pytest.fixture
def user_name(iam: Any) -> str:
    """A fresh IAM user allowed to call GetCallerIdentity."""
    name = f"key-test-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName="whoami",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}
                ],
            }
        ),
    )
    return name


@pytest.fixture
def sts_factory(local_aws: LocalAws) -> Callable[[str, str], Any]:
    """STS clients of the emulator for a given key pair."""

    def factory(key_id: str, secret: str) -> Any:
        session = boto3.Session(
            aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=local_aws.region
        )
        return session.client("sts", **local_aws.client_kwargs())

    return factory


def _key_ids(iam: Any, user_name: str) -> list[str]:
    return [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]]


def _whoami(sts_factory: Callable[[str, str], Any], dotenv: Path) -> str:
    values = dotenv_values(dotenv)
    key_id = values[settings.DOTENV_ACCESS_KEY_ID_VAR]
    secret = values[settings.DOTENV_SECRET_ACCESS_KEY_VAR]
    assert key_id and secret
    return str(sts_factory(key_id, secret).get_caller_identity()["Arn"])


class TestRotation:
    def test_first_key_is_written_to_a_private_dotenv(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """A user without keys gets one; .env is 0600, holds it and the extra lines, and works."""
        dotenv = tmp_path / ".env"
        result = rotate_access_key(
            iam=iam,
            sts_factory=sts_factory,
            user_name=user_name,
            dotenv_path=dotenv,
            extra_env={"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "https://127.0.0.1:1"},
            log=lambda _m: None,
        )
        assert _key_ids(iam, user_name) == [result.access_key_id]
        assert stat.S_IMODE(dotenv.stat().st_mode) == 0o600
        assert dotenv.read_text().splitlines()[0] == DOTENV_MARKER
        values = dotenv_values(dotenv)
        assert values[settings.DOTENV_ACCESS_KEY_ID_VAR] == result.access_key_id
        assert values["AWS_ENDPOINT_URL"] == "https://127.0.0.1:1"
        assert _whoami(sts_factory, dotenv).endswith(f":user/{user_name}")
        assert result.deleted_key_ids == ()

    def test_rotating_again_leaves_one_new_working_key(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """A second rotation replaces the key: one key left, the new one, in .env and working."""
        dotenv = tmp_path / ".env"
        first = rotate_access_key(
            iam=iam, sts_factory=sts_factory, user_name=user_name, dotenv_path=dotenv,
            log=lambda _m: None,
        )  # fmt: skip
        second = rotate_access_key(
            iam=iam, sts_factory=sts_factory, user_name=user_name, dotenv_path=dotenv,
            log=lambda _m: None,
        )  # fmt: skip
        assert second.access_key_id != first.access_key_id
        assert _key_ids(iam, user_name) == [second.access_key_id]
        assert second.deleted_key_ids == (first.access_key_id,)
        assert _whoami(sts_factory, dotenv).endswith(f":user/{user_name}")

    def test_two_key_limit_never_drops_the_dotenv_key_first(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """With both slots taken, the key .env does not hold goes first; .env's key goes last."""
        dotenv = tmp_path / ".env"
        held = rotate_access_key(
            iam=iam, sts_factory=sts_factory, user_name=user_name, dotenv_path=dotenv,
            log=lambda _m: None,
        )  # fmt: skip
        other = iam.create_access_key(UserName=user_name)["AccessKey"]["AccessKeyId"]
        result = rotate_access_key(
            iam=iam, sts_factory=sts_factory, user_name=user_name, dotenv_path=dotenv,
            log=lambda _m: None,
        )  # fmt: skip
        assert result.deleted_key_ids == (other, held.access_key_id)
        assert _key_ids(iam, user_name) == [result.access_key_id]

    def test_eventual_consistency_is_retried(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """A new key refused at first (as IAM does while propagating) is retried until it works."""
        calls: list[str] = []

        def flaky(key_id: str, secret: str) -> Any:
            calls.append(key_id)
            return sts_factory(key_id, secret if len(calls) > 2 else secret + "x")

        result = rotate_access_key(
            iam=iam, sts_factory=flaky, user_name=user_name, dotenv_path=tmp_path / ".env",
            log=lambda _m: None,
        )  # fmt: skip
        assert result.verify_attempts == 3
        assert _key_ids(iam, user_name) == [result.access_key_id]

    def test_a_key_that_never_works_is_removed_and_dotenv_kept(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """If the new key never verifies, it is deleted and .env still holds the old working key."""
        dotenv = tmp_path / ".env"
        old = rotate_access_key(
            iam=iam, sts_factory=sts_factory, user_name=user_name, dotenv_path=dotenv,
            log=lambda _m: None,
        )  # fmt: skip
        before = dotenv.read_bytes()
        messages: list[str] = []

        def broken(key_id: str, secret: str) -> Any:
            return sts_factory(key_id, "wrong-secret")

        with pytest.raises(AccessKeyError, match="does not work") as info:
            rotate_access_key(
                iam=iam, sts_factory=broken, user_name=user_name, dotenv_path=dotenv,
                verify_timeout=0.5, log=messages.append,
            )  # fmt: skip
        assert _key_ids(iam, user_name) == [old.access_key_id]
        assert dotenv.read_bytes() == before
        from boto_session_manager.testing import assert_no_secrets

        secret = dotenv_values(dotenv)[settings.DOTENV_SECRET_ACCESS_KEY_VAR]
        assert_no_secrets(
            {"secret key": secret}, {"error": str(info.value), "log": "".join(messages)}
        )


class TestMakeRoom:
    @staticmethod
    def _key(key_id: str, status: str, minute: int) -> dict[str, Any]:
        created = datetime.datetime(2026, 1, 1, 0, minute, tzinfo=datetime.timezone.utc)
        return {"AccessKeyId": key_id, "Status": status, "CreateDate": created}

    def test_inactive_before_older(self) -> None:
        """An inactive key is removed before an older active one."""
        keys = [self._key("OLD", "Active", 1), self._key("INACTIVE", "Inactive", 2)]
        assert keys_to_make_room(keys, keep=None) == ["INACTIVE"]

    def test_older_when_all_active(self) -> None:
        """Among active keys the older goes."""
        keys = [self._key("NEW", "Active", 5), self._key("OLD", "Active", 1)]
        assert keys_to_make_room(keys, keep=None) == ["OLD"]

    def test_never_the_kept_key(self) -> None:
        """The key .env holds is never chosen, even when it is the older or the inactive one."""
        keys = [self._key("HELD", "Inactive", 1), self._key("NEW", "Active", 5)]
        assert keys_to_make_room(keys, keep="HELD") == ["NEW"]

    def test_nothing_when_a_slot_is_free(self) -> None:
        """One key leaves room for another: nothing is deleted."""
        assert keys_to_make_room([self._key("A", "Active", 1)], keep=None) == []


class TestDotenvSafety:
    def test_refuses_where_git_would_track(self, tmp_path: Path) -> None:
        """Inside a git work tree without an ignore rule, writing .env is refused with the fix."""
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        with pytest.raises(AccessKeyError, match=r"git would track it; add `\.env` to \.gitignore"):
            check_dotenv_not_tracked(tmp_path / ".env")
        (tmp_path / ".gitignore").write_text(".env\n")
        check_dotenv_not_tracked(tmp_path / ".env")

    def test_rotation_refuses_before_making_a_key(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """A tracked .env location stops rotation before any key is created."""
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        with pytest.raises(AccessKeyError):
            rotate_access_key(
                iam=iam, sts_factory=sts_factory, user_name=user_name,
                dotenv_path=tmp_path / ".env", log=lambda _m: None,
            )  # fmt: skip
        assert _key_ids(iam, user_name) == []
        assert not (tmp_path / ".env").exists()

    def test_the_project_dotenv_is_ignored(self) -> None:
        """The repository's own .env location is git-ignored."""
        check_dotenv_not_tracked(Path(__file__).resolve().parents[2] / settings.DOTENV_PATH)

    def test_messages_mask_key_ids_as_the_library_does(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """Messages name a key by the library's one masked form, never the whole id."""
        messages: list[str] = []
        result = rotate_access_key(
            iam=iam, sts_factory=sts_factory, user_name=user_name, dotenv_path=tmp_path / ".env",
            log=messages.append,
        )  # fmt: skip
        masked = mask_access_key_id(result.access_key_id)
        assert masked and f"created access key {masked} for {user_name}" in messages
        assert result.access_key_id not in "\n".join(messages)


class TestDelete:
    def test_deletes_keys_and_our_dotenv(
        self, iam: Any, user_name: str, sts_factory: Any, tmp_path: Path
    ) -> None:
        """Every key of the user and the .env deploy wrote are removed."""
        dotenv = tmp_path / ".env"
        result = rotate_access_key(
            iam=iam, sts_factory=sts_factory, user_name=user_name, dotenv_path=dotenv,
            log=lambda _m: None,
        )  # fmt: skip
        extra = iam.create_access_key(UserName=user_name)["AccessKey"]["AccessKeyId"]
        deleted = delete_access_keys(
            iam=iam, user_name=user_name, dotenv_path=dotenv, log=lambda _m: None
        )
        assert sorted(deleted) == sorted([result.access_key_id, extra])
        assert _key_ids(iam, user_name) == []
        assert not dotenv.exists()

    def test_leaves_a_foreign_dotenv_and_tolerates_a_missing_user(
        self, iam: Any, tmp_path: Path
    ) -> None:
        """A .env not written by deploy stays; a user that does not exist means no key."""
        dotenv = tmp_path / ".env"
        dotenv.write_text("MY_OWN=1\n")
        deleted = delete_access_keys(
            iam=iam, user_name="no-such-user-here", dotenv_path=dotenv, log=lambda _m: None
        )
        assert deleted == ()
        assert dotenv.read_text() == "MY_OWN=1\n"

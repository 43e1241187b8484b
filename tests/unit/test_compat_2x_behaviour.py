"""2.x behaviours that were not defects, kept in 3.0 (issue 9): each test fails without one.

The keyword ``service_name``; ``from_snapshot_file()`` without a path (2.x's child-process
pattern); ``print_who_am_i()`` that never fails because of the alias (also through
``bsm whoami`` against the local emulator); ``awscli()`` handing on a profile; ``is_expired()``
of a manager that refreshes itself; snapshots without ``None`` values.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from boto_session_manager import BotoSesManager, SnapshotFileNotFoundError
from boto_session_manager import paths as paths_module
from boto_session_manager.paths import SNAPSHOT_FILE_VAR

if TYPE_CHECKING:
    from boto_session_manager.testing.local_aws import LocalAws

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
OTHER_KEY_ID = "AKIAOTHEREXAMPLE0000"
ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager"
CALLER = {
    "UserId": "AIDAEXAMPLEUSERID1234",
    "Account": "123456789012",
    "Arn": "arn:aws:iam::123456789012:user/u",
}

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

MakeBsm = Callable[..., BotoSesManager]
RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]


def run_python(code: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child Python (``os.environ`` unless ``env``), output captured."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestServiceNameKeyword:
    def test_get_client_takes_service_name_as_keyword(self, make_bsm: MakeBsm) -> None:
        """get_client(service_name="s3") is the cached get_client("s3"), with options too."""
        bsm = make_bsm()
        assert bsm.get_client(service_name="s3") is bsm.get_client("s3") is bsm.s3_client
        eu = bsm.get_client(service_name="s3", region_name="eu-west-1")
        assert eu is bsm.get_client("s3", region_name="eu-west-1")
        assert eu.meta.region_name == "eu-west-1"

    def test_get_resource_takes_service_name_as_keyword(self, make_bsm: MakeBsm) -> None:
        """get_resource(service_name="s3") is the cached get_resource("s3")."""
        bsm = make_bsm()
        assert bsm.get_resource(service_name="s3") is bsm.get_resource("s3")


class TestPrivateCaches:
    def test_2x_cache_attributes_read_the_caches(self, make_bsm: MakeBsm) -> None:
        """2.x's ``_client_cache``/``_resource_cache`` (read by its own test of clear_cache)
        show what is cached, read-only, and are empty after clear_cache()."""
        bsm = make_bsm()
        s3 = bsm.s3_client
        bsm.get_resource("s3")
        assert list(bsm._client_cache.values()) == [s3]
        assert len(bsm._resource_cache) == 1
        with pytest.raises(TypeError):
            bsm._client_cache["s3"] = None  # type: ignore[index]
        bsm.clear_cache()
        assert len(bsm._client_cache) == 0 and len(bsm._resource_cache) == 0
        assert bsm.s3_client is not s3


class TestSnapshotFileWithoutPath:
    def test_2x_child_process_pattern(self, make_bsm: MakeBsm) -> None:
        """2.x's README: a child started in temp_snapshot() and awscli() blocks finds the file."""
        child = """
            import os, warnings
            warnings.simplefilter("ignore", DeprecationWarning)
            from boto_session_manager.api import BotoSesManager
            origin = BotoSesManager.from_snapshot_file()
            print(origin.get_frozen_credentials().access_key, os.environ["AWS_ACCESS_KEY_ID"])
        """
        bsm, other = make_bsm(), make_bsm(aws_access_key_id=OTHER_KEY_ID)
        with bsm.temp_snapshot() as path, other.awscli():
            result = run_python(child)
            assert os.environ[SNAPSHOT_FILE_VAR] == str(path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [ACCESS_KEY_ID, OTHER_KEY_ID]
        assert SNAPSHOT_FILE_VAR not in os.environ

    def test_nested_blocks_name_the_innermost_and_restore(
        self, make_bsm: MakeBsm, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Nested blocks: the variable names the inner file, then the outer, then its old value."""
        monkeypatch.setenv(SNAPSHOT_FILE_VAR, "before")
        outer_bsm, inner_bsm = make_bsm(), make_bsm(aws_access_key_id=OTHER_KEY_ID)
        with outer_bsm.temp_snapshot() as outer:
            assert os.environ[SNAPSHOT_FILE_VAR] == str(outer)
            with inner_bsm.temp_snapshot() as inner:
                assert os.environ[SNAPSHOT_FILE_VAR] == str(inner)
                assert BotoSesManager.from_snapshot_file().aws_access_key_id == OTHER_KEY_ID
            assert os.environ[SNAPSHOT_FILE_VAR] == str(outer)
            assert BotoSesManager.from_snapshot_file().aws_access_key_id == ACCESS_KEY_ID
        assert os.environ[SNAPSHOT_FILE_VAR] == "before"

    def test_blocks_in_threads_leave_the_variable_as_found(
        self, make_bsm: MakeBsm, run_at_once: RunAtOnce, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Blocks opening and closing in 16 threads at once restore the variable at the end."""
        monkeypatch.setenv(SNAPSHOT_FILE_VAR, "before")
        bsm = make_bsm()

        def use_a_snapshot() -> str:
            with bsm.temp_snapshot() as path:
                named = os.environ[SNAPSHOT_FILE_VAR]
                assert named != "before" and path.exists()
                return named

        results, errors = run_at_once(use_a_snapshot, 16)
        assert errors == []
        assert len(results) == 16
        assert os.environ[SNAPSHOT_FILE_VAR] == "before"

    def test_without_the_variable_reads_2x_default_location(
        self, make_bsm: MakeBsm, tmp_path: Path
    ) -> None:
        """A child without BSM_SNAPSHOT_FILE reads ~/.bsm-snapshot.json, 2.x's location."""
        home = tmp_path / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if k != SNAPSHOT_FILE_VAR}
        env["HOME"] = str(home)
        child = """
            from boto_session_manager import BotoSesManager
            print(BotoSesManager.from_snapshot_file().aws_access_key_id)
        """
        with make_bsm().temp_snapshot(home / ".bsm-snapshot.json"):
            result = run_python(child, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == ACCESS_KEY_ID

    def test_missing_file_says_where_it_looked(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """No file: a FileNotFoundError naming the path and where that path came from."""
        default = tmp_path / "no-default.json"
        monkeypatch.setattr(paths_module, "PATH_DEFAULT_SNAPSHOT", default)
        monkeypatch.delenv(SNAPSHOT_FILE_VAR, raising=False)
        with pytest.raises(SnapshotFileNotFoundError) as info:
            BotoSesManager.from_snapshot_file()
        assert isinstance(info.value, FileNotFoundError)
        assert str(default) in str(info.value)
        assert "2.x's default location; BSM_SNAPSHOT_FILE is not set" in str(info.value)

        monkeypatch.setenv(SNAPSHOT_FILE_VAR, str(tmp_path / "ended.json"))
        with pytest.raises(FileNotFoundError, match=r"ended\.json \(named by BSM_SNAPSHOT_FILE\)"):
            BotoSesManager.from_snapshot_file()
        with pytest.raises(FileNotFoundError, match=r"given\.json \(the path given\)"):
            BotoSesManager.from_snapshot_file(tmp_path / "given.json")


class TestWhoAmI:
    def stubbed(self, bsm: BotoSesManager) -> tuple[Stubber, Stubber]:
        """Stubbers on the manager's STS (one caller identity queued) and IAM clients."""
        sts, iam = Stubber(bsm.sts_client), Stubber(bsm.iam_client)
        sts.add_response("get_caller_identity", CALLER)
        return sts, iam

    def test_account_without_alias_prints_not_set(
        self, make_bsm: MakeBsm, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An account without an alias shows `<not set>`; the property stays None."""
        bsm = make_bsm()
        sts, iam = self.stubbed(bsm)
        iam.add_response("list_account_aliases", {"AccountAliases": []})
        with sts, iam:
            bsm.print_who_am_i(masked=False)
            assert bsm.aws_account_alias is None
        out = capsys.readouterr().out
        assert "AWS Account Alias = <not set>\n" in out
        assert "AWS Account Id = 123456789012\n" in out

    def test_caller_without_list_aliases_prints_the_error_code(
        self, make_bsm: MakeBsm, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """AccessDenied on the alias prints `<unavailable: AccessDenied>`; nothing cached."""
        bsm = make_bsm()
        sts, iam = self.stubbed(bsm)
        iam.add_client_error("list_account_aliases", service_error_code="AccessDenied")
        iam.add_client_error("list_account_aliases", service_error_code="AccessDenied")
        iam.add_response("list_account_aliases", {"AccountAliases": ["granted-later"]})
        with sts, iam:
            facts = bsm.who_am_i()
            assert facts["AWS Account Alias"] == "<unavailable: AccessDenied>"
            assert facts["AWS Region"] == "us-east-1"
            with pytest.raises(ClientError):
                bsm.aws_account_alias  # noqa: B018 - the property itself still raises
            assert bsm.aws_account_alias == "granted-later"  # the failure was not kept
        bsm.print_who_am_i()  # every fact cached by now: no request
        out = capsys.readouterr().out
        assert "AWS Account Alias = granted-later\nAWS Region = us-east-1\n" in out

    def test_unreachable_iam_prints_the_error_name(
        self, make_bsm: MakeBsm, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """IAM out of reach (a private network with only an STS endpoint) does not fail."""
        bsm = make_bsm(
            default_client_kwargs={
                "endpoint_url": "http://127.0.0.1:9",
                "config": Config(retries={"max_attempts": 1, "mode": "standard"}),
            }
        )
        sts = Stubber(bsm.sts_client)
        sts.add_response("get_caller_identity", CALLER)
        with sts:
            bsm.print_who_am_i()
        assert "AWS Account Alias = <unavailable: EndpointConnectionError>" in (
            capsys.readouterr().out
        )

    def test_bsm_whoami_succeeds_for_a_principal_without_list_aliases(
        self, local_aws: LocalAws, tmp_path: Path
    ) -> None:
        """`bsm whoami` as a user without iam:ListAccountAliases exits 0 and says why."""
        iam = local_aws.boto3_session().client("iam", **local_aws.client_kwargs())
        outputs = {}
        for case, actions in (
            ("denied", ["sts:GetCallerIdentity"]),
            ("allowed", ["sts:GetCallerIdentity", "iam:ListAccountAliases"]),
        ):
            name = f"whoami-{case}-{uuid.uuid4().hex[:8]}"
            iam.create_user(UserName=name)
            policy = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            iam.put_user_policy(
                UserName=name,
                PolicyName="whoami",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [policy]}),
            )
            key = iam.create_access_key(UserName=name)["AccessKey"]
            dotenv = tmp_path / f"{case}.env"
            dotenv.write_text(
                f"AWS_ACCESS_KEY_ID={key['AccessKeyId']}\n"
                f"AWS_SECRET_ACCESS_KEY={key['SecretAccessKey']}\n"
                f"AWS_REGION={local_aws.region}\n"
                f"AWS_ENDPOINT_URL={local_aws.endpoint_url}\n"
                f"AWS_CA_BUNDLE={local_aws.ca_bundle}\n"
            )
            command = ["-q", "--source", "dotenv", "--dotenv", str(dotenv), "whoami", "--no-mask"]
            result = subprocess.run(
                [sys.executable, "-m", "boto_session_manager.cli", *command],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert f"Principal Arn = arn:aws:iam::000000000000:user/{name}\n" in result.stdout
            outputs[case] = result.stdout
        assert "AWS Account Alias = <unavailable: AccessDenied>\n" in outputs["denied"]
        assert "AWS Account Alias = <not set>\n" in outputs["allowed"]


class TestAwsCliWithProfile:
    @pytest.fixture
    def process_profile(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
        """A profile ``proc`` whose credential_process logs each run in the returned file."""
        runs = tmp_path / "runs.log"
        script = tmp_path / "credential_process.py"
        script.write_text(
            "import json, pathlib\n"
            f"with pathlib.Path({str(runs)!r}).open('a') as log: log.write('run\\n')\n"
            "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAPROCESSEXAMPLE00',"
            " 'SecretAccessKey': 'process-secret-EXAMPLE'}))\n"
        )
        config = tmp_path / "config"
        config.write_text(
            f"[profile proc]\ncredential_process = {sys.executable} {script}\nregion = eu-west-1\n"
        )
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        return runs

    def test_profile_manager_exports_the_profile_not_keys(
        self, process_profile: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """awscli() exports AWS_PROFILE; the child resolves the profile itself; all restored."""
        monkeypatch.setenv("AWS_PROFILE", "previous")
        bsm = BotoSesManager(profile_name="proc")
        child = """
            import boto3
            print(boto3.Session().get_credentials().get_frozen_credentials().access_key)
        """
        with bsm.awscli():
            assert os.environ["AWS_PROFILE"] == "proc"
            assert "AWS_ACCESS_KEY_ID" not in os.environ
            assert os.environ["AWS_REGION"] == os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
            result = run_python(child)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "AKIAPROCESSEXAMPLE00"
        # the credential process ran once, in the child: the parent never resolved the keys
        assert process_profile.read_text().splitlines() == ["run"]
        assert os.environ["AWS_PROFILE"] == "previous"
        assert "AWS_REGION" not in os.environ

    def test_env_hands_on_the_profile_too(self, process_profile: Path) -> None:
        """env() of a profile manager has AWS_PROFILE and no keys, like awscli()."""
        env = BotoSesManager(profile_name="proc", region_name="us-west-2").env()
        assert env["AWS_PROFILE"] == "proc"
        assert env["AWS_REGION"] == "us-west-2"
        assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(env)
        assert not process_profile.exists()

    def test_profile_with_explicit_keys_exports_the_keys(self, process_profile: Path) -> None:
        """Keys given with a profile are what the manager uses, so they are what goes out."""
        bsm = BotoSesManager(
            profile_name="proc",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key="explicit-secret-EXAMPLE",
        )
        env = bsm.env()
        assert env["AWS_ACCESS_KEY_ID"] == ACCESS_KEY_ID
        assert "AWS_PROFILE" not in env


class TestExpiry:
    def test_auto_refreshing_manager_is_never_expired(
        self, make_bsm: MakeBsm, local_sts: Any
    ) -> None:
        """is_expired() is False whatever the delta; expiration_time is the real expiry."""
        local_sts.lifetime = 900
        bsm = make_bsm(default_client_kwargs={"endpoint_url": local_sts.url})
        role = bsm.assume_role(ROLE_ARN, duration_seconds=900, auto_refresh=True)
        assert role.is_expired(delta=365 * 24 * 3600) is False
        assert local_sts.calls["AssumeRole"] == 0  # asking is_expired() fetches nothing
        before = dt.datetime.now(dt.timezone.utc)
        expiry = role.expiration_time
        assert expiry is not None
        assert before < expiry <= before + dt.timedelta(seconds=901)
        assert local_sts.calls["AssumeRole"] == 1
        assert role.is_expired(delta=3600) is False

    def test_one_shot_role_still_expires(self, make_bsm: MakeBsm, local_sts: Any) -> None:
        """A role assumed once (no auto_refresh) expires at its credentials' expiry."""
        local_sts.lifetime = 900
        bsm = make_bsm(default_client_kwargs={"endpoint_url": local_sts.url})
        role = bsm.assume_role(ROLE_ARN, duration_seconds=900)
        assert role.is_expired() is False
        assert role.is_expired(delta=3600) is True


class TestSnapshotKeys:
    def test_none_values_are_left_out(self, make_bsm: MakeBsm) -> None:
        """Long-term keys: no token and no expiry keys (2.x's shape), and a round trip."""
        bsm = make_bsm(default_client_kwargs={})
        snapshot = bsm.to_snapshot()
        assert snapshot == {
            "aws_access_key_id": ACCESS_KEY_ID,
            "aws_secret_access_key": bsm.aws_secret_access_key,
            "region_name": "us-east-1",
        }
        assert BotoSesManager.from_snapshot(snapshot).to_snapshot() == snapshot

    def test_present_values_are_kept(self, make_bsm: MakeBsm) -> None:
        """A token, an expiry, an endpoint and a CA bundle go in when the manager has them."""
        expiry = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
        bsm = make_bsm(
            aws_session_token="token-EXAMPLE",
            expiration_time=expiry,
            default_client_kwargs={"endpoint_url": "http://127.0.0.1:9", "verify": "/ca.pem"},
        )
        snapshot = bsm.to_snapshot()
        assert snapshot["aws_session_token"] == "token-EXAMPLE"
        assert snapshot["expiration_time"] == "2030-01-01T00:00:00+00:00"
        assert snapshot["endpoint_url"] == "http://127.0.0.1:9"
        assert snapshot["ca_bundle"] == "/ca.pem"
        assert None not in snapshot.values()

"""Unit tests of BotoSesManager: caching, identity, assume_role, hand-off, snapshots, repr."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.stub import Stubber

from boto_session_manager import (
    AwsServiceEnum,
    BotoSesManager,
    InvalidDurationError,
    InvalidRoleArnError,
    InvalidRoleSessionNameError,
    NoCredentialsError,
)

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE-session-token-value"
ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager"
#: Nothing listens here: a request that escapes a test fails at once instead of reaching AWS.
DEAD_ENDPOINT = "http://127.0.0.1:9"

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

MakeBsm = Callable[..., BotoSesManager]
RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]


def assumed_credentials(expiration: dt.datetime) -> dict[str, Any]:
    """An AssumeRole response as STS shapes it."""
    return {
        "Credentials": {
            "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
            "SecretAccessKey": "assumed-secret-EXAMPLE",
            "SessionToken": "assumed-token-EXAMPLE",
            "Expiration": expiration,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLEID:bsm",
            "Arn": "arn:aws:sts::123456789012:assumed-role/project-boto_session_manager/bsm",
        },
    }


class TestImport:
    def test_import_does_not_import_boto3(self) -> None:
        """Importing the package leaves boto3 and botocore unimported until first use."""
        code = (
            "import sys, boto_session_manager as b; "
            "from boto_session_manager import BotoSesManager; "
            "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules)); "
            "print(b.__version__)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        assert out[0] == "[]"
        assert out[1][0].isdigit()

    def test_public_api_is_explicit(self) -> None:
        """The root package exports the manager and the service enum through __all__."""
        import boto_session_manager

        assert {"BotoSesManager", "AwsServiceEnum", "__version__"} <= set(
            boto_session_manager.__all__
        )
        assert AwsServiceEnum.S3 == "s3"


class TestClientCache:
    def test_same_arguments_give_the_same_client(self, make_bsm: MakeBsm) -> None:
        """Asking twice with the same arguments returns the cached object."""
        bsm = make_bsm()
        assert bsm.get_client("s3") is bsm.get_client("s3")
        assert bsm.s3_client is bsm.get_client("s3")
        assert bsm.get_client("s3", region_name="eu-west-1") is bsm.get_client(
            "s3", region_name="eu-west-1"
        )

    def test_two_regions_give_two_clients(self, make_bsm: MakeBsm) -> None:
        """A second region gets its own client, not the first region's."""
        bsm = make_bsm()
        default = bsm.get_client("s3")
        eu = bsm.get_client("s3", region_name="eu-west-1")
        assert default is not eu
        assert default.meta.region_name == "us-east-1"
        assert eu.meta.region_name == "eu-west-1"

    def test_every_argument_is_part_of_the_key(self, make_bsm: MakeBsm) -> None:
        """Endpoint, config and other arguments each make a distinct cache entry."""
        bsm = make_bsm()
        clients = {
            id(bsm.get_client("sqs")),
            id(bsm.get_client("sqs", endpoint_url="http://127.0.0.1:10")),
            id(bsm.get_client("sqs", config=Config(retries={"max_attempts": 1}))),
            id(bsm.get_client("sqs", verify=False)),
        }
        assert len(clients) == 4
        assert bsm.get_client("sqs", endpoint_url="http://127.0.0.1:10").meta.endpoint_url == (
            "http://127.0.0.1:10"
        )

    def test_default_client_kwargs_apply_and_can_be_overridden(self, make_bsm: MakeBsm) -> None:
        """default_client_kwargs reach every client; explicit arguments win."""
        bsm = make_bsm()
        assert bsm.get_client("sts").meta.endpoint_url == DEAD_ENDPOINT
        other = bsm.get_client("sts", endpoint_url="http://127.0.0.1:11")
        assert other.meta.endpoint_url == "http://127.0.0.1:11"

    def test_resources_are_cached_per_argument_set(self, make_bsm: MakeBsm) -> None:
        """get_resource caches like get_client, keyed by every argument."""
        bsm = make_bsm()
        assert bsm.get_resource("s3") is bsm.get_resource("s3")
        assert bsm.get_resource("s3") is not bsm.get_resource("s3", region_name="eu-west-1")

    def test_sixty_four_threads_build_one_client(
        self, make_bsm: MakeBsm, run_at_once: RunAtOnce
    ) -> None:
        """64 threads asking at once for an uncached client get one object, built once."""
        bsm = make_bsm()
        built: list[str] = []
        bsm.boto_ses.events.register("creating-client-class", lambda **kwargs: built.append("s3"))
        results, errors = run_at_once(lambda: bsm.get_client("s3"))
        assert errors == []
        assert len(results) == 64
        assert len({id(client) for client in results}) == 1
        assert built == ["s3"]

    def test_clear_cache_rebuilds(self, make_bsm: MakeBsm) -> None:
        """After clear_cache the session and clients are new objects."""
        bsm = make_bsm()
        ses, client = bsm.boto_ses, bsm.get_client("s3")
        bsm.clear_cache()
        assert bsm.boto_ses is not ses
        assert bsm.get_client("s3") is not client


class TestIdentity:
    def test_one_call_fills_all_three_facts(self, make_bsm: MakeBsm) -> None:
        """A single GetCallerIdentity answers user id, account id and ARN."""
        bsm = make_bsm()
        with Stubber(bsm.sts_client) as stub:
            stub.add_response(
                "get_caller_identity",
                {
                    "UserId": "AIDAEXAMPLEUSERID1234",
                    "Account": "123456789012",
                    "Arn": "arn:aws:iam::123456789012:user/project-boto_session_manager",
                },
            )
            assert bsm.aws_account_id == "123456789012"
            assert bsm.aws_account_user_id == "AIDAEXAMPLEUSERID1234"
            assert bsm.principal_arn.endswith(":user/project-boto_session_manager")
            stub.assert_no_pending_responses()
        assert bsm.masked_aws_account_id == "12******9012"
        assert bsm.masked_aws_account_user_id == "AIDA*************1234"
        assert bsm.masked_principal_arn == (
            "arn:aws:iam::12******9012:user/project-boto_session_manager"
        )

    def test_account_alias_none_and_value(self, make_bsm: MakeBsm) -> None:
        """The alias is None when the account has none, else the first alias."""
        bsm = make_bsm()
        with Stubber(bsm.iam_client) as stub:
            stub.add_response("list_account_aliases", {"AccountAliases": []})
            assert bsm.aws_account_alias is None
        other = make_bsm()
        with Stubber(other.iam_client) as stub:
            stub.add_response("list_account_aliases", {"AccountAliases": ["my-team"]})
            assert other.aws_account_alias == "my-team"

    def test_print_who_am_i_is_masked_by_default(
        self, capsys: pytest.CaptureFixture[str], make_bsm: MakeBsm
    ) -> None:
        """print_who_am_i masks the account id unless asked not to."""
        bsm = make_bsm()
        with Stubber(bsm.sts_client) as sts, Stubber(bsm.iam_client) as iam:
            sts.add_response(
                "get_caller_identity",
                {
                    "UserId": "AIDAEXAMPLEUSERID1234",
                    "Account": "123456789012",
                    "Arn": "arn:aws:iam::123456789012:user/u",
                },
            )
            iam.add_response("list_account_aliases", {"AccountAliases": []})
            bsm.print_who_am_i()
            bsm.print_who_am_i(masked=False)
        masked, plain = capsys.readouterr().out.split("AWS Region = us-east-1\n")[:2]
        assert "123456789012" not in masked and "12******9012" in masked
        assert "123456789012" in plain

    def test_aws_region(self, make_bsm: MakeBsm) -> None:
        """aws_region is the session's region."""
        assert make_bsm(region_name="eu-central-1").aws_region == "eu-central-1"


class TestAssumeRole:
    def test_arguments_reach_sts_with_their_boto3_names(self, make_bsm: MakeBsm) -> None:
        """external_id, MFA, tags, policy and source identity reach STS under boto3's names."""
        bsm = make_bsm()
        expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        with Stubber(bsm.sts_client) as stub:
            stub.add_response(
                "assume_role",
                assumed_credentials(expiry),
                expected_params={
                    "RoleArn": ROLE_ARN,
                    "RoleSessionName": "my-session",
                    "DurationSeconds": 1800,
                    "ExternalId": "ext-123",
                    "SerialNumber": "arn:aws:iam::123456789012:mfa/me",
                    "TokenCode": "123456",
                    "Tags": [{"Key": "team", "Value": "a"}],
                    "TransitiveTagKeys": ["team"],
                    "SourceIdentity": "me",
                    "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
                    "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
                },
            )
            assumed = bsm.assume_role(
                ROLE_ARN,
                role_session_name="my-session",
                duration_seconds=1800,
                external_id="ext-123",
                mfa_serial_number="arn:aws:iam::123456789012:mfa/me",
                mfa_token=lambda: "123456",
                tags=[{"Key": "team", "Value": "a"}],
                transitive_tag_keys=["team"],
                source_identity="me",
                policy={"Version": "2012-10-17", "Statement": []},
                policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            )
        assert assumed.aws_access_key_id == "ASIAIOSFODNN7EXAMPLE"
        assert assumed.aws_session_token == "assumed-token-EXAMPLE"
        assert assumed.expiration_time == expiry
        assert assumed.aws_region == "us-east-1"
        assert assumed.default_client_kwargs == {"endpoint_url": DEAD_ENDPOINT}

    def test_expiry_of_static_and_assumed_managers(self, make_bsm: MakeBsm) -> None:
        """Long-term keys never expire; assumed credentials expire at STS's Expiration."""
        bsm = make_bsm()
        assert bsm.expiration_time is None
        assert bsm.is_expired() is False
        expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1000)
        with Stubber(bsm.sts_client) as stub:
            stub.add_response("assume_role", assumed_credentials(expiry))
            assumed = bsm.assume_role(ROLE_ARN)
        assert assumed.is_expired() is False
        assert assumed.is_expired(delta=2000) is True

    @pytest.mark.parametrize(
        "role_arn",
        [
            "",
            "my-role",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:s3:::bucket",
        ],
    )
    def test_invalid_role_arn_fails_before_network(self, role_arn: str, make_bsm: MakeBsm) -> None:
        """A malformed role ARN raises a clear error and no request is sent."""
        bsm = make_bsm()
        with pytest.raises(InvalidRoleArnError, match="Invalid IAM role ARN"):
            bsm.assume_role(role_arn)

    @pytest.mark.parametrize("duration", [0, 899, 43201, 3600.5, True])
    def test_invalid_duration_fails_before_network(self, duration: Any, make_bsm: MakeBsm) -> None:
        """Durations outside 900..43200 s are rejected with the accepted range."""
        with pytest.raises(InvalidDurationError, match="900 to 43200"):
            make_bsm().assume_role(ROLE_ARN, duration_seconds=duration)

    @pytest.mark.parametrize("name", ["a", "x" * 65, "has space", "slash/", "é-accent"])
    def test_invalid_role_session_name_fails_before_network(
        self, name: str, make_bsm: MakeBsm
    ) -> None:
        """Session names outside 2..64 chars of [\\w+=,.@-] are rejected."""
        with pytest.raises(InvalidRoleSessionNameError, match="2 to 64"):
            make_bsm().assume_role(ROLE_ARN, role_session_name=name)

    def test_valid_role_arns_with_path_and_partition(self) -> None:
        """ARNs with a path or another partition pass validation."""
        from boto_session_manager.validation import validate_role_arn

        assert validate_role_arn("arn:aws:iam::123456789012:role/a/b/c-role")
        assert validate_role_arn("arn:aws-cn:iam::123456789012:role/r")

    def test_auto_refresh_is_lazy(self, make_bsm: MakeBsm) -> None:
        """auto_refresh returns at once without any call, through a credential provider."""
        bsm = make_bsm()
        assumed = bsm.assume_role(ROLE_ARN, auto_refresh=True)
        assert assumed.credential_provider is not None
        assert assumed.credential_provider.method == "assume-role"
        assert assumed.credential_provider.fetches == 0
        assert "auto_refresh=True" in repr(assumed)


class TestHandOff:
    def test_env_returns_credentials_without_touching_os_environ(self, make_bsm: MakeBsm) -> None:
        """env() holds the credentials and region; os.environ is unchanged."""
        before = dict(os.environ)
        env = make_bsm(aws_session_token=SESSION_TOKEN).env()
        assert dict(os.environ) == before
        assert env["AWS_ACCESS_KEY_ID"] == ACCESS_KEY_ID
        assert env["AWS_SECRET_ACCESS_KEY"] == SECRET_ACCESS_KEY
        assert env["AWS_SESSION_TOKEN"] == SESSION_TOKEN
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
        assert env["AWS_ENDPOINT_URL"] == DEAD_ENDPOINT

    def test_env_drops_a_profile_that_would_shadow_the_keys(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_bsm: MakeBsm
    ) -> None:
        """AWS_PROFILE and a stale session token are removed from the handed-off env."""
        config = tmp_path / "config"
        config.write_text("[profile someone-else]\nregion = eu-west-1\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        monkeypatch.setenv("AWS_PROFILE", "someone-else")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "stale")
        env = make_bsm().env()
        assert "AWS_PROFILE" not in env
        assert "AWS_SESSION_TOKEN" not in env

    def test_env_feeds_a_real_subprocess(self, make_bsm: MakeBsm) -> None:
        """A child process started with env() sees the credentials."""
        code = "import os; print(os.environ['AWS_ACCESS_KEY_ID'], os.environ['AWS_REGION'])"
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=make_bsm().env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert out == [ACCESS_KEY_ID, "us-east-1"]

    def test_awscli_sets_and_restores_os_environ(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_bsm: MakeBsm
    ) -> None:
        """awscli() sets the variables for the block and restores the old ones after."""
        config = tmp_path / "config"
        config.write_text("[profile previous-profile]\nregion = eu-west-1\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "previous")
        monkeypatch.setenv("AWS_PROFILE", "previous-profile")
        with make_bsm().awscli():
            assert os.environ["AWS_ACCESS_KEY_ID"] == ACCESS_KEY_ID
            assert "AWS_PROFILE" not in os.environ
            child = subprocess.run(
                [sys.executable, "-c", "import os; print(os.environ['AWS_SECRET_ACCESS_KEY'])"],
                capture_output=True,
                text=True,
                check=True,
            )
            assert child.stdout.strip() == SECRET_ACCESS_KEY
        assert os.environ["AWS_ACCESS_KEY_ID"] == "previous"
        assert os.environ["AWS_PROFILE"] == "previous-profile"
        assert "AWS_SECRET_ACCESS_KEY" not in os.environ

    def test_awscli_restores_even_on_error(self, make_bsm: MakeBsm) -> None:
        """An exception inside the block still restores the environment."""
        with pytest.raises(RuntimeError), make_bsm().awscli():
            raise RuntimeError("boom")
        assert "AWS_ACCESS_KEY_ID" not in os.environ

    def test_awscli_with_a_profile_based_session(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """A profile's name goes out, not its keys; a child resolves the same keys from it."""
        credentials = tmp_path / "credentials"
        credentials.write_text(
            "[dev]\naws_access_key_id = AKIAPROFILEEXAMPLE00\n"
            "aws_secret_access_key = profile-secret-EXAMPLE\n"
        )
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
        bsm = BotoSesManager(profile_name="dev", region_name="us-west-2")
        code = "import boto3; print(boto3.Session().get_credentials().access_key)"
        with bsm.awscli():
            assert os.environ["AWS_PROFILE"] == "dev"
            assert os.environ["AWS_REGION"] == "us-west-2"
            assert "AWS_ACCESS_KEY_ID" not in os.environ
            child = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
        assert child.stdout.strip() == bsm.get_frozen_credentials().access_key
        assert child.stdout.strip() == "AKIAPROFILEEXAMPLE00"
        assert "AWS_PROFILE" not in os.environ

    def test_missing_credentials_error_says_where_it_looked(self) -> None:
        """With no credentials anywhere, the error names the places it looked."""
        bsm = BotoSesManager(region_name="us-east-1")
        with pytest.raises(NoCredentialsError, match="environment variables"):
            bsm.env()


class TestSnapshots:
    def test_round_trip_keeps_credentials_region_and_expiry(self, make_bsm: MakeBsm) -> None:
        """from_snapshot(to_snapshot()) gives the same credentials, region and expiry."""
        expiry = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
        bsm = make_bsm(aws_session_token=SESSION_TOKEN, expiration_time=expiry)
        snapshot = bsm.to_snapshot()
        assert snapshot["expiration_time"] == "2030-01-01T00:00:00+00:00"
        again = BotoSesManager.from_snapshot(json.loads(json.dumps(snapshot)))
        assert again.get_frozen_credentials() == bsm.get_frozen_credentials()
        assert again.expiration_time == expiry
        assert again.aws_region == "us-east-1"
        assert again.default_client_kwargs["endpoint_url"] == DEAD_ENDPOINT

    def test_temp_snapshot_is_private_and_removed(self, make_bsm: MakeBsm) -> None:
        """The snapshot file has mode 0600 while in use and is gone after."""
        bsm = make_bsm()
        with bsm.temp_snapshot() as path:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert BotoSesManager.from_snapshot_file(path).aws_access_key_id == ACCESS_KEY_ID
        assert not path.exists()

    def test_nested_and_concurrent_snapshots_do_not_clobber(
        self, make_bsm: MakeBsm, run_at_once: RunAtOnce
    ) -> None:
        """Each use gets its own path; nested and threaded uses keep their own files."""
        first, second = make_bsm(), make_bsm(aws_access_key_id="AKIASECONDEXAMPLE000")
        with first.temp_snapshot() as p1, second.temp_snapshot() as p2:
            assert p1 != p2
            assert BotoSesManager.from_snapshot_file(p1).aws_access_key_id == ACCESS_KEY_ID
            assert BotoSesManager.from_snapshot_file(p2).aws_access_key_id == "AKIASECONDEXAMPLE000"

        def use_a_snapshot() -> tuple[Path, str]:
            with first.temp_snapshot() as path:
                return path, json.loads(path.read_text())["aws_access_key_id"]

        results, errors = run_at_once(use_a_snapshot, 16)
        assert errors == []
        assert len({path for path, _ in results}) == 16
        assert {key for _, key in results} == {ACCESS_KEY_ID}

    def test_snapshot_across_a_subprocess(self, make_bsm: MakeBsm) -> None:
        """A child process rebuilds the manager from the snapshot file."""
        code = (
            "import sys; from boto_session_manager import BotoSesManager as B; "
            "print(B.from_snapshot_file(sys.argv[1]).get_frozen_credentials().access_key)"
        )
        with make_bsm().temp_snapshot() as path:
            out = subprocess.run(
                [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
            )
        assert out.stdout.strip() == ACCESS_KEY_ID

    def test_explicit_path_is_used_and_removed(self, tmp_path: Path, make_bsm: MakeBsm) -> None:
        """temp_snapshot(path) writes there and removes it on exit."""
        target = tmp_path / "snap.json"
        with make_bsm().temp_snapshot(target) as path:
            assert path == target and target.exists()
        assert not target.exists()


class TestRepr:
    def test_repr_shows_facts_and_never_a_secret(self, make_bsm: MakeBsm) -> None:
        """repr has region, profile, expiry and a masked key id, and no secret."""
        text = repr(make_bsm(aws_session_token=SESSION_TOKEN))
        assert "us-east-1" in text and "profile_name=None" in text
        assert "AKIA************MPLE" in text
        from boto_session_manager.testing import assert_no_secrets

        assert_no_secrets(
            {"secret": SECRET_ACCESS_KEY, "session token": SESSION_TOKEN, "key id": ACCESS_KEY_ID},
            {"repr": text},
        )


class TestRefreshingAssumeRole:
    def test_mfa_token_callable_is_asked_at_each_refresh(
        self, make_bsm: MakeBsm, local_sts: Any
    ) -> None:
        """With auto_refresh, a callable mfa_token gives a fresh code to every AssumeRole."""
        bsm = make_bsm(default_client_kwargs={"endpoint_url": local_sts.url})
        codes = iter(["111111", "222222"])
        role = bsm.assume_role(
            ROLE_ARN,
            role_session_name="mfa",
            mfa_serial_number="arn:aws:iam::123456789012:mfa/me",
            mfa_token=lambda: next(codes),
            auto_refresh=True,
        )
        local_sts.next_lifetimes = [60]  # in the mandatory window at once: refreshed on use
        role.get_frozen_credentials()
        role.get_frozen_credentials()  # the 3600-second credentials need no refresh
        sent = [request for request in local_sts.requests if request["Action"] == "AssumeRole"]
        assert [request["TokenCode"] for request in sent] == ["111111", "222222"]
        assert {request["SerialNumber"] for request in sent} == {"arn:aws:iam::123456789012:mfa/me"}
        assert role.credential_provider is not None and role.credential_provider.fetches == 2

    def test_refreshing_role_uses_the_session_of_boto_ses(
        self, make_bsm: MakeBsm, local_sts: Any
    ) -> None:
        """After create_boto_ses(), a refreshing role still gets its STS client from boto_ses."""
        bsm = make_bsm(default_client_kwargs={"endpoint_url": local_sts.url})
        core = bsm.boto_ses_botocore_session
        other = bsm.create_boto_ses()  # documented as not cached: it must not replace anything
        assert other is not bsm.boto_ses
        assert bsm.boto_ses_botocore_session is core
        assert bsm.boto_ses.events is core.get_component("event_emitter")
        made: list[str] = []
        bsm.boto_ses.events.register("creating-client-class.sts", lambda **_: made.append("sts"))
        role = bsm.assume_role(ROLE_ARN, auto_refresh=True)
        assert role.get_frozen_credentials().access_key.startswith("ASIA")
        assert made == ["sts"]
        assert local_sts.calls["AssumeRole"] == 1


def test_the_users_config_does_not_reach_the_role_s_sts_client(
    make_bsm: MakeBsm, local_sts: Any
) -> None:
    """default_client_kwargs' Config is for the user's clients: an unsigned one there does not
    make the refreshing AssumeRole unsigned (the endpoint, though, is kept)."""
    from botocore import UNSIGNED

    bsm = make_bsm(
        default_client_kwargs={
            "endpoint_url": local_sts.url,
            "config": Config(signature_version=UNSIGNED),
        }
    )
    bsm.assume_role(ROLE_ARN, auto_refresh=True).get_frozen_credentials()
    assert local_sts.calls["AssumeRole"] == 1
    assert local_sts.unsigned["AssumeRole"] == 0


def test_mfa_serial_without_token_fails_before_network(make_bsm: MakeBsm) -> None:
    """An MFA device without a code is rejected up front, naming both fixes."""
    from boto_session_manager import MissingMfaTokenError

    for auto_refresh in (False, True):
        with pytest.raises(MissingMfaTokenError, match="callable"):
            make_bsm().assume_role(
                ROLE_ARN,
                mfa_serial_number="arn:aws:iam::123456789012:mfa/me",
                auto_refresh=auto_refresh,
            )

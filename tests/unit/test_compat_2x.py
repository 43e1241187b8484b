"""2.x code keeps working on 3.0: its import paths, its names, its client attributes, and
2.x calls that 3.0 refuses fail with the 3.0 spelling (behaviours: test_compat_2x_behaviour.py).

The names 2.1.1 shipped are in ``data/names_2_1_1.txt`` (names only, read from its wheel).
"""

from __future__ import annotations

import datetime
import importlib
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

import boto_session_manager
from boto_session_manager import AwsServiceEnum, BotoSesManager, NoCredentialsError
from boto_session_manager._moved import (
    ASSUME_ROLE_2X_PARAMETERS,
    MOVED,
    keyword_only_error,
)
from boto_session_manager.client_descriptor import CachedClient, ClientAlias
from boto_session_manager.clients import ClientMixin

NAMES_2_1_1 = Path(__file__).parent / "data" / "names_2_1_1.txt"
ROOT = Path(__file__).resolve().parents[2]
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example
ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager"

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

MakeBsm = Callable[..., BotoSesManager]


def _names_2_1_1() -> list[tuple[str, str, str]]:
    """(client attribute, AwsServiceEnum member, service name) for each 2.1.1 service."""
    rows = []
    for line in NAMES_2_1_1.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            attribute, member, service = line.split()
            rows.append((attribute, member, service))
    return rows


@pytest.fixture(scope="module")
def botocore_services() -> set[str]:
    """The services the installed botocore has."""
    return set(botocore.session.get_session().get_available_services())


def fresh_import(module: str) -> Any:
    """Import ``module`` anew, so its import-time code (and warning) runs again."""
    sys.modules.pop(module, None)
    return importlib.import_module(module)


class TestApiModule:
    def test_names_are_the_3_0_objects(self) -> None:
        """boto_session_manager.api gives the 3.0 manager, enum, error and snapshot path."""
        from boto_session_manager import api

        with pytest.warns(DeprecationWarning):
            assert api.BotoSesManager is BotoSesManager
            assert api.AwsServiceEnum is AwsServiceEnum
            assert api.NoBotocoreCredentialError is NoCredentialsError
            assert Path.home() / ".bsm-snapshot.json" == api.PATH_DEFAULT_SNAPSHOT

    def test_warning_names_the_3_0_spelling_at_the_callers_line(self) -> None:
        """The warning says what to write instead and points at the line that imported."""
        with pytest.warns(DeprecationWarning) as record:
            from boto_session_manager.api import BotoSesManager as Old
        assert Old is BotoSesManager
        (warning,) = record.list
        assert "`from boto_session_manager import BotoSesManager`" in str(warning.message)
        assert warning.filename == __file__

    def test_star_import_gives_every_2x_name(self) -> None:
        """``from boto_session_manager.api import *`` defines the four names 2.x exported."""
        namespace: dict[str, Any] = {}
        with pytest.warns(DeprecationWarning):
            exec("from boto_session_manager.api import *", namespace)  # noqa: S102
        assert namespace["BotoSesManager"] is BotoSesManager
        assert {"AwsServiceEnum", "NoBotocoreCredentialError", "PATH_DEFAULT_SNAPSHOT"} <= set(
            namespace
        )

    def test_unknown_name_is_an_attribute_error(self) -> None:
        """A name 2.x never had is still an AttributeError, without a warning."""
        from boto_session_manager import api

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
                api.Nope  # noqa: B018

    def test_importing_api_costs_nothing_until_a_name_is_used(self) -> None:
        """``import boto_session_manager.api`` loads neither the manager nor boto3."""
        code = textwrap.dedent(
            """
            import sys, warnings
            warnings.simplefilter("error")
            import boto_session_manager.api, boto_session_manager.exc
            print(sorted(m for m in ("boto3", "boto_session_manager.manager") if m in sys.modules))
            """
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "[]"


class TestExcModule:
    def test_2x_error_is_the_3_0_no_credentials_error(self) -> None:
        """exc.NoBotocoreCredentialError is NoCredentialsError, also at the package root."""
        with pytest.warns(DeprecationWarning, match="import NoCredentialsError"):
            from boto_session_manager.exc import NoBotocoreCredentialError
        assert NoBotocoreCredentialError is NoCredentialsError
        assert boto_session_manager.NoBotocoreCredentialError is NoCredentialsError

    def test_2x_except_clause_catches_what_3_0_raises(self) -> None:
        """``except NoBotocoreCredentialError`` catches a manager's missing-credentials error."""
        bsm = BotoSesManager(region_name="us-east-1")
        with pytest.raises(boto_session_manager.NoBotocoreCredentialError, match="No AWS cred"):
            bsm.get_credentials()

    def test_2x_ways_of_raising_it_still_work(self) -> None:
        """2.x code raised it bare or with its own message; both give a NoCredentialsError."""
        error = boto_session_manager.NoBotocoreCredentialError
        with pytest.raises(NoCredentialsError, match="No AWS credentials found"):
            raise error
        with pytest.raises(NoCredentialsError, match=r"^my own message$"):
            raise error("my own message")


class TestManagerAndClientsModules:
    @pytest.mark.parametrize("name", sorted(MOVED["boto_session_manager.manager"]))
    def test_manager_module_keeps_the_names_2x_had_there(self, name: str) -> None:
        """Each name 2.x's manager module had resolves there, warning with its new place."""
        moved = MOVED["boto_session_manager.manager"][name]
        manager_module = importlib.import_module("boto_session_manager.manager")
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            value = getattr(manager_module, name)
        assert value is getattr(importlib.import_module(moved.module), moved.name)
        assert any(moved.spelling() in str(w.message) for w in record)

    def test_clients_module_keeps_aws_service_enum(self) -> None:
        """``from boto_session_manager.clients import AwsServiceEnum`` still works."""
        with pytest.warns(DeprecationWarning, match="from boto_session_manager import Aws"):
            from boto_session_manager.clients import AwsServiceEnum as Old
        assert Old is AwsServiceEnum

    def test_manager_module_unknown_name_is_an_attribute_error(self) -> None:
        """The manager module's forwarding only serves 2.x names."""
        from boto_session_manager import manager

        with pytest.raises(AttributeError, match=r"'boto_session_manager\.manager' has no"):
            manager.Nope  # noqa: B018


class TestSentinel:
    def test_import_warns_and_names_what_to_do(self) -> None:
        """Importing the 2.x sentinel module warns: 3.0 takes None for "not given"."""
        with pytest.warns(DeprecationWarning, match="pass None") as record:
            fresh_import("boto_session_manager.sentinel")
        assert record.list[0].filename == __file__

    def test_nothing_is_a_falsy_singleton_unlike_none(self) -> None:
        """NOTHING is falsy, shows as NOTHING, is not None and survives pickling as itself."""
        with pytest.warns(DeprecationWarning):
            sentinel = fresh_import("boto_session_manager.sentinel")
        nothing = sentinel.NOTHING
        assert repr(nothing) == "NOTHING"
        assert not nothing
        assert nothing is not None
        assert type(nothing)() is nothing
        assert pickle.loads(pickle.dumps(nothing)) is nothing  # noqa: S301 - our own bytes

    def test_resolve_kwargs_drops_nothing_keeps_none_and_renames(self) -> None:
        """resolve_kwargs leaves out NOTHING values, keeps None, and renames through _mapper."""
        with pytest.warns(DeprecationWarning):
            sentinel = fresh_import("boto_session_manager.sentinel")
        nothing, resolve = sentinel.NOTHING, sentinel.resolve_kwargs
        assert resolve(a=1, b=nothing, c=None) == {"a": 1, "c": None}
        assert resolve(_mapper={"role_arn": "RoleArn"}, role_arn="arn", x=nothing) == {
            "RoleArn": "arn"
        }


class TestVendoredAwsSts:
    @pytest.fixture
    def aws_sts(self) -> Any:
        """The 2.x vendored module (its import warning checked)."""
        with pytest.warns(DeprecationWarning, match="boto_session_manager.identity"):
            return fresh_import("boto_session_manager.vendor.aws_sts")

    def test_masks_keep_their_2x_results(self, aws_sts: Any) -> None:
        """The 2.x helpers give 2.x's masks (3.0's own, in identity, keep four digits)."""
        assert aws_sts.mask_user_id("AIDAEXAMPLEUSERID") == "AIDA***ERID"
        assert aws_sts.mask_aws_account_id("123456789012") == "12********12"
        assert (
            aws_sts.mask_iam_principal_arn("arn:aws:iam::123456789012:role/name")
            == "arn:aws:iam::12********12:role/name"
        )

    def test_get_caller_identity_returns_the_2x_tuple(
        self, aws_sts: Any, make_bsm: MakeBsm
    ) -> None:
        """get_caller_identity gives (user id, account, arn), masked on request."""
        sts = make_bsm().get_client("sts")
        answer = {
            "UserId": "AIDAEXAMPLEUSERID",
            "Account": "123456789012",
            "Arn": "arn:aws:iam::123456789012:user/name",
        }
        with Stubber(sts) as stubber:
            stubber.add_response("get_caller_identity", answer)
            stubber.add_response("get_caller_identity", answer)
            assert aws_sts.get_caller_identity(sts) == (
                "AIDAEXAMPLEUSERID",
                "123456789012",
                "arn:aws:iam::123456789012:user/name",
            )
            assert aws_sts.get_caller_identity(sts, masked=True) == (
                "AIDA***ERID",
                "12********12",
                "arn:aws:iam::12********12:user/name",
            )

    def test_get_account_alias_returns_none_without_alias(
        self, aws_sts: Any, make_bsm: MakeBsm
    ) -> None:
        """get_account_alias gives the first alias, or None for an account without one."""
        iam = make_bsm().get_client("iam")
        with Stubber(iam) as stubber:
            stubber.add_response("list_account_aliases", {"AccountAliases": ["my-alias"]})
            stubber.add_response("list_account_aliases", {"AccountAliases": []})
            assert aws_sts.get_account_alias(iam) == "my-alias"
            assert aws_sts.get_account_alias(iam) is None


class TestGoneModules:
    def test_pytest_cov_helper_says_what_to_use(self) -> None:
        """2.x's test-run helper is gone; importing it says to use pytest-cov."""
        sys.modules.pop("boto_session_manager.vendor.pytest_cov_helper", None)
        with pytest.raises(ImportError, match="pytest --cov"):
            importlib.import_module("boto_session_manager.vendor.pytest_cov_helper")

    @pytest.mark.parametrize("name", ["PathEnum", "path_enum", "PACKAGE_NAME"])
    def test_2x_repository_paths_say_why_they_are_gone(self, name: str) -> None:
        """2.x's paths of its own source repository fail with a reason, not a bare error."""
        from boto_session_manager import paths

        with pytest.raises(AttributeError, match=r"2\.x source repository"):
            getattr(paths, name)


class TestFailuresNameThe3_0Spelling:
    def test_positional_constructor_arguments_get_the_keyword_spelling(self) -> None:
        """2.x's positional BotoSesManager(key, secret) gets the keyword call to write instead."""
        with pytest.raises(boto_session_manager.KeywordOnlyArgumentsError) as info:
            BotoSesManager(ACCESS_KEY_ID, SECRET_ACCESS_KEY)  # type: ignore[arg-type]
        assert isinstance(info.value, TypeError)
        assert str(info.value) == (
            "BotoSesManager() takes all arguments as keywords since 3.0 (positional in 2.x): "
            "write BotoSesManager(aws_access_key_id=..., aws_secret_access_key=...)."
        )
        from boto_session_manager.testing import assert_no_secrets

        assert_no_secrets({"secret key": SECRET_ACCESS_KEY}, {"error": str(info.value)})

    def test_positional_assume_role_options_get_the_keyword_spelling(
        self, make_bsm: MakeBsm
    ) -> None:
        """assume_role(role_arn, name, 900) names assume_role(role_arn, role_session_name=...)."""
        bsm = make_bsm()
        refused = pytest.raises(boto_session_manager.KeywordOnlyArgumentsError)
        with Stubber(bsm.sts_client), refused as info:  # no answer queued: no request may go
            bsm.assume_role(ROLE_ARN, "name", 900)  # type: ignore[arg-type]
        assert str(info.value) == (
            "assume_role() takes every argument after role_arn as keywords since 3.0 "
            "(positional in 2.x): write "
            "assume_role(role_arn, role_session_name=..., duration_seconds=...)."
        )

    @pytest.mark.parametrize("method", ["get_client", "get_resource"])
    def test_positional_client_options_get_the_keyword_spelling(
        self, method: str, make_bsm: MakeBsm
    ) -> None:
        """get_client("s3", "eu-west-1") (2.x's positional region) names region_name=...."""
        with pytest.raises(boto_session_manager.KeywordOnlyArgumentsError) as info:
            getattr(make_bsm(), method)("s3", "eu-west-1")
        assert str(info.value).endswith(f"write {method}(service_name, region_name=...).")

    def test_signatures_show_keywords_only(self) -> None:
        """help() shows the 3.0 signatures: no catch-all for 2.x's positional arguments."""
        import inspect

        for function in (
            BotoSesManager,
            BotoSesManager.assume_role,
            BotoSesManager.get_client,
            BotoSesManager.get_resource,
        ):
            kinds = {p.kind for p in inspect.signature(function).parameters.values()}
            assert inspect.Parameter.VAR_POSITIONAL not in kinds, function
        manager = inspect.signature(BotoSesManager).parameters
        assert manager["region_name"].kind is inspect.Parameter.KEYWORD_ONLY

    def test_more_arguments_than_2x_had_are_shown_as_ellipsis(self) -> None:
        """Extra positional arguments beyond 2.x's parameters do not break the message."""
        error = keyword_only_error("f", ("a",), (1, 2))
        assert "write f(a=..., ...)." in str(error)
        many = (None,) * (len(ASSUME_ROLE_2X_PARAMETERS) + 1)
        assert str(keyword_only_error("g", ASSUME_ROLE_2X_PARAMETERS, many)).endswith(
            "auto_refresh=..., ...)."
        )

    def test_temp_snapshot_used_as_the_2x_manager_says_what_changed(
        self, make_bsm: MakeBsm
    ) -> None:
        """2.x's `with bsm.temp_snapshot() as bsm2: bsm2.s3_client` names the 3.0 way."""
        from boto_session_manager.paths import SnapshotPath

        with make_bsm().temp_snapshot() as yielded:
            assert isinstance(yielded, SnapshotPath)
            assert yielded.name == "snapshot.json" and yielded.exists()
            with pytest.raises(AttributeError, match="yields the snapshot file's path") as info:
                yielded.s3_client  # noqa: B018
        assert "bsm.s3_client" in str(info.value)

    def test_snapshot_path_is_still_a_path(self, tmp_path: Path) -> None:
        """The yielded path compares, joins and opens like any Path; private names stay plain."""
        from boto_session_manager.paths import SnapshotPath

        path = SnapshotPath(tmp_path / "snapshot.json")
        assert path == tmp_path / "snapshot.json"
        assert os.fspath(path) == str(tmp_path / "snapshot.json")
        assert not hasattr(path, "_no_such_private_name")


class TestNothingFromTwoX:
    """2.x code passing its "not given" marker, ``sentinel.NOTHING``, means not given."""

    @pytest.fixture
    def nothing(self) -> Any:
        """2.x's NOTHING (its module's import warning checked)."""
        with pytest.warns(DeprecationWarning):
            return fresh_import("boto_session_manager.sentinel").NOTHING

    def test_constructor_reads_nothing_as_none(self, nothing: Any, make_bsm: MakeBsm) -> None:
        """BotoSesManager(profile_name=NOTHING, ...) works as if it were left out."""
        bsm = make_bsm(profile_name=nothing, aws_session_token=nothing, expiration_time=nothing)
        assert bsm.profile_name is None and bsm.aws_session_token is None
        assert bsm.expiration_time is None
        assert bsm.get_frozen_credentials().access_key == ACCESS_KEY_ID

    def test_get_client_drops_nothing(self, nothing: Any, make_bsm: MakeBsm) -> None:
        """get_client("s3", region_name=NOTHING) is the default client, cached once."""
        bsm = make_bsm()
        assert bsm.get_client("s3", region_name=nothing) is bsm.get_client("s3")
        assert bsm.get_resource("s3", region_name=nothing) is bsm.get_resource("s3")

    def test_assume_role_takes_defaults_for_nothing(self, nothing: Any, make_bsm: MakeBsm) -> None:
        """assume_role(external_id=NOTHING, duration_seconds=NOTHING) sends neither NOTHING."""
        bsm = make_bsm()
        answer = {
            "Credentials": {
                "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
                "SecretAccessKey": "assumed-secret-EXAMPLE",
                "SessionToken": "assumed-token-EXAMPLE",
                "Expiration": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc),
            }
        }
        with Stubber(bsm.sts_client) as stub:
            stub.add_response(
                "assume_role",
                answer,
                expected_params={
                    "RoleArn": ROLE_ARN,
                    "RoleSessionName": "s1",
                    "DurationSeconds": 3600,
                },
            )
            bsm.assume_role(
                ROLE_ARN,
                role_session_name="s1",
                external_id=nothing,
                duration_seconds=nothing,
                source_identity=nothing,
            )


class TestClientAliases:
    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("cloudwatchlogs_client", "logs_client"),
            ("sfn_client", "stepfunctions_client"),
            ("accountaccess_client", "account_access_client"),
            ("acmpca_client", "acm_pca_client"),
        ],
    )
    def test_alias_gives_the_same_client_object(
        self, old: str, new: str, make_bsm: MakeBsm
    ) -> None:
        """The 2.x attribute and the 3.0 attribute are one cached client, whichever comes first."""
        bsm = make_bsm()
        first = getattr(bsm, old)
        assert getattr(bsm, new) is first
        assert getattr(bsm, old) is first
        other = make_bsm()
        assert getattr(other, new) is getattr(other, old)

    def test_alias_follows_clear_cache(self, make_bsm: MakeBsm) -> None:
        """After clear_cache() the alias gives the new client, the same as the 3.0 name."""
        bsm = make_bsm()
        before = bsm.cloudwatchlogs_client
        bsm.clear_cache()
        after = bsm.cloudwatchlogs_client
        assert after is not before
        assert after is bsm.logs_client
        assert after is bsm.get_client("logs")

    def test_alias_follows_an_assigned_client(self, make_bsm: MakeBsm) -> None:
        """A client assigned to the 3.0 attribute is what the alias gives too."""
        bsm = make_bsm()
        replacement = make_bsm().get_client("logs")
        bsm.logs_client = replacement
        assert bsm.cloudwatchlogs_client is replacement

    def test_class_access_gives_the_alias_descriptor(self) -> None:
        """On the class the alias is a ClientAlias naming its 3.0 attribute, with a docstring."""
        alias = ClientMixin.sfn_client
        assert isinstance(alias, ClientAlias)
        assert alias.target == "stepfunctions_client"
        assert alias.__doc__ is not None
        assert "stepfunctions_client" in alias.__doc__

    def test_every_2_1_1_name_answers(self, botocore_services: set[str]) -> None:
        """Every client attribute and enum member 2.1.1 shipped exists, for the same service."""
        wrong = []
        checked = 0
        for attribute, member, service in _names_2_1_1():
            if service not in botocore_services:
                continue  # boto3's docs listed it before botocore had it; no client to make
            checked += 1
            if getattr(AwsServiceEnum, member, None) != service:
                wrong.append(f"AwsServiceEnum.{member}")
            descriptor = vars(ClientMixin).get(attribute)
            if isinstance(descriptor, ClientAlias):
                descriptor = vars(ClientMixin).get(descriptor.target)
            if not isinstance(descriptor, CachedClient) or descriptor.service_name != service:
                wrong.append(attribute)
        assert not wrong, f"2.1.1 names that no longer work: {wrong}"
        assert checked > 400

    def test_aliases_are_2x_names_where_3_0_differs(self, botocore_services: set[str]) -> None:
        """The aliases are exactly 2.1.1's names that differ from 3.0's (plus newer services)."""
        aliases = {
            name: value.target
            for name, value in vars(ClientMixin).items()
            if isinstance(value, ClientAlias)
        }
        shipped = {attribute: service for attribute, _, service in _names_2_1_1()}
        differing = {
            attribute
            for attribute, service in shipped.items()
            if service in botocore_services and attribute != f"{service.replace('-', '_')}_client"
        }
        assert differing <= set(aliases)
        targets = {name: vars(ClientMixin)[target] for name, target in aliases.items()}
        assert all(isinstance(t, CachedClient) for t in targets.values())
        for name in set(aliases) - differing:  # only services 2.1.1 did not have
            assert targets[name].service_name not in set(shipped.values()), name
        assert len(differing) >= 200  # 2.1.1 names that 3.0 spells differently

"""2.x code as mypy sees it: the old names have the 3.0 types. Checked by ``mypy``, never run.

``nox -s lint`` runs mypy over this file (``[tool.mypy] files``); an alias typed ``Any`` or
with another service's client fails ``assert_type``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import mypy_boto3_account_access
    import mypy_boto3_acm_pca
    import mypy_boto3_logs
    import mypy_boto3_s3
    import mypy_boto3_stepfunctions
    from typing_extensions import assert_type

    import boto_session_manager
    from boto_session_manager import BotoSesManager, NoCredentialsError
    from boto_session_manager.api import PATH_DEFAULT_SNAPSHOT
    from boto_session_manager.api import AwsServiceEnum as ApiAwsServiceEnum
    from boto_session_manager.api import BotoSesManager as ApiBotoSesManager
    from boto_session_manager.api import NoBotocoreCredentialError as ApiNoBotocoreCredentialError
    from boto_session_manager.exc import NoBotocoreCredentialError

    def client_aliases(bsm: BotoSesManager) -> None:
        """Each 2.x attribute has the type of the 3.0 attribute it names."""
        assert_type(bsm.cloudwatchlogs_client, mypy_boto3_logs.Client)
        assert_type(bsm.logs_client, mypy_boto3_logs.Client)
        assert_type(bsm.sfn_client, mypy_boto3_stepfunctions.Client)
        assert_type(bsm.accountaccess_client, mypy_boto3_account_access.Client)
        assert_type(bsm.acmpca_client, mypy_boto3_acm_pca.Client)
        assert_type(bsm.s3_client, mypy_boto3_s3.Client)  # same name in 2.x and 3.0
        groups = bsm.cloudwatchlogs_client.describe_log_groups(limit=1)
        assert_type(groups["logGroups"][0]["logGroupName"], str)

    def import_paths() -> None:
        """The 2.x modules give the 3.0 objects, with their types."""
        assert_type(ApiBotoSesManager, type[BotoSesManager])
        assert_type(ApiAwsServiceEnum, type[boto_session_manager.AwsServiceEnum])
        assert_type(ApiNoBotocoreCredentialError, type[NoCredentialsError])
        assert_type(NoBotocoreCredentialError, type[NoCredentialsError])
        assert_type(PATH_DEFAULT_SNAPSHOT, Path)

    def calls_kept_and_refused(bsm: BotoSesManager) -> None:
        """2.x's keyword service_name type-checks; 2.x's positional options are flagged
        (``warn_unused_ignores`` fails if an ``ignore`` below stops being needed)."""
        bsm.get_client(service_name="s3")
        bsm.get_resource(service_name="s3")
        BotoSesManager.from_snapshot_file()
        BotoSesManager("AKIAIOSFODNN7EXAMPLE")  # type: ignore[arg-type]
        bsm.assume_role("arn:aws:iam::123456789012:role/r", "session")  # type: ignore[arg-type]
        bsm.get_client("s3", "eu-west-1")  # type: ignore[arg-type]

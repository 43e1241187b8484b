"""Unit tests of the .env credential path and of automatic credential-source selection."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from boto_session_manager import BotoSesManager
from boto_session_manager.credentials.dotenv_file import (
    dotenv_has_access_key,
    read_dotenv_credentials,
)
from boto_session_manager.credentials.selection import CredentialSource, select_credential_source
from boto_session_manager.exceptions import (
    DotenvFileError,
    DotenvFileNotFoundError,
    DotenvVariableError,
    GitHubOidcNotAvailableError,
    InvalidCredentialSourceError,
    MissingRoleArnError,
)
from boto_session_manager.testing import GitHubOidcIssuer, assert_no_secrets

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "dotenv-secret-EXAMPLE-value"


def write_env(path: Path, body: str) -> Path:
    """Write a .env file with the given body."""
    path.write_text(body)
    return path


class TestFromDotenv:
    def test_reads_keys_region_and_endpoint_without_touching_environ(self, tmp_path: Path) -> None:
        """Keys, region, endpoint and CA bundle come from the file; os.environ is unchanged."""
        before = dict(os.environ)
        env = write_env(
            tmp_path / ".env",
            f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\nAWS_REGION=eu-west-1\n"
            "AWS_ENDPOINT_URL=https://127.0.0.1:4566\nAWS_CA_BUNDLE=ca.pem\n",
        )
        bsm = BotoSesManager.from_dotenv(env)
        assert dict(os.environ) == before
        assert bsm.aws_access_key_id == KEY_ID and bsm.aws_secret_access_key == SECRET
        assert bsm.region_name == "eu-west-1"
        assert bsm.default_client_kwargs == {
            "endpoint_url": "https://127.0.0.1:4566",
            "verify": str(tmp_path / "ca.pem"),
        }
        assert_no_secrets({"secret key": SECRET}, {"repr": repr(bsm)})

    def test_arguments_win_over_the_file(self, tmp_path: Path) -> None:
        """region_name and default_client_kwargs given by the caller override the file."""
        env = write_env(
            tmp_path / ".env",
            f"MY_ID={KEY_ID}\nMY_SECRET={SECRET}\nAWS_REGION=eu-west-1\nAWS_ENDPOINT_URL=http://x\n",
        )
        bsm = BotoSesManager.from_dotenv(
            env,
            access_key_id_var="MY_ID",
            secret_access_key_var="MY_SECRET",
            region_name="us-west-2",
            default_client_kwargs={"endpoint_url": "http://y"},
        )
        assert bsm.region_name == "us-west-2"
        assert bsm.default_client_kwargs["endpoint_url"] == "http://y"

    def test_missing_file_names_the_file(self, tmp_path: Path) -> None:
        """A missing .env raises an error naming the path and the variables it needs."""
        with pytest.raises(DotenvFileNotFoundError, match=r"nope\.env.*AWS_ACCESS_KEY_ID"):
            BotoSesManager.from_dotenv(tmp_path / "nope.env")

    def test_missing_variable_names_file_and_variable(self, tmp_path: Path) -> None:
        """A missing variable is named together with the file."""
        env = write_env(tmp_path / ".env", f"AWS_ACCESS_KEY_ID={KEY_ID}\n")
        with pytest.raises(
            DotenvVariableError, match=r"AWS_SECRET_ACCESS_KEY is missing in .*\.env"
        ):
            BotoSesManager.from_dotenv(env)

    def test_empty_variable_is_reported_as_empty(self, tmp_path: Path) -> None:
        """An empty variable is reported as empty, and no secret is echoed."""
        env = write_env(tmp_path / ".env", f"AWS_ACCESS_KEY_ID=\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
        with pytest.raises(DotenvVariableError, match="AWS_ACCESS_KEY_ID is empty") as info:
            BotoSesManager.from_dotenv(env)
        assert_no_secrets({"secret key": SECRET}, {"error": str(info.value)})


class TestSelection:
    def test_explicit_argument_wins(self, tmp_path: Path) -> None:
        """An explicit source wins over GitHub Actions variables and a .env file."""
        env = write_env(
            tmp_path / ".env", f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"
        )
        selection = select_credential_source(
            source="default", dotenv_path=env, environ={"GITHUB_ACTIONS": "true"}
        )
        assert selection.source is CredentialSource.DEFAULT
        assert selection.reason == "chosen explicitly"

    def test_environment_variable_wins(self, tmp_path: Path) -> None:
        """BSM_CREDENTIAL_SOURCE wins over automatic detection."""
        selection = select_credential_source(
            dotenv_path=tmp_path / ".env", environ={"BSM_CREDENTIAL_SOURCE": "dotenv"}
        )
        assert selection.source is CredentialSource.DOTENV

    def test_unknown_source_is_rejected(self, tmp_path: Path) -> None:
        """An unknown source names the variable and the valid choices."""
        with pytest.raises(
            InvalidCredentialSourceError, match=r"BSM_CREDENTIAL_SOURCE.*github-oidc"
        ):
            select_credential_source(
                dotenv_path=tmp_path / ".env", environ={"BSM_CREDENTIAL_SOURCE": "magic"}
            )

    def test_github_actions_with_token_picks_oidc(
        self, github_oidc_issuer: GitHubOidcIssuer, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Inside GitHub Actions with the token variables, OIDC is chosen and logged."""
        caplog.set_level(logging.INFO, logger="boto_session_manager")
        environ = github_oidc_issuer.environ()
        selection = select_credential_source(dotenv_path=tmp_path / ".env", environ=environ)
        assert selection.source is CredentialSource.GITHUB_OIDC
        assert "credential source: github-oidc" in caplog.text
        assert_no_secrets(
            {"request token": environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]}, {"logs": caplog.text}
        )

    def test_github_actions_without_token_explains_permission(
        self, github_oidc_issuer: GitHubOidcIssuer, tmp_path: Path
    ) -> None:
        """Inside GitHub Actions without token variables or keys, the error names the fix."""
        with pytest.raises(GitHubOidcNotAvailableError, match="id-token: write"):
            select_credential_source(
                dotenv_path=tmp_path / ".env", environ=github_oidc_issuer.environ(id_token=False)
            )

    def test_github_actions_with_exported_keys_uses_default_chain(
        self, github_oidc_issuer: GitHubOidcIssuer, tmp_path: Path
    ) -> None:
        """A later step after `bsm github-env` (keys in env, no token) uses the default chain."""
        environ = {**github_oidc_issuer.environ(id_token=False), "AWS_ACCESS_KEY_ID": KEY_ID}
        selection = select_credential_source(dotenv_path=tmp_path / ".env", environ=environ)
        assert selection.source is CredentialSource.DEFAULT

    def test_local_dotenv_then_default(self, tmp_path: Path) -> None:
        """Locally the .env key is chosen when the file holds one, else the default chain."""
        env = tmp_path / ".env"
        assert (
            select_credential_source(dotenv_path=env, environ={}).source is CredentialSource.DEFAULT
        )
        write_env(env, f"AWS_ACCESS_KEY_ID={KEY_ID}\n")  # half a key is not a key
        assert (
            select_credential_source(dotenv_path=env, environ={}).source is CredentialSource.DEFAULT
        )
        write_env(env, f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
        assert (
            select_credential_source(dotenv_path=env, environ={}).source is CredentialSource.DOTENV
        )


class TestFromEnvironment:
    def test_oidc_needs_a_role_arn(
        self, github_oidc_issuer: GitHubOidcIssuer, tmp_path: Path
    ) -> None:
        """OIDC without role_arn or AWS_ROLE_ARN names the variable and the repository variable."""
        with pytest.raises(MissingRoleArnError, match=r"vars\.AWS_ROLE_ARN"):
            BotoSesManager.from_environment(
                dotenv_path=tmp_path / ".env", environ=github_oidc_issuer.environ()
            )

    def test_oidc_role_arn_from_the_environment(
        self, github_oidc_issuer: GitHubOidcIssuer, tmp_path: Path
    ) -> None:
        """AWS_ROLE_ARN selects the role; the manager gets web-identity credentials lazily."""
        environ = {
            **github_oidc_issuer.environ(),
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci",
        }
        bsm = BotoSesManager.from_environment(
            dotenv_path=tmp_path / ".env", environ=environ, region_name="us-east-1"
        )
        assert bsm.web_identity_exchange is not None
        assert bsm.web_identity_exchange.role_arn == "arn:aws:iam::123456789012:role/ci"
        assert github_oidc_issuer.requests_received == 0

    def test_dotenv_locally(self, tmp_path: Path) -> None:
        """Outside GitHub Actions a .env with a key gives a manager with that key."""
        env = write_env(
            tmp_path / ".env", f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"
        )
        bsm = BotoSesManager.from_environment(dotenv_path=env, environ={})
        assert bsm.aws_access_key_id == KEY_ID


class TestDotenvFileProblems:
    """Every way a .env can be unusable gives one line naming the file and the fix."""

    KEY_LINES = f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"

    def test_bytes_that_are_not_utf8(self, tmp_path: Path) -> None:
        """A Latin-1 byte names the file, the offset and UTF-8, and shows no secret."""
        env = tmp_path / ".env"
        env.write_bytes(b"# caf\xe9\n" + self.KEY_LINES.encode())
        with pytest.raises(DotenvFileError) as info:
            BotoSesManager.from_dotenv(env)
        message = str(info.value)
        assert str(env) in message and "0xe9 at offset 5" in message and "UTF-8" in message
        assert "\n" not in message
        assert_no_secrets({"secret key": SECRET}, {"error": message})

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
    def test_utf16_and_utf32(self, tmp_path: Path, encoding: str) -> None:
        """A UTF-16/32 file (PowerShell's `>`) is named as such, with the conversion to run."""
        env = tmp_path / ".env"
        env.write_text(self.KEY_LINES, encoding=encoding)
        with pytest.raises(DotenvFileError, match=r"UTF-(16|32).*iconv") as info:
            BotoSesManager.from_dotenv(env)
        assert str(env) in str(info.value)

    def test_utf8_with_a_byte_order_mark_is_read(self, tmp_path: Path) -> None:
        """A UTF-8 byte-order mark (Notepad's "UTF-8 with BOM") is not part of the first name."""
        env = tmp_path / ".env"
        env.write_text(self.KEY_LINES, encoding="utf-8-sig")
        assert BotoSesManager.from_dotenv(env).aws_access_key_id == KEY_ID
        assert dotenv_has_access_key(env)

    def test_a_directory(self, tmp_path: Path) -> None:
        """A directory given as the .env file is named as a directory, not as missing."""
        folder = tmp_path / ".env"
        folder.mkdir()
        with pytest.raises(DotenvFileError, match=r"is a directory.*path of the \.env file"):
            BotoSesManager.from_dotenv(folder)

    def test_a_virtualenv_named_env_is_not_a_dotenv(self, tmp_path: Path) -> None:
        """Automatic selection skips a `.env/` folder (a common virtualenv name) without error."""
        (tmp_path / ".env").mkdir()
        assert not dotenv_has_access_key(tmp_path / ".env")
        selection = select_credential_source(dotenv_path=tmp_path / ".env", environ={})
        assert selection.source is CredentialSource.DEFAULT

    def test_automatic_selection_reports_a_broken_file(self, tmp_path: Path) -> None:
        """A .env file that cannot be decoded stops automatic selection with the same error."""
        env = tmp_path / ".env"
        env.write_text(self.KEY_LINES, encoding="utf-16")
        with pytest.raises(DotenvFileError, match="UTF-16"):
            select_credential_source(dotenv_path=env, environ={})

    @pytest.mark.parametrize(
        "endpoint",
        [
            "localhost:4566",
            "ftp://127.0.0.1:4566",
            "http://",
            "https://exa mple.com",
            "http://127.0.0.1:port",
            "127.0.0.1",
        ],
    )
    def test_a_bad_endpoint_url(self, tmp_path: Path, endpoint: str) -> None:
        """An AWS_ENDPOINT_URL botocore would refuse is named with the file before any call."""
        env = write_env(tmp_path / ".env", f"{self.KEY_LINES}AWS_ENDPOINT_URL={endpoint}\n")
        with pytest.raises(DotenvFileError, match="AWS_ENDPOINT_URL") as info:
            BotoSesManager.from_dotenv(env)
        assert str(env) in str(info.value) and "https://HOST" in str(info.value)

    def test_endpoint_user_info_is_not_shown(self, tmp_path: Path) -> None:
        """A bad endpoint URL is quoted without its user-info."""
        env = write_env(
            tmp_path / ".env", f"{self.KEY_LINES}AWS_ENDPOINT_URL=ftp://bob:pa55w0rd@host\n"
        )
        with pytest.raises(DotenvFileError) as info:
            BotoSesManager.from_dotenv(env)
        assert_no_secrets({"password": "pa55w0rd"}, {"error": str(info.value)})

    @pytest.mark.parametrize(
        "endpoint", ["https://127.0.0.1:4566", "http://localhost:4566", "https://[::1]:4566/"]
    )
    def test_good_endpoint_urls(self, tmp_path: Path, endpoint: str) -> None:
        """http(s) URLs with a host (IPv6 too) are accepted as they are."""
        env = write_env(tmp_path / ".env", f"{self.KEY_LINES}AWS_ENDPOINT_URL={endpoint}\n")
        assert read_dotenv_credentials(env).endpoint_url == endpoint

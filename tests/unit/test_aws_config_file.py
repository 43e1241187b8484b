"""Unit tests of the AWS config file: a profile set in place, commands quoted, shadowing found.

The quoting is checked against botocore's own splitting of ``credential_process``, and the
written file is read back with botocore's own config loader.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from botocore.compat import compat_shell_split
from botocore.configloader import load_config

from boto_session_manager import AwsConfigFileError
from boto_session_manager.aws_config_file import (
    check_profile_name,
    credential_process_command,
    default_profile_credentials,
    set_profile_text,
    write_profile,
)

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

EXISTING = """\
# my settings: keep me
[default]
region = eu-west-1
output = json

[profile ci]
# a comment inside the profile
role_arn = arn:aws:iam::111122223333:role/old
source_profile = default
s3 =
  max_concurrent_requests = 20
credential_process = old-command
region = us-west-2

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
"""


class TestSetProfile:
    def test_updates_in_place_keeping_everything_else(self) -> None:
        """The profile's keys are replaced, shadowing keys dropped; comments, other profiles,
        other keys (with their continuation lines) stay byte for byte."""
        text = set_profile_text(EXISTING, "ci", {"credential_process": "new", "region": "r1"})
        assert text == EXISTING.replace(
            "role_arn = arn:aws:iam::111122223333:role/old\nsource_profile = default\n", ""
        ).replace("credential_process = old-command\nregion = us-west-2\n", "").replace(
            "[profile ci]\n", "[profile ci]\ncredential_process = new\nregion = r1\n"
        )

    def test_botocore_reads_the_result(self, tmp_path: Path) -> None:
        """botocore's loader sees the new profile and the untouched ones."""
        path = tmp_path / "config"
        path.write_text(set_profile_text(EXISTING, "ci", {"credential_process": "new"}))
        profiles = load_config(str(path))["profiles"]
        assert profiles["ci"]["credential_process"] == "new"
        assert "role_arn" not in profiles["ci"] and "s3" in profiles["ci"]
        assert profiles["default"] == {"region": "eu-west-1", "output": "json"}

    def test_a_missing_profile_is_appended(self) -> None:
        """A new profile goes at the end, after a blank line; a file without one gets one."""
        assert set_profile_text("", "x", {"a": "1"}) == "[profile x]\na = 1\n"
        assert set_profile_text("[default]\nk = v", "x", {"a": "1"}) == (
            "[default]\nk = v\n\n[profile x]\na = 1\n"
        )
        assert set_profile_text("", "default", {"a": "1"}) == "[default]\na = 1\n"

    def test_crlf_files_stay_crlf(self) -> None:
        """A Windows file keeps its line endings."""
        text = set_profile_text("[profile x]\r\na = 0\r\nb = 2\r\n", "x", {"a": "1"})
        assert text == "[profile x]\r\na = 1\r\nb = 2\r\n"

    def test_default_profile_in_either_spelling(self) -> None:
        """[default] and [profile default] are both the default profile."""
        text = set_profile_text("[profile default]\nrole_arn = x\n", "default", {"a": "1"})
        assert text == "[profile default]\na = 1\n"

    @pytest.mark.parametrize("name", ["", "a b", "x]", "név", "a" * 129])
    def test_profile_names_we_do_not_write(self, name: str) -> None:
        """A name an SDK could misread is refused, naming the characters allowed."""
        with pytest.raises(AwsConfigFileError, match="letters, digits"):
            check_profile_name(name)

    def test_write_is_private_and_makes_the_folder(self, tmp_path: Path) -> None:
        """The file is written whole with mode 0600, in a folder made 0700."""
        path = tmp_path / "aws" / "config"
        write_profile(path, "ci", {"credential_process": "x"})
        assert path.read_text() == "[profile ci]\ncredential_process = x\n"
        assert list(path.parent.iterdir()) == [path]
        if sys.platform != "win32":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    def test_unreadable_file_is_a_clear_error(self, tmp_path: Path) -> None:
        """A config file that is not UTF-8 is named, with the fix."""
        path = tmp_path / "config"
        path.write_bytes(b"[default]\nregion = caf\xe9\n")
        with pytest.raises(AwsConfigFileError, match="not UTF-8"):
            write_profile(path, "ci", {"credential_process": "x"})

    def test_line_breaks_in_values_are_refused(self, tmp_path: Path) -> None:
        """A value with a line break would become two lines: refused."""
        with pytest.raises(AwsConfigFileError, match="line break"):
            write_profile(tmp_path / "config", "ci", {"region": "a\nb"})


class TestCommand:
    ARGV: ClassVar[list[str]] = [
        "/opt/my python/bin/python3",
        "-m",
        "boto_session_manager.cli",
        "--role-arn",
        "arn:aws:iam::123456789012:role/it's",
        "--dotenv",
        'C:\\Users\\me\\"quoted"\\.env',
        "",
    ]

    @pytest.mark.parametrize("platform", ["linux", "win32"])
    def test_botocore_splits_it_back(self, platform: str) -> None:
        """Spaces, quotes, backslashes and an empty argument survive botocore's split."""
        command = credential_process_command(self.ARGV, platform=platform)
        assert compat_shell_split(command, platform=platform) == self.ARGV

    def test_inline_comment_markers_are_refused(self) -> None:
        """' #' would end the line for the JavaScript SDK's INI reader."""
        with pytest.raises(AwsConfigFileError, match="comment"):
            credential_process_command(["/x", "a #b"], platform="linux")


class TestShadowing:
    def test_default_profile_keys_are_found(self, tmp_path: Path) -> None:
        """Keys or a role in the default profile of either file shadow an endpoint."""
        credentials, config = tmp_path / "credentials", tmp_path / "config"
        env = {"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_CONFIG_FILE": str(config)}
        assert default_profile_credentials(env) is None
        config.write_text("[default]\nregion = x\n[profile other]\nrole_arn = y\n")
        assert default_profile_credentials(env) is None
        config.write_text("[profile default]\nsso_session = corp\n")
        assert default_profile_credentials(env) == f"[profile default] in {config}"
        credentials.write_text("[default]\naws_access_key_id = AKIAEXAMPLE\n")
        assert default_profile_credentials(env) == f"[default] in {credentials}"

"""Errors raised by boto_session_manager: one base class, one subclass per failure users act on.

Each error carries a message template filled from keyword arguments (the way botocore's
errors do), so the message always names the problem *and* the fix. No message ever
contains a secret: callers pass only non-secret facts as keyword arguments.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's constant without importing typing (about 4 ms)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "AwsConfigFileError",
    "BotoSesManagerError",
    "CredentialCacheError",
    "DotenvFileError",
    "DotenvFileNotFoundError",
    "DotenvVariableError",
    "ExpiredWebIdentityTokenError",
    "GitHubOidcNotAvailableError",
    "InvalidCredentialSourceError",
    "InvalidDurationError",
    "InvalidRoleArnError",
    "InvalidRoleSessionNameError",
    "KeywordOnlyArgumentsError",
    "LocalAwsEmulatorError",
    "MissingMfaTokenError",
    "MissingRoleArnError",
    "NoBotocoreCredentialError",
    "NoCredentialsError",
    "RoleTrustError",
    "SnapshotFileNotFoundError",
    "TokenEndpointError",
    "TokenEndpointUrlError",
    "WebIdentityTokenFileError",
]


class BotoSesManagerError(Exception):
    """Base class of every error this library raises."""

    fmt = "An unspecified error occurred."

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        super().__init__(self.fmt.format(**kwargs))


class NoCredentialsError(BotoSesManagerError):
    """No AWS credentials could be found for the session."""

    fmt = (
        "No AWS credentials found (looked in: {looked_in}). "
        "Set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, pass a profile_name, "
        "or put an access key in a .env file and use from_dotenv()."
    )

    def __init__(self, *args: object, **kwargs: Any) -> None:
        if args:  # 2.x raised NoBotocoreCredentialError("any message") as a plain Exception
            Exception.__init__(self, *args)
            self.kwargs = kwargs
            return
        kwargs.setdefault("looked_in", "the session")  # 2.x code raises it without arguments
        super().__init__(**kwargs)


#: 2.x's name (``boto_session_manager.exc``) of :class:`NoCredentialsError`: the same class, so
#: a 2.x ``except NoBotocoreCredentialError`` catches what 3.0 raises.
NoBotocoreCredentialError = NoCredentialsError


class InvalidRoleArnError(BotoSesManagerError, ValueError):
    """A role ARN that STS would reject."""

    fmt = (
        "Invalid IAM role ARN {role_arn!r}: expected "
        "'arn:<partition>:iam::<12-digit account id>:role/<path/>name'."
    )


class InvalidDurationError(BotoSesManagerError, ValueError):
    """A session duration outside what STS accepts."""

    fmt = (
        "Invalid duration_seconds={duration_seconds!r}: STS accepts {minimum} to {maximum} seconds "
        "(and at most the role's MaxSessionDuration; 3600 when chaining from role credentials)."
    )


class InvalidRoleSessionNameError(BotoSesManagerError, ValueError):
    """A role session name outside STS's rules."""

    fmt = (
        "Invalid role_session_name {role_session_name!r}: STS accepts 2 to 64 characters "
        "of letters, digits and '+=,.@_-'."
    )


class InvalidCredentialSourceError(BotoSesManagerError, ValueError):
    """An unknown explicit credential source."""

    fmt = "Unknown credential source {source!r} (from {origin}): use one of {choices}."


class MissingMfaTokenError(BotoSesManagerError, ValueError):
    """An MFA device was named without a way to get its code."""

    fmt = (
        "mfa_serial_number={serial!r} was given without mfa_token: pass the current code, or "
        "(with auto_refresh=True) a callable that returns a fresh code at each refresh."
    )


class MissingRoleArnError(BotoSesManagerError, ValueError):
    """The OIDC path was chosen but no role ARN was given."""

    fmt = (
        "No role ARN for GitHub Actions OIDC: pass role_arn=... or set {variable} "
        "(in the workflow: `env: {variable}: ${{{{ vars.{variable} }}}}`, a repository "
        "variable holding the role's ARN)."
    )


class GitHubOidcNotAvailableError(BotoSesManagerError):
    """Inside GitHub Actions, but the job cannot request an OIDC ID token."""

    fmt = (
        "GitHub Actions OIDC is not available: {missing} not set. "
        "Add `permissions: id-token: write` to the job (or workflow) in your workflow file. "
        "Pull requests from forks never get an ID token; skip AWS steps for them."
    )


class TokenEndpointError(BotoSesManagerError):
    """The GitHub Actions token endpoint did not give a usable ID token."""

    fmt = (
        "Could not get an ID token from the GitHub Actions token endpoint at {host} "
        "after {attempts} attempt(s): {reason}."
    )


class WebIdentityTokenFileError(BotoSesManagerError):
    """The web identity token file cannot be read."""

    fmt = (
        "Cannot read the web identity token file {path} ({reason}); "
        "check AWS_WEB_IDENTITY_TOKEN_FILE."
    )


class RoleTrustError(BotoSesManagerError):
    """STS refused AssumeRoleWithWebIdentity: the role's trust policy rejects the token."""

    fmt = (
        "STS denied AssumeRoleWithWebIdentity for role {role_arn}: the role's trust policy "
        "does not accept a token with {claims}. Check the role's "
        "token.actions.githubusercontent.com:aud and :sub conditions (repository, branch, "
        "environment) and that the OIDC provider exists in the account."
    )


class ExpiredWebIdentityTokenError(BotoSesManagerError):
    """STS says the web identity token has expired."""

    fmt = (
        "STS rejected the web identity token for role {role_arn} as expired. GitHub ID tokens "
        "live about 5 minutes: request a fresh one for each exchange (from_github_oidc does) "
        "and check the clock of this machine."
    )


class DotenvFileNotFoundError(BotoSesManagerError, FileNotFoundError):
    """The .env file does not exist."""

    fmt = (
        "The .env file {path} does not exist. Create it with AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or pass the path of your .env file."
    )


class DotenvVariableError(BotoSesManagerError):
    """A variable is missing or empty in the .env file."""

    fmt = "{variable} is {problem} in {path}. Add `{variable}=...` to that file."


class LocalAwsEmulatorError(BotoSesManagerError):
    """The local AWS emulator (ministack) could not be started, reached or stopped."""

    fmt = "Local AWS emulator: {problem}. {fix}"


class TokenEndpointUrlError(TokenEndpointError):
    """The token endpoint URL cannot be used (checked before any request is sent)."""

    fmt = (
        "The GitHub Actions token endpoint URL {url} cannot be used: {problem}. Check "
        "ACTIONS_ID_TOKEN_REQUEST_URL: leave it as the runner set it (https), and reach a local "
        "issuer over http only on a loopback host (127.0.0.1, ::1, localhost)."
    )


class DotenvFileError(BotoSesManagerError):
    """The .env file exists but cannot be used: unreadable, not UTF-8, or a bad value."""

    fmt = "Cannot use the .env file {path}: {problem}. {fix}"


class KeywordOnlyArgumentsError(BotoSesManagerError, TypeError):
    """2.x code passed positionally what 3.0 takes as keywords."""

    fmt = "{function}() takes {which} as keywords since 3.0 (positional in 2.x): write {spelling}."


class SnapshotFileNotFoundError(BotoSesManagerError, FileNotFoundError):
    """``from_snapshot_file()`` found no snapshot file (also a :class:`FileNotFoundError`)."""

    fmt = (
        "No snapshot file at {path} ({where}). Read it while the `with bsm.temp_snapshot():` "
        "block that writes it runs (the file is removed when the block ends, and the block "
        "names it in BSM_SNAPSHOT_FILE for its child processes), or pass the file's path."
    )


class CredentialCacheError(BotoSesManagerError):
    """The credential cache shared by processes cannot be used safely."""

    fmt = "Cannot use the credential cache {where}: {problem}. {fix}"


class AwsConfigFileError(BotoSesManagerError):
    """The AWS config file cannot be read or updated."""

    fmt = "Cannot update the AWS config file {path}: {problem}. {fix}"

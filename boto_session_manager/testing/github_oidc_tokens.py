"""Minting GitHub Actions ID tokens: the run they describe, their claims, their signing key.

:class:`GitHubRunContext` is the run being imitated; its ``sub`` is derived in GitHub's forms:

- ``repo:OWNER/REPO:ref:refs/heads/BRANCH`` and ``repo:OWNER/REPO:ref:refs/tags/TAG``;
- ``repo:OWNER/REPO:pull_request`` for the ``pull_request`` event;
- ``repo:OWNER/REPO:environment:NAME`` when the job has an environment (this wins);
- with ``sub_format="immutable"``, the owner and repository carry their numeric ids after an
  ``@``: ``repo:OWNER@OWNER_ID/REPO@REPO_ID:ref:refs/heads/main``. This is the form of GitHub's
  immutable subject claims (github/docs pull request #45221, "Immutable subject claims"; the
  same form appears in tokens printed by andreaso/output-oidc-claims-action). A customised
  subject template can be imitated with ``GitHubRunContext(sub=...)``.

``SigningKey`` holds an RSA key, its JWK and key id (and gives the JWKS); ``token_payload``
builds the claims and ``SigningKey.sign`` signs them (RS256). The default key is a 2048-bit RSA key
generated once per process (generation costs tens of milliseconds).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = [
    "CLAIMS_SUPPORTED",
    "DEFAULT_LIFETIME_SECONDS",
    "GITHUB_ISSUER",
    "GitHubRunContext",
    "SigningKey",
    "shared_private_key",
    "token_payload",
]

#: The ``iss`` of GitHub Actions ID tokens, and the URL AWS OIDC providers are created for.
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
#: GitHub's ID tokens live five minutes (``exp - iat``), and ``nbf`` is five minutes before ``iat``.
DEFAULT_LIFETIME_SECONDS = 300.0
_NOT_BEFORE_LEEWAY_SECONDS = 300
#: The claims GitHub's discovery document lists.
CLAIMS_SUPPORTED = (
    "sub",
    "aud",
    "exp",
    "iat",
    "iss",
    "jti",
    "nbf",
    "ref",
    "sha",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "run_id",
    "run_number",
    "run_attempt",
    "actor",
    "actor_id",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "head_ref",
    "base_ref",
    "event_name",
    "ref_type",
    "ref_protected",
    "environment",
    "job_workflow_ref",
    "job_workflow_sha",
    "repository_visibility",
    "runner_environment",
)

_key_lock = threading.Lock()
_process_key: rsa.RSAPrivateKey | None = None


def shared_private_key() -> rsa.RSAPrivateKey:
    """Return the per-process RSA signing key, generating it on first use."""
    global _process_key
    with _key_lock:
        if _process_key is None:
            _process_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _process_key


def _b64url_uint(value: int) -> str:
    """Encode an unsigned integer as unpadded base64url, the JWK way (RFC 7518, section 6.3)."""
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class GitHubRunContext:
    """The GitHub Actions run a token describes; every claim of the token derives from it.

    Ids are strings because GitHub's tokens carry them as strings. ``sub`` overrides the derived
    subject (for a customised subject template); ``job_workflow_ref`` defaults to
    ``workflow_ref`` (set it to imitate a reusable workflow).
    """

    repository: str = "octo-org/octo-repo"
    repository_id: str = "123456789"
    repository_owner_id: str = "987654"
    repository_visibility: str = "private"
    ref: str = "refs/heads/main"
    ref_protected: bool = False
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    event_name: str = "push"
    environment: str | None = None
    head_ref: str = ""
    base_ref: str = ""
    workflow: str = "CI"
    workflow_path: str = ".github/workflows/main.yml"
    job_workflow_ref: str | None = None
    run_id: str = "4242424242"
    run_number: str = "7"
    run_attempt: str = "1"
    actor: str = "octocat"
    actor_id: str = "583231"
    runner_environment: str = "github-hosted"
    sub_format: Literal["default", "immutable"] = "default"
    sub: str | None = None

    def __post_init__(self) -> None:
        owner, sep, name = self.repository.partition("/")
        if not (owner and sep and name) or "/" in name:
            raise ValueError(f"repository must be 'OWNER/REPO', got {self.repository!r}")
        if self.sub_format not in ("default", "immutable"):
            raise ValueError(
                f"sub_format must be 'default' or 'immutable', got {self.sub_format!r}"
            )

    @property
    def owner(self) -> str:
        """The repository owner (user or organisation)."""
        return self.repository.partition("/")[0]

    @property
    def repository_name(self) -> str:
        """The repository name without its owner."""
        return self.repository.partition("/")[2]

    @property
    def ref_type(self) -> str:
        """``tag`` for ``refs/tags/...``, else ``branch`` (GitHub says ``branch`` for PR refs)."""
        return "tag" if self.ref.startswith("refs/tags/") else "branch"

    @property
    def ref_name(self) -> str:
        """The short ref name, as in ``GITHUB_REF_NAME`` (``main``, ``v1.0``, ``7/merge``)."""
        for prefix in ("refs/heads/", "refs/tags/", "refs/pull/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref

    @property
    def workflow_ref(self) -> str:
        """``OWNER/REPO/PATH@REF``, the workflow file at the ref that runs it."""
        return f"{self.repository}/{self.workflow_path}@{self.ref}"

    @property
    def default_audience(self) -> str:
        """The ``aud`` GitHub uses when none is requested: the owner's URL."""
        return f"https://github.com/{self.owner}"

    @property
    def subject(self) -> str:
        """The ``sub`` claim: the override if given, else GitHub's default subject."""
        if self.sub is not None:
            return self.sub
        if self.sub_format == "immutable":
            prefix = (
                f"repo:{self.owner}@{self.repository_owner_id}"
                f"/{self.repository_name}@{self.repository_id}"
            )
        else:
            prefix = f"repo:{self.repository}"
        if self.environment is not None:
            return f"{prefix}:environment:{self.environment}"
        if self.event_name == "pull_request":
            return f"{prefix}:pull_request"
        return f"{prefix}:ref:{self.ref}"

    def claims(self) -> dict[str, str]:
        """GitHub's custom claims for this run (no ``iss``/``aud``/time claims)."""
        claims = {
            "sub": self.subject,
            "ref": self.ref,
            "ref_type": self.ref_type,
            "ref_protected": "true" if self.ref_protected else "false",
            "sha": self.sha,
            "repository": self.repository,
            "repository_owner": self.owner,
            "repository_id": self.repository_id,
            "repository_owner_id": self.repository_owner_id,
            "repository_visibility": self.repository_visibility,
            "run_id": self.run_id,
            "run_number": self.run_number,
            "run_attempt": self.run_attempt,
            "actor": self.actor,
            "actor_id": self.actor_id,
            "workflow": self.workflow,
            "workflow_ref": self.workflow_ref,
            "workflow_sha": self.sha,
            "job_workflow_ref": self.job_workflow_ref or self.workflow_ref,
            "job_workflow_sha": self.sha,
            "head_ref": self.head_ref,
            "base_ref": self.base_ref,
            "event_name": self.event_name,
            "runner_environment": self.runner_environment,
        }
        if self.environment is not None:
            claims["environment"] = self.environment
        return claims


def token_payload(
    run: GitHubRunContext,
    *,
    audience: str | None,
    issuer: str,
    now: int,
    lifetime: float,
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """The claims of one token; a ``None`` override removes that claim."""
    payload: dict[str, Any] = {
        "jti": str(uuid.uuid4()),
        **run.claims(),
        "aud": audience if audience is not None else run.default_audience,
        "iss": issuer,
        "nbf": now - _NOT_BEFORE_LEEWAY_SECONDS,
        "iat": now,
        "exp": now + int(lifetime),
    }
    for name, value in overrides.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return payload


class SigningKey:
    """An RS256 signing key with its public JWK and key id (the RFC 7638 thumbprint)."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._private_key = private_key
        public_numbers = private_key.public_key().public_numbers()
        self._jwk = {
            "kty": "RSA",
            "n": _b64url_uint(public_numbers.n),
            "e": _b64url_uint(public_numbers.e),
        }
        # RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order.
        canonical = json.dumps(
            {"e": self._jwk["e"], "kty": "RSA", "n": self._jwk["n"]}, separators=(",", ":")
        )
        digest = hashlib.sha256(canonical.encode("ascii")).digest()
        self.kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def public_key(self) -> rsa.RSAPublicKey:
        """The public half of the key."""
        return self._private_key.public_key()

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set holding the public key."""
        return {"keys": [{**self._jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def sign(self, payload: Mapping[str, Any]) -> str:
        """Sign ``payload`` as a compact JWT with ``kid`` and ``typ`` headers."""
        return jwt.encode(
            dict(payload),
            self._private_key,
            algorithm="RS256",
            headers={"kid": self.kid, "typ": "JWT"},
        )

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"

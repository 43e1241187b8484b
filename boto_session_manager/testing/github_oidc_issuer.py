"""A local stand-in for the GitHub Actions OIDC token endpoint, for tests.

:class:`GitHubOidcIssuer` is a real HTTP server on ``127.0.0.1`` that answers the way a
GitHub runner's token endpoint does: ``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with
``Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`` returns ``{"count": 1, "value": JWT}``,
where the JWT is RS256-signed and carries GitHub's claims. It also serves an OpenID discovery
document and a JWKS, so a verifier can check its signatures, and it can inject faults
(error statuses, slow, malformed or incomplete answers) to exercise a client's error handling.

The run being imitated is a frozen :class:`GitHubRunContext` (repository, ref, event,
environment, ids, ...); the ``sub`` claim is derived from it in GitHub's forms:

- ``repo:OWNER/REPO:ref:refs/heads/BRANCH`` and ``repo:OWNER/REPO:ref:refs/tags/TAG``;
- ``repo:OWNER/REPO:pull_request`` for the ``pull_request`` event;
- ``repo:OWNER/REPO:environment:NAME`` when the job has an environment (this wins);
- with ``sub_format="immutable"``, the owner and repository carry their numeric ids after an
  ``@``: ``repo:OWNER@OWNER_ID/REPO@REPO_ID:ref:refs/heads/main``. This is the form of GitHub's
  immutable subject claims (github/docs pull request #45221, "Immutable subject claims"; the
  same form appears in tokens printed by andreaso/output-oidc-claims-action). A customised
  subject template can be imitated with ``GitHubRunContext(sub=...)``.

The signing key is a 2048-bit RSA key generated once per process and shared by issuers that are
not given one (generation costs tens of milliseconds); pass ``private_key=`` for a distinct key.

Nothing secret is logged or shown: the request token and the JWTs never appear in ``repr`` and
the server's request log is silenced.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import hashlib
import json
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = [
    "DEFAULT_LIFETIME_SECONDS",
    "GITHUB_ISSUER",
    "Fault",
    "GitHubOidcIssuer",
    "GitHubRunContext",
    "TokenRequest",
]

#: The ``iss`` of GitHub Actions ID tokens, and the URL AWS OIDC providers are created for.
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
#: GitHub's ID tokens live five minutes (``exp - iat``), and ``nbf`` is five minutes before ``iat``.
DEFAULT_LIFETIME_SECONDS = 300.0
_NOT_BEFORE_LEEWAY_SECONDS = 300
_ISSUE_PATH = "/token"  # the runner URL has a long path; any path will do
_API_VERSION = "2.0"
_DISCOVERY_PATH = "/.well-known/openid-configuration"
_JWKS_PATH = "/.well-known/jwks"
_CLAIMS_SUPPORTED = (
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


def _shared_private_key() -> rsa.RSAPrivateKey:
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


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour of the token endpoint, consumed by one token request.

    ``kind`` is ``status`` (answer ``status`` with a JSON error), ``malformed`` (200 with
    a body that is not JSON), ``missing_value`` (200 with JSON lacking ``value``) or
    ``delay`` (wait ``delay`` seconds, then answer normally).
    """

    kind: Literal["status", "malformed", "missing_value", "delay"]
    status: int = 500
    delay: float = 0.0
    retry_after: int | None = None


@dataclass(frozen=True)
class TokenRequest:
    """What the token endpoint saw in one request (never the bearer token itself)."""

    audience: str | None
    status: int
    authorized: bool
    served: bool
    fault: Fault | None = field(default=None)


class _Server(ThreadingHTTPServer):
    """The HTTP server, quiet about client disconnects (a client timing out is expected)."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 makes concurrent clients wait for SYN retries
    issuer: GitHubOidcIssuer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Swallow per-connection errors instead of printing a traceback to stderr."""


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the issuer that owns the server."""

    server: _Server
    server_version = "LocalGitHubOidcIssuer"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: request lines would carry query strings and headers are secret."""

    def do_GET(self) -> None:
        """Serve the token endpoint, the discovery document or the JWKS."""
        status, body, headers = self.server.issuer._handle_get(
            self.path, self.headers.get("Authorization")
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _json_body(document: Mapping[str, Any]) -> bytes:
    """Serialise a JSON answer."""
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


class GitHubOidcIssuer:
    """A local GitHub Actions OIDC token endpoint with discovery, JWKS and fault injection.

    Use as a context manager (or :meth:`start` / :meth:`stop`); the server binds
    ``127.0.0.1`` on a free port. ``issuer`` is the ``iss`` claim: GitHub's by default, so
    tokens look exactly like GitHub's (and match trust policies keyed on
    ``token.actions.githubusercontent.com``); pass ``issuer=None`` to use this server's own
    base URL, which makes OIDC discovery from ``iss`` work.
    """

    def __init__(
        self,
        *,
        context: GitHubRunContext | None = None,
        issuer: str | None = GITHUB_ISSUER,
        lifetime: float = DEFAULT_LIFETIME_SECONDS,
        private_key: rsa.RSAPrivateKey | None = None,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
    ) -> None:
        if lifetime <= 0:
            raise ValueError(f"lifetime must be positive, got {lifetime!r}")
        self._initial_context = context if context is not None else GitHubRunContext()
        self._context = self._initial_context
        self._issuer_option = issuer
        self._lifetime = lifetime
        self._private_key = private_key if private_key is not None else _shared_private_key()
        self._clock = clock
        self._host = host
        self._request_token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._faults: collections.deque[Fault] = collections.deque()
        self._requests: list[TokenRequest] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        public_numbers = self._private_key.public_key().public_numbers()
        self._jwk: dict[str, str] = {
            "kty": "RSA",
            "n": _b64url_uint(public_numbers.n),
            "e": _b64url_uint(public_numbers.e),
        }
        # RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order.
        canonical = json.dumps(
            {"e": self._jwk["e"], "kty": "RSA", "n": self._jwk["n"]}, separators=(",", ":")
        )
        digest = hashlib.sha256(canonical.encode("ascii")).digest()
        self._kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> GitHubOidcIssuer:
        """Bind a free port on the host and serve in a daemon thread; return ``self``."""
        if self._server is not None:
            raise RuntimeError("GitHubOidcIssuer is already started")
        self._stopping.clear()
        server = _Server((self._host, 0), _Handler)
        server.issuer = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.005},
            name=f"GitHubOidcIssuer:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; pending delays are cut short. Idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> GitHubOidcIssuer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server is not None

    # -- addresses and identity --------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT`` (only while started)."""
        if self._server is None:
            raise RuntimeError("GitHubOidcIssuer is not started: use start() or `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def request_url(self) -> str:
        """The ``ACTIONS_ID_TOKEN_REQUEST_URL`` value; it already has a query string."""
        return f"{self.url}{_ISSUE_PATH}?api-version={_API_VERSION}"

    @property
    def request_token(self) -> str:
        """The ``ACTIONS_ID_TOKEN_REQUEST_TOKEN`` bearer value (secret: do not print it)."""
        return self._request_token

    @property
    def issuer(self) -> str:
        """The ``iss`` claim of minted tokens."""
        return self._issuer_option if self._issuer_option is not None else self.url

    @property
    def discovery_url(self) -> str:
        """The OpenID discovery document URL of this server."""
        return f"{self.url}{_DISCOVERY_PATH}"

    @property
    def jwks_url(self) -> str:
        """The JWKS URL of this server."""
        return f"{self.url}{_JWKS_PATH}"

    @property
    def kid(self) -> str:
        """The key id in token headers and the JWKS (the key's RFC 7638 thumbprint)."""
        return self._kid

    @property
    def lifetime(self) -> float:
        """Seconds from ``iat`` to ``exp`` of minted tokens."""
        return self._lifetime

    def public_key(self) -> rsa.RSAPublicKey:
        """The public half of the signing key."""
        return self._private_key.public_key()

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set served at :attr:`jwks_url`."""
        return {"keys": [{**self._jwk, "kid": self._kid, "alg": "RS256", "use": "sig"}]}

    def openid_configuration(self) -> dict[str, Any]:
        """The discovery document served at :attr:`discovery_url` (shaped like GitHub's)."""
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": list(_CLAIMS_SUPPORTED),
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        }

    # -- the run being imitated -------------------------------------------------------------

    @property
    def context(self) -> GitHubRunContext:
        """The run that tokens describe; assign a new one to change the scenario."""
        with self._lock:
            return self._context

    @context.setter
    def context(self, value: GitHubRunContext) -> None:
        with self._lock:
            self._context = value

    def set_context(self, **changes: Any) -> GitHubRunContext:
        """Replace fields of the current context (``dataclasses.replace``); return the new one."""
        with self._lock:
            self._context = dataclasses.replace(self._context, **changes)
            return self._context

    # -- tokens ------------------------------------------------------------------------------

    def claims(
        self,
        audience: str | None = None,
        *,
        context: GitHubRunContext | None = None,
        **claim_overrides: Any,
    ) -> dict[str, Any]:
        """The payload :meth:`mint` would sign; a ``None`` override removes that claim."""
        run = context if context is not None else self.context
        now = int(self._clock())
        payload: dict[str, Any] = {
            "jti": str(uuid.uuid4()),
            **run.claims(),
            "aud": audience if audience is not None else run.default_audience,
            "iss": self.issuer,
            "nbf": now - _NOT_BEFORE_LEEWAY_SECONDS,
            "iat": now,
            "exp": now + int(self._lifetime),
        }
        for name, value in claim_overrides.items():
            if value is None:
                payload.pop(name, None)
            else:
                payload[name] = value
        return payload

    def mint(
        self,
        audience: str | None = None,
        *,
        context: GitHubRunContext | None = None,
        **claim_overrides: Any,
    ) -> str:
        """Sign a token for ``audience`` (default: the owner URL) without any HTTP request."""
        payload = self.claims(audience, context=context, **claim_overrides)
        return jwt.encode(
            payload, self._private_key, algorithm="RS256", headers={"kid": self._kid, "typ": "JWT"}
        )

    # -- fault injection and counters --------------------------------------------------------

    def fail_next(
        self, count: int = 1, *, status: int = 500, retry_after: int | None = None
    ) -> None:
        """Answer the next ``count`` token requests with ``status`` and a JSON error."""
        self._add_faults(count, Fault("status", status=status, retry_after=retry_after))

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """Wait ``seconds`` before answering (normally) each of the next ``count`` requests."""
        self._add_faults(count, Fault("delay", delay=seconds))

    def malformed_next(self, count: int = 1) -> None:
        """Answer the next ``count`` token requests with 200 and a body that is not JSON."""
        self._add_faults(count, Fault("malformed"))

    def missing_value_next(self, count: int = 1) -> None:
        """Answer the next ``count`` token requests with 200 and JSON without ``value``."""
        self._add_faults(count, Fault("missing_value"))

    def _add_faults(self, count: int, fault: Fault) -> None:
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        with self._lock:
            self._faults.extend([fault] * count)

    @property
    def pending_faults(self) -> tuple[Fault, ...]:
        """Faults not consumed yet, in the order requests will meet them."""
        with self._lock:
            return tuple(self._faults)

    @property
    def token_requests(self) -> tuple[TokenRequest, ...]:
        """Every request the token endpoint received, oldest first."""
        with self._lock:
            return tuple(self._requests)

    @property
    def requests_received(self) -> int:
        """How many requests reached the token endpoint."""
        with self._lock:
            return len(self._requests)

    @property
    def tokens_served(self) -> int:
        """How many token requests were answered with a token."""
        with self._lock:
            return sum(1 for request in self._requests if request.served)

    def reset(self) -> None:
        """Drop pending faults and request records, and restore the initial context."""
        with self._lock:
            self._faults.clear()
            self._requests.clear()
            self._context = self._initial_context

    # -- environment -------------------------------------------------------------------------

    def environ(
        self, *, id_token: bool = True, runner_temp: str | PathLike[str] | None = None
    ) -> dict[str, str]:
        """The variables a GitHub runner sets for a job of the current context.

        ``id_token=False`` leaves out ``ACTIONS_ID_TOKEN_REQUEST_URL`` / ``_TOKEN``, as for a
        job without ``permissions: id-token: write``. The result holds the request token:
        do not print it.
        """
        run = self.context
        env = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": "https://api.github.com",
            "GITHUB_REPOSITORY": run.repository,
            "GITHUB_REPOSITORY_OWNER": run.owner,
            "GITHUB_REPOSITORY_ID": run.repository_id,
            "GITHUB_REPOSITORY_OWNER_ID": run.repository_owner_id,
            "GITHUB_RUN_ID": run.run_id,
            "GITHUB_RUN_NUMBER": run.run_number,
            "GITHUB_RUN_ATTEMPT": run.run_attempt,
            "GITHUB_REF": run.ref,
            "GITHUB_REF_NAME": run.ref_name,
            "GITHUB_REF_TYPE": run.ref_type,
            "GITHUB_REF_PROTECTED": "true" if run.ref_protected else "false",
            "GITHUB_SHA": run.sha,
            "GITHUB_HEAD_REF": run.head_ref,
            "GITHUB_BASE_REF": run.base_ref,
            "GITHUB_WORKFLOW": run.workflow,
            "GITHUB_WORKFLOW_REF": run.workflow_ref,
            "GITHUB_WORKFLOW_SHA": run.sha,
            "GITHUB_EVENT_NAME": run.event_name,
            "GITHUB_ACTOR": run.actor,
            "GITHUB_ACTOR_ID": run.actor_id,
            "RUNNER_ENVIRONMENT": run.runner_environment,
            "RUNNER_TEMP": str(runner_temp) if runner_temp is not None else tempfile.gettempdir(),
        }
        if id_token:
            env["ACTIONS_ID_TOKEN_REQUEST_URL"] = self.request_url
            env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = self._request_token
        return env

    # -- HTTP --------------------------------------------------------------------------------

    def _handle_get(
        self, raw_path: str, authorization: str | None
    ) -> tuple[int, bytes, dict[str, str]]:
        """Answer one GET: ``(status, body, extra headers)``."""
        parts = urlsplit(raw_path)
        if parts.path == _DISCOVERY_PATH:
            return 200, _json_body(self.openid_configuration()), {}
        if parts.path == _JWKS_PATH:
            return 200, _json_body(self.jwks()), {}
        if parts.path != _ISSUE_PATH:
            return 404, _json_body({"message": "Not Found"}), {}
        return self._token_endpoint(parts.query, authorization)

    def _token_endpoint(
        self, query: str, authorization: str | None
    ) -> tuple[int, bytes, dict[str, str]]:
        params = parse_qs(query)
        audience = params.get("audience", [None])[-1]
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        status, body, headers, served = self._token_answer(params, audience, authorization, fault)
        record = TokenRequest(audience, status, self._authorized(authorization), served, fault)
        with self._lock:
            self._requests.append(record)
        return status, body, headers

    def _token_answer(
        self,
        params: dict[str, list[str]],
        audience: str | None,
        authorization: str | None,
        fault: Fault | None,
    ) -> tuple[int, bytes, dict[str, str], bool]:
        """Answer a token request: ``(status, body, extra headers, served a token)``."""
        if fault is not None:
            if fault.kind == "status":
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                message = {"message": f"injected fault: HTTP {fault.status}"}
                return fault.status, _json_body(message), headers, False
            if fault.kind == "malformed":
                return 200, b'{"count": 1, "value": "eyJ', {}, False
            if fault.kind == "missing_value":
                return 200, _json_body({"count": 1}), {}, False
            # a delay: wait (cut short by stop()), then answer normally
            self._stopping.wait(fault.delay)
        if not self._authorized(authorization):
            return 401, _json_body({"message": "Bad credentials: invalid bearer token"}), {}, False
        if params.get("api-version", [None])[-1] != _API_VERSION:
            message = {"message": f"api-version={_API_VERSION} is required in the query string"}
            return 400, _json_body(message), {}, False
        return 200, _json_body({"count": 1, "value": self.mint(audience)}), {}, True

    def _authorized(self, authorization: str | None) -> bool:
        if authorization is None:
            return False
        scheme, _, token = authorization.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            token.strip().encode(), self._request_token.encode()
        )

    def __repr__(self) -> str:
        # Never the request token nor a JWT.
        where = self.url if self._server is not None else "not started"
        issuer = self._issuer_option if self._issuer_option is not None else "<own url>"
        return (
            f"{type(self).__name__}(url={where!r}, issuer={issuer!r}, "
            f"repository={self._context.repository!r})"
        )

"""A local stand-in for the GitHub Actions OIDC token endpoint, for tests.

:class:`GitHubOidcIssuer` is a real HTTP server on ``127.0.0.1`` that answers the way a
GitHub runner's token endpoint does: ``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with
``Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`` returns ``{"count": 1, "value": JWT}``,
where the JWT is RS256-signed and carries GitHub's claims. It also serves an OpenID discovery
document and a JWKS, so a verifier can check its signatures, and it can inject faults
(error statuses with ``Retry-After``, slow, dripping, huge, malformed or truncated answers) to
exercise a client's error handling.

It is assembled from three parts, each its own module:
:mod:`~boto_session_manager.testing.github_oidc_tokens` (the run context, claims, signing key
and JWKS), :mod:`~boto_session_manager.testing.github_oidc_server` (the HTTP server) and
:mod:`~boto_session_manager.testing.github_oidc_faults` (the misbehaviours).

Nothing secret is logged or shown: the request token and the JWTs never appear in ``repr`` and
the server's request log is silenced.
"""

from __future__ import annotations

import collections
import dataclasses
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from .github_oidc_faults import HUGE_BODY_BYTES, Fault, faulty_reply
from .github_oidc_server import Answer, Reply, ReplyServer
from .github_oidc_tokens import (
    CLAIMS_SUPPORTED,
    DEFAULT_LIFETIME_SECONDS,
    GITHUB_ISSUER,
    GitHubRunContext,
    SigningKey,
    shared_private_key,
    token_payload,
)

__all__ = [
    "DEFAULT_LIFETIME_SECONDS",
    "GITHUB_ISSUER",
    "Fault",
    "GitHubOidcIssuer",
    "GitHubRunContext",
    "TokenRequest",
]

_ISSUE_PATH = "/token"  # the runner URL has a long path; any path will do
_API_VERSION = "2.0"
_DISCOVERY_PATH = "/.well-known/openid-configuration"
_JWKS_PATH = "/.well-known/jwks"


@dataclass(frozen=True)
class TokenRequest:
    """What the token endpoint saw in one request (never the bearer token itself)."""

    audience: str | None
    status: int
    authorized: bool
    served: bool
    fault: Fault | None = field(default=None)


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
        self._key = SigningKey(private_key if private_key is not None else shared_private_key())
        self._clock = clock
        self._request_token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._faults: collections.deque[Fault] = collections.deque()
        self._requests: list[TokenRequest] = []
        self._server = ReplyServer(self._handle_get, host=host, name=type(self).__name__)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> GitHubOidcIssuer:
        """Bind a free port on the host and serve in a daemon thread; return ``self``."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; pending delays and drips are cut short.

        Idempotent.
        """
        self._server.stop()

    def __enter__(self) -> GitHubOidcIssuer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server.running

    # -- addresses and identity --------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT`` (only while started)."""
        return self._server.url

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
        return self._key.kid

    @property
    def lifetime(self) -> float:
        """Seconds from ``iat`` to ``exp`` of minted tokens."""
        return self._lifetime

    def public_key(self) -> rsa.RSAPublicKey:
        """The public half of the signing key."""
        return self._key.public_key()

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set served at :attr:`jwks_url`."""
        return self._key.jwks()

    def openid_configuration(self) -> dict[str, Any]:
        """The discovery document served at :attr:`discovery_url` (shaped like GitHub's)."""
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": list(CLAIMS_SUPPORTED),
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
        return token_payload(
            context if context is not None else self.context,
            audience=audience,
            issuer=self.issuer,
            now=int(self._clock()),
            lifetime=self._lifetime,
            overrides=claim_overrides,
        )

    def mint(
        self,
        audience: str | None = None,
        *,
        context: GitHubRunContext | None = None,
        **claim_overrides: Any,
    ) -> str:
        """Sign a token for ``audience`` (default: the owner URL) without any HTTP request."""
        return self._key.sign(self.claims(audience, context=context, **claim_overrides))

    # -- fault injection and counters --------------------------------------------------------

    def fail_next(
        self, count: int = 1, *, status: int = 500, retry_after: int | str | None = None
    ) -> None:
        """Answer the next ``count`` token requests with ``status`` and a JSON error.

        ``retry_after`` adds a ``Retry-After`` header: seconds, or an HTTP date.
        """
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

    def drip_next(
        self,
        count: int = 1,
        *,
        interval: float = 1.0,
        phase: Literal["headers", "body"] = "body",
    ) -> None:
        """Send the next ``count`` answers one byte every ``interval`` seconds.

        ``phase="body"`` sends the status line and headers at once and drips the body;
        ``phase="headers"`` drips from the first byte of the status line.
        """
        if interval < 0:
            raise ValueError(f"interval must be >= 0, got {interval!r}")
        self._add_faults(count, Fault("drip", interval=interval, phase=phase))

    def huge_body_next(
        self, count: int = 1, *, size: int = HUGE_BODY_BYTES, chunked: bool = False
    ) -> None:
        """Answer the next ``count`` requests with ``size`` bytes of valid JSON holding a token.

        The body is streamed (never held in memory), with a ``Content-Length`` or, with
        ``chunked=True``, in chunks with no length announced.
        """
        self._add_faults(count, Fault("huge_body", size=size, chunked=chunked))

    def truncated_next(self, count: int = 1, *, chunked: bool = True) -> None:
        """Cut the next ``count`` answers in half and close the connection.

        Chunked answers end without their terminating chunk; with ``chunked=False`` the body is
        shorter than its ``Content-Length``.
        """
        self._add_faults(count, Fault("truncated", chunked=chunked))

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

    def _handle_get(self, raw_path: str, authorization: str | None) -> Reply:
        """Answer one GET: the token endpoint, the discovery document or the JWKS."""
        parts = urlsplit(raw_path)
        if parts.path == _DISCOVERY_PATH:
            return Answer.json(200, self.openid_configuration())
        if parts.path == _JWKS_PATH:
            return Answer.json(200, self.jwks())
        if parts.path != _ISSUE_PATH:
            return Answer.json(404, {"message": "Not Found"})
        return self._token_endpoint(parts.query, authorization)

    def _token_endpoint(self, query: str, authorization: str | None) -> Reply:
        params = parse_qs(query)
        audience = params.get("audience", [None])[-1]
        authorized = self._authorized(authorization)
        with self._lock:
            fault = self._faults.popleft() if self._faults else None

        def normal() -> Answer:
            return self._token_answer(params, audience, authorized)

        reply: Reply = normal() if fault is None else faulty_reply(fault, normal)
        served = reply.status == 200 and (fault is None or fault.carries_token)
        record = TokenRequest(audience, reply.status, authorized, served, fault)
        with self._lock:
            self._requests.append(record)
        return reply

    def _token_answer(
        self, params: dict[str, list[str]], audience: str | None, authorized: bool
    ) -> Answer:
        """The endpoint's answer when nothing goes wrong."""
        if not authorized:
            return Answer.json(401, {"message": "Bad credentials: invalid bearer token"})
        if params.get("api-version", [None])[-1] != _API_VERSION:
            message = {"message": f"api-version={_API_VERSION} is required in the query string"}
            return Answer.json(400, message)
        return Answer.json(200, {"count": 1, "value": self.mint(audience)})

    def _authorized(self, authorization: str | None) -> bool:
        if authorization is None:
            return False
        scheme, _, token = authorization.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            token.strip().encode(), self._request_token.encode()
        )

    def __repr__(self) -> str:
        # Never the request token nor a JWT.
        where = self.url if self.running else "not started"
        issuer = self._issuer_option if self._issuer_option is not None else "<own url>"
        return (
            f"{type(self).__name__}(url={where!r}, issuer={issuer!r}, "
            f"repository={self._context.repository!r})"
        )

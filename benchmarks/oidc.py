"""GitHub Actions OIDC against local servers: first-credential time, concurrency, refresh.

The servers: the local GitHub OIDC issuer (``boto_session_manager.testing.GitHubOidcIssuer``)
and the local AWS emulator (ministack with ``AUTH=true``, through
``boto_session_manager.testing.local_aws``), where the admin creates the GitHub OIDC provider
and a role trusting it with ``aud`` and ``sub`` conditions, as the CDK stack does on AWS.

Time to first credentials, each path starting from nothing but imported modules:

- ``BotoSesManager.from_github_oidc(...)`` then ``get_frozen_credentials()``;
- the raw baseline: a fresh unsigned boto3 STS client, one token ``GET`` with requests and one
  ``AssumeRoleWithWebIdentity`` call. The client is created inside the timing because the
  manager also builds its STS client on first use; the same baseline with a client created
  beforehand is shown too, as the floor;
- botocore's built-in web-identity provider: a fresh botocore session with ``AWS_ROLE_ARN`` and
  ``AWS_WEB_IDENTITY_TOKEN_FILE`` (no token GET: the token is read from a file), and the
  manager reading the same file through ``from_web_identity`` for a like-for-like figure.

All paths run under one isolated AWS environment (no config or credential files, no instance
metadata); runs are interleaved round by round after one warm-up of each.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .first_touch import run_at_once
from .fresh_process import bytecode_environment
from .report import Row, compare, format_count, format_seconds, median

__all__ = ["OidcWorld", "oidc_rows", "oidc_world"]

REGION = "us-east-1"
AUDIENCE = "sts.amazonaws.com"
ROLE_NAME = "bsm-bench-github-oidc"
SESSION_NAME = "bsm-bench"
#: Threads making their first call at once through one manager.
FIRST_CALL_THREADS = 64
#: Threads calling at once inside the advisory refresh window.
REFRESH_THREADS = 16
#: How slow the token endpoint is made for the refresh, so that waiting would show.
REFRESH_DELAY = 0.5


@dataclass(frozen=True)
class OidcWorld:
    """The running local servers and what the benchmark created in them."""

    endpoint_url: str
    role_arn: str
    issuer: Any
    #: The runner variables of the job (holds the request token: never print it).
    environ: dict[str, str]
    #: A file holding a fresh token, for the token-file paths.
    token_file: Path


@contextlib.contextmanager
def _isolated_aws_environment(**extra: str) -> Iterator[None]:
    """Run with no AWS_* variable but ``extra`` and no config files; restore after."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                del os.environ[name]
        os.environ.update(
            {
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
                **extra,
            }
        )
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def oidc_world() -> Iterator[OidcWorld]:
    """Start the emulator and the issuer, create the OIDC provider and the role; stop after."""
    from boto_session_manager.testing import GitHubOidcIssuer
    from boto_session_manager.testing.local_aws import start_local_aws
    from boto_session_manager.testing.web_identity_roles import (
        github_provider_arn,
        web_identity_role,
    )

    with (
        tempfile.TemporaryDirectory(prefix="bsm-bench-") as directory,
        start_local_aws(state_dir=Path(directory) / "local-aws") as aws,
        GitHubOidcIssuer() as issuer,
        _isolated_aws_environment(),
    ):
        iam = aws.boto3_session().client("iam", endpoint_url=aws.endpoint_url)
        provider_arn, _ = github_provider_arn(iam)
        with web_identity_role(
            iam, provider_arn=provider_arn, sub_patterns=[issuer.context.subject], prefix=ROLE_NAME
        ) as role_arn:
            token_file = Path(directory) / "web-identity-token"
            token_file.write_text(issuer.mint(AUDIENCE), encoding="utf-8")
            token_file.chmod(0o600)
            yield OidcWorld(
                endpoint_url=aws.endpoint_url,
                role_arn=role_arn,
                issuer=issuer,
                environ=issuer.environ(),
                token_file=token_file,
            )


# -- the paths to first credentials, each returning its elapsed seconds -----------------------


def _manager_oidc(world: OidcWorld, **options: Any) -> Any:
    from boto_session_manager.manager import BotoSesManager

    return BotoSesManager.from_github_oidc(
        world.role_arn,
        environ=world.environ,
        region_name=REGION,
        default_client_kwargs={"endpoint_url": world.endpoint_url},
        **options,
    )


def _time_manager_oidc(world: OidcWorld) -> float:
    started = time.perf_counter()
    _manager_oidc(world).get_frozen_credentials()
    return time.perf_counter() - started


def _time_manager_token_file(world: OidcWorld) -> float:
    from boto_session_manager.credentials.web_identity import FileTokenLoader
    from boto_session_manager.manager import BotoSesManager

    started = time.perf_counter()
    BotoSesManager.from_web_identity(
        world.role_arn,
        token_loader=FileTokenLoader(world.token_file),
        role_session_name=SESSION_NAME,
        region_name=REGION,
        default_client_kwargs={"endpoint_url": world.endpoint_url},
    ).get_frozen_credentials()
    return time.perf_counter() - started


def _unsigned_sts(world: OidcWorld) -> Any:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    return boto3.Session().client(
        "sts",
        region_name=REGION,
        endpoint_url=world.endpoint_url,
        config=Config(signature_version=UNSIGNED),
    )


def _raw_exchange(world: OidcWorld, sts: Any) -> None:
    import requests

    response = requests.get(
        f"{world.environ['ACTIONS_ID_TOKEN_REQUEST_URL']}&audience={AUDIENCE}",
        headers={"Authorization": f"Bearer {world.environ['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"},
        timeout=10,
    )
    response.raise_for_status()
    sts.assume_role_with_web_identity(
        RoleArn=world.role_arn,
        RoleSessionName=SESSION_NAME,
        WebIdentityToken=response.json()["value"],
        DurationSeconds=3600,
    )


def _time_raw(world: OidcWorld) -> float:
    started = time.perf_counter()
    _raw_exchange(world, _unsigned_sts(world))
    return time.perf_counter() - started


def _time_raw_client_ready(world: OidcWorld) -> float:
    sts = _unsigned_sts(world)
    started = time.perf_counter()
    _raw_exchange(world, sts)
    return time.perf_counter() - started


def _time_botocore_token_file(world: OidcWorld) -> float:
    import botocore.session

    variables = {
        "AWS_ROLE_ARN": world.role_arn,
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(world.token_file),
        "AWS_ROLE_SESSION_NAME": SESSION_NAME,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": world.endpoint_url,
    }
    with _isolated_aws_environment(**variables):
        started = time.perf_counter()
        credentials = botocore.session.Session().get_credentials()
        assert credentials is not None and credentials.method == "assume-role-with-web-identity"
        credentials.get_frozen_credentials()
        elapsed = time.perf_counter() - started
    return elapsed


_PATHS: dict[str, Callable[[OidcWorld], float]] = {
    "manager_oidc": _time_manager_oidc,
    "raw": _time_raw,
    "raw_client_ready": _time_raw_client_ready,
    "botocore_file": _time_botocore_token_file,
    "manager_file": _time_manager_token_file,
}


#: Run in a fresh interpreter: imports first (outside the timing), then one path, timed.
_COLD_CHILD = """
import json, sys
import boto3, botocore.session, requests
import boto_session_manager.manager, boto_session_manager.credentials.web_identity
from pathlib import Path
from benchmarks.oidc import _PATHS, OidcWorld
spec = json.loads(sys.stdin.read())
world = OidcWorld(endpoint_url=spec["endpoint_url"], role_arn=spec["role_arn"], issuer=None,
                  environ=spec["environ"], token_file=Path(spec["token_file"]))
print(_PATHS[spec["path"]](world))
"""


def _cold_first_credentials(world: OidcWorld, runs: int) -> dict[str, float]:
    """Median seconds to first credentials in a fresh process (nothing cached but imports)."""
    import subprocess
    import sys

    spec = {
        "endpoint_url": world.endpoint_url,
        "role_arn": world.role_arn,
        "environ": world.environ,  # holds the request token: passed on stdin, never printed
        "token_file": str(world.token_file),
    }
    cwd = Path(__file__).resolve().parent.parent
    times: dict[str, list[float]] = {"manager_oidc": [], "raw": []}
    with tempfile.TemporaryDirectory(prefix="bsm-bench-pycache-") as pycache:
        env = bytecode_environment(pycache)  # a module imported inside the call is not compiled

        def child(path: str) -> float:
            out = subprocess.run(
                [sys.executable, "-c", _COLD_CHILD],
                input=json.dumps({**spec, "path": path}),
                capture_output=True, text=True, check=True, cwd=cwd, env=env,
            )  # fmt: skip
            return float(out.stdout.strip().splitlines()[-1])

        for path in times:  # warm-up: writes the bytecode
            child(path)
        for _ in range(runs):
            for path in times:
                times[path].append(child(path))
    return {name: median(values) for name, values in times.items()}


def _first_credentials(world: OidcWorld, runs: int) -> dict[str, float]:
    """Median seconds to first credentials per path."""
    names = list(_PATHS)
    for name in names:  # warm-up: imports, botocore's data files in the OS cache
        _PATHS[name](world)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(runs):
        shift = round_number % len(names)
        for name in [*names[shift:], *names[:shift]]:
            times[name].append(_PATHS[name](world))
    return {name: median(values) for name, values in times.items()}


# -- concurrency --------------------------------------------------------------------------------


def _first_call_at_once(world: OidcWorld) -> tuple[int, int, int, int]:
    """(token fetches, STS exchanges, clients built, errors) for 64 threads' first call."""
    bsm = _manager_oidc(world)
    built: list[str] = []
    bsm.boto_ses.events.register("creating-client-class", lambda **_: built.append("client"))
    served_before = world.issuer.tokens_served
    _, errors = run_at_once(lambda: bsm.sts_client.get_caller_identity()["Arn"], FIRST_CALL_THREADS)
    tokens = world.issuer.tokens_served - served_before
    return tokens, bsm.web_identity_exchange.sts_calls, len(built), len(errors)


@dataclass(frozen=True)
class _RefreshFigures:
    #: times botocore called the refresh function (the manager's provider counts fetches)
    refreshes: int
    #: STS AssumeRoleWithWebIdentity calls and tokens served during the burst
    exchanges: int
    tokens: int
    errors: int
    refresh_seconds: float
    slowest_other_seconds: float
    waited: int
    got_new_credentials: int


def _refresh_under_load(world: OidcWorld) -> _RefreshFigures:
    """16 threads call at once inside the advisory window; the token endpoint is slow."""
    clock = [datetime.now(timezone.utc)]
    bsm = _manager_oidc(world, time_fetcher=lambda: clock[0])
    first = bsm.get_frozen_credentials()
    expiry = bsm.expiration_time
    assert expiry is not None
    # advisory window for 3600 s credentials: under 15 min before expiry, over 10 min
    clock[0] = expiry - timedelta(minutes=12)
    exchange, provider = bsm.web_identity_exchange, bsm.credential_provider
    calls_before, served_before = exchange.sts_calls, world.issuer.tokens_served
    fetches_before = provider.fetches
    world.issuer.delay_next(REFRESH_DELAY)

    def call() -> tuple[float, bool]:
        started = time.perf_counter()
        credentials = bsm.get_frozen_credentials()
        return time.perf_counter() - started, credentials.access_key != first.access_key

    results, errors = run_at_once(call, REFRESH_THREADS)
    durations = sorted(duration for duration, _ in results)
    refresh_seconds = durations[-1] if durations else 0.0
    others = durations[:-1]
    return _RefreshFigures(
        refreshes=provider.fetches - fetches_before,
        exchanges=exchange.sts_calls - calls_before,
        tokens=world.issuer.tokens_served - served_before,
        errors=len(errors),
        refresh_seconds=refresh_seconds,
        slowest_other_seconds=others[-1] if others else 0.0,
        waited=sum(1 for d in others if d > refresh_seconds / 2),
        got_new_credentials=sum(1 for _, new in results if new),
    )


def oidc_rows(*, runs: int = 15) -> tuple[list[Row], list[str]]:
    """Rows for the OIDC figures, and notes."""
    with oidc_world() as world:
        t = _first_credentials(world, runs)
        cold = _cold_first_credentials(world, max(3, runs // 2))
        tokens, exchanges, built, first_call_errors = _first_call_at_once(world)
        refresh = _refresh_under_load(world)
    rows = [
        compare(
            "first credentials, fresh process: `from_github_oidc` vs raw token GET + "
            "AssumeRoleWithWebIdentity",
            cold["manager_oidc"],
            cold["raw"],
            limit=1.15,
        ),
        compare(
            "first credentials, warm process: `from_github_oidc` vs raw token GET + "
            "AssumeRoleWithWebIdentity",
            t["manager_oidc"],
            t["raw"],
        ),
        compare(
            "first credentials: `from_github_oidc` vs the raw pair, STS client made before",
            t["manager_oidc"],
            t["raw_client_ready"],
        ),
        compare(
            "first credentials: `from_github_oidc` vs botocore web identity (token file)",
            t["manager_oidc"],
            t["botocore_file"],
        ),
        compare(
            "first credentials: `from_web_identity` (token file) vs botocore (token file)",
            t["manager_file"],
            t["botocore_file"],
        ),
        Row(
            what=f"{FIRST_CALL_THREADS} threads' first call, one OIDC manager: token fetches",
            measured=format_count(tokens, "fetch", "fetches"),
            target="1",
            met=tokens == 1 and first_call_errors == 0,
        ),
        Row(
            what=f"{FIRST_CALL_THREADS} threads' first call, one OIDC manager: STS exchanges",
            measured=format_count(exchanges, "call")
            + f" ({format_count(built, 'client')} built"
            + (f", {first_call_errors} errors)" if first_call_errors else ")"),
            target="1",
            met=exchanges == 1 and first_call_errors == 0,
        ),
        Row(
            what=f"refresh under load, {REFRESH_THREADS} threads in the advisory window: refreshes",
            measured=format_count(refresh.refreshes, "refresh", "refreshes")
            + f" ({format_count(refresh.tokens, 'token')}, "
            + f"{format_count(refresh.exchanges, 'STS call')})"
            + (f", {refresh.errors} errors" if refresh.errors else ""),
            target="1",
            met=(refresh.refreshes, refresh.tokens, refresh.exchanges, refresh.errors)
            == (1, 1, 1, 0),
        ),
    ]
    if refresh.tokens:
        rows.append(
            Row(
                what=f"refresh under load: threads that waited for it (of {REFRESH_THREADS - 1})",
                measured=f"{refresh.waited} (slowest other "
                f"{format_seconds(refresh.slowest_other_seconds)})",
                baseline=f"refresh {format_seconds(refresh.refresh_seconds)}",
                target="0",
                met=refresh.waited == 0 and refresh.refresh_seconds >= REFRESH_DELAY,
            )
        )
    else:  # without a (slow) token fetch, waiting cannot be told from not waiting
        rows.append(
            Row(
                what=f"refresh under load: threads that waited for it (of {REFRESH_THREADS - 1})",
                measured="not measurable: no refresh reached the token endpoint",
                target="0",
                met=False,
            )
        )
    notes = [
        f"oidc: medians of {runs} interleaved runs per path after one warm-up, against the local "
        "issuer and ministack (AUTH=true); the raw baseline creates its unsigned STS client "
        "inside the timing, as the manager does on first use.",
        "oidc fresh process: each run a new interpreter, modules imported before the timer "
        "(a module the call imports lazily loads from bytecode, as in a real install); "
        "the warm figures are lower for the manager because its unsigned STS clients come from "
        "one process-wide botocore session, so the STS model loads once per process.",
        f"oidc refresh: clock injected 12 min before expiry (advisory 15 min, mandatory 10 min); "
        f"token endpoint delayed {REFRESH_DELAY} s for the refresh; "
        f"{refresh.got_new_credentials} of {REFRESH_THREADS} threads got new credentials; a "
        "thread 'waited' if its call took over half the slowest call (the refresh).",
    ]
    if refresh.refreshes and not refresh.exchanges:
        notes.append(
            "oidc refresh: botocore called the refresh function, which returned the old "
            "credentials without a token fetch or STS call: the web-identity exchange's botocore "
            "fetcher keeps a credential cache whose expiry check uses the real clock, not the "
            "injected one, so the refreshed credentials stay in the advisory window."
        )
    return rows, notes

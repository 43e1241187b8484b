"""64 threads x 1,000 calls through one OIDC manager's client, against a raw boto3 client.

The full load run (the test suite keeps a 64 x 16 smoke run with the same invariants:
``tests/integration/test_reliability.py::TestLoad``). One manager from
``BotoSesManager.from_github_oidc`` gives one STS client to 64 threads released together;
each thread calls ``GetCallerIdentity`` 1,000 times. The invariants: no error, one token
fetched, one ``AssumeRoleWithWebIdentity`` call. The baseline: a plain boto3 STS client with
static credentials from one raw exchange, called the same way against the same emulator.

The calls are made in rounds, manager and baseline interleaved (the order swapped each round),
so a busy machine slows both alike; the manager's first round includes its one credential
fetch, made by the first calls of 64 threads at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .first_touch import run_at_once
from .oidc import (
    AUDIENCE,
    REGION,
    SESSION_NAME,
    OidcWorld,
    _manager_oidc,
    _unsigned_sts,
    oidc_world,
)
from .report import Row, format_count, format_ratio, format_seconds

__all__ = ["CALLS_PER_THREAD", "ROUNDS", "THREADS", "load_rows"]

THREADS = 64
CALLS_PER_THREAD = 1000
#: Rounds per client; each round makes ``CALLS_PER_THREAD // ROUNDS`` calls per thread.
ROUNDS = 4
#: The manager's time over the baseline's, at most.
LIMIT = 1.15


@dataclass(frozen=True)
class _Burst:
    seconds: float
    calls: int
    errors: int


def _burst(client: Any, calls_per_thread: int) -> _Burst:
    """``THREADS`` threads released together, each calling ``calls_per_thread`` times."""

    def calls() -> int:
        for _ in range(calls_per_thread):
            client.get_caller_identity()
        return calls_per_thread

    started = time.perf_counter()
    done, errors = run_at_once(calls, THREADS)
    return _Burst(time.perf_counter() - started, sum(done), len(errors))


def _raw_client(world: OidcWorld, config: Any) -> Any:
    """A plain boto3 STS client with the role's credentials from one unsigned exchange."""
    import boto3

    credentials = _unsigned_sts(world).assume_role_with_web_identity(
        RoleArn=world.role_arn,
        RoleSessionName=SESSION_NAME,
        WebIdentityToken=world.issuer.mint(AUDIENCE),  # signed here: no token request
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    ).client("sts", endpoint_url=world.endpoint_url, config=config)


def _rate(calls: int, seconds: float) -> str:
    return f"{calls / seconds:,.0f} calls/s ({format_seconds(seconds)})"


def load_rows(
    *, calls_per_thread: int = CALLS_PER_THREAD, rounds: int = ROUNDS
) -> tuple[list[Row], list[str]]:
    """Rows for the load figures, and notes."""
    from botocore.config import Config

    config = Config(max_pool_connections=THREADS)
    per_round = calls_per_thread // rounds
    with oidc_world() as world:
        raw = _raw_client(world, config)
        served_before = world.issuer.tokens_served
        bsm = _manager_oidc(world)
        managed = bsm.get_client("sts", config=config)
        same_client = all(bsm.get_client("sts", config=config) is managed for _ in range(THREADS))
        bursts: dict[str, list[_Burst]] = {"manager": [], "raw": []}
        clients = {"manager": managed, "raw": raw}
        for number in range(rounds):
            order = ["manager", "raw"] if number % 2 == 0 else ["raw", "manager"]
            for name in order:
                bursts[name].append(_burst(clients[name], per_round))
        tokens = world.issuer.tokens_served - served_before
        exchanges = bsm.web_identity_exchange.sts_calls
    seconds = {name: sum(b.seconds for b in runs) for name, runs in bursts.items()}
    calls = {name: sum(b.calls for b in runs) for name, runs in bursts.items()}
    errors = {name: sum(b.errors for b in runs) for name, runs in bursts.items()}
    ratio = seconds["manager"] / seconds["raw"]
    what = f"{THREADS} threads x {per_round * rounds:,} calls"
    rows = [
        Row(
            what=f"{what}, one OIDC manager's STS client vs a raw boto3 client: calls/s",
            measured=_rate(calls["manager"], seconds["manager"])
            + (f", {errors['manager']} errors" if errors["manager"] else ""),
            baseline=_rate(calls["raw"], seconds["raw"])
            + (f", {errors['raw']} errors" if errors["raw"] else ""),
            ratio=ratio,
            target=f"<= {LIMIT:g}",
            met=ratio <= LIMIT and errors["manager"] == 0,
        ),
        Row(
            what=f"{what}, one OIDC manager: token fetches",
            measured=format_count(tokens, "fetch", "fetches"),
            target="1",
            met=tokens == 1 and errors["manager"] == 0,
        ),
        Row(
            what=f"{what}, one OIDC manager: STS exchanges",
            measured=format_count(exchanges, "call")
            + ("" if same_client else " (the threads got different clients)"),
            target="1",
            met=exchanges == 1 and same_client and errors["manager"] == 0,
        ),
    ]
    notes = [
        f"load: {rounds} rounds per client, interleaved, each {THREADS} threads released "
        f"together making {per_round} GetCallerIdentity calls; ratio is the manager's total "
        f"time over the raw client's ({format_ratio(ratio)}); the manager's first round "
        "includes its one credential fetch. Each client has a connection pool of "
        f"{THREADS}; both call the same local emulator (ministack, AUTH=true, plain HTTP).",
    ]
    return rows, notes

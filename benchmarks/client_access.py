"""Cached client access: ``bsm.s3_client`` against ``d["s3"]``, ``bsm.get_client("s3")``
against a bare method returning ``d["s3"]`` (the floor of a method call).

All statements run in the same ``timeit`` harness (names are locals of the timed function),
and the figure is the best of several repeats, in nanoseconds per operation, loop overhead
included for all alike (it is shown on its own as ``pass``). The manager has static example
keys and region us-east-1: building an S3 client needs no network.

The cached ``get_client(..., config=...)`` path is timed twice: with one ``Config`` object
reused (the usual module-level ``CONFIG``) and with a new, equal ``Config(...)`` each call
(which once built a new client each time); the number of clients the latter builds over 300
calls, and the memory it keeps, are counted too.
"""

from __future__ import annotations

import time
import timeit
import tracemalloc
from typing import Any

from .report import Row, compare, format_count, format_seconds

__all__ = [
    "ACCESS_KEY_ID",
    "REGION",
    "SECRET_ACCESS_KEY",
    "client_access_rows",
    "example_boto3_session",
    "example_manager",
    "per_op_seconds",
]

#: AWS's documented example key pair: nothing is ever sent anywhere with it.
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # noqa: S105 - documented example
REGION = "us-east-1"


def example_manager() -> Any:
    """A BotoSesManager with the example keys in us-east-1."""
    from boto_session_manager.manager import BotoSesManager

    return BotoSesManager(
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY, region_name=REGION
    )


class _PreviousProperty:
    """The generated accessor this replaced: a property trying the default-client dict."""

    def __init__(self, clients: dict[str, Any]) -> None:
        self._default_clients = clients

    def get_client(self, service_name: str, /, **client_kwargs: Any) -> Any:
        raise AssertionError("the benchmark only reads a cached client")

    @property
    def s3_client(self) -> Any:
        try:
            return self._default_clients["s3"]
        except KeyError:
            return self.get_client("s3")


class _BareMethods:
    """The floors of a method call: a method returning a dict item, with a plain signature and
    with ``get_client``'s (``*positional_2x`` for 2.x's message, ``**client_kwargs``)."""

    def __init__(self, clients: dict[str, Any]) -> None:
        self._clients = clients

    def get(self, service_name: str) -> Any:
        return self._clients[service_name]

    def get_client(self, service_name: str, *positional_2x: Any, **client_kwargs: Any) -> Any:
        return self._clients[service_name]


def per_op_seconds(statement: str, namespace: dict[str, Any], *, repeat: int = 7) -> float:
    """Best-of-``repeat`` seconds per execution of ``statement``; names in ``namespace``."""
    setup = "; ".join(f"{name} = _ns[{name!r}]" for name in namespace) or "pass"
    timer = timeit.Timer(statement, setup=setup, globals={"_ns": namespace})
    number, _ = timer.autorange()  # at least 0.2 s per repeat
    return min(timer.repeat(repeat=repeat, number=number)) / number


def example_boto3_session() -> Any:
    """A new boto3 session with the example keys in us-east-1."""
    import boto3

    return boto3.Session(
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY, region_name=REGION
    )


def _fresh_client_seconds(*, ops: int = 10) -> float:
    """Seconds per ``boto3.Session(...).client("s3")`` with a new session each time (best)."""
    example_boto3_session().client("s3")  # warm-up
    best = float("inf")
    for _ in range(ops):
        started = time.perf_counter()
        example_boto3_session().client("s3")
        best = min(best, time.perf_counter() - started)
    return best


#: Calls with a new, equal Config each, for the construction count and the memory kept.
CONFIG_CALLS = 300
_CONFIG_STATEMENT = 'bsm.get_client("s3", config=Config(retries={"max_attempts": 2}))'


def _new_config_each_call() -> tuple[int, int]:
    """(clients built, bytes still allocated) after CONFIG_CALLS calls with new equal Configs."""
    from botocore.config import Config

    bsm = example_manager()
    built: list[str] = []
    bsm.boto_ses.events.register("creating-client-class", lambda **_: built.append("client"))
    bsm.get_client("s3", config=Config(retries={"max_attempts": 2}))  # the one build
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(CONFIG_CALLS):
            bsm.get_client("s3", config=Config(retries={"max_attempts": 2}))
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return len(built), kept


def _config_rows(fresh: float) -> tuple[list[Row], str]:
    """Rows for the cached ``get_client(..., config=...)`` path."""
    from botocore.config import Config

    bsm = example_manager()
    namespace: dict[str, Any] = {"bsm": bsm, "Config": Config, "CONFIG": Config(retries={})}
    bsm.get_client("s3", config=namespace["CONFIG"])
    bsm.get_client("s3", config=Config(retries={"max_attempts": 2}))
    reused = per_op_seconds('bsm.get_client("s3", config=CONFIG)', namespace)
    new_each = per_op_seconds(_CONFIG_STATEMENT, namespace)
    new_config = per_op_seconds('Config(retries={"max_attempts": 2})', namespace)
    built, kept = _new_config_each_call()
    rows = [
        compare(
            'cached `bsm.get_client("s3", config=CONFIG)` vs fresh `boto3.Session().client("s3")`',
            reused,
            fresh,
            limit=0.001,
        ),
        compare(
            'cached `bsm.get_client("s3", config=Config(...))`, new equal Config each call, '
            'vs fresh `boto3.Session().client("s3")`',
            new_each,
            fresh,
            limit=0.01,
        ),
        Row(
            what=f"{CONFIG_CALLS} calls with a new equal `Config(...)` each: clients built",
            measured=format_count(built, "construction")
            + f", {kept / 1024:.0f} KiB kept after the first",
            target="1",
            met=built == 1,
        ),
    ]
    note = (
        "config path: `get_client` keys a Config by its options, read once per Config object; "
        f"making the new `Config(...)` itself costs {format_seconds(new_config)} of the "
        f"{format_seconds(new_each)} per call; memory kept is tracemalloc's count of bytes "
        f"still allocated after {CONFIG_CALLS} calls."
    )
    return rows, note


def client_access_rows() -> tuple[list[Row], list[str]]:
    """Rows for cached client access, and notes on how they were measured."""
    bsm = example_manager()
    client = bsm.s3_client
    assert client is bsm.get_client("s3")  # both read the one cached client
    namespace: dict[str, Any] = {
        "bsm": bsm,
        "d": {"s3": client},
        "old": _PreviousProperty({"s3": client}),
        "bare": _BareMethods({"s3": client}),
    }
    t = {
        stmt: per_op_seconds(stmt, namespace)
        for stmt in (
            "pass",
            'd["s3"]',
            'bare.get("s3")',
            'bare.get_client("s3")',
            "bsm.s3_client",
            'bsm.get_client("s3")',
            "old.s3_client",
        )
    }
    fresh = _fresh_client_seconds()
    dict_lookup = t['d["s3"]']
    rows = [
        compare(
            'cached `bsm.s3_client` vs `d["s3"]`',
            t["bsm.s3_client"],
            dict_lookup,
            limit=2,
        ),
        compare(
            'cached `bsm.get_client("s3")` vs a method of its signature returning `d["s3"]`',
            t['bsm.get_client("s3")'],
            t['bare.get_client("s3")'],
            limit=1.5,
        ),
        compare(
            'cached `bsm.get_client("s3")` vs `d["s3"]`', t['bsm.get_client("s3")'], dict_lookup
        ),
        compare(
            'a plain method `m.get("s3")` returning `d["s3"]` vs `d["s3"]`',
            t['bare.get("s3")'],
            dict_lookup,
        ),
        compare(
            'previous generated property (try: d["s3"]) vs `d["s3"]`',
            t["old.s3_client"],
            dict_lookup,
        ),
        compare(
            'cached `bsm.s3_client` vs fresh `boto3.Session().client("s3")`',
            t["bsm.s3_client"],
            fresh,
        ),
        compare(
            'cached `bsm.get_client("s3")` vs fresh `boto3.Session().client("s3")`',
            t['bsm.get_client("s3")'],
            fresh,
        ),
    ]
    config_rows, config_note = _config_rows(fresh)
    rows.extend(config_rows)
    notes = [
        config_note,
        "client access: timeit, best of 7 repeats, per op, loop overhead included for all "
        f"(an empty statement costs {format_seconds(t['pass'])}); a fresh client is the best "
        "of 10 `boto3.Session(...).client('s3')` after one warm-up (each a new session, so "
        "botocore reads the S3 model again, from the OS file cache).",
        "get_client is a method, and no Python method comes within 2x of a dict lookup (see "
        "the plain method's row): its target is that its body adds at most half to a method "
        "of the same signature doing the one lookup (`**client_kwargs` costs a new empty "
        "dict per call). `bsm.s3_client`, a cached attribute, is the path held to 2x `d[...]`.",
    ]
    return rows, notes

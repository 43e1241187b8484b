"""64 threads touching an uncached client at once: how many clients boto3 builds.

Constructions are counted through the botocore session's ``creating-client-class`` event,
which fires once per ``create_client``. The baseline is the 2.x-style cache: check a dict,
else call ``boto3.Session.client`` and store, with no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .client_access import example_boto3_session, example_manager
from .report import Row, format_count

__all__ = ["THREADS", "first_touch_rows", "run_at_once"]

THREADS = 64


def run_at_once(
    target: Callable[[], Any], threads: int = THREADS
) -> tuple[list[Any], list[BaseException]]:
    """Run ``target`` in ``threads`` threads released together: (results, exceptions).

    The tests' ``run_at_once`` fixture too. ``BaseException`` is caught, so that a
    ``pytest.fail`` inside ``target`` is reported rather than lost with its thread.
    """
    barrier = threading.Barrier(threads)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            result = target()
        except BaseException as exc:  # reported to the caller, which counts or asserts on it
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(result)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, errors


def _counter(events: Any) -> list[str]:
    built: list[str] = []
    events.register("creating-client-class", lambda **_: built.append("client"))
    return built


def _manager_figures(access: Callable[[Any], Any]) -> tuple[int, int, int]:
    """(constructions, distinct clients, errors) for 64 threads' first access."""
    bsm = example_manager()
    built = _counter(bsm.boto_ses.events)
    results, errors = run_at_once(lambda: access(bsm))
    return len(built), len({id(r) for r in results}), len(errors)


def _naive_figures() -> tuple[int, int, int]:
    """The same for a 2.x-style unlocked cache in front of ``boto3.Session.client``."""
    session = example_boto3_session()
    built = _counter(session.events)
    cache: dict[str, Any] = {}

    def get_client() -> Any:
        if "s3" not in cache:
            cache["s3"] = session.client("s3")
        return cache["s3"]

    results, errors = run_at_once(get_client)
    return len(built), len({id(r) for r in results}), len(errors)


def first_touch_rows() -> tuple[list[Row], list[str]]:
    """Rows for the 64-thread first touch, and notes."""
    naive_built, naive_distinct, naive_errors = _naive_figures()
    baseline = format_count(naive_built, "construction") + " (2.x-style cache)"
    rows = []
    for label, access in (
        ("bsm.s3_client", lambda bsm: bsm.s3_client),
        ('bsm.get_client("s3")', lambda bsm: bsm.get_client("s3")),
    ):
        built, distinct, errors = _manager_figures(access)
        rows.append(
            Row(
                what=f"{THREADS}-thread first touch of `{label}`: clients built",
                measured=format_count(built, "construction")
                + (f", {distinct} distinct" if distinct != 1 else "")
                + (f", {errors} errors" if errors else ""),
                baseline=baseline,
                target="1",
                met=built == 1 and distinct == 1 and errors == 0,
            )
        )
    notes = [
        f"first touch: the 2.x-style cache handed out {naive_distinct} distinct clients"
        + (f" and raised {naive_errors} errors" if naive_errors else "")
        + f" to {THREADS} threads; counts come from `creating-client-class` events.",
    ]
    return rows, notes

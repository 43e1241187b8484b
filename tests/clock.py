"""``Clock``: the injected clock of the unit tests (``time_fetcher=``, ``local_sts.clock``)."""

from __future__ import annotations

import datetime as dt


class Clock:
    """A clock the test moves by hand: calling it returns :attr:`now`."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

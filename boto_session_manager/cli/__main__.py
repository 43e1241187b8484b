"""``python -m boto_session_manager.cli``: the ``bsm`` command."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())

"""``python -m rehearsal``: see :mod:`rehearsal.cli`."""

import sys

from .cli import main

sys.exit(main())

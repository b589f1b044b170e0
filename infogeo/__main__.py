"""``python -m infogeo``: the same as the ``infogeo`` command (see :mod:`infogeo.cli`)."""

import sys

from .cli import main

sys.exit(main())

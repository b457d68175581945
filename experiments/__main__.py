"""Entry point of ``python -m experiments`` (see :func:`experiments._cli.main`)."""

import sys

from ._cli import main

sys.exit(main())

"""Entry point of ``python -m experiments``."""

import sys

from ._cli import main

sys.exit(main())

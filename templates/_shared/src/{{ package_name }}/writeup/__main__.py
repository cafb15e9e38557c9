"""``python -m <package>.writeup``: the same as ``python -m <package> writeup``."""

import sys

from .cli import main

sys.exit(main())

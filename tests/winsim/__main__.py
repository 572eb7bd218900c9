"""``python -m tests.winsim``: see cli.py."""

import sys

from tests.winsim.cli import main

sys.exit(main())

"""``python -m grncore``: see `grncore.cli`."""

import sys

from .cli import main

sys.exit(main())

"""``python -m wordspace.cli``: the same as the ``wordspace`` command."""

import sys

from . import main

sys.exit(main())

"""``python -m wordspace.cli``: the same as the ``wordspace`` command."""

from . import run

run()

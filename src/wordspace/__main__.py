"""``python -m wordspace``: the same as the ``wordspace`` command."""

from .cli import run

run()

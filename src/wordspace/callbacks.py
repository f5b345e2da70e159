"""Training callbacks: the hooks a trainer calls as it fits. Kept apart from the trainers so
that code which only observes training (``wordspace.evaluate``) does not depend on them.
"""

from __future__ import annotations

__all__ = ["Callback"]


class Callback:
    """Hooks called during ``fit``. ``logs`` is the epoch's history entry; a callback may add
    keys to it (scores, say) and they are kept in ``history_`` and shown in the progress output.

    ``on_train_begin`` and ``on_train_end`` are called once per ``fit`` by every trainer;
    ``on_epoch_end`` after each pass of an iterative trainer (a factorisation such as PPMI+SVD
    has none).
    """

    def on_train_begin(self, model) -> None:
        pass

    def on_epoch_end(self, model, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, model) -> None:
        pass

"""Trainers and their registry. Each follows the life cycle of ``_base.Trainer``; kernels live
in ``wordspace._kernels``.

:data:`ALGORITHMS` is the one list of trainers: ``wordspace train --algorithm`` takes its
names, and the command line builds each option from the trainers' declared parameters.
"""

from ._base import Trainer, install_cluster_runner, numba_threads
from ._epochs import EpochPlan, Schedule, sentence_blocks
from .doc2vec import Doc2Vec
from .fasttext import FastText
from .glove import GloVe
from .ppmi import PPMISVD
from .word2vec import Word2Vec

__all__ = ["ALGORITHMS", "Trainer", "Word2Vec", "FastText", "GloVe", "PPMISVD", "Doc2Vec", "load_trainer", "EpochPlan", "Schedule",
           "sentence_blocks", "numba_threads", "install_cluster_runner", "command_line_parameters"]

#: algorithm name -> trainer class
ALGORITHMS = {cls.algorithm: cls for cls in (Word2Vec, FastText, GloVe, PPMISVD, Doc2Vec)}


def load_trainer(path):
    """The trainer saved at ``path`` (a native model written by ``wordspace train`` or
    ``model.save``), of whichever algorithm it records, ready for ``partial_fit``."""
    import os

    from ..errors import FormatError
    from ..io.native import is_native
    from ..vectors import Vectors

    path = os.fspath(path)
    if not is_native(path):
        raise FormatError(f"'{path}' is not a wordspace model directory: training can continue only from a native "
                          "model written by 'wordspace train' or model.save() (word2vec and fastText files keep "
                          "vectors only, without the output matrix)")
    algorithm = Vectors.load(path, format="native").metadata.get("algorithm")
    cls = ALGORITHMS.get(algorithm)
    if cls is None or not hasattr(cls, "partial_fit"):
        known = ", ".join(a for a, c in ALGORITHMS.items() if hasattr(c, "partial_fit"))
        raise FormatError(f"'{path}' is a {algorithm!r} model; training can continue for {known} models")
    return cls.load(path)


def command_line_parameters() -> dict:
    """``name -> (Param, {algorithm: default})`` for every parameter any trainer declares for
    the command line, in the order the trainers declare them: one option per name for all the
    trainers, its choices the union of theirs (each trainer still checks its own when built)."""
    from .._validation import Options, Param

    options: dict = {}
    for algo, cls in ALGORITHMS.items():
        defaults = cls.defaults()
        for name, param in cls.parameters().items():
            if not param.cli:
                continue
            known, algos = options.setdefault(name, (param, {}))
            if known.choices() and set(param.choices()) - set(known.choices()):
                merged = tuple(dict.fromkeys(known.choices() + param.choices()))
                help_ = known.help if known.help == param.help else f"{known.help}; {param.help}"
                options[name] = (Param([Options(merged)], help_), algos)
            options[name][1][algo] = defaults[name]
    return options


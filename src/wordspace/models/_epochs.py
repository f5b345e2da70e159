"""The epoch plan of every word2vec-family trainer (word2vec, fastText, Doc2Vec), on one
machine or on a cluster: how the corpus is cut into blocks, the subsampling and loss tables, the
compiled kernel, the learning-rate schedule (and the kernel's parameter array, packed here and
nowhere else), and the fixed sample the per-epoch loss is measured on.

``Word2Vec.fit`` and ``partial_fit`` run an :class:`EpochPlan` epoch by epoch; the cluster's
replicas (``wordspace.cluster``) run its kernel on their shards with the parameters
:meth:`Schedule.params` packs for them. The kernels themselves are ``wordspace._kernels``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels import epoch as ke
from ..progress import announce_compilation
from ..vocab import keep_probabilities

__all__ = ["Schedule", "EpochPlan", "keep_table", "sentence_blocks", "eval_sample", "BLOCK_TOKENS", "BLOCKS_PER_CALL",
           "EVAL_EPOCH", "MIN_KEPT_SHARE"]

#: Inner nodes of the Huffman tree that each block of a threaded hierarchical-softmax run
#: trains a copy of (the most visited: every window reads and writes the top of the tree, and
#: two threads writing the same rows pass their cache lines back and forth).
TOP_NODES = 256
#: Windows between two exchanges of that copy with the shared rows (and at the end of each
#: block). Exchanged only when a block ends (about 12,000 windows), both threads' copies moved
#: the root alone for a whole block and the sum of the two moves overshot: the loss after an
#: epoch jumped by up to 0.3 (docs/benchmarks.md).
EXCHANGE_WINDOWS = 1024

#: Tokens per block: the unit of parallel work, of random seeding and of progress. Fixed (not
#: derived from ``workers``) so that random choices do not depend on the thread count.
BLOCK_TOKENS = 20_000
#: Blocks per kernel call: about one progress update per 1.3M tokens.
BLOCKS_PER_CALL = 64
#: The per-epoch loss is measured on up to this many blocks of the corpus (and at most a
#: twentieth of them), spread evenly, with the random stream of this (never trained) epoch
#: number, so every epoch is scored on the same sample.
EVAL_BLOCKS = 8
EVAL_EPOCH = 1 << 30
#: Subsampling that is expected to keep less than this share of the tokens is said in a warning.
#: With the default ``sample=1e-3`` real corpora keep far more (the demo corpus 66%, 10M words of
#: Wikipedia 74%; 36% and 56% at 1e-4), while a corpus of a few hundred words keeps about a tenth,
#: and its vectors barely move.
MIN_KEPT_SHARE = 0.2


def keep_table(counts, sample: float) -> np.ndarray:
    """Subsampling thresholds as the kernels read them: keep a token of word ``w`` when a random
    32-bit number is below ``table[w]``. Warns when the expected share of tokens kept is below
    ``MIN_KEPT_SHARE`` (a tiny corpus, where every word counts as frequent)."""
    keep = keep_probabilities(counts, sample)
    counts = np.asarray(counts, dtype=np.float64)
    total = float(counts.sum())
    kept = float(counts @ keep) / total if total > 0 else 1.0
    if kept < MIN_KEPT_SHARE:
        import warnings

        warnings.warn(f"subsampling (sample={sample:g}) keeps only about {kept:.1%} of the {int(total):,} tokens: in a "
                      "corpus this small every word counts as frequent, so the vectors will barely train; use "
                      "sample=0 (--sample 0) or a smaller value, or more text", stacklevel=3)
    return np.minimum(np.round(keep * 2.0**32), 2.0**32).astype(np.uint64)


def sentence_blocks(offsets: np.ndarray, n_tokens: int) -> np.ndarray:
    """Block boundaries (sentence numbers) of about ``BLOCK_TOKENS`` tokens each."""
    starts = np.searchsorted(offsets, np.arange(0, n_tokens, BLOCK_TOKENS), side="right") - 1
    return np.unique(np.concatenate((starts, [offsets.shape[0] - 1]))).astype(np.int64)


def eval_sample(n_blocks: int) -> np.ndarray:
    """The blocks the per-epoch loss is measured on: up to ``EVAL_BLOCKS``, at most a twentieth
    of them (5% of an epoch's work), spread evenly."""
    n_eval = max(1, min(EVAL_BLOCKS, n_blocks // 20))
    return np.arange(0, n_blocks, max(1, n_blocks // n_eval))[:n_eval]


@dataclass(frozen=True)
class Schedule:
    """One run's linear learning-rate decay from ``alpha`` to ``min_alpha`` over
    ``total_words`` (epochs times the corpus), and the settings the kernels read.

    :meth:`params` packs the kernel's parameter array (``_kernels.epoch.P_*``): the only place
    it is built."""

    alpha: float
    min_alpha: float
    total_words: float
    window: int
    negative: int
    seed: int
    max_sentence_length: int

    def rate(self, words_done: float) -> float:
        """The learning rate after ``words_done`` words of the run."""
        a0, a1 = self.alpha, self.min_alpha
        return max(a1, a0 - (a0 - a1) * words_done / self.total_words)

    def params(self, *, epoch: int, words_before: float, first_block: int, total_words: float | None = None,
               zero_rate: bool = False) -> np.ndarray:
        """The kernel's float64 parameter array for blocks numbered from ``first_block`` in epoch
        ``epoch`` (the random streams' number), with ``words_before`` words of the schedule
        behind the first of them. ``total_words`` stretches the schedule (a cluster replica
        that trains a share of each round passes the cluster's words scaled to its own);
        ``zero_rate``: measure, never move (the per-epoch loss)."""
        p = np.zeros(ke.N_PARAMS, dtype=np.float64)
        p[ke.P_ALPHA] = 0.0 if zero_rate else self.alpha
        p[ke.P_MIN_ALPHA] = 0.0 if zero_rate else self.min_alpha
        p[ke.P_BEFORE] = words_before
        p[ke.P_TOTAL] = self.total_words if total_words is None else total_words
        p[ke.P_WINDOW] = self.window
        p[ke.P_NEGATIVE] = self.negative
        p[ke.P_SEED] = self.seed
        p[ke.P_EPOCH] = epoch
        p[ke.P_MAXLEN] = self.max_sentence_length
        p[ke.P_BLOCK0] = first_block
        return p

    def evaluation(self) -> np.ndarray:
        """Parameters of the fixed sample the per-epoch loss is measured on: a zero rate and the
        random streams of an epoch no run trains (``EVAL_EPOCH``)."""
        return self.params(epoch=EVAL_EPOCH, words_before=0.0, first_block=0, zero_rate=True)


class EpochPlan:
    """Everything a word2vec-family run needs besides its matrices and its corpus.

    Built by a trainer (:meth:`Word2Vec.epoch_plan`) from the vocabulary's ``words`` and
    ``counts``: the subsampling table, the loss's tables (``trainer.kernel_tables``), the
    compiled kernel (``trainer.kernel``) and the :class:`Schedule` of ``epochs`` passes over
    ``corpus_words`` words from ``alpha`` to ``min_alpha``; ``first_epoch`` continues the random
    streams of a model already trained for that many epochs."""

    def __init__(self, trainer, words, counts, *, corpus_words: int, epochs: int, alpha: float, min_alpha: float,
                 first_epoch: int = 0, parallel: bool = True):
        self.keep = keep_table(counts, trainer.sample)
        self.tables = tuple(trainer.kernel_tables(words, counts))
        self.kernel = trainer.kernel(parallel)
        self.loss = getattr(trainer, "loss", "ns")
        self.cbow = trainer.averages_context
        if getattr(trainer, "holds_top_of_tree", False):  # word2vec's hierarchical softmax kernels
            # (threads only; CBOW's window update trains the shared rows)
            held = parallel and not self.cbow
            self.tables += (self.top_of_tree(counts, TOP_NODES) if held else np.empty(0, dtype=np.int32),
                            np.array([EXCHANGE_WINDOWS], dtype=np.int64))
        self.epochs = int(epochs)
        self.first_epoch = int(first_epoch)
        self.corpus_words = int(corpus_words)
        self.schedule = Schedule(float(alpha), float(min_alpha), float(epochs) * corpus_words, trainer.window,
                                 getattr(trainer, "negative", 0), trainer.seed, trainer.max_sentence_length)

    def row_updates(self, occurrences: np.ndarray, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
        """How often, in expectation, each row of the two matrices is trained as a word's own
        row when a stretch of text holds word ``w`` ``occurrences[w]`` times (a cluster round:
        ``cluster.training.combine`` scales each row's step by it), counted in tokens that
        subsampling keeps. Input rows: the word's kept tokens (fastText: summed over the words
        each n-gram row serves). Output rows: with negative sampling, the word's kept tokens (its
        draws as a noise word are left out: counting them, 4 workers on 3M words lost 1.0
        analogy point); with hierarchical softmax, the kept tokens of the words below each inner
        node; with the full softmax, none (every row moves a little at every step)."""
        occurrences = np.asarray(occurrences, dtype=np.float64)
        n_words = occurrences.shape[0]
        kept = occurrences * (self.keep[:n_words] / 2.0**32)
        tables = self.tables
        upd_in = np.zeros(n_in)
        if self.loss == "ns" and len(tables) == 5:  # fastText: (threshold, alias, subword offsets, subword
            # rows, most); hierarchical softmax has five too: (codes, points, lengths, top, exchange)
            off, ids = tables[2], tables[3]
            upd_in += np.bincount(ids, weights=np.repeat(kept, np.diff(off)), minlength=n_in)[:n_in]
        else:
            upd_in[:n_words] = kept
        upd_out = np.zeros(n_out)
        if self.loss == "hs":  # the Huffman tree's (codes, points, lengths): n_words - 1 inner nodes
            points, lengths = tables[1], tables[2]
            on_path = np.arange(points.shape[1])[None, :] < lengths[:, None]
            weights = np.broadcast_to(kept[:, None], points.shape)[on_path]
            upd_out += np.bincount(points[on_path], weights=weights, minlength=n_out)[:n_out]
        elif self.loss == "ns":  # (the trainer's `negative` is kept with the other losses too)
            upd_out[:n_words] = kept
        return upd_in, upd_out

    def top_of_tree(self, counts, n: int) -> np.ndarray:
        """The ``n`` inner nodes of the Huffman tree that training visits most (the kept tokens
        of the words below each), most visited first: each block of a threaded run trains its
        own copy of them (``_kernels.word2vec.hs_block_state``)."""
        n_words = self.tables[1].shape[0]
        _, visits = self.row_updates(counts, n_words, n_words - 1)
        return np.argsort(-visits, kind="stable")[: min(n, n_words - 1)].astype(np.int32)

    def run(self, w_in, w_out, enc, blocks, lo: int, hi: int, params) -> tuple[float, int]:
        """Train blocks ``lo:hi`` (of ``blocks``, sentence boundaries of ``enc``) with ``params``;
        returns their summed loss and predictions (over the windows whose loss was computed)."""
        loss_out = np.zeros(hi - lo, dtype=np.float64)
        count_out = np.zeros(hi - lo, dtype=np.int64)
        self.kernel(w_in, w_out, enc.tokens, enc.offsets, blocks[lo : hi + 1], self.keep, self.tables, params,
                    loss_out, count_out, self.cbow)
        return float(loss_out.sum()), int(count_out.sum())

    def epoch(self, w_in, w_out, enc, epoch: int, bar) -> tuple[float, dict]:
        """Train epoch ``epoch`` (0-based within this run) over the corpus ``enc``, reporting to
        ``bar``; returns the model's loss on the fixed sample afterwards (:meth:`evaluate`) and
        the epoch's logs (the running "online_loss", the rate reached)."""
        n = enc.n_tokens
        blocks = sentence_blocks(enc.offsets, n)
        n_blocks = blocks.shape[0] - 1
        loss_sum, count_sum, lr = 0.0, 0, self.schedule.alpha
        for lo in range(0, n_blocks, BLOCKS_PER_CALL):
            hi = min(n_blocks, lo + BLOCKS_PER_CALL)
            if lo == 0:
                announce_compilation(bar, self.kernel)
            params = self.schedule.params(epoch=self.first_epoch + epoch, words_before=float(epoch) * n, first_block=lo)
            loss, count = self.run(w_in, w_out, enc, blocks, lo, hi, params)
            loss_sum += loss
            count_sum += count
            lr = self.schedule.rate(float(epoch) * n + enc.offsets[blocks[hi]])
            bar.set_postfix_str(f"epoch={epoch + 1}/{self.epochs} lr={lr:.5f} "
                                f"online_loss={loss_sum / max(count_sum, 1):.4f}", refresh=False)
            bar.update(int(enc.offsets[blocks[hi]] - enc.offsets[blocks[lo]]))
        return self.evaluate(w_in, w_out, enc, blocks), {"alpha": float(lr), "online_loss": loss_sum / max(count_sum, 1)}

    def evaluate(self, w_in, w_out, enc, blocks=None) -> float:
        """The model's mean loss per prediction on the fixed sample of ``enc`` (the same blocks,
        windows, subsampling and noise words every epoch), trained with a zero rate. The online
        loss (averaged while training) can rise as the rate decays even while the model's loss
        falls (fastText on 2M words: online 1.98 -> 2.14, fixed sample 2.87 -> 2.24 over 5
        epochs; docs/design.md)."""
        blocks = sentence_blocks(enc.offsets, enc.n_tokens) if blocks is None else blocks
        params = self.schedule.evaluation()
        total_loss, total_count = 0.0, 0
        for b in eval_sample(blocks.shape[0] - 1).tolist():
            params[ke.P_BLOCK0] = b
            loss, count = self.run(w_in, w_out, enc, blocks, b, b + 1, params)
            total_loss += loss
            total_count += count
        return total_loss / max(total_count, 1)

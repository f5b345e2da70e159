"""Word2Vec: the trainer of word2vec (skip-gram and CBOW; negative sampling, hierarchical and
full softmax): its parameters, vocabulary-sized tables, matrices, saving and training on.

How a run goes epoch by epoch (blocks, schedule, kernel, the per-epoch loss) is the epoch plan
(``models._epochs``), shared with fastText, Doc2Vec and the cluster; the per-window mathematics
and the threads are ``wordspace._kernels``; reading and encoding the corpus ``wordspace.corpus``;
the result is a ``wordspace.Vectors``.
"""

from __future__ import annotations

import os

import numpy as np

from .._kernels import REAL
from .._kernels import word2vec as kw
from .._validation import LIMITS, NONE, Interval, Options, Param
from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH
from ..errors import InvalidParameterError
from ..vocab import alias_table, huffman_tree, noise_distribution
from ._base import COMMON_PARAMS, Trainer, check_memory
from ._epochs import BLOCK_TOKENS, EVAL_EPOCH, EpochPlan, eval_sample, keep_table, sentence_blocks  # noqa: F401

__all__ = ["Word2Vec", "MAX_SOFTMAX_VOCAB"]

#: Full softmax costs O(vocabulary) per prediction; above this it is refused.
MAX_SOFTMAX_VOCAB = 10_000


class Word2Vec(Trainer):
    """Word2vec embeddings: skip-gram or CBOW, with negative sampling or (hierarchical) softmax.

    Parameters
    ----------
    dim : int, default=100
        Vector dimension.
    window : int, default=5
        Maximum distance between the centre word and a context word; each window's actual size
        is drawn uniformly from ``1..window`` (word2vec's dynamic window).
    architecture : {"skipgram", "cbow"}, default="skipgram"
        Skip-gram predicts the centre word from each context word; CBOW from the mean of the
        context vectors.
    loss : {"ns", "hs", "softmax"}, default="ns"
        Negative sampling, hierarchical softmax (Huffman tree), or full softmax (vocabularies
        of at most 10,000 words).
    negative : int, default=5
        Noise words per window with ``loss="ns"``.
    ns_exponent : float, default=0.75
        Noise words are drawn with probability proportional to ``count ** ns_exponent``.
    sample : float, default=1e-3
        Frequent-word subsampling threshold (word2vec.c's formula); 0 disables it.
    min_count : int, default=5
        Words seen fewer times are ignored.
    max_vocab : int or None, default=None
        Keep only the most frequent ``max_vocab`` words.
    epochs : int, default=5
        Passes over the corpus.
    alpha : float or None, default=None
        Initial learning rate; None means 0.025 for skip-gram, and for CBOW 0.075 with
        negative sampling (about 3 analogy points above the C tool's 0.05) or 0.05 with
        (hierarchical) softmax, where 0.075 scored 1.4 points lower: see docs/benchmarks.md.
    min_alpha : float, default=0.0001
        Learning rate reached at the end of the last epoch (linear decay over all epochs).
    workers : int or None, default=None
        Threads; None uses every core. Only ``workers=1`` is bit-reproducible.
    seed : int, default=1
        Seed of the initial vectors and of every random choice.
    max_sentence_length : int, default=10000
        Longer lines are cut into several sentences.
    progress : bool, default=True
        Show a progress bar (words/s, learning rate, loss, ETA) on stderr.
    callbacks : sequence of Callback, default=()
        Called after each epoch; see ``wordspace.models._base.Callback``.

    Attributes
    ----------
    vocab_ : Vocab
    vectors_ : Vectors
        The input vectors (see :meth:`export` for output or averaged ones).
    input_matrix_, output_matrix_ : ndarray
        Both trained matrices. With ``loss="hs"`` the output rows are the inner tree nodes.
    loss_history_ : list of float
        The model's mean loss per prediction at the end of each epoch, on a fixed sample of the
        training stream (the same windows and noise words every epoch), accumulated in float64.
    run_stats_ : dict
        What the last ``fit`` or ``partial_fit`` call read and trained: ``raw_tokens``,
        ``tokens`` (after the vocabulary) and ``epochs``.
    history_ : list of dict
        Per epoch: loss, online_loss (averaged while training), words, seconds, words_per_sec,
        alpha and anything callbacks add.

    Examples
    --------
    >>> model = Word2Vec(dim=50, epochs=1, progress=False).fit("corpus.txt")  # doctest: +SKIP
    >>> model.vectors_.most_similar("king", k=3)                               # doctest: +SKIP
    """

    algorithm = "word2vec"
    export_kinds = ("input", "output", "average")
    _params = {
        **COMMON_PARAMS,
        "architecture": Param([Options(("skipgram", "cbow"))], "skipgram predicts context words from the word; cbow the word from its context"),
        "loss": Param([Options(("ns", "hs", "softmax"))], "negative sampling, hierarchical softmax, or full softmax (at most 10,000 words)"),
        "negative": Param([Interval(int, 0, LIMITS["negative"])], "noise words per prediction with --loss ns"),
        "ns_exponent": Param([Interval(float, -LIMITS["exponent"], LIMITS["exponent"])],
                             "noise words are drawn with probability proportional to count**EXPONENT"),
        "sample": Param([Interval(float, 0, None)], "frequent-word subsampling threshold; 0 keeps every word"),
        "epochs": Param([Interval(int, 1, LIMITS["epochs"])], "passes over the corpus"),
        "alpha": Param([Interval(float, 0, LIMITS["rate"], closed="right"), NONE],
                       "initial learning rate (skipgram 0.025; cbow 0.075 with ns, 0.05 with hs or softmax)"),
        "min_alpha": Param([Interval(float, 0, LIMITS["rate"])], "learning rate reached at the end (linear decay)"),
    }

    def __init__(self, *, dim=100, window=5, architecture="skipgram", loss="ns", negative=5,
                 ns_exponent=0.75, sample=1e-3, min_count=5, max_vocab=None, epochs=5,
                 alpha=None, min_alpha=0.0001, workers=None, seed=1,
                 max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH,
                 lowercase=False, tokenizer="whitespace", normalize=None, numbers=False, phrases=None, progress=True, callbacks=()):
        self.dim = dim
        self.window = window
        self.architecture = architecture
        self.loss = loss
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.sample = sample
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.workers = workers
        self.seed = seed
        self.max_sentence_length = max_sentence_length
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.normalize = normalize
        self.numbers = numbers
        self.phrases = phrases
        self.progress = progress
        self.callbacks = callbacks

    # -- fitting -------------------------------------------------------------------------------
    def _check_params(self) -> None:
        owner = type(self).__name__
        if self.loss == "ns" and self.negative < 1:
            raise InvalidParameterError(param="negative", owner=owner, rule=Interval(int, 1, LIMITS["negative"]).describe(),
                                        value=self.negative, when={"loss": "ns"})
        if self.min_alpha > self.alpha_:
            raise InvalidParameterError(param="min_alpha", owner=owner, rule="at most {alpha}",
                                        refs={"alpha": self.alpha_}, value=self.min_alpha)

    def check_export(self, kind: str) -> None:
        super().check_export(kind)
        if kind != "input" and self.loss == "hs":
            raise InvalidParameterError(
                f"{kind} vectors need one output row per word, which loss='hs' does not have "
                "(its rows are Huffman tree nodes); use loss='ns' or export 'input'",
                param="kind", owner=f"{type(self).__name__}.export", value=kind,
            )

    @property
    def alpha_(self) -> float:
        """The initial learning rate actually used."""
        if self.alpha is not None:
            return float(self.alpha)
        if self.architecture == "cbow":  # measured on 10M words of Wikipedia: docs/benchmarks.md
            return 0.075 if self.loss == "ns" else 0.05
        return 0.025

    # -- what the epoch plan and the cluster call (the trainer's side of both) -------------------
    family = "window"  # trained window by window, data-parallel on a cluster (wordspace.cluster)

    def kernel_tables(self, words, counts) -> tuple:
        """The loss's arrays the epoch kernel reads (``_kernels.word2vec``): the noise alias
        tables, the Huffman tree (kept as ``tree_`` for the probabilities), or none."""
        if self.loss == "ns":
            return alias_table(noise_distribution(counts, self.ns_exponent))
        if self.loss == "hs":
            self.tree_ = huffman_tree(counts)  # (codes, points, lengths)
            return self.tree_
        return ()

    @property
    def holds_top_of_tree(self) -> bool:
        """Whether the kernels read the most visited Huffman nodes as one more table
        (``EpochPlan.top_of_tree``): hierarchical softmax."""
        return self.loss == "hs"

    def kernel(self, parallel: bool):
        """The compiled epoch kernel for these settings, threaded or not."""
        return kw.select(self.loss, parallel=parallel, dim=self.dim)

    def init_matrices(self, n_words: int):
        """``(W_in, W_out)``: inputs uniform in [-1/dim, 1/dim), outputs zero. gensim and
        word2vec.c draw from half that range; on the 10M-word slice that scored 0.8-0.9 analogy
        points lower for skip-gram and CBOW (three seeds each, docs/benchmarks.md)."""
        rng = np.random.default_rng(self.seed)
        w_in = ((rng.random((n_words, self.dim), dtype=np.float32) * 2 - 1) / self.dim).astype(REAL)
        n_out = n_words - 1 if self.loss == "hs" else n_words
        return w_in, np.zeros((n_out, self.dim), dtype=REAL)

    def check_vocabulary(self, words, counts=None) -> None:
        """Refuse a vocabulary these settings cannot train (the full softmax's size limit)."""
        n_words = len(words)
        if self.loss == "softmax" and n_words > MAX_SOFTMAX_VOCAB:
            raise InvalidParameterError(
                f"loss='softmax' computes all {n_words:,} outputs per prediction; it is limited to "
                f"{MAX_SOFTMAX_VOCAB:,} words. Use loss='ns' or 'hs', or max_vocab<={MAX_SOFTMAX_VOCAB}.",
                param="loss",
            )

    def epoch_plan(self, words, counts, *, corpus_words: int, epochs: int, alpha: float, min_alpha: float,
                   parallel: bool = True) -> EpochPlan:
        """The plan of ``epochs`` passes over ``corpus_words`` words of this vocabulary, the rate
        going from ``alpha`` to ``min_alpha``; random streams continue after ``epochs_trained_``."""
        return EpochPlan(self, words, counts, corpus_words=corpus_words, epochs=epochs, alpha=alpha,
                         min_alpha=min_alpha, first_epoch=getattr(self, "epochs_trained_", 0), parallel=parallel)

    @property
    def averages_context(self) -> bool:
        """Whether a window's rows are averaged into one prediction (CBOW; the kernels' ``cbow``
        flag) rather than each predicting on its own (skip-gram)."""
        return self.architecture == "cbow"

    @property
    def description(self) -> str:
        """What the progress bar calls this run."""
        return f"{self.architecture}/{self.loss}"

    def _word_matrix(self):
        """The input vectors of the vocabulary's words."""
        return self.input_matrix_

    # -- training ------------------------------------------------------------------------------
    def _fit(self, enc, workers: int) -> None:
        v = len(enc.words)
        self.check_vocabulary(enc.words, enc.counts)
        check_memory(4.0 * self.dim * (v + self._extra_rows() + v), "the input and output matrices", "dim",
                     type(self).__name__, self.dim)
        self.input_matrix_, self.output_matrix_ = self.init_matrices(v)
        self.epochs_trained_ = 0
        self._train_epochs(enc, workers, self.epochs, self.alpha_, self.min_alpha)

    def _train_epochs(self, enc, workers: int, epochs: int, alpha: float, min_alpha: float) -> None:
        """Train ``epochs`` passes over ``enc`` from the current matrices (the epoch plan), the
        rate going linearly from ``alpha`` to ``min_alpha``; random streams continue after the
        epochs already trained, so training in two calls equals one where the rates do."""
        plan = self.epoch_plan(enc.words, enc.counts, corpus_words=enc.n_tokens, epochs=epochs, alpha=alpha,
                               min_alpha=min_alpha, parallel=workers > 1)
        self.run_epochs(epochs, enc.n_tokens, self.description,
                        lambda epoch, bar: plan.epoch(self.input_matrix_, self.output_matrix_, enc, epoch, bar))
        self.epochs_trained_ += epochs

    # -- saving a trainer and training on ----------------------------------------------------------
    def _state_arrays(self) -> dict:
        """Matrices a saved trainer needs besides its word vectors (the output rows)."""
        return {"output_matrix": self.output_matrix_}

    def save(self, path) -> str:
        """Write the trainer as a native model directory: the word vectors (readable as plain
        vectors by anything that reads the native format), plus the output matrix, counts,
        parameters and training position, so that :meth:`load` and :meth:`partial_fit` can
        train on. Atomic, like every write."""
        from ..io import check_writable_vectors
        from ..io.native import save_native

        from ..vectors import Vectors

        self._check_fitted()
        v = self.vectors_
        meta = {**v.metadata, "trainer": {"class": type(self).__name__, "version": 1,
                                          "epochs_trained": int(self.epochs_trained_)}}
        vectors = Vectors(v.keys, v.matrix, counts=v.counts, metadata=meta, subwords=v.subwords, check_keys=False)
        check_writable_vectors(vectors)
        save_native(vectors, os.fspath(path), extra_arrays=self._state_arrays())
        return os.fspath(path)

    @classmethod
    def load(cls, path):
        """A trainer saved by :meth:`save` (or ``wordspace train`` with a native output), ready
        for :meth:`partial_fit`. Refuses files that hold vectors only (a word2vec ``.bin`` has no
        output matrix) and models of another algorithm."""
        from ..errors import FormatError
        from ..vectors import Vectors
        from ..vocab import Vocab

        path = os.fspath(path)
        vectors = Vectors.load(path)
        meta = vectors.metadata
        state = meta.get("trainer")
        if not isinstance(state, dict) or not isinstance(state.get("epochs_trained"), int):
            raise FormatError(f"'{path}' holds vectors only, without the output matrix and counts a trainer needs; "
                              "training can continue only from a native model written by 'wordspace train' or "
                              "model.save()")
        if meta.get("algorithm") != cls.algorithm or state.get("class") != cls.__name__:
            raise FormatError(f"'{path}' is a {meta.get('algorithm')!r} model; {cls.__name__}.load reads "
                              f"{cls.algorithm!r} models")
        params = meta.get("params")
        if not isinstance(params, dict) or vectors.counts is None:
            raise FormatError(f"'{path}': the parameters or the word counts of the trainer are missing")
        known = set(cls._param_names()) - {"callbacks"}
        try:
            model = cls(**{k: v for k, v in params.items() if k in known})
            model.validate_params()
        except (TypeError, InvalidParameterError) as exc:
            raise FormatError(f"'{path}': the saved parameters are not valid ({exc})") from None
        if model.dim != vectors.dim:
            raise FormatError(f"'{path}': the parameters say dim {model.dim}, the vectors have {vectors.dim}")
        model.vocab_ = Vocab(list(vectors.keys), np.asarray(vectors.counts, dtype=np.int64))
        model.epochs_trained_ = state["epochs_trained"]
        model.loss_history_ = [float(x) for x in meta.get("loss_history", []) if isinstance(x, (int, float))]
        model.history_ = []
        model.corpus_stats_ = dict(meta.get("corpus", {})) if isinstance(meta.get("corpus"), dict) else {}
        model._restore(path, vectors)
        model.vectors_ = model.current_vectors()
        return model

    def _restore(self, path: str, vectors) -> None:
        """Set the matrices from a saved trainer (``load``)."""
        from ..io.native import load_extra_array

        n = len(self.vocab_)
        self.input_matrix_ = np.array(vectors.matrix, dtype=REAL)
        n_out = n - 1 if self.loss == "hs" else n
        self.output_matrix_ = load_extra_array(path, "output_matrix", (n_out, self.dim))
        if self.loss == "hs":
            self.tree_ = huffman_tree(self.vocab_.counts)

    def partial_fit(self, corpus, *, epochs: int | None = None, alpha: float | None = None,
                    min_alpha: float | None = None, encoded=None):
        """Train on more text, keeping what was learned.

        Words of ``corpus`` already in the vocabulary keep their rows and add to their counts;
        new words that reach ``min_count`` in ``corpus`` are added with fresh rows (fastText
        n-grams keep their buckets); rarer new words are skipped. The learning rate goes
        linearly from ``alpha`` (default: the model's initial rate) to ``min_alpha`` over
        ``epochs`` passes (default: the model's ``epochs``); random streams continue after the
        epochs already trained. Returns self.
        """
        from ..corpus import encode_corpus, remap_corpus
        from ..vocab import Vocab

        from .._validation import validate_params

        self._check_fitted()
        epochs = self.epochs if epochs is None else epochs
        alpha = self.alpha_ if alpha is None else alpha
        validate_params({"epochs": epochs, "alpha": alpha}, {"epochs": self._params["epochs"].constraints,
                                                              "alpha": [Interval(float, 0, LIMITS["rate"], "right")]},
                        f"{type(self).__name__}.partial_fit")
        min_alpha = min(self.min_alpha, alpha) if min_alpha is None else min_alpha
        validate_params({"min_alpha": min_alpha}, {"min_alpha": [Interval(float, 0, alpha)]},
                        f"{type(self).__name__}.partial_fit")
        if encoded is None:
            encoded = encode_corpus(corpus, min_count=1, max_sentence_length=self.max_sentence_length,
                                    preparation=self.text_preparation())
            if self.phrases is not None:
                from ..phrases import PhraseModel

                encoded = PhraseModel.load(self.phrases).apply(encoded)
        index = self.vocab_.index
        words, counts = list(self.vocab_.words), self.vocab_.counts.copy()
        added = []
        remap = np.full(len(encoded.words), -1, dtype=np.int32)
        for i, (w, c) in enumerate(zip(encoded.words, encoded.counts.tolist())):
            j = index.get(w)
            if j is not None:
                counts[j] += c
                remap[i] = j
            elif c >= self.min_count and (self.max_vocab is None or len(words) < self.max_vocab):
                remap[i] = len(words)
                words.append(w)
                added.append(c)
        counts = np.concatenate([counts, np.asarray(added, dtype=np.int64)])
        enc = remap_corpus(encoded, remap, words, counts)
        if enc.n_tokens == 0:
            from ..errors import CorpusError

            raise CorpusError("the new corpus holds no word of the vocabulary and no new word reaching min_count")
        self.check_vocabulary(words, counts)
        self._grow(len(added))
        self.vocab_ = Vocab(words, counts)
        stats = getattr(self, "corpus_stats_", {})
        stats["tokens"] = stats.get("tokens", 0) + enc.n_tokens
        stats["vocab"] = len(words)
        self.corpus_stats_ = stats
        return self.run_training(lambda workers: self._train_epochs(enc, workers, int(epochs), float(alpha), float(min_alpha)),
                         fresh=False, run_stats={"raw_tokens": int(encoded.raw_tokens), "tokens": int(enc.n_tokens),
                                                 "epochs": int(epochs)})

    def _grow(self, n_new: int) -> None:
        """Rows for ``n_new`` new words: fresh input rows (as at initialisation), zero output rows."""
        if n_new == 0:
            return
        rng = np.random.default_rng([self.seed, self.epochs_trained_, len(self.vocab_)])
        fresh = ((rng.random((n_new, self.dim), dtype=np.float32) * 2 - 1) / self.dim).astype(REAL)
        n = len(self.vocab_)
        self.input_matrix_ = np.concatenate([self.input_matrix_[:n], fresh, self.input_matrix_[n:]])
        self.output_matrix_ = np.concatenate([self.output_matrix_, np.zeros((n_new, self.dim), REAL)])

    # -- P(context | word) -----------------------------------------------------------------------
    def output_distribution(self, vector) -> np.ndarray:
        """:math:`P(w \\mid h)` over the vocabulary for a hidden vector ``h``, float64, summing to 1:
        the softmax of the output rows' scores (``loss="ns"``, as gensim does, and ``"softmax"``),
        or the product of the sigmoids along each word's Huffman path (``loss="hs"``)."""
        self._check_fitted()
        h = np.asarray(vector, dtype=np.float64)
        out = np.asarray(self.output_matrix_, dtype=np.float64)
        if self.loss != "hs":
            scores = out @ h
            scores -= scores.max()
            p = np.exp(scores)
            return p / p.sum()
        codes, points, lengths = self.tree_
        f = (out @ h)[points]  # (n_words, depth): the score at each node of each word's path
        sign = 1.0 - 2.0 * codes  # label 1 - code: sigma(f) on a 0 bit, sigma(-f) on a 1 bit
        on_path = np.arange(codes.shape[1])[None, :] < lengths[:, None]
        logp = np.where(on_path, -np.logaddexp(0.0, -sign * f), 0.0).sum(axis=1)
        return np.exp(logp)

    def _log_prob(self, h: np.ndarray, w: int) -> float:
        """:math:`\\log P(w \\mid h)` for one word, without the whole distribution."""
        out = self.output_matrix_
        if self.loss == "hs":
            codes, points, lengths = self.tree_
            n = lengths[w]
            f = np.asarray(out[points[w, :n]], dtype=np.float64) @ h
            return float(-np.logaddexp(0.0, -(1.0 - 2.0 * codes[w, :n]) * f).sum())
        scores = np.asarray(out, dtype=np.float64) @ h
        top = scores.max()
        return float(scores[w] - top - np.log(np.exp(scores - top).sum()))

    def predict_output_word(self, context_words, k: int = 10):
        """The ``k`` words most probable in the middle of ``context_words``: the mean of their
        input vectors scored by :meth:`output_distribution`. Returns ``[Neighbor(word,
        probability)]``; unknown context words are ignored (gensim's ``predict_output_word``)."""
        from ..errors import KeyNotFoundError
        from ..vectors import Neighbor

        self._check_fitted()
        ids = [self.vocab_.index[w] for w in context_words if w in self.vocab_]
        if not ids:
            raise KeyNotFoundError(f"none of the context words {list(context_words)[:5]!r} is in the vocabulary")
        p = self.output_distribution(np.asarray(self._word_matrix()[ids], dtype=np.float64).mean(axis=0))
        k = min(int(k), p.shape[0])
        top = np.argsort(-p, kind="stable")[:k]
        return [Neighbor(self.vocab_.words[i], float(p[i])) for i in top.tolist()]

    def log_likelihood(self, sentences) -> np.ndarray:
        """Natural-log likelihood of each sentence (a list of tokens) under the model, float64:
        for skip-gram the sum over every word and every context word within ``window`` of
        :math:`\\log P(\\text{word} \\mid \\text{context word})`, for CBOW the sum over words of
        :math:`\\log P(\\text{word} \\mid \\text{mean of its context})`. Words outside the
        vocabulary are skipped. Needs ``loss="hs"`` or ``"softmax"``: negative sampling defines no
        normalised probability (gensim's ``score`` has the same rule)."""
        self._check_fitted()
        if self.loss == "ns":
            raise InvalidParameterError("log_likelihood needs normalised probabilities, which loss='ns' does not "
                                        "define; train with loss='hs' or 'softmax'", param="loss")
        inputs = self._word_matrix()
        out = []
        for sent in sentences:
            ids = [self.vocab_.index[w] for w in sent if w in self.vocab_]
            total = 0.0
            for i, w in enumerate(ids):
                ctx = ids[max(0, i - self.window) : i] + ids[i + 1 : i + 1 + self.window]
                if not ctx:
                    continue
                if self.architecture == "cbow":
                    total += self._log_prob(np.asarray(inputs[ctx], dtype=np.float64).mean(axis=0), w)
                else:
                    total += sum(self._log_prob(np.asarray(inputs[c], dtype=np.float64), w) for c in ctx)
            out.append(total)
        return np.asarray(out, dtype=np.float64)

    def _extra_rows(self) -> int:
        """Input rows beyond one per word (fastText's n-gram buckets)."""
        return 0

    def _extra_metadata(self) -> dict:
        return {"alpha_used": self.alpha_}

    def _export_matrix(self, kind: str) -> np.ndarray:
        words = self._word_matrix()
        if kind == "input":
            return words
        if kind == "output":
            return self.output_matrix_
        return (words + self.output_matrix_) / 2

"""Word2vec kernels against slow NumPy references: one window update for every variant, the
samplers against their distributions, and the compiled epoch against its plain-Python twin."""

import math

import numba
import numpy as np
import pytest

from wordspace._kernels import epoch as kep
from wordspace._kernels import windows as kwin
from wordspace._kernels import word2vec as kw

from tests.kernels import sampling
from wordspace.vocab import alias_table, huffman_tree, keep_probabilities, noise_distribution


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _mats(v=7, dim=6, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=0.5, size=(v, dim)).astype(np.float32),
            rng.normal(scale=0.5, size=(v, dim)).astype(np.float32))


def ref_sg_window(w_in, w_out, ctx, targets, labels, alpha):
    """Skip-gram, batched over the window: all pairs scored with the rows as they were."""
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    u, v = w_in[ctx], w_out[targets]
    f = u @ v.T
    valid = labels >= 0
    s = _sigmoid(f)
    g = (labels[None, :] - s) * alpha
    g[:, ~valid] = 0
    g[np.abs(labels[None, :] - s) < kwin.MIN_ERROR] = 0  # negligible updates are skipped
    loss = -(np.log(s[:, valid & (labels == 1)]).sum() + np.log(1 - s[:, valid & (labels == 0)]).sum())
    np.add.at(w_in, ctx, g @ v)
    np.add.at(w_out, targets[valid], (g.T @ u)[valid])
    return w_in, w_out, loss


def ref_cbow_window(w_in, w_out, ctx, targets, labels, alpha):
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    h = w_in[ctx].mean(axis=0)
    dh = np.zeros_like(h)
    loss = 0.0
    for t, y in zip(targets, labels):
        if y < 0:
            continue
        s = _sigmoid(h @ w_out[t])
        loss -= math.log(s) if y == 1 else math.log(1 - s)
        if abs(y - s) < kwin.MIN_ERROR:
            continue
        g = (y - s) * alpha
        dh += g * w_out[t]
        w_out[t] += g * h
    np.add.at(w_in, ctx, np.tile(dh, (len(ctx), 1)))  # each context row gets the whole error
    return w_in, w_out, loss


def ref_softmax_window(w_in, w_out, ctx, center, alpha, cbow):
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    inputs = [None] if cbow else list(ctx)
    loss = 0.0
    for c in inputs:
        h = w_in[ctx].mean(axis=0) if cbow else w_in[c].copy()
        z = w_out @ h
        p = np.exp(z - z.max())
        p /= p.sum()
        loss -= math.log(p[center])
        g = (np.eye(len(p))[center] - p) * alpha
        dh = g @ w_out
        w_out += np.outer(g, h)
        if cbow:
            np.add.at(w_in, ctx, np.tile(dh, (len(ctx), 1)))
        else:
            w_in[c] += dh
    return w_in, w_out, loss


CASES = [
    # ctx, targets, labels: a repeated context word, a skipped noise word, a repeated target
    (np.array([1, 2, 1, 4], np.int32), np.array([3, 5, 0, 5], np.int32), np.array([1, 0, -1, 0], np.int32)),
    # hierarchical-softmax style: labels 1 - code along a path
    (np.array([0, 6], np.int32), np.array([4, 2, 1], np.int32), np.array([1, 0, 1], np.int32)),
]


@pytest.mark.parametrize("with_loss", [True, False])
def test_saturated_pairs_are_skipped_as_the_reference_says(with_loss):
    """Rows scaled so some scores saturate (|error| < MIN_ERROR) and others do not."""
    w_in, w_out = _mats(seed=9)
    w_in *= 6
    ctx, targets = np.array([0, 1, 2], np.int32), np.array([3, 4, 5, 6], np.int32)
    labels = np.array([1, 0, 0, 1], np.int32)
    s = _sigmoid(w_in[ctx].astype(np.float64) @ w_out[targets].T.astype(np.float64))
    assert (np.abs(labels - s) < kwin.MIN_ERROR).any() and (np.abs(labels - s) > 0.1).any()
    exp_in, exp_out, _ = ref_sg_window(w_in, w_out, ctx, targets, labels, 0.1)
    bufs = [np.empty((3, 6), np.float32), np.empty((4, 6), np.float32), np.empty((3, 4), np.float32), np.empty(6, np.float32)]
    kwin.sg_window(w_in, w_out, ctx, 3, targets, labels, 4, 0.1, *bufs, with_loss, *_none_apart())
    np.testing.assert_allclose(w_in, exp_in, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w_out, exp_out, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("with_loss", [True, False])
@pytest.mark.parametrize("ctx,targets,labels", CASES)
def test_sg_window_matches_reference(ctx, targets, labels, with_loss):
    """The same updates whether the loss is computed (table sigmoid and log-sigmoid) or not
    (the branch-free table sigmoid)."""
    w_in, w_out = _mats()
    exp_in, exp_out, exp_loss = ref_sg_window(w_in, w_out, ctx, targets, labels, 0.1)
    m, t = len(ctx), len(targets)
    bufs = [np.empty((m, 6), np.float32), np.empty((t, 6), np.float32), np.empty((m, t), np.float32), np.empty(6, np.float32)]
    loss = kwin.sg_window(w_in, w_out, ctx, m, targets, labels, t, 0.1, *bufs, with_loss, *_none_apart())
    np.testing.assert_allclose(w_in, exp_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w_out, exp_out, rtol=1e-5, atol=1e-6)
    assert loss == (pytest.approx(exp_loss, rel=1e-5) if with_loss else 0.0)


def _none_apart(dim=6):
    return np.empty((0, dim), np.float32), np.empty(0, np.int32)


@pytest.mark.parametrize("ctx,targets,labels", CASES)
def test_sg_window_reads_and_writes_the_rows_held_apart(ctx, targets, labels):
    """Output rows held in a thread's own copy (``own[slot[r]]`` for ``W_out[r]``) are scored
    and updated there, as the reference updates the shared rows; the shared copies of those
    rows are left alone and every other row is trained in place."""
    w_in, w_out = _mats(seed=4)
    exp_in, exp_out, _ = ref_sg_window(w_in, w_out, ctx, targets, labels, 0.1)
    held = np.array([targets[0], 6], np.int32)  # a row of the window and one it does not touch
    slot = np.full(w_out.shape[0], -1, np.int32)
    slot[held] = [0, 1]
    own = w_out[held].copy()
    before = w_out.copy()
    w_out[held] = 0.0  # the shared copies: not read, not written
    m, t = len(ctx), len(targets)
    bufs = [np.empty((m, 6), np.float32), np.empty((t, 6), np.float32), np.empty((m, t), np.float32), np.empty(6, np.float32)]
    kwin.sg_window(w_in, w_out, ctx, m, targets, labels, t, 0.1, *bufs, False, own, slot)
    np.testing.assert_allclose(w_in, exp_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(own, exp_out[held], rtol=1e-5, atol=1e-6)
    assert not w_out[held].any()
    rest = np.setdiff1d(np.arange(w_out.shape[0]), held)
    np.testing.assert_allclose(w_out[rest], exp_out[rest], rtol=1e-5, atol=1e-6)
    assert not np.array_equal(exp_out[held[0]], before[held[0]])  # the held row did move


@pytest.mark.parametrize("with_loss", [True, False])
@pytest.mark.parametrize("ctx,targets,labels", CASES)
def test_cbow_window_matches_reference(ctx, targets, labels, with_loss):
    w_in, w_out = _mats(seed=1)
    exp_in, exp_out, exp_loss = ref_cbow_window(w_in, w_out, ctx, targets, labels, 0.05)
    loss = kwin.cbow_window(w_in, w_out, ctx, len(ctx), targets, labels, len(targets), 0.05,
                          np.empty(6, np.float32), np.empty(6, np.float32), with_loss)
    np.testing.assert_allclose(w_in, exp_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w_out, exp_out, rtol=1e-5, atol=1e-6)
    assert loss == (pytest.approx(exp_loss, rel=1e-5) if with_loss else 0.0)


@pytest.mark.parametrize("cbow", [False, True])
def test_softmax_window_matches_reference(cbow):
    w_in, w_out = _mats(seed=2)
    ctx = np.array([1, 3, 3], np.int32)
    exp_in, exp_out, exp_loss = ref_softmax_window(w_in, w_out, ctx, 5, 0.2, cbow)
    loss = kwin.softmax_window(w_in, w_out, ctx, 3, 5, 0.2, cbow, np.empty(6, np.float32),
                             np.empty(6, np.float32), np.empty(7, np.float32))
    np.testing.assert_allclose(w_in, exp_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w_out, exp_out, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(exp_loss, rel=1e-5)


def test_sigmoid_and_loss_table_accuracy():
    for f in np.linspace(-30, 30, 2001):
        s, l1 = kwin.sigmoid_and_loss(np.float32(f), 1)
        _, l0 = kwin.sigmoid_and_loss(np.float32(f), 0)
        f64 = float(np.float32(f))
        assert s == pytest.approx(1 / (1 + math.exp(-f64)), abs=2e-6)
        assert l1 == pytest.approx(math.log1p(math.exp(-f64)) if f64 > -30 else -f64, rel=1e-4, abs=2e-6)
        assert l0 == pytest.approx(math.log1p(math.exp(f64)) if f64 < 30 else f64, rel=1e-4, abs=2e-6)


def _elementwise(fn):
    """A compiled loop applying the compiled scalar function ``fn`` to each of an array's values
    (as the kernels call it: inlined, float32 in)."""
    @numba.njit
    def many(xs):
        out = np.empty(xs.shape[0])
        for i in range(xs.shape[0]):
            out[i] = fn(xs[i])
        return out

    return many


def test_rational_sigmoid_matches_the_exact_value():
    """The rational fit the window updates use when no loss is computed: within 2e-7 of the
    exact sigmoid over its range (float32 arithmetic), clamped beyond it to within 3.4e-4 of
    0 or 1, and exactly symmetric: sigmoid(-x) = 1 - sigmoid(x)."""
    many = _elementwise(kwin.sigmoid_rational)
    inside = np.linspace(-8, 8, 40001).astype(np.float32)
    got = many(inside)
    assert np.abs(got - _sigmoid(inside.astype(np.float64))).max() < 2e-7
    np.testing.assert_allclose(got + many(-inside), 1.0, atol=1e-7)
    outside = np.array([-1e30, -50, -8.5, 8.5, 80, 1e30], np.float32)
    exact = 0.5 * (1 + np.tanh(outside.astype(np.float64) / 2))
    assert np.abs(many(outside) - exact).max() < 3.4e-4
    assert np.isfinite(many(np.array([np.inf, -np.inf], np.float32))).all()


def test_branch_free_sigmoid_matches_the_exact_value():
    """Inside the table's range as accurate as the table; outside it clamped, within 5e-5 of
    0 or 1, where every pair's error is below MIN_ERROR and is skipped anyway."""
    many = _elementwise(kwin.sigmoid)
    inside = np.linspace(-9.999, 9.999, 20001).astype(np.float32)
    assert np.abs(many(inside) - _sigmoid(inside.astype(np.float64))).max() < 2e-6
    outside = np.array([-1e30, -50, -10.0, 10.0, 10.5, 80, 1e30], np.float32)
    got = many(outside)
    exact = 0.5 * (1 + np.tanh(outside.astype(np.float64) / 2))  # no overflow at +-1e30
    assert np.abs(got - exact).max() < 5e-5
    assert np.all(np.abs((outside > 0) - got) < kwin.MIN_ERROR)


def test_noise_sampler_follows_unigram_power():
    counts = np.array([500, 200, 100, 50, 20, 5, 1])
    p = noise_distribution(counts, 0.75)
    thr, alias = alias_table(p)
    draws = sampling.draw_many(thr, alias, 7, 400_000)
    freq = np.bincount(draws, minlength=len(p)) / len(draws)
    # 5 standard errors of a binomial proportion
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / len(draws)))


def test_subsampling_follows_word2vec_formula():
    counts = np.array([60_000, 30_000, 8_000, 2_000])
    tokens = np.repeat(np.arange(4, dtype=np.int32), counts)
    keep = keep_probabilities(counts, 1e-2)
    thr = np.minimum(np.round(keep * 2.0**32), 2.0**32).astype(np.uint64)
    kept = sampling.subsample_many(tokens, thr, 3)
    rate = np.bincount(kept, minlength=4) / counts
    assert np.all(np.abs(rate - keep) < 5 * np.sqrt(keep * (1 - keep) / counts) + 1e-9)
    assert rate[0] < 0.7 and rate[3] == 1.0


def test_dynamic_window_is_uniform():
    sizes = sampling.window_sizes(5, 11, 100_000)
    assert sizes.min() == 1 and sizes.max() == 5
    freq = np.bincount(sizes, minlength=6)[1:] / len(sizes)
    assert np.all(np.abs(freq - 0.2) < 0.01)


def _tiny_encoded():
    rng = np.random.default_rng(5)
    tokens = rng.integers(0, 12, size=400).astype(np.int32)
    offsets = np.array([0, 30, 31, 100, 250, 400], dtype=np.int64)
    blocks = np.array([0, 2, 5], dtype=np.int64)
    counts = np.bincount(tokens, minlength=12)
    order = np.argsort(-counts, kind="stable")
    remap = np.empty(12, np.int32)
    remap[order] = np.arange(12)
    return remap[tokens], offsets, blocks, counts[order]


@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
@pytest.mark.parametrize("cbow", [False, True])
def test_compiled_epoch_equals_plain_python(loss, cbow):
    """The undecorated epoch function run as Python (with the same compiled window updates)
    gives the same matrices as the compiled kernel: the driver compiles to what it says."""
    tokens, offsets, blocks, counts = _tiny_encoded()
    keep = np.minimum(np.round(keep_probabilities(counts, 0.05) * 2.0**32), 2.0**32).astype(np.uint64)
    params = np.array([0.05, 0.001, 0, 400, 3, 4, 9, 0, 1000, 0], dtype=np.float64)
    results = []
    for fn in (kw.PLAIN[loss], kw.select(loss, parallel=False)):
        w_in, w_out = _mats(v=12, dim=8, seed=4)
        if loss == "hs":
            w_out = w_out[:11].copy()
        lo, co = np.zeros(2), np.zeros(2, np.int64)
        args = (w_in, w_out, tokens, offsets, blocks, keep)
        if loss == "ns":
            fn(*args, alias_table(noise_distribution(counts)), params, lo, co, cbow)
        elif loss == "hs":
            fn(*args, _hs_tables(counts), params, lo, co, cbow)
        else:
            fn(*args, (), params, lo, co, cbow)
        results.append((w_in, w_out, lo, co))
    (a_in, a_out, a_lo, a_co), (b_in, b_out, b_lo, b_co) = results
    assert a_co.tolist() == b_co.tolist() and a_co.sum() > 0
    np.testing.assert_allclose(a_in, b_in, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a_lo, b_lo, rtol=1e-4)


def _hs_tables(counts, top=(), exchange=1024):
    """The hierarchical-softmax kernels' tables: the Huffman tree, the nodes a block trains a
    copy of (``EpochPlan.top_of_tree``; none by default) and the windows between exchanges."""
    return (*huffman_tree(counts), np.asarray(top, dtype=np.int32), np.array([exchange], dtype=np.int64))


@pytest.mark.parametrize("exchange", [10**9, 7])
@pytest.mark.parametrize("cbow", [False, True])
def test_top_of_tree_copies_are_added_back_when_a_block_ends(cbow, exchange):
    """A block that trains its own copy of tree nodes adds its changes to the shared rows every
    ``exchange`` windows and when it ends: on one thread (blocks in turn, each starting from the
    rows the last one left), holding every node apart, some or none trains the same rows up to
    float32 rounding, whether the block exchanges only at its end or every few windows (a change
    added twice, or lost at an exchange, would show); with the copies never added back, the held
    rows would not move."""
    tokens, offsets, blocks, counts = _tiny_encoded()
    keep = np.minimum(np.round(keep_probabilities(counts, 0.05) * 2.0**32), 2.0**32).astype(np.uint64)
    params = np.array([0.05, 0.001, 0, 400, 3, 4, 9, 0, 1000, 0], dtype=np.float64)
    start_out = _mats(v=12, dim=8, seed=4)[1][:11]
    results = []
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        for top in ([], [10, 3], list(range(11))):
            w_in, w_out = _mats(v=12, dim=8, seed=4)
            w_out = w_out[:11].copy()
            kw.select("hs", parallel=True)(w_in, w_out, tokens, offsets, blocks, keep,
                                           _hs_tables(counts, top, exchange),
                                           params, np.zeros(2), np.zeros(2, np.int64), cbow)
            results.append((w_in, w_out))
    finally:
        numba.set_num_threads(threads)
    for w_in, w_out in results[1:]:
        np.testing.assert_allclose(w_in, results[0][0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(w_out, results[0][1], rtol=1e-5, atol=1e-6)
    assert not np.allclose(results[2][1][10], start_out[10])  # the root moved


def _run_epoch(kernel, loss, cbow, dim, seed=4):
    tokens, offsets, blocks, counts = _tiny_encoded()
    keep = np.minimum(np.round(keep_probabilities(counts, 0.05) * 2.0**32), 2.0**32).astype(np.uint64)
    params = np.array([0.05, 0.001, 0, 400, 3, 4, 9, 0, 1000, 0], dtype=np.float64)
    w_in, w_out = _mats(v=12, dim=dim, seed=seed)
    if loss == "hs":
        w_out = w_out[:11].copy()
    tables = alias_table(noise_distribution(counts)) if loss == "ns" else _hs_tables(counts)
    lo, co = np.zeros(2), np.zeros(2, np.int64)
    kernel(w_in, w_out, tokens, offsets, blocks, keep, tuple(tables), params, lo, co, cbow)
    return w_in, w_out, lo, co


@pytest.mark.parametrize("loss", ["ns", "hs"])
@pytest.mark.parametrize("cbow", [False, True])
def test_width_specialised_kernel_equals_generic(loss, cbow):
    """The copy compiled with the vector width as a constant computes what the generic kernel
    computes (up to float32 summation order); it is the one training at the usual widths."""
    dim = 50
    assert dim in kw.SPECIALISED_DIMS
    special = kw.select(loss, parallel=False, dim=dim)
    generic = kw.EPOCH_KERNELS[loss][0]
    assert special is not generic and kw.select(loss, parallel=False, dim=51) is generic
    a_in, a_out, a_lo, a_co = _run_epoch(special, loss, cbow, dim)
    b_in, b_out, b_lo, b_co = _run_epoch(generic, loss, cbow, dim)
    assert a_co.tolist() == b_co.tolist() and a_co.sum() > 0
    assert not np.array_equal(a_in, _mats(v=12, dim=dim, seed=4)[0])  # it trained
    np.testing.assert_allclose(a_in, b_in, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a_lo, b_lo, rtol=1e-4)


def test_width_specialised_kernel_refuses_other_widths():
    with pytest.raises(ValueError, match="vector width"):
        _run_epoch(kw.select("ns", parallel=False, dim=50), "ns", False, dim=8)


def test_prefetch_changes_nothing_and_reaches_every_row():
    """A prefetch is a hint: rows at both ends of a matrix, of widths that end mid cache line,
    are prefetched without error and without a change to any value."""
    from numba import njit

    from wordspace._kernels.memory import prefetch_row

    @njit
    def touch(m):
        for r in range(m.shape[0]):
            prefetch_row(m, r)
        return m.sum()

    for dim in (1, 15, 17, 100):
        m = np.arange(7 * dim, dtype=np.float32).reshape(7, dim)
        before = m.copy()
        assert touch(m) == before.sum()
        assert np.array_equal(m, before)


@pytest.mark.parametrize("loss", ["ns", "hs"])
def test_online_loss_is_sampled_while_training_and_whole_at_zero_rate(loss):
    """CBOW makes one prediction per window: at a zero learning rate (the per-epoch loss on a
    fixed sample) every window is counted; while training one window in LOSS_EVERY, per block."""
    _, _, _, eval_co = _run_epoch_with_alpha(loss, 0.0)
    _, _, _, train_co = _run_epoch_with_alpha(loss, 0.05)
    assert eval_co.min() > kep.LOSS_EVERY
    assert train_co.tolist() == [-(-c // kep.LOSS_EVERY) for c in eval_co.tolist()]


def _run_epoch_with_alpha(loss, alpha):
    tokens, offsets, blocks, counts = _tiny_encoded()
    keep = np.full(12, 2**32, dtype=np.uint64)
    params = np.array([alpha, alpha * 0.01, 0, 400, 3, 4, 9, 0, 1000, 0], dtype=np.float64)
    w_in, w_out = _mats(v=12, dim=8, seed=4)
    if loss == "hs":
        w_out = w_out[:11].copy()
    tables = alias_table(noise_distribution(counts)) if loss == "ns" else _hs_tables(counts)
    lo, co = np.zeros(2), np.zeros(2, np.int64)
    kw.select(loss, parallel=False)(w_in, w_out, tokens, offsets, blocks, keep, tuple(tables), params, lo, co, True)
    return w_in, w_out, lo, co


def test_aligned_rows_start_on_cache_lines_and_stack_buffers_need_a_constant_size():
    from numba import carray, njit
    from numba.core.errors import TypingError

    from wordspace._kernels.memory import LINE, aligned_rows, stack_floats

    for cols in (1, 16, 17, 100, 300):
        a = aligned_rows(5, cols)
        assert a.shape[0] == 5 and a.shape[1] >= cols and a.flags.c_contiguous
        assert all(a[r].ctypes.data % LINE == 0 for r in range(5))

    @njit
    def summed(x):
        acc = carray(stack_floats(8), (8,))
        for i in range(8):
            acc[i] = x[i] * 2
        return acc.sum()

    assert summed(np.arange(8, dtype=np.float32)) == 56.0

    @njit
    def runtime_size(n):
        return carray(stack_floats(n), (n,)).shape[0]

    with pytest.raises(TypingError):
        runtime_size(8)

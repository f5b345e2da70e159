"""GloVe epoch kernel: weighted least squares on log co-occurrences with AdaGrad (Hogwild).

For each non-zero entry :math:`X_{ij}` of the co-occurrence matrix,

.. math:: J = \\tfrac12 f(X_{ij}) (w_i \\cdot c_j + b_i + \\tilde b_j - \\log X_{ij})^2,
   \\quad f(x) = \\min(1, (x / x_{max})^{power})

and every parameter takes an AdaGrad step. As in the GloVe C tool, the learning rate
multiplies the gradient before it is squared into the AdaGrad accumulators (which start at 1)
and each gradient component is clipped to ``[-CLIP, CLIP]``. The entries are visited in chunks
whose order is a permutation drawn per epoch; ``prange`` runs chunks on several threads
without locks (bit-identical runs need one thread). The kernel reads :math:`\\log X_{ij}`,
computed once before the first epoch, and the weight as
:math:`\\exp(power (\\log X_{ij} - \\log x_{max}))` below ``x_max``: one ``exp`` per entry
instead of a ``log`` and a ``pow`` (a third faster per epoch).
"""

import math

import numpy as np
from numba import njit, prange

from .memory import prefetch_row
from .rng import below, block_seed
from .compile import twin

CLIP = 100.0
CLIP32 = np.float32(CLIP)
#: Entries ahead whose rows are prefetched.
AHEAD = 4
P_ALPHA, P_LOG_XMAX, P_POWER = range(3)


def _glove_epoch(W, C, bw, bc, gW, gC, gbw, gbc, rows, cols, log_vals, order, chunk, params, loss_out):
    """One pass over the entries in chunks ``order[0], order[1], ...`` of ``chunk`` entries.

    Shapes: ``W``, ``C``, ``gW``, ``gC`` (n_words, dim) float32; biases and their accumulators
    (n_words,) float32; ``rows``/``cols`` int32 and ``log_vals`` float32 (nnz,), the logarithms
    of the co-occurrence values; ``params`` holds ``(eta, log(x_max), power)``; ``loss_out``
    (len(order),) float64 receives each chunk's summed cost.

    The four rows of the entry ``AHEAD`` places on are prefetched while this one is computed
    (the entries are shuffled, so each row is a trip to memory that the loop would otherwise wait
    for), and the arithmetic stays in float32 (a float64 constant in the clipping turned every
    update into float64 square roots and divisions).
    """
    dim = W.shape[1]
    nnz = log_vals.shape[0]
    eta = np.float32(params[P_ALPHA])
    log_x_max = np.float32(params[P_LOG_XMAX])
    power = np.float32(params[P_POWER])
    for t in prange(order.shape[0]):
        c = order[t]
        g1 = np.empty(dim, dtype=np.float32)
        g2 = np.empty(dim, dtype=np.float32)
        loss = 0.0
        end = min(nnz, (c + 1) * chunk)
        for e in range(c * chunk, end):
            if e + AHEAD < end:
                ahead_i = rows[e + AHEAD]
                ahead_j = cols[e + AHEAD]
                prefetch_row(W, ahead_i)
                prefetch_row(C, ahead_j)
                prefetch_row(gW, ahead_i)
                prefetch_row(gC, ahead_j)
            i = rows[e]
            j = cols[e]
            lx = log_vals[e]
            wi = W[i]
            cj = C[j]
            dot = np.float32(0.0)
            for d in range(dim):
                dot += wi[d] * cj[d]
            diff = dot + bw[i] + bc[j] - lx
            fdiff = diff if lx >= log_x_max else np.float32(math.exp(power * (lx - log_x_max))) * diff
            if not math.isfinite(fdiff):
                continue
            loss += 0.5 * fdiff * diff
            step = eta * fdiff
            gwi = gW[i]
            gcj = gC[j]
            for d in range(dim):
                a = min(max(step * cj[d], -CLIP32), CLIP32)  # gradient for w_i
                b = min(max(step * wi[d], -CLIP32), CLIP32)  # gradient for c_j
                g1[d] = a / np.sqrt(gwi[d])
                g2[d] = b / np.sqrt(gcj[d])
                gwi[d] += a * a
                gcj[d] += b * b
            for d in range(dim):
                wi[d] -= g1[d]
                cj[d] -= g2[d]
            bw[i] -= step / np.sqrt(gbw[i])
            bc[j] -= step / np.sqrt(gbc[j])
            gbw[i] += step * step
            gbc[j] += step * step
        loss_out[t] = loss


glove_epoch = njit(twin(_glove_epoch, "_serial"), cache=True, fastmath=True)
glove_epoch_parallel = njit(twin(_glove_epoch, "_parallel"), cache=True, fastmath=True, parallel=True)


def select(kind: str, parallel: bool, dim: int | None = None):
    """The compiled GloVe epoch kernel (``kind`` "adagrad", the only one), threaded or not; the
    signature of every kernel module's ``select`` (no width copies here)."""
    if kind != "adagrad":
        raise ValueError(f"no GloVe kernel of kind {kind!r}")
    return glove_epoch_parallel if parallel else glove_epoch


@njit(cache=True)
def shuffle_entries(rows, cols, vals, seed):
    """Fisher-Yates shuffle of the three arrays together, in place (no permutation array)."""
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = block_seed(seed, 0, 0)
    n = vals.shape[0]
    for i in range(n - 1, 0, -1):
        # two 32-bit draws cover indices beyond 2**32
        j = below(rng, i + 1) if i < 2**32 - 1 else (below(rng, 1 << 31) << 31 | below(rng, 1 << 31)) % (i + 1)
        rows[i], rows[j] = rows[j], rows[i]
        cols[i], cols[j] = cols[j], cols[i]
        vals[i], vals[j] = vals[j], vals[i]


@njit(cache=True)
def chunk_order(n_chunks, seed, epoch):
    """A permutation of ``range(n_chunks)`` drawn from ``(seed, epoch)``."""
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = block_seed(seed, epoch + 1, 0)
    out = np.arange(n_chunks)
    for i in range(n_chunks - 1, 0, -1):
        j = below(rng, i + 1)
        out[i], out[j] = out[j], out[i]
    return out

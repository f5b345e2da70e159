"""Memory helpers for the training kernels (two in LLVM IR, where Numba has no word for them).

- ``prefetch_row``: ask the processor for a matrix row before the kernel needs it. The kernels
  read rows of two large matrices in an order set by the text (a context word entering the
  window, the next centre word, freshly drawn noise words); out of cache, each such row costs a
  trip to memory that the loop waits for. Named a window ahead, the row arrives while the
  current window is computed (CBOW, one thread, 10M-word slice: 2.3-2.8 -> 1.5-1.7 s per
  epoch). A prefetch is a hint: it never faults, changes no value and is dropped by the
  processor when its queues are full, so a kernel computes the same numbers with or without it.
- ``aligned_rows``: buffers whose rows start on cache lines.
- ``stack_floats``: a small buffer in the stack frame, which LLVM can keep in registers.

docs/design.md ("Kernels: ...") has the measurements.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_I32 = ir.IntType(32)
_I8P = ir.IntType(8).as_pointer()


@intrinsic
def _prefetch(typingctx, matrix, row, col):
    """LLVM's ``prefetch`` of the address of ``matrix[row, col]`` (read, keep in all cache levels)."""
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2):
        return None
    sig = types.void(matrix, row, col)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], signature.args[1:])]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)
        fnty = ir.FunctionType(ir.VoidType(), [_I8P, _I32, _I32, _I32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # (address, 0 = read, 3 = high locality, 1 = data cache)
        builder.call(fn, [builder.bitcast(ptr, _I8P), ir.Constant(_I32, 0), ir.Constant(_I32, 3), ir.Constant(_I32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, inline="always")
def prefetch_row(matrix, row):
    """Prefetch every cache line of ``matrix[row]`` (C-contiguous float32 rows; one line holds
    16 of them, and a row need not start on a line, hence the last element too)."""
    n = matrix.shape[1]
    for col in range(0, n, 16):
        _prefetch(matrix, row, col)
    _prefetch(matrix, row, n - 1)


#: Bytes in a cache line, and float32 values in one.
LINE = 64
_PER_LINE = LINE // 4


@njit(cache=True)
def aligned_rows(n_rows, n_cols):
    """An uninitialised C-contiguous float32 array of ``n_rows`` rows of at least ``n_cols``
    values (``n_cols`` rounded up to whole cache lines) whose rows start on cache lines; callers
    use the first ``n_cols`` columns.

    Numba allocates arrays on 32-byte boundaries and a 100-float row is 400 bytes, so most rows
    of a plain buffer begin inside a line and every 64-byte vector load or store of them spans
    two lines; a store then cannot be forwarded to the next load of the same place. A skip-gram
    window that added into its staged rows once per pair measured 21 -> 17 ns per pair with
    line-aligned rows (docs/design.md); the staged rows are now only read, one line each."""
    stride = (n_cols + _PER_LINE - 1) // _PER_LINE * _PER_LINE
    raw = np.empty(n_rows * stride + _PER_LINE, dtype=np.float32)
    shift = ((LINE - raw.ctypes.data % LINE) % LINE) // 4
    return raw[shift : shift + n_rows * stride].reshape((n_rows, stride))


@intrinsic
def stack_floats(typingctx, n):
    """A pointer to ``n`` float32 values in the calling function's stack frame (``n`` a
    compile-time constant); wrap it with ``numba.carray``.

    An accumulator here cannot share memory with any array, which LLVM can prove for a stack
    slot and for nothing Numba allocates; so a loop that adds rows of other arrays into it keeps
    it in vector registers instead of storing and reloading it once per row. The skip-gram
    window's two update passes measured 4.3 -> 1.1 ns per pair each with it. The memory lives
    until the function returns: never return or keep the array."""
    if not isinstance(n, types.IntegerLiteral) or n.literal_value < 1:
        return None
    size = n.literal_value
    sig = types.CPointer(types.float32)(n)

    def codegen(context, builder, signature, args):
        slot = cgutils.alloca_once(builder, ir.ArrayType(ir.FloatType(), size))
        return builder.bitcast(slot, ir.FloatType().as_pointer())

    return sig, codegen

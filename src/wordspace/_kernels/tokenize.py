"""Byte-level tokenisation and counting: whitespace split, FNV-1a hashing, open addressing.

Tokens are maximal runs of bytes other than ASCII whitespace (space, \\t, \\n, \\r, \\v, \\f),
as in word2vec.c and fastText. Words are kept as bytes in an arena and decoded to ``str``
only when they make it into the vocabulary (``wordspace.corpus`` does that).
"""

import numpy as np
from numba import njit

FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)

# indices into the int64 ``state`` array shared by the kernels below (CUT: the current line has
# already been cut at max_len, so the sentence being read continues it)
N_IDS, ARENA_USED, CUR_LEN, POS, N_OUT, N_SENT, CUT = 0, 1, 2, 3, 4, 5, 6
N_STATE = 7

DONE, GROW_IDS, GROW_ARENA = 0, 1, 2


@njit(cache=True, inline="always")
def _is_space(c):
    return c == 32 or c == 10 or c == 9 or c == 13 or c == 11 or c == 12


@njit(cache=True)
def _lookup(buf, s, e, h, table, hashes, starts, lens, arena):
    """Return ``(slot, id)`` for bytes ``buf[s:e]``; id is -1 when absent (slot is free)."""
    mask = table.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    n = e - s
    while True:
        wid = table[slot]
        if wid < 0:
            return slot, -1
        if hashes[wid] == h and lens[wid] == n:
            a = starts[wid]
            same = True
            for k in range(n):
                if arena[a + k] != buf[s + k]:
                    same = False
                    break
            if same:
                return slot, wid
        slot = (slot + 1) & mask


@njit(cache=True, nogil=True)
def encode_block(buf, table, hashes, starts, lens, counts, arena, state, out_ids, sent_lens, sent_cont, max_len,
                 keep_empty):
    """Tokenise ``buf[state[POS]:]``, assigning ids to new words and counting every token.

    Writes token ids to ``out_ids[state[N_OUT]:]`` and finished sentence lengths to
    ``sent_lens[state[N_SENT]:]`` (a newline ends a sentence; so does reaching ``max_len``
    tokens), with ``sent_cont`` 1 for a sentence that continues a line cut at ``max_len``. An
    empty line is a sentence of length 0 when ``keep_empty`` (so that sentences and lines
    correspond: documents), and no sentence otherwise. Returns ``DONE``, or ``GROW_IDS`` /
    ``GROW_ARENA`` with ``state[POS]`` at the start of the token that did not fit: the caller
    grows the arrays and calls again.
    Shapes: ``table`` (capacity,) int32 with -1 for free slots, power-of-two sized and kept at
    most half full; ``hashes``/``starts``/``lens``/``counts`` indexed by word id.
    """
    n = buf.shape[0]
    i = state[POS]
    n_ids = state[N_IDS]
    used = state[ARENA_USED]
    cur = state[CUR_LEN]
    n_out = state[N_OUT]
    n_sent = state[N_SENT]
    cut = state[CUT]
    id_cap = hashes.shape[0]
    table_cap = table.shape[0]
    status = DONE
    while i < n:
        c = buf[i]
        if _is_space(c):
            if c == 10:
                if cur > 0 or (keep_empty and cut == 0):
                    sent_lens[n_sent] = cur
                    sent_cont[n_sent] = cut
                    n_sent += 1
                cur = 0
                cut = 0
            i += 1
            continue
        s = i
        h = FNV_OFFSET
        while i < n and not _is_space(buf[i]):
            h = (h ^ np.uint64(buf[i])) * FNV_PRIME
            i += 1
        slot, wid = _lookup(buf, s, i, h, table, hashes, starts, lens, arena)
        if wid < 0:
            if n_ids >= id_cap or 2 * (n_ids + 1) > table_cap:
                status = GROW_IDS
                i = s
                break
            if used + (i - s) > arena.shape[0]:
                status = GROW_ARENA
                i = s
                break
            wid = n_ids
            n_ids += 1
            table[slot] = wid
            hashes[wid] = h
            starts[wid] = used
            lens[wid] = i - s
            for k in range(i - s):
                arena[used + k] = buf[s + k]
            used += i - s
        counts[wid] += 1
        out_ids[n_out] = wid
        n_out += 1
        cur += 1
        if cur == max_len:
            sent_lens[n_sent] = cur
            sent_cont[n_sent] = cut
            n_sent += 1
            cur = 0
            cut = 1
    state[POS] = i
    state[N_IDS] = n_ids
    state[ARENA_USED] = used
    state[CUR_LEN] = cur
    state[N_OUT] = n_out
    state[N_SENT] = n_sent
    state[CUT] = cut
    return status


@njit(cache=True, nogil=True)
def merge_words(table, hashes, starts, lens, counts, arena, state,
                b_hashes, b_starts, b_lens, b_counts, b_arena, n_b, remap):
    """Add the words of a second table (ids ``0..n_b-1``, in the order they were first seen) to
    this one, as if its text had been read after this one's: ``remap[j]`` gets word ``j``'s id
    here (new words get the next ids, in order) and its count is added. The caller has made
    room for ``n_b`` more ids and ``b_arena``'s bytes."""
    n_ids = state[N_IDS]
    used = state[ARENA_USED]
    for j in range(n_b):
        s = b_starts[j]
        e = s + b_lens[j]
        slot, wid = _lookup(b_arena, s, e, b_hashes[j], table, hashes, starts, lens, arena)
        if wid < 0:
            wid = n_ids
            n_ids += 1
            table[slot] = wid
            hashes[wid] = b_hashes[j]
            starts[wid] = used
            lens[wid] = e - s
            for k in range(e - s):
                arena[used + k] = b_arena[s + k]
            used += e - s
        remap[j] = wid
        counts[wid] += b_counts[j]
    state[N_IDS] = n_ids
    state[ARENA_USED] = used


@njit(cache=True, nogil=True)
def remap_ids(tokens, remap):
    """``tokens[i] = remap[tokens[i]]`` for ids of a second table (all non-negative)."""
    for i in range(tokens.shape[0]):
        tokens[i] = remap[tokens[i]]


@njit(cache=True)
def rebuild_table(table, hashes, n_ids):
    """Re-insert ids ``0..n_ids-1`` into an empty (all -1) ``table`` by their hashes."""
    mask = table.shape[0] - 1
    for wid in range(n_ids):
        slot = np.int64(hashes[wid] & np.uint64(mask))
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = wid


@njit(cache=True)
def remap_inplace(tokens, remap):
    """``tokens[i] = remap[tokens[i]]`` keeping negative ids negative (used after a prune)."""
    for i in range(tokens.shape[0]):
        t = tokens[i]
        if t >= 0:
            tokens[i] = remap[t]

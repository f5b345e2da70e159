"""Byte-pair merges learned in one compiled loop.

The distinct pre-tokens ("words") are symbol sequences stored back to back (``symbols``,
``starts``, ``lengths``) with a count each. Three structures are kept up to date merge by merge:

- the count of every adjacent pair, in an open-addressing table keyed by ``a * base + b``;
- for each pair, the words that may contain it: a linked list of nodes appended when a word
  gains the pair (the list may name a word twice, or a word that lost the pair since; such
  entries are skipped when the word is scanned);
- a max-heap of ``(count, key)`` entries; an entry whose count is no longer the pair's count is
  stale and skipped when popped. Ties go to the smaller key, that is the smaller ``(a, b)``.

A merge of ``(a, b)`` into ``new`` rewrites the words on the pair's list. Only pairs that touch
a merged position change: those leave (their counts go down) and the pairs that hold ``new``
arrive (up, and the word is listed under them); the other pairs of the word are the same
before and after, so they are not touched. A pair whose count moved gets a fresh heap entry.
"""

import numpy as np
from numba import njit

from .w2vbin import _fnv, same_bytes  # FNV-1a of buf[i:j]; byte equality

MULT = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def _slot(tkeys, key, mask):
    """The slot of ``key`` in the table, or the empty slot where it would go."""
    s = np.int64((np.uint64(key) * MULT) >> np.uint64(20)) & mask
    while tkeys[s] != -1 and tkeys[s] != key:
        s = (s + 1) & mask
    return s


@njit(cache=True)
def _grow_table(tkeys, tcount, thead, n_used):
    size = tkeys.shape[0] * 2
    nk = np.full(size, -1, dtype=np.int64)
    nc = np.zeros(size, dtype=np.int64)
    nh = np.full(size, -1, dtype=np.int64)
    mask = size - 1
    for s in range(tkeys.shape[0]):
        if tkeys[s] != -1:
            t = _slot(nk, tkeys[s], mask)
            nk[t] = tkeys[s]
            nc[t] = tcount[s]
            nh[t] = thead[s]
    return nk, nc, nh


@njit(cache=True, inline="always")
def _before(c1, k1, c2, k2):
    """Whether heap entry (c1, k1) comes out before (c2, k2): higher count, then smaller key."""
    return c1 > c2 or (c1 == c2 and k1 < k2)


@njit(cache=True)
def _heap_push(hc, hk, n, c, k):
    if n == hc.shape[0]:
        nc = np.empty(2 * n, dtype=np.int64)
        nk = np.empty(2 * n, dtype=np.int64)
        nc[:n] = hc
        nk[:n] = hk
        hc, hk = nc, nk
    i = n
    while i > 0:
        parent = (i - 1) // 2
        if not _before(c, k, hc[parent], hk[parent]):
            break
        hc[i] = hc[parent]
        hk[i] = hk[parent]
        i = parent
    hc[i] = c
    hk[i] = k
    return hc, hk, n + 1


@njit(cache=True)
def _heap_pop(hc, hk, n):
    """Remove the top of the heap (the caller read it); returns the new size."""
    n -= 1
    c, k = hc[n], hk[n]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and _before(hc[child + 1], hk[child + 1], hc[child], hk[child]):
            child += 1
        if not _before(hc[child], hk[child], c, k):
            break
        hc[i] = hc[child]
        hk[i] = hk[child]
        i = child
    if n > 0:
        hc[i] = c
        hk[i] = k
    return n


@njit(cache=True, inline="always")
def _list_word(thead, t, w, node_word, node_next, n_nodes):
    """Put word ``w`` at the head of slot ``t``'s list unless it is there already (a word's
    pairs are listed one after another, so a repeat is always at the head)."""
    if thead[t] == -1 or node_word[thead[t]] != w:
        if n_nodes == node_word.shape[0]:  # grown by half: the copy is the peak of memory
            more = n_nodes // 2 + 1024
            node_word = np.concatenate((node_word, np.empty(more, dtype=np.int32)))
            node_next = np.concatenate((node_next, np.empty(more, dtype=np.int32)))
        node_word[n_nodes] = w
        node_next[n_nodes] = thead[t]
        thead[t] = n_nodes
        n_nodes += 1
    return node_word, node_next, n_nodes


@njit(cache=True, inline="always")
def _remember(t, mark, changed, before, n, tcount):
    """Note slot ``t`` and its count before this merge touched it (once per merge)."""
    if not mark[t]:
        mark[t] = True
        if n == changed.shape[0]:
            changed = np.concatenate((changed, np.empty(n, dtype=np.int64)))
            before = np.concatenate((before, np.empty(n, dtype=np.int64)))
        changed[n] = t
        before[n] = tcount[t]
        n += 1
    return n, changed, before


@njit(cache=True)
def train_merges(symbols, starts, lengths, counts, n_merges, min_frequency, base, out):
    """Learn up to ``n_merges`` merges into ``out`` (n_merges, 2); returns how many were learned.

    ``symbols[starts[w]:starts[w] + lengths[w]]`` is word ``w`` (byte ids 0-255; rewritten in
    place as merges shorten it) and ``counts[w]`` its count. New ids start at 256; ``base`` is
    larger than every id that can occur (``256 + n_merges``).
    """
    n_words = starts.shape[0]
    size = 1 << 16
    tkeys = np.full(size, -1, dtype=np.int64)
    tcount = np.zeros(size, dtype=np.int64)
    thead = np.full(size, -1, dtype=np.int64)
    n_used = 0
    # one node per adjacent pair of each word at most, and a quarter more for the pairs merges
    # make (words and nodes are numbered in int32: 2**31 nodes, 16 GB of them, before that overflows)
    first_nodes = max(0, int(lengths.sum()) - n_words)
    node_word = np.empty(first_nodes + first_nodes // 4 + 1024, dtype=np.int32)
    node_next = np.empty(first_nodes + first_nodes // 4 + 1024, dtype=np.int32)
    n_nodes = 0
    for w in range(n_words):
        s = starts[w]
        for i in range(s, s + lengths[w] - 1):
            key = np.int64(symbols[i]) * base + symbols[i + 1]
            if 2 * (n_used + 1) > tkeys.shape[0]:
                tkeys, tcount, thead = _grow_table(tkeys, tcount, thead, n_used)
            t = _slot(tkeys, key, tkeys.shape[0] - 1)
            if tkeys[t] == -1:
                tkeys[t] = key
                n_used += 1
            tcount[t] += counts[w]
            node_word, node_next, n_nodes = _list_word(thead, t, w, node_word, node_next, n_nodes)
    hc = np.empty(max(n_used, 16), dtype=np.int64)
    hk = np.empty(max(n_used, 16), dtype=np.int64)
    hn = 0
    for t in range(tkeys.shape[0]):
        if tkeys[t] != -1:
            hc, hk, hn = _heap_push(hc, hk, hn, tcount[t], tkeys[t])
    changed = np.empty(1024, dtype=np.int64)
    before = np.empty(1024, dtype=np.int64)
    taken = np.zeros(max(1, lengths.max() if n_words else 1) + 1, dtype=np.bool_)  # per word, cleared after use
    mark = np.zeros(tkeys.shape[0], dtype=np.bool_)
    learned = 0
    while learned < n_merges and hn > 0:
        c, key = hc[0], hk[0]
        hn = _heap_pop(hc, hk, hn)
        mask = tkeys.shape[0] - 1
        t = _slot(tkeys, key, mask)
        if tkeys[t] != key or tcount[t] != c:
            continue  # stale
        if c < min_frequency or c <= 0:
            break
        a = key // base
        b = key % base
        new = 256 + learned
        out[learned, 0] = a
        out[learned, 1] = b
        learned += 1
        # room for every pair the rewritten words could bring, before any slot is remembered
        bound = 0
        node = thead[t]
        while node != -1:
            bound += lengths[node_word[node]]
            node = node_next[node]
        if 2 * (n_used + bound + 1) > tkeys.shape[0]:
            while 2 * (n_used + bound + 1) > tkeys.shape[0]:
                tkeys, tcount, thead = _grow_table(tkeys, tcount, thead, n_used)
            mask = tkeys.shape[0] - 1
            t = _slot(tkeys, key, mask)
            mark = np.zeros(tkeys.shape[0], dtype=np.bool_)
        node = thead[t]
        thead[t] = -1
        n_changed = 0
        while node != -1:
            w = node_word[node]
            node = node_next[node]
            s = starts[w]
            n = lengths[w]
            found = False
            for i in range(s, s + n - 1):
                if symbols[i] == a and symbols[i + 1] == b:
                    found = True
                    break
            if not found:
                continue  # stale entry: the word lost the pair, or was rewritten already
            cw = counts[w]
            # where the pair is merged, left to right (positions of the word, both halves)
            i = 0
            while i < n - 1:
                if symbols[s + i] == a and symbols[s + i + 1] == b:
                    taken[i] = True
                    taken[i + 1] = True
                    i += 2
                else:
                    i += 1
            # the old pairs that touch a merged position leave (the others stay as they are) ...
            for i in range(n - 1):
                if taken[i] or taken[i + 1]:
                    t2 = _slot(tkeys, np.int64(symbols[s + i]) * base + symbols[s + i + 1], mask)
                    n_changed, changed, before = _remember(t2, mark, changed, before, n_changed, tcount)
                    tcount[t2] -= cw
            # ... the word is rewritten in place ...
            o = s
            i = 0
            while i < n:
                if taken[i]:  # the start of a merge (a merge's first half comes first)
                    symbols[o] = new
                    taken[i] = False
                    taken[i + 1] = False
                    i += 2
                else:
                    symbols[o] = symbols[s + i]
                    i += 1
                o += 1
            n = o - s
            lengths[w] = n
            # ... and the pairs that hold the new token arrive, each word listed under them
            for i in range(s, s + n - 1):
                x = symbols[i]
                y = symbols[i + 1]
                if x != new and y != new:
                    continue
                k2 = np.int64(x) * base + y
                t2 = _slot(tkeys, k2, mask)
                if tkeys[t2] == -1:
                    tkeys[t2] = k2
                    n_used += 1
                n_changed, changed, before = _remember(t2, mark, changed, before, n_changed, tcount)
                tcount[t2] += cw
                node_word, node_next, n_nodes = _list_word(thead, t2, w, node_word, node_next, n_nodes)
        for q in range(n_changed):  # a new heap entry for each pair whose count moved
            t2 = changed[q]
            mark[t2] = False
            if tcount[t2] > 0 and tcount[t2] != before[q]:
                hc, hk, hn = _heap_push(hc, hk, hn, tcount[t2], tkeys[t2])
    return learned



# -- GPT-2's pre-tokenization on ASCII text, and counting the pre-tokens ------------------------
# ``wordspace.bpe.PATTERN`` on ASCII text: "'s|'t|'re|'ve|'m|'ll|'d", then an optional space and a
# run of letters, of digits, or of other non-space characters (underscore included), then runs
# of whitespace (Python's \s: \t \n \v \f \r, \x1c-\x1f and space), leaving the last one of a
# run to the token after it.
LETTER, DIGIT, SPACE, OTHER = 0, 1, 2, 3


def _classes():
    out = np.full(256, OTHER, dtype=np.uint8)
    for c in range(256):
        if (65 <= c <= 90) or (97 <= c <= 122):
            out[c] = LETTER
        elif 48 <= c <= 57:
            out[c] = DIGIT
        elif c == 32 or (9 <= c <= 13) or (28 <= c <= 31):
            out[c] = SPACE
    return out


#: the class of each byte (Numba compiles a global array in as a constant: one load per byte)
CLASSES = _classes()


@njit(cache=True, inline="always")
def _cls(c):
    return CLASSES[c]


@njit(cache=True)
def token_end(buf, i, e):
    """Where the pre-token that starts at ``buf[i]`` ends (``e``: the end of the text)."""
    c = buf[i]
    if c == 39 and i + 1 < e:  # contractions come first
        d = buf[i + 1]
        if d == 115 or d == 116 or d == 109 or d == 100:  # 's 't 'm 'd
            return i + 2
        if i + 2 < e:
            d2 = buf[i + 2]
            if (d == 114 and d2 == 101) or (d == 118 and d2 == 101) or (d == 108 and d2 == 108):  # 're 've 'll
                return i + 3
    k = _cls(c)
    if k == SPACE:
        if c == 32 and i + 1 < e and _cls(buf[i + 1]) != SPACE:  # a space joins the run after it
            k = _cls(buf[i + 1])
            j = i + 2
            while j < e and _cls(buf[j]) == k:
                j += 1
            return j
        r = i + 1
        while r < e and _cls(buf[r]) == SPACE:
            r += 1
        if r == e or r - i == 1:
            return r
        return r - 1  # the last whitespace goes with what follows
    j = i + 1
    while j < e and _cls(buf[j]) == k:
        j += 1
    return j


# -- counting pre-tokens into a table that outlives one buffer ------------------------------------
# A table is four arrays: ``slots`` (2**bits int64, at most half of them used: the top 31 bits of
# a key's hash above its entry number, -1 when empty), ``entries`` (capacity, 4) int64 rows
# ``(start in keys, length, count, packed)``, ``keys`` (uint8: every distinct pre-token once, back
# to back, in the order first seen) and ``state`` int64 ``(entries, bytes of keys used, bits)``.
# A probe reads one slot until the hash bits agree; keys are copied into ``keys``, so a table
# counts buffer after buffer. A key of at most 7 bytes (most pre-tokens) is also ``packed``: its
# bytes and its length in one integer, which is both what it is compared by (one load from its
# row, on the line its count is on, instead of a walk through ``keys``) and what it is hashed
# from (one mix instead of a multiply per byte). 16 bytes of slots and 32 of entry per distinct
# pre-token.

_LOW32 = np.int64(0xFFFFFFFF)


@njit(cache=True)
def new_table():
    """An empty table: ``(slots, entries, keys, state)``."""
    bits = 16
    return (np.full(1 << bits, -1, dtype=np.int64), np.empty((1 << 14, 4), dtype=np.int64),
            np.empty(1 << 20, dtype=np.uint8), np.array([0, 0, bits], dtype=np.int64))


@njit(cache=True, inline="always")
def _key_hash(buf, i, j):
    """``(packed, hash)`` of the key ``buf[i:j]``: for at most 7 bytes, the bytes (first in the
    low byte) with the length plus one in the top byte (never 0, the packed value of longer
    keys), and that mixed (splitmix64's finaliser); else 0 and FNV-1a of the bytes."""
    length = j - i
    if length <= 7:
        p = np.uint64(length + 1) << np.uint64(56)
        for k in range(length):
            p |= np.uint64(buf[i + k]) << np.uint64(8 * k)
        x = p ^ (p >> np.uint64(30))
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        return np.int64(p), x ^ (x >> np.uint64(31))
    return np.int64(0), _fnv(buf, i, j)


@njit(cache=True, inline="always")
def _home(h, bits):
    """The first slot to probe: the top bits of the hash mixed once more (FNV's low bits mix
    poorly, and its top bits are the tag kept in the slot)."""
    return np.int64((h * MULT) >> np.uint64(64 - bits))


@njit(cache=True, inline="always")
def _tag(h):
    return np.int64(h >> np.uint64(33))


@njit(cache=True, inline="always")
def _find(slots, entries, keys, state, buf, i, length, p, h):
    """``(entry, slot)``: the entry of the key ``buf[i:i + length]`` (packed ``p``, hash ``h``),
    or -1 and the empty slot where it goes."""
    mask = (np.int64(1) << state[2]) - 1
    s = _home(h, state[2])
    tag = _tag(h)
    while slots[s] != -1:
        if (slots[s] >> 32) == tag:
            d = slots[s] & _LOW32
            if length <= 7:
                if entries[d, 3] == p:
                    return d, s
            elif entries[d, 1] == length and same_bytes(keys, entries[d, 0], buf, i, length):
                return d, s
        s = (s + 1) & mask
    return -1, s


@njit(cache=True)
def _make_room(slots, entries, keys, state, length):
    """Room for one more key of ``length`` bytes: the rows and key bytes grown by half when
    full, the slots doubled (and every key placed again) when one more would fill half of them;
    returns the arrays. Called before the key's slot is chosen, which the caller then looks for
    again (``_empty_slot``): the common path, a key stored in place, stays in the counting loop."""
    n, used, bits = state[0], state[1], state[2]
    if n >= _LOW32:
        raise ValueError("more than 4,294,967,295 distinct pre-tokens")
    if n == entries.shape[0]:
        grown = np.empty((n + n // 2, 4), dtype=np.int64)
        grown[:n] = entries[:n]
        entries = grown
    if used + length > keys.shape[0]:
        more = np.empty(max(keys.shape[0] + keys.shape[0] // 2, used + length), dtype=np.uint8)
        more[:used] = keys[:used]
        keys = more
    if 2 * (n + 1) > (np.int64(1) << bits):
        bits += 1
        state[2] = bits
        slots = np.full(np.int64(1) << bits, -1, dtype=np.int64)
        for d in range(n):
            a = entries[d, 0]
            h = _key_hash(keys, a, a + entries[d, 1])[1]
            slots[_empty_slot(slots, state, h)] = (_tag(h) << 32) | d
    return slots, entries, keys


@njit(cache=True)
def _needs_room(entries, keys, state, length):
    n = state[0]
    return n == entries.shape[0] or state[1] + length > keys.shape[0] or 2 * (n + 1) > (np.int64(1) << state[2])


@njit(cache=True)
def _empty_slot(slots, state, h):
    """The first empty slot of hash ``h``'s probe sequence."""
    mask = (np.int64(1) << state[2]) - 1
    s = _home(h, state[2])
    while slots[s] != -1:
        s = (s + 1) & mask
    return s


@njit(cache=True)
def _store(slots, entries, keys, state, buf, i, length, p, h, count, s):
    """A new entry for the key ``buf[i:i + length]`` in the empty slot ``s`` (room made)."""
    n, used = state[0], state[1]
    keys[used:used + length] = buf[i:i + length]
    entries[n, 0] = used
    entries[n, 1] = length
    entries[n, 2] = count
    entries[n, 3] = p
    slots[s] = (_tag(h) << 32) | n
    state[0] = n + 1
    state[1] = used + length


@njit(cache=True, nogil=True)
def count_into(slots, entries, keys, state, buf, ends, begin):
    """Count the pre-tokens of the ASCII texts ``buf[begin:ends[0]]``, ``buf[ends[0]:ends[1]]``,
    ... into the table; returns its arrays (reallocated when they grew). Without the GIL:
    threads count ranges of one buffer, each into a table of its own."""
    prev = begin
    for t in range(ends.shape[0]):
        e = ends[t]
        i = prev
        while i < e:
            j = token_end(buf, i, e)
            p, h = _key_hash(buf, i, j)
            length = j - i
            # _find written out, the rare growth in a call of its own, and the helpers compiled as
            # functions that LLVM inlines (Numba's own inline="always" of them, or _find called,
            # kept this loop 10-30% slower)
            mask = (np.int64(1) << state[2]) - 1
            s = _home(h, state[2])
            tag = _tag(h)
            found = -1
            while slots[s] != -1:
                if (slots[s] >> 32) == tag:
                    d = slots[s] & _LOW32
                    if length <= 7:
                        if entries[d, 3] == p:
                            found = d
                            break
                    elif entries[d, 1] == length and same_bytes(keys, entries[d, 0], buf, i, length):
                        found = d
                        break
                s = (s + 1) & mask
            if found >= 0:
                entries[found, 2] += 1
            else:
                if _needs_room(entries, keys, state, length):
                    slots, entries, keys = _make_room(slots, entries, keys, state, length)
                    s = _empty_slot(slots, state, h)
                _store(slots, entries, keys, state, buf, i, length, p, h, 1, s)
            i = j
        prev = e
    return slots, entries, keys


@njit(cache=True, nogil=True)
def add_keys(slots, entries, keys, state, buf, starts, lengths, counts):
    """Count ``counts[k]`` more of each key ``buf[starts[k]:starts[k] + lengths[k]]`` (another
    table's keys, or pre-tokens counted by the regular expression); returns the arrays."""
    for k in range(starts.shape[0]):
        a, length = starts[k], lengths[k]
        p, h = _key_hash(buf, a, a + length)
        d, s = _find(slots, entries, keys, state, buf, a, length, p, h)
        if d >= 0:
            entries[d, 2] += counts[k]
        else:
            if _needs_room(entries, keys, state, length):
                slots, entries, keys = _make_room(slots, entries, keys, state, length)
                s = _empty_slot(slots, state, h)
            _store(slots, entries, keys, state, buf, a, length, p, h, counts[k], s)
    return slots, entries, keys

"""Large buffers of the recurrent layers, reused from one call to the next.

Why: what a forward saves for backward (gates, h_prev, c_prev, ...) and the backward's
gate gradients are several MiB per layer call, and a fresh allocation is fresh pages: the
kernel zero-fills each 4 KiB page on first touch.  The medium LSTM's forward+backward
(11 MiB of them) took ~3,750 page faults per call, about 9 ms of a 30 ms two-thread call
on the development VM, and the split step threads took their faults inside the loop.
Blocks released here (when a tape dies, or at the end of a backward) are handed to the
next call asking for the same size, with their pages still mapped.

Only buffers that never leave ``_sequence`` come from here (never an output or a gradient
given to the caller), so a block is reused only once nothing can see it.  Idle blocks are
capped at IDLE_LIMIT bytes, the least recently released going first (calls whose sizes
change, packed batches of other lengths, do not pile up blocks nobody asks for again);
blocks below MIN_BYTES come from NumPy directly.

For a call whose steps may run split over two threads (``aligned``), the arrays start on a
64-byte cache line (``aligned_empty``; blocks kept for reuse always do): the two threads
write neighbouring column ranges of the same rows, and with NumPy's 16-byte alignment the
line at a range boundary would be written by both (false sharing; rows stay on lines when
their length is a multiple of 16 floats).  Other calls skip the ~1.5 us it costs an array.
"""

import collections
import weakref

import numpy as np

from nnx_layers._rnn._workers import child_safe_lock

MIN_BYTES = 256 * 1024
ALIGNMENT = 64
IDLE_LIMIT = 256 * 1024 * 1024
_IDLE = {}              # nbytes -> list of 1-D uint8 blocks of nbytes + ALIGNMENT
_RELEASED = collections.OrderedDict()     # id(block) -> block, least recently released first
_STATE = {"idle_bytes": 0}
_LOCK = child_safe_lock()


class Workspace:
    """The blocks one tape (or one backward) uses; ``release`` hands them back.  Arrays
    made by ``empty`` start on a cache line if ``aligned`` (blocks kept for reuse always
    do)."""

    def __init__(self, aligned=False):
        self._blocks = []
        self._small = aligned_empty if aligned else np.empty

    def empty(self, shape, dtype):
        """An uninitialised C-ordered array, from an idle block of the same size if any."""
        nbytes = _nbytes(shape, dtype)
        if nbytes < MIN_BYTES:
            return self._small(shape, dtype)
        with _LOCK:
            idle = _IDLE.get(nbytes)
            block = idle.pop() if idle else None
            if block is not None:
                del _RELEASED[id(block)]
                _STATE["idle_bytes"] -= block.nbytes
        if block is None:
            block = _new_block(nbytes)
        self._blocks.append(block)
        return _aligned_view(block, shape, dtype)

    def release(self):
        """Hand every block back; the arrays made from them must be unreachable by now."""
        blocks, self._blocks = self._blocks, []
        with _LOCK:
            for block in blocks:
                if block.nbytes > IDLE_LIMIT:
                    continue            # dropped: NumPy frees it
                while _STATE["idle_bytes"] + block.nbytes > IDLE_LIMIT:
                    _evict_oldest()
                _IDLE.setdefault(block.nbytes - ALIGNMENT, []).append(block)
                _RELEASED[id(block)] = block
                _STATE["idle_bytes"] += block.nbytes

    def release_with(self, owner):
        """Release once ``owner`` (the tape holding the arrays) is garbage."""
        weakref.finalize(owner, self.release)


def _evict_oldest():
    """Drop the least recently released idle block (the caller holds _LOCK)."""
    _, block = _RELEASED.popitem(last=False)
    same_size = _IDLE[block.nbytes - ALIGNMENT]
    del same_size[next(i for i, idle in enumerate(same_size) if idle is block)]
    _STATE["idle_bytes"] -= block.nbytes


def aligned_empty(shape, dtype):
    """An uninitialised C-ordered array starting on a cache line."""
    return _aligned_view(_new_block(_nbytes(shape, dtype)), shape, dtype)


def _nbytes(shape, dtype):
    count = 1
    for size in shape:          # (np.prod costs ~2 us on a tuple)
        count *= size
    return count * np.dtype(dtype).itemsize


def _new_block(nbytes):
    return np.empty(nbytes + ALIGNMENT, dtype=np.uint8)


def _aligned_view(block, shape, dtype):
    start = -block.ctypes.data % ALIGNMENT
    return block[start:start + block.shape[0] - ALIGNMENT].view(dtype).reshape(shape)


def idle_bytes():
    """Bytes held for reuse (tests)."""
    return _STATE["idle_bytes"]


def clear():
    """Drop every idle block."""
    with _LOCK:
        _IDLE.clear()
        _RELEASED.clear()
        _STATE["idle_bytes"] = 0

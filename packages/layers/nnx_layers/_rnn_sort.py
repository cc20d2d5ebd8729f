"""The order torch.sort(lengths, descending=True) gives on the CPU, ties included.

``pack_padded_sequence(..., enforce_sorted=False)`` stores torch.sort's permutation as
``sorted_indices``, so the rows of ``PackedSequence.data`` depend on how that sort breaks
ties between equal lengths.  torch's CPU kernel (``stable=False``) is libstdc++'s
``std::sort``: an introsort (median-of-three quicksort, heapsort past a depth limit) that
leaves runs of at most 16 elements to a final insertion sort.  Up to 16 keys that is a
stable sort; beyond, ties come out in the order this faithful transcription produces
(checked against torch 2.13 on 3000 random tie-heavy arrays of 1 to 300 keys).
"""

import numpy as np

__all__ = ["argsort_descending"]

_THRESHOLD = 16  # libstdc++'s _S_threshold


def argsort_descending(keys):
    """Indices that sort the int64 array ``keys`` in decreasing order, as torch.sort does."""
    keys = np.asarray(keys, dtype=np.int64)
    n = keys.shape[0]
    if n <= _THRESHOLD or np.unique(keys).size == n:
        # insertion sort alone (n <= 16), or no ties: every correct sort agrees
        return np.argsort(-keys, kind="stable")
    return np.asarray(_StdSort(keys.tolist()).run(), dtype=np.int64)


class _StdSort:
    """std::sort(first, last, greater) over (key, index) pairs, compared by key only."""

    def __init__(self, keys):
        self.k = keys
        self.v = list(range(len(keys)))

    def run(self):
        n = len(self.k)
        self._introsort(0, n, 2 * (n.bit_length() - 1))
        self._insertion_sort(0, _THRESHOLD)
        for i in range(_THRESHOLD, n):      # __unguarded_insertion_sort
            self._linear_insert(i)
        return self.v

    def _swap(self, i, j):
        k, v = self.k, self.v
        k[i], k[j] = k[j], k[i]
        v[i], v[j] = v[j], v[i]

    def _set(self, i, kv):
        self.k[i], self.v[i] = kv

    def _get(self, i):
        return self.k[i], self.v[i]

    def _introsort(self, first, last, depth):
        while last - first > _THRESHOLD:
            if depth == 0:
                self._heap_sort(first, last)
                return
            depth -= 1
            self._median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
            cut = self._partition(first + 1, last, first)
            self._introsort(cut, last, depth)
            last = cut

    def _median_to_first(self, result, a, b, c):
        k = self.k
        if k[a] > k[b]:
            if k[b] > k[c]:
                self._swap(result, b)
            elif k[a] > k[c]:
                self._swap(result, c)
            else:
                self._swap(result, a)
        elif k[a] > k[c]:
            self._swap(result, a)
        elif k[b] > k[c]:
            self._swap(result, c)
        else:
            self._swap(result, b)

    def _partition(self, first, last, pivot):
        k = self.k
        kp = k[pivot]
        while True:
            while k[first] > kp:
                first += 1
            last -= 1
            while kp > k[last]:
                last -= 1
            if not first < last:
                return first
            self._swap(first, last)
            first += 1

    def _adjust_heap(self, first, hole, length, kv):
        k = self.k
        top = child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if k[first + child] > k[first + child - 1]:
                child -= 1
            self._set(first + hole, self._get(first + child))
            hole = child
        if length % 2 == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            self._set(first + hole, self._get(first + child - 1))
            hole = child - 1
        parent = (hole - 1) // 2                # __push_heap
        while hole > top and k[first + parent] > kv[0]:
            self._set(first + hole, self._get(first + parent))
            hole = parent
            parent = (hole - 1) // 2
        self._set(first + hole, kv)

    def _heap_sort(self, first, last):
        length = last - first
        parent = (length - 2) // 2              # __make_heap
        while True:
            self._adjust_heap(first, parent, length, self._get(first + parent))
            if parent == 0:
                break
            parent -= 1
        while last - first > 1:                 # __sort_heap
            last -= 1
            kv = self._get(last)
            self._set(last, self._get(first))
            self._adjust_heap(first, 0, last - first, kv)

    def _linear_insert(self, i):
        k = self.k
        kv = self._get(i)
        j = i - 1
        while kv[0] > k[j]:
            self._set(j + 1, self._get(j))
            j -= 1
        self._set(j + 1, kv)

    def _insertion_sort(self, first, last):
        k, v = self.k, self.v
        for i in range(first + 1, last):
            if k[i] > k[first]:
                kv = self._get(i)
                k[first + 1:i + 1] = k[first:i]
                v[first + 1:i + 1] = v[first:i]
                self._set(first, kv)
            else:
                self._linear_insert(i)

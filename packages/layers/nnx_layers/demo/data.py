"""scikit-learn's handwritten digits as sequences: each 8x8 image is 8 time steps of 8 pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DigitSequences:
    """A train/test split: float32 images (N, 8 steps, 8 pixels) in [0, 1], int64 labels (N,)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def load_digit_sequences(test_fraction: float = 0.2, seed: int = 0) -> DigitSequences:
    """Split the 1,797 digits into train and test, each class in the same proportion in both.

    The split depends on ``seed`` only, so a run is reproducible; the data ships inside
    scikit-learn (``sklearn.datasets.load_digits``), nothing is downloaded.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError(
            "the nnx demo reads scikit-learn's bundled digits: pip install scikit-learn "
            '(or pip install "nnx-layers[demo]")'
        ) from error
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)  # pixel counts 0..16 -> [0, 1]
    labels = digits.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), dtype=bool)
    for digit in np.unique(labels):  # stratified: the same test share of every digit
        members = rng.permutation(np.flatnonzero(labels == digit))
        test[members[: round(len(members) * test_fraction)]] = True
    return DigitSequences(images[~test], labels[~test], images[test], labels[test])

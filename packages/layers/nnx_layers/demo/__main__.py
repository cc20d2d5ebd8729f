"""``python -m nnx_layers.demo``: the command-line face of :func:`nnx_layers.demo.run`."""

from __future__ import annotations

import argparse
import sys

from nnx_layers.demo.model import CELLS
from nnx_layers.demo.run import run


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnx_layers.demo",
        description="Train a recurrent classifier on scikit-learn's bundled digits with nnx, "
        "save it with nnx.save, reload it and (if torch is installed) load it into torch.nn.",
    )
    parser.add_argument("--epochs", type=positive_int, default=15, help="training epochs (15)")
    parser.add_argument("--hidden", type=positive_int, default=64, help="hidden units (64)")
    parser.add_argument("--cell", choices=CELLS, default="lstm", help="recurrent layer (lstm)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, init and batches")
    parser.add_argument("--out", help="checkpoint path (default: <tmp>/nnx-demo/digits_<cell>.pt)")
    args = parser.parse_args(argv)
    result = run(epochs=args.epochs, hidden=args.hidden, cell=args.cell, seed=args.seed,
                 out=args.out)
    return 0 if result.test_accuracy >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())

"""``python -m nnx_layers.demo``: the command-line face of :func:`nnx_layers.demo.run`."""

from __future__ import annotations

import argparse
import importlib.util
import sys

from nnx_layers.demo.model import CELLS

PROG = "python -m nnx_layers.demo"
# What the demo imports beyond nnx and nnx_layers (the "demo" extra): module -> pip name.
DEPENDENCIES = {"sklearn": "scikit-learn", "tqdm": "tqdm", "nnx_tools": "nnx-tools"}
TARGET_ACCURACY = 0.95  # what the default run reaches for every cell and seed


def count(minimum: int):
    """An argparse type: an integer of at least ``minimum``."""
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def missing_dependencies() -> list[str]:
    """The pip names of the demo's dependencies that cannot be imported here."""
    missing = []
    for module, package in DEPENDENCIES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(package)
    return missing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train a recurrent classifier on scikit-learn's bundled digits with nnx, "
        "save it with nnx.save, reload it and (if torch is installed) load it into torch.nn.",
    )
    parser.add_argument("--epochs", type=count(1), default=15, help="training epochs (15)")
    parser.add_argument("--hidden", type=count(1), default=64, help="hidden units (64)")
    parser.add_argument("--cell", choices=CELLS, default="lstm", help="recurrent layer (lstm)")
    parser.add_argument("--seed", type=count(0), default=0,
                        help="seed of the split, init and batches (0)")
    parser.add_argument("--out", metavar="PATH", help="checkpoint file, or a folder for "
                        "digits_<cell>.pt (default: <tmp>/nnx-demo/digits_<cell>.pt)")
    args = parser.parse_args(argv)
    missing = missing_dependencies()
    if missing:
        parser.exit(1, f"{PROG}: error: the demo needs {', '.join(missing)}: "
                       f"pip install {' '.join(missing)} (or pip install \"nnx-layers[demo]\")\n")

    from nnx_layers.demo.run import run

    result = run(epochs=args.epochs, hidden=args.hidden, cell=args.cell, seed=args.seed,
                 out=args.out)
    if result.test_accuracy < TARGET_ACCURACY:
        print(f"the test accuracy {result.test_accuracy:.2%} is under the "
              f"{TARGET_ACCURACY:.0%} the default run reaches (exit status 1)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

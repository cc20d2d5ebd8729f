"""Common layers against torch.nn in the same process: forward + backward of each.

Cases (float32 unless said, sizes of real models; the gradient is that of ``out.sum()``
with respect to the input and the parameters):
  Linear(512, 512) on (64, 512); BatchNorm2d(64) train, GroupNorm(8, 64), MaxPool2d(2)
  and Dropout(0.5) train on a (32, 64, 32, 32) batch of feature maps; LayerNorm(512) and
  GELU on (64, 128, 512) (a transformer's batch of 64 sequences of 128 tokens);
  Embedding(10000, 128) on (64, 50) int64 indices; CrossEntropyLoss on (256, 1000)
  logits; CTCLoss with T=100, N=16, C=30, S=20 (log_softmax'ed inputs).

torch runs on 1 thread (``_timing``); the libraries alternate in one process, each
figure is a median.  Without torch, nnx's figures alone are printed.
"""

import argparse
import importlib
import os
import sys

# _timing sits next to this file (found also under runpy.run_path, which does not put
# the script's folder on sys.path)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, report, try_import_torch  # noqa: E402

MAPS = (32, 64, 32, 32)
TOKENS = (64, 128, 512)
CTC_T, CTC_N, CTC_C, CTC_S = 100, 16, 30, 20


def _step(inputs, params, loss_fn):
    """A forward+backward closure: clears the gradients, then backpropagates ``loss_fn()``."""
    leaves = list(inputs) + list(params)

    def run():
        for t in leaves:
            t.grad = None
        loss_fn().backward()
    return run


def _module_case(lib, module, shape):
    x = lib.randn(*shape, requires_grad=True)
    return _step([x], module.parameters(), lambda: module(x).sum())


def _embedding_case(lib):
    emb = lib.nn.Embedding(10000, 128)
    idx = lib.randint(0, 10000, (64, 50))          # int64, as torch's default
    return _step([], emb.parameters(), lambda: emb(idx).sum())


def _cross_entropy_case(lib):
    logits = lib.randn(256, 1000, requires_grad=True)
    target = lib.randint(0, 1000, (256,))
    loss = lib.nn.CrossEntropyLoss()
    return _step([logits], [], lambda: loss(logits, target))


def _ctc_case(lib):
    logits = lib.randn(CTC_T, CTC_N, CTC_C)
    log_probs = logits.log_softmax(2).detach().requires_grad_()
    targets = lib.randint(1, CTC_C, (CTC_N, CTC_S))
    input_lengths = lib.full((CTC_N,), CTC_T, dtype=lib.int64)
    target_lengths = lib.randint(CTC_S // 2, CTC_S + 1, (CTC_N,))
    loss = lib.nn.CTCLoss()
    return _step([log_probs], [],
                 lambda: loss(log_probs, targets, input_lengths, target_lengths))


def cases(lib):
    lib.manual_seed(0)
    nn = lib.nn
    dropout = nn.Dropout(0.5)
    dropout.train()
    batch_norm = nn.BatchNorm2d(64)
    batch_norm.train()
    return {
        "Linear(512, 512) (64, 512)": _module_case(lib, nn.Linear(512, 512), (64, 512)),
        "BatchNorm2d(64) train": _module_case(lib, batch_norm, MAPS),
        "LayerNorm(512) (64, 128, 512)": _module_case(lib, nn.LayerNorm(512), TOKENS),
        "GroupNorm(8, 64)": _module_case(lib, nn.GroupNorm(8, 64), MAPS),
        "Embedding(10000, 128) (64, 50)": _embedding_case(lib),
        "CrossEntropyLoss (256, 1000)": _cross_entropy_case(lib),
        "MaxPool2d(2)": _module_case(lib, nn.MaxPool2d(2), MAPS),
        "Dropout(0.5) train": _module_case(lib, dropout, MAPS),
        f"CTCLoss T={CTC_T} N={CTC_N} C={CTC_C} S={CTC_S}": _ctc_case(lib),
        "GELU (64, 128, 512)": _module_case(lib, nn.GELU(), TOKENS),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("nnx", "torch"), help="time one library only")
    parser.add_argument("-k", dest="keyword", default="",
                        help="time only the cases whose name contains this text")
    args = parser.parse_args(argv)
    per_lib = {}
    if args.only != "torch":
        per_lib["nnx"] = cases(importlib.import_module("nnx"))
    if args.only != "nnx":
        torch = try_import_torch()
        if torch is not None:
            per_lib["torch"] = cases(torch)
    rows = compare(per_lib, 1e3, "ms", args.keyword, rounds=3, repeat=5, warmup=1,
                   pause=0.1)
    report("layers, forward + backward (float32, torch on 1 thread)", rows)


if __name__ == "__main__":
    main()
